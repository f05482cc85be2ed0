//! The human form of a diagnostic: `FILE:LINE:COL: error: MESSAGE [CODE]`, the offending
//! line with a caret under the span, help and notes; ANSI colours only when asked.

use super::record::{label, Diagnostic, Severity};
use crate::source::{SourceMap, Span};
use std::fmt::Write as _;

/// ANSI colours for a terminal; all empty when colour is off.
#[derive(Clone, Copy)]
struct Palette {
    error: &'static str,
    warning: &'static str,
    note: &'static str,
    bold: &'static str,
    reset: &'static str,
}

const PLAIN: Palette = Palette {
    error: "",
    warning: "",
    note: "",
    bold: "",
    reset: "",
};

const ANSI: Palette = Palette {
    error: "\x1b[1;31m",
    warning: "\x1b[1;33m",
    note: "\x1b[1;36m",
    bold: "\x1b[1m",
    reset: "\x1b[0m",
};

/// The human form: location line, snippet with caret, help and notes.
pub fn render_text(d: &Diagnostic, sources: &SourceMap) -> String {
    render_text_styled(d, sources, false)
}

/// [`render_text`], with ANSI colours when COLOUR is true (a terminal without NO_COLOR).
pub fn render_text_styled(d: &Diagnostic, sources: &SourceMap, colour: bool) -> String {
    let p = if colour { ANSI } else { PLAIN };
    let tint = match d.severity {
        Severity::Error => p.error,
        Severity::Warning => p.warning,
    };
    let mut out = String::new();
    let location = match d.span {
        Some(span) => {
            let f = sources.get(span.file);
            let (line, col) = f.line_col(span.start as usize);
            format!("{}:{}:{}", f.display, line, col)
        }
        None => {
            let path = d.path.as_deref().unwrap_or("meshward");
            match d.position {
                Some(at) => format!("{path}:{}:{}", at.line, at.column),
                None => path.to_string(),
            }
        }
    };
    let _ = writeln!(
        out,
        "{}{location}:{} {tint}{}:{} {}{}{} [{}]",
        p.bold,
        p.reset,
        label(d.severity),
        p.reset,
        p.bold,
        d.message,
        p.reset,
        d.code
    );
    if let Some(span) = d.span {
        snippet(&mut out, sources, span, tint, p.reset);
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "  = {}help:{} {help}", p.note, p.reset);
    }
    for note in &d.notes {
        let f = sources.get(note.span.file);
        let (line, col) = f.line_col(note.span.start as usize);
        let _ = writeln!(
            out,
            "{}{}:{}:{}:{} {}note:{} {}",
            p.bold, f.display, line, col, p.reset, p.note, p.reset, note.message
        );
        snippet(&mut out, sources, note.span, p.note, p.reset);
    }
    out
}

fn snippet(out: &mut String, sources: &SourceMap, span: Span, tint: &str, reset: &str) {
    let f = sources.get(span.file);
    let (line, col) = f.line_col(span.start as usize);
    let text = f.line_text(line);
    let (end_line, end_col) = f.line_col(span.end as usize);
    let width = if end_line == line && end_col > col {
        end_col - col
    } else {
        1
    };
    let gutter = line.to_string().len();
    // Tabs stay tabs under the caret so the caret lines up in any terminal.
    let pad: String = text
        .chars()
        .take(col - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let printable: String = text
        .chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    let _ = writeln!(out, "{:gutter$} |", "");
    let _ = writeln!(out, "{line} | {printable}");
    let _ = writeln!(
        out,
        "{:gutter$} | {pad}{tint}{}{reset}",
        "",
        "^".repeat(width)
    );
}
