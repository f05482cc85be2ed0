//! One JSON object per diagnostic, for tools: the fields docs/cli.md lists.

use super::record::{Diagnostic, Position, Severity};
use crate::code::Code;
use crate::source::SourceMap;
use serde::Serialize;

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    severity: Severity,
    /// Null for errors outside the intents, which have no code.
    code: Option<Code>,
    message: &'a str,
    help: Option<&'a str>,
    /// The other places a diagnostic names, such as the first of two declarations.
    notes: Vec<JsonNote<'a>>,
}

#[derive(Serialize)]
struct JsonNote<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

/// One JSON object per diagnostic, for tools.
pub fn render_json(d: &Diagnostic, sources: &SourceMap) -> String {
    let (file, line, column, end_line, end_column) = match d.span {
        Some(span) => {
            let f = sources.get(span.file);
            let (l, c) = f.line_col(span.start as usize);
            let (el, ec) = f.line_col(span.end as usize);
            (f.display.as_str(), l, c, el, ec)
        }
        None => {
            let (line, column) = d
                .position
                .map_or((0, 0), |at| (at.line as usize, at.column as usize));
            (d.path.as_deref().unwrap_or(""), line, column, line, column)
        }
    };
    let json = JsonDiagnostic {
        file,
        line,
        column,
        end_line,
        end_column,
        severity: d.severity,
        code: Some(d.code),
        message: &d.message,
        help: d.help.as_deref(),
        notes: d
            .notes
            .iter()
            .map(|n| {
                let f = sources.get(n.span.file);
                let (line, column) = f.line_col(n.span.start as usize);
                let (end_line, end_column) = f.line_col(n.span.end as usize);
                JsonNote {
                    file: &f.display,
                    line,
                    column,
                    end_line,
                    end_column,
                    message: &n.message,
                }
            })
            .collect(),
    };
    serde_json::to_string(&json).unwrap_or_default()
}

/// An error about PATH with neither position nor code, in the same shape.
pub(crate) fn codeless(path: &str, message: &str, help: Option<&str>) -> String {
    codeless_at(path, None, message, help)
}

/// An error with no code at a place in a file that is not an intent (a `diff` template);
/// `line` and `column` are 0 without a position.
pub(crate) fn codeless_at(
    path: &str,
    at: Option<Position>,
    message: &str,
    help: Option<&str>,
) -> String {
    let (line, column) = at.map_or((0, 0), |at| (at.line as usize, at.column as usize));
    let json = JsonDiagnostic {
        file: path,
        line,
        column,
        end_line: line,
        end_column: column,
        severity: Severity::Error,
        code: None,
        message,
        help,
        notes: Vec::new(),
    };
    serde_json::to_string(&json).unwrap_or_default()
}
