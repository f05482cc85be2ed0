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

use super::context::Context;
use super::template_error::TemplateError;
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use std::borrow::Cow;
use std::path::Path;

/// The built-in pull request comment (`--format markdown`).
const COMMENT: &str = include_str!("templates/comment.md.jinja");

/// A template file is read whole; one larger than an intent file may be is refused.
const MAX_TEMPLATE_BYTES: u64 = crate::load::MAX_FILE_BYTES as u64;

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
        let unreadable = |e: std::io::Error| {
            TemplateError::file(
                &name,
                format!("the template cannot be read: {}", io_reason(&e)),
                "`--template FILE` names a Jinja2 template file, relative to the current folder",
            )
        };
        let size = std::fs::metadata(path).map_err(unreadable)?.len();
        if size > MAX_TEMPLATE_BYTES {
            return Err(TemplateError::file(
                &name,
                format!("the template is larger than {MAX_TEMPLATE_BYTES} bytes"),
                "a comment template is a page of text; split out what it does not need",
            ));
        }
        let bytes = std::fs::read(path).map_err(unreadable)?;
        let Ok(text) = String::from_utf8(bytes) else {
            return Err(TemplateError::file(
                &name,
                "the template is not UTF-8".to_string(),
                "save the template as UTF-8",
            ));
        };
        let source = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
        let template = Template { name, source };
        let env = environment();
        env.template_from_named_str(&template.name, &template.source)
            .map_err(|e| template.error(&e))?;
        Ok(template)
    }

    /// The template rendered with `context`.
    pub fn render(&self, context: &Context) -> Result<String, TemplateError> {
        let env = environment();
        let compiled = env
            .template_from_named_str(&self.name, &self.source)
            .map_err(|e| self.error(&e))?;
        compiled
            .render(Value::from(Serde(context)))
            .map_err(|e| self.error(&e))
    }

    fn error(&self, e: &minijinja::Error) -> TemplateError {
        TemplateError::from_minijinja(&self.name, &self.source, e)
    }
}

/// The environment every template renders in (see the module comment).
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
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
            match text.find(" (os error") {
                Some(end) => text[..end].to_string(),
                None => text,
            }
        }
    }
}
