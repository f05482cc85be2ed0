//! The report's text from its context and a template: the built-in HTML and Markdown
//! templates, or the user's `--template FILE` in their place, rendered by minijinja.
//!
//! The context is [`Report`] with two more values: `svg`, the picture as an SVG element
//! (marked safe, so an HTML template writes it as markup), and `mermaid`, the same graph as
//! `meshward graph` prints it, for Markdown that GitHub draws. A template is escaped for
//! HTML when its file name says HTML (`.html`, `.htm` or `.xml`, optionally followed by
//! `.jinja`, `.jinja2` or `.j2`), so a user template behaves as its name promises.
//!
//! A template must not crash nor hang meshward whatever it holds: it is read and runs
//! inside the limits of [`crate::template`], the built-in ones too.

use super::model::Report;
use crate::template::{self as limits, ReadError, RenderError, Stopped, MAX_TEMPLATE_BYTES};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{context, AutoEscape, Value};
use std::path::Path;

const HTML: &str = include_str!("templates/report.html.jinja");
const MARKDOWN: &str = include_str!("templates/report.md.jinja");

/// The most a template may print: the HTML report of 10,000 services is about 31 MiB,
/// and what exhausts memory is far more.
const MAX_OUTPUT_BYTES: usize = 256 * 1024 * 1024;

/// Which built-in template `--format` picks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Markdown,
}

/// A template to render with: a built-in one, or a user's file by name and text.
#[derive(Clone, Debug)]
pub enum Template {
    Builtin(Format),
    /// The name errors and escaping go by (the path as given), and the text.
    File {
        name: String,
        text: String,
    },
}

impl Template {
    /// The template file at PATH, named as given.
    pub fn read(path: &Path) -> Result<Template, TemplateError> {
        let name = path.display().to_string();
        let message = match limits::read(path) {
            Ok(text) => return Ok(Template::File { name, text }),
            Err(ReadError::Unreadable(e)) => format!("cannot read the template: {e}"),
            Err(ReadError::TooLarge) => {
                format!("the template is larger than {MAX_TEMPLATE_BYTES} bytes")
            }
            Err(ReadError::NotUtf8) => "cannot read the template: it is not UTF-8".to_string(),
        };
        Err(TemplateError {
            name,
            line: None,
            message,
        })
    }
}

/// A template that does not compile or render: where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    /// The template's name: the path as given, or the built-in's file name.
    pub name: String,
    /// The 1-based line, when minijinja knows it.
    pub line: Option<usize>,
    pub message: String,
}

impl TemplateError {
    /// `name:line` (or the name alone): where a reader looks.
    pub fn place(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.name),
            None => self.name.clone(),
        }
    }
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: error: {}", self.place(), self.message)
    }
}

/// Whether a template of this name is escaped for HTML.
fn escape_for(name: &str) -> AutoEscape {
    let base = [".jinja", ".jinja2", ".j2"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
        .unwrap_or(name);
    match base.rsplit('.').next() {
        Some("html" | "htm" | "xml") => AutoEscape::Html,
        _ => AutoEscape::None,
    }
}

/// The `cell` filter: TEXT in a Markdown table cell, where `|` would end the cell and a
/// line break the row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// REPORT through TEMPLATE; SVG and MERMAID are the picture in its two forms.
pub fn render(
    report: &Report,
    svg: String,
    mermaid: String,
    template: &Template,
) -> Result<String, TemplateError> {
    let (name, text) = match template {
        Template::Builtin(Format::Html) => ("report.html.jinja", HTML),
        Template::Builtin(Format::Markdown) => ("report.md.jinja", MARKDOWN),
        Template::File { name, text } => (name.as_str(), text.as_str()),
    };
    let failed = |e: minijinja::Error| TemplateError {
        name: e.name().unwrap_or(name).to_string(),
        line: e.line(),
        message: match e.detail() {
            Some(detail) => format!("{}: {detail}", e.kind()),
            None => e.kind().to_string(),
        },
    };
    let whole = |message: String| TemplateError {
        name: name.to_string(),
        line: None,
        message,
    };
    let run = || {
        let mut env = limits::environment();
        env.set_auto_escape_callback(escape_for);
        // Templates end with a line break, and so does what they print.
        let syntax = SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()
            .map_err(failed)?;
        env.set_syntax(syntax);
        env.add_filter("cell", cell);
        let compiled = env.template_from_named_str(name, text).map_err(failed)?;
        let ctx = context! {
            ..Value::from(Serde(report)),
            ..context! {
                svg => Value::from_safe_string(svg),
                mermaid => mermaid,
            }
        };
        limits::render(&compiled, ctx, MAX_OUTPUT_BYTES).map_err(|e| match e {
            RenderError::Engine(e) => failed(e),
            limit => whole(limit.limit().unwrap_or_default()),
        })
    };
    limits::on_large_stack(run).unwrap_or_else(|stopped| {
        Err(whole(match stopped {
            Stopped::Panicked => "internal error: the template engine stopped".to_string(),
            Stopped::NotRun => "internal error: the template could not be run".to_string(),
        }))
    })
}
