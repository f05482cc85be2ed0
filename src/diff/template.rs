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
//! A template must not crash meshward whatever it holds. minijinja bounds block nesting,
//! recursion and repeated strings itself; what is left is bounded here: the file's size
//! (so the nesting of one expression, which minijinja parses and drops recursively, is
//! bounded too), a thread with a stack that holds that nesting, no `namespace()` (the one
//! way to grow a value without bound across loop iterations, which would be dropped
//! recursively), and the size of the output.

use super::context::Context;
use super::template_error::TemplateError;
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};
use std::borrow::Cow;
use std::path::Path;

/// The built-in pull request comment (`--format markdown`).
const COMMENT: &str = include_str!("templates/comment.md.jinja");

/// A template file is read whole; a comment template is a page, 64 KiB is plenty.
const MAX_TEMPLATE_BYTES: u64 = 64 * 1024;

/// The stack of the thread that compiles and renders: every level of an expression's
/// nesting costs a few hundred bytes of it, and the file's size bounds the nesting, with a
/// wide margin.
const STACK_BYTES: usize = 256 * 1024 * 1024;

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
            let mut out = Capped::default();
            let rendered = compiled
                .render_captured_to(Value::from(Serde(context)), &mut out)
                .map(drop);
            match rendered {
                Ok(()) => Ok(String::from_utf8_lossy(&out.bytes).into_owned()),
                Err(_) if out.full => Err(TemplateError::file(
                    &self.name,
                    format!("the template printed more than {MAX_OUTPUT_BYTES} bytes"),
                    "look for a loop that never ends or repeats far more than the changes",
                )),
                Err(e) => Err(self.error(&e)),
            }
        })
    }

    /// `work` on a thread whose stack holds the deepest expression a template of at most
    /// [`MAX_TEMPLATE_BYTES`] can nest; on this thread where no such thread can be had (a
    /// system that refuses the reservation), and an error, never a crash, if it panics.
    fn on_large_stack<T: Send>(
        &self,
        work: impl FnOnce() -> Result<T, TemplateError> + Send,
    ) -> Result<T, TemplateError> {
        let slot = std::sync::Mutex::new(Some(work));
        let take = || slot.lock().ok().and_then(|mut w| w.take());
        let ran = std::thread::scope(|scope| {
            let spawned = std::thread::Builder::new()
                .name("template".into())
                .stack_size(STACK_BYTES)
                .spawn_scoped(scope, || take().map(|work| work()));
            spawned.ok().map(|thread| thread.join())
        });
        match ran {
            Some(Ok(Some(result))) => result,
            Some(Err(_)) | Some(Ok(None)) => Err(TemplateError::file(
                &self.name,
                "internal error: the template engine stopped".to_string(),
                "this is a bug in meshward; please report it with the template",
            )),
            None => match take() {
                Some(work) => work(),
                None => Err(TemplateError::file(
                    &self.name,
                    "internal error: the template could not be run".to_string(),
                    "this is a bug in meshward; please report it with the template",
                )),
            },
        }
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
    env.remove_global("namespace");
    env.add_filter("cell", cell);
    env.add_filter("code", code);
    env
}

/// The output of a render, which refuses to grow past [`MAX_OUTPUT_BYTES`].
#[derive(Default)]
struct Capped {
    bytes: Vec<u8>,
    /// Set when a write was refused, so the render error is told apart from others.
    full: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_OUTPUT_BYTES {
            self.full = true;
            return Err(std::io::Error::other("the output is too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
