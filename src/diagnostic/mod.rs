//! One diagnostic type and its renderers.
//!
//! Every stage reports problems as [`Diagnostic`]s and keeps going, so one run shows every
//! error it can find. The text form is the contract's `FILE:LINE:COL: error: MESSAGE`
//! followed by the offending line, a caret under the span and an optional `help:` line;
//! the renderer is hand-written because none of the snippet crates prints that first line.
//!
//! The forms live by noun: `text` for people, `json` for tools, `github` for
//! workflow annotations, and `failure` for errors that are not about the intents.

mod failure;
mod github;
mod json;
mod text;

pub use failure::{render_failure, render_faults};
pub use github::render_github;
pub use json::render_json;
pub use text::{render_text, render_text_styled};

use crate::code::Code;
use crate::source::{SourceMap, Span};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A secondary location, such as the first of two clashing declarations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The stable code, documented in docs/errors.md.
    pub code: Code,
    /// `None` for problems that are not inside a file (a missing folder, say).
    pub span: Option<Span>,
    /// For diagnostics without a span: the path they are about.
    pub path: Option<String>,
    pub message: String,
    pub help: Option<String>,
    pub notes: Vec<Note>,
}

impl Diagnostic {
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            span: Some(span),
            path: None,
            message: message.into(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    /// An error about a path rather than a place in a file.
    pub fn path_error(
        code: Code,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            span: None,
            path: Some(path.into()),
            message: message.into(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// In-place forms of the builders, for diagnostics already pushed into a list.
    pub fn note(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.notes.push(Note {
            span,
            message: message.into(),
        });
        self
    }

    pub fn help(&mut self, message: impl Into<String>) -> &mut Diagnostic {
        self.help = Some(message.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Order diagnostics as a reader scans the tree: by file path, then by position.
pub fn sort(diagnostics: &mut [Diagnostic], sources: &SourceMap) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            let path = match (d.span, &d.path) {
                (Some(s), _) => sources.get(s.file).display.clone(),
                (None, Some(p)) => p.clone(),
                (None, None) => String::new(),
            };
            (path, d.span.map(|s| (s.start, s.end)))
        };
        key(a).cmp(&key(b))
    });
}

pub(super) fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// How errors are printed: the `--format` of `build`, `check` and `explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Github,
}

/// A diagnostic in FORMAT, with colours in the text form when COLOUR is true.
pub fn render(d: &Diagnostic, sources: &SourceMap, format: Format, colour: bool) -> String {
    match format {
        Format::Text => render_text_styled(d, sources, colour),
        Format::Json => render_json(d, sources) + "\n",
        Format::Github => render_github(d, sources),
    }
}

/// The closing count, as cargo prints it.
pub fn summary(diagnostics: &[Diagnostic]) -> Option<String> {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => None,
        (0, w) => Some(format!("meshward: {}", plural(w, "warning"))),
        (e, 0) => Some(format!("meshward: {}", plural(e, "error"))),
        (e, w) => Some(format!(
            "meshward: {}, {}",
            plural(e, "error"),
            plural(w, "warning")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_read_the_same_in_every_command() {
        let text = render_faults(&["a", "b"], Format::Text);
        assert_eq!(
            text,
            "meshward: error: self-check failed: the rendered policies disagree with the intents\n  \
             a\n  b\nThis is a bug in meshward, not in your intents; nothing was written. \
             Please report it with the intent files.\n"
        );
        let json = render_faults(&["a", "b"], Format::Json);
        let lines: Vec<serde_json::Value> = json
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["severity"], "error");
        assert!(lines[1]["code"].is_null());
        assert_eq!(render_faults(&["a"], Format::Github).lines().count(), 1);
        assert_eq!(render_faults::<&str>(&[], Format::Text), "");
    }

    #[test]
    fn failures_outside_the_intents_follow_the_format() {
        assert_eq!(
            render_failure("out", "refused", Format::Text),
            "out: error: refused\n"
        );
        let json: serde_json::Value =
            serde_json::from_str(&render_failure("out", "refused", Format::Json)).expect("json");
        assert_eq!(json["file"], "out");
        assert_eq!(json["message"], "refused");
        assert_eq!(
            render_failure("a:b", "x", Format::Github),
            "::error file=a%3Ab,title=meshward::x\n"
        );
    }
}
