//! One diagnostic: its severity, code, place, message, help and notes, and the builders
//! every stage uses to report a problem and keep going. The renderers read it; nothing
//! here knows how it is printed beyond the word for its severity.

use crate::code::Code;
use crate::source::Span;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A line and column (1-based, columns in characters) in a file whose text is not loaded,
/// such as one that is not UTF-8: a place to jump to, with no snippet to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u32,
    pub column: u32,
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
    /// For diagnostics without a span about an intent file: where in it (1:1 for a problem
    /// with the whole file). `None` for paths that are not intent files (a folder, OUT).
    pub position: Option<Position>,
    pub message: String,
    /// Boxed, to keep a diagnostic small enough to return by value.
    pub help: Option<Box<str>>,
    pub notes: Vec<Note>,
}

impl Diagnostic {
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            span: Some(span),
            path: None,
            position: None,
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
            position: None,
            message: message.into(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// An error about the intent file at PATH as a whole, or at a LINE and COLUMN of it that
    /// has no snippet to show: it is placed at `PATH:LINE:COL` like every other diagnostic.
    pub fn file_error(
        code: Code,
        path: impl Into<String>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            position: Some(Position {
                line: line as u32,
                column: column as u32,
            }),
            ..Diagnostic::path_error(code, path, message)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into().into_boxed_str());
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
        self.help = Some(message.into().into_boxed_str());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

pub(crate) fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}
