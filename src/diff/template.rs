//! The changes through a minijinja template: `diff --template FILE`, and the built-in
//! pull request comment of `--format markdown`, which is itself such a template so that
//! a team's own comment starts from a working copy of it.
//!
//! Every template renders in one environment: an undefined name is an error (a typo in a
//! template must not print an empty cell in a security review), block tags take their
//! line with them (`trim_blocks`, `lstrip_blocks`) and a final newline is kept, so a
//! template reads like its output; nothing is escaped behind the author's back (the
//! output is Markdown or plain text, not HTML). A template is one file: there is no
//! loader for `include` or `import`.
//!
//! A template must not crash nor hang meshward whatever it holds: it runs inside the
//! limits of [`crate::template`].

use super::context::Context;
use super::template_error::TemplateError;
use crate::template::{self as limits, ReadError, Stopped, MAX_TEMPLATE_BYTES};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, Value};
use std::borrow::Cow;
use std::path::Path;

/// The built-in pull request comment (`--format markdown`).
const COMMENT: &str = include_str!("templates/comment.md.jinja");

/// The most a template may print: far more than any comment (GitHub takes 65,536
/// characters), far less than what exhausts memory.
const MAX_OUTPUT_BYTES: usize = 16 * 1024 * 1024;

/// A template's text and the name its errors are reported under.
#[derive(Clone, Debug)]
pub struct Template {
    /// The path as the user gave it, or `built-in comment.md.jinja`.
    name: String,
    source: String,
}

impl Template {
    /// The built-in Markdown comment.
    pub fn builtin() -> Template {
        Template {
            name: "built-in comment.md.jinja".to_string(),
            source: COMMENT.to_string(),
        }
    }

    /// Read and compile the template at `path`, so that a broken template fails before any
    /// git work; syntax errors are placed in the file.
    pub fn read(path: &Path) -> Result<Template, TemplateError> {
        let name = path.to_string_lossy().into_owned();
        let source = limits::read(path).map_err(|e| match e {
            ReadError::Unreadable(e) => TemplateError::file(
                &name,
                format!("the template cannot be read: {}", io_reason(&e)),
                "`--template FILE` names a Jinja2 template file, relative to the current folder",
            ),
            ReadError::TooLarge => TemplateError::file(
                &name,
                format!("the template is larger than {MAX_TEMPLATE_BYTES} bytes"),
                "a comment template is a page of text; split out what it does not need",
            ),
            ReadError::NotUtf8 => TemplateError::file(
                &name,
                "the template is not UTF-8".to_string(),
                "save the template as UTF-8",
            ),
        })?;
        let template = Template { name, source };
        template.on_large_stack(|| {
            let env = environment();
            env.template_from_named_str(&template.name, &template.source)
                .map(|_| ())
                .map_err(|e| template.error(&e))
        })?;
        Ok(template)
    }

    /// The template rendered with `context`.
    pub fn render(&self, context: &Context) -> Result<String, TemplateError> {
        self.on_large_stack(|| {
            let env = environment();
            let compiled = env
                .template_from_named_str(&self.name, &self.source)
                .map_err(|e| self.error(&e))?;
            limits::render(&compiled, Value::from(Serde(context)), MAX_OUTPUT_BYTES).map_err(|e| {
                match e {
                    limits::RenderError::Engine(e) => self.error(&e),
                    limit => TemplateError::file(
                        &self.name,
                        limit.limit().unwrap_or_default(),
                        "look for a loop that never ends or repeats far more than the changes",
                    ),
                }
            })
        })
    }

    /// `work` on the template's own thread (see [`limits::on_large_stack`]).
    fn on_large_stack<T: Send>(
        &self,
        work: impl FnOnce() -> Result<T, TemplateError> + Send,
    ) -> Result<T, TemplateError> {
        limits::on_large_stack(work).unwrap_or_else(|stopped| {
            let message = match stopped {
                Stopped::Panicked => "internal error: the template engine stopped",
                Stopped::NotRun => "internal error: the template could not be run",
            };
            Err(TemplateError::file(
                &self.name,
                message.to_string(),
                "this is a bug in meshward; please report it with the template",
            ))
        })
    }

    fn error(&self, e: &minijinja::Error) -> TemplateError {
        TemplateError::from_minijinja(&self.name, &self.source, e)
    }
}

/// The environment every template renders in (see the module comment).
fn environment() -> Environment<'static> {
    let mut env = limits::environment();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    if let Ok(syntax) = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    env.add_filter("cell", cell);
    env.add_filter("code", code);
    env
}

/// `cell`: text a Markdown table cell can hold (`|` escaped, line breaks as spaces).
fn cell(text: Cow<'_, str>) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `code`: a table cell as inline code.
fn code(text: Cow<'_, str>) -> String {
    format!("`{}`", cell(text))
}

/// An I/O error as the end of a sentence, without the OS error number.
fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = e.to_string();
            let text = match text.find(" (os error") {
                Some(end) => &text[..end],
                None => text.as_str(),
            };
            let mut chars = text.chars();
            chars
                .next()
                .map(|first| first.to_lowercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}
