//! Why a `diff` template could not be read or rendered, said the way meshward says every
//! error: the template's `FILE:LINE:COL`, one sentence, and a hint, in the same text,
//! JSON and GitHub forms as diagnostics (exit 2). minijinja's own error text names its
//! internal template name and spans several lines; a reviewer wants the file they wrote.

use crate::diagnostic::{self, Format, Position};
use crate::source::SourceFile;

/// What the context offers, for the hint under an unknown name.
const CONTEXT_HINT: &str = "the context holds `changes`, `counts`, `widens`, `base`, `dir`, \
     `nodes` and `edges` (docs/cli.md, section Templates); test a name that may be missing \
     with `is defined`";

/// A template error, placed in the template file when minijinja knows where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    /// The template as the user named it (`--template FILE`), or the built-in's name.
    pub file: String,
    pub at: Option<Position>,
    pub message: String,
    pub help: Option<String>,
}

impl TemplateError {
    /// An error about the template file as a whole (missing, unreadable, too large).
    pub fn file(file: &str, message: String, help: &str) -> TemplateError {
        TemplateError {
            file: file.to_string(),
            at: None,
            message,
            help: Some(help.to_string()),
        }
    }

    /// A minijinja error while compiling or rendering `source`, read from `file`.
    pub fn from_minijinja(file: &str, source: &str, error: &minijinja::Error) -> TemplateError {
        use minijinja::ErrorKind as Kind;
        let text = SourceFile::new(file.to_string(), file.to_string(), source.to_string());
        let range = error
            .range()
            .filter(|r| r.start <= r.end && r.end <= source.len());
        let at = match (&range, error.line()) {
            (Some(r), _) => {
                let (line, column) = text.line_col(r.start);
                Some((line, column))
            }
            (None, Some(line)) => Some((line, 1)),
            (None, None) => None,
        }
        .map(|(line, column)| Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        });
        // The expression at fault, as written, when it is short enough to quote.
        let quoted = range
            .and_then(|r| source.get(r))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty() && s.len() <= 80 && !s.contains('\n'));
        let detail = error.detail().map(str::trim).filter(|d| !d.is_empty());
        let kind = error.kind();
        let message = match (kind, quoted, detail) {
            (Kind::UndefinedError, Some(q), _) => {
                format!("`{q}` is undefined in the template's context")
            }
            (Kind::UndefinedError, None, _) => {
                "a name is undefined in the template's context".to_string()
            }
            (Kind::SyntaxError, _, Some(d)) => format!("template syntax error: {d}"),
            (_, Some(q), Some(d)) => format!("{kind} in `{q}`: {d}"),
            (_, None, Some(d)) => format!("{kind}: {d}"),
            (_, Some(q), None) => format!("{kind} in `{q}`"),
            (_, None, None) => kind.to_string(),
        };
        let help = match kind {
            Kind::UndefinedError => Some(CONTEXT_HINT),
            Kind::SyntaxError => Some(
                "the template language is Jinja2 as minijinja implements it: `{{ value }}`, \
                 `{% for x in list %}...{% endfor %}`, `{% if test %}...{% endif %}`",
            ),
            Kind::UnknownFilter | Kind::UnknownTest | Kind::UnknownFunction => Some(
                "meshward adds the filters `code` and `cell` to minijinja's built-in filters, \
                 tests and functions (docs/cli.md, section Templates)",
            ),
            Kind::TemplateNotFound => Some(
                "a template is one file: `include`, `import` and `extends` have nothing to load",
            ),
            _ => None,
        };
        TemplateError {
            file: file.to_string(),
            at,
            message,
            help: help.map(str::to_string),
        }
    }

    /// The error in FORMAT, ready for stderr.
    pub fn render(&self, format: Format) -> String {
        diagnostic::render_failure_at(
            &self.file,
            self.at,
            &self.message,
            self.help.as_deref(),
            format,
        )
    }
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Format::Text))
    }
}

impl std::error::Error for TemplateError {}
