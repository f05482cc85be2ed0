//! One diagnostic type and its renderers.
//!
//! Every stage reports problems as [`Diagnostic`]s and keeps going, so one run shows every
//! error it can find. The text form is the contract's `FILE:LINE:COL: error: MESSAGE`
//! followed by the offending line, a caret under the span and an optional `help:` line;
//! the renderer is hand-written because none of the snippet crates prints that first line.

use crate::code::Code;
use crate::source::{SourceMap, Span};
use serde::Serialize;
use std::fmt::Write as _;

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

fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

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
        None => d.path.as_deref().unwrap_or("meshward").to_string(),
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

/// A GitHub Actions workflow command, so the diagnostic shows inline on the pull request.
pub fn render_github(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut props = Vec::new();
    match d.span {
        Some(span) => {
            let f = sources.get(span.file);
            let (line, col) = f.line_col(span.start as usize);
            let (end_line, end_col) = f.line_col(span.end as usize);
            props.push(format!("file={}", github_property(&f.display)));
            props.push(format!("line={line}"));
            props.push(format!("col={col}"));
            props.push(format!("endLine={end_line}"));
            props.push(format!("endColumn={end_col}"));
        }
        None => {
            if let Some(path) = &d.path {
                props.push(format!("file={}", github_property(path)));
            }
        }
    }
    let title = format!("meshward {}", d.code);
    github_command(
        label(d.severity),
        props,
        &title,
        &d.message,
        d.help.as_deref(),
    )
}

/// Workflow-command escaping of data: %, CR and LF.
fn github_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow-command escaping of a property: as data, and also `:` and `,`.
fn github_property(s: &str) -> String {
    github_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `::KIND PROPS,title=TITLE::MESSAGE` with the help on a second line of the message.
fn github_command(
    kind: &str,
    mut props: Vec<String>,
    title: &str,
    message: &str,
    help: Option<&str>,
) -> String {
    props.push(format!("title={}", github_property(title)));
    let mut message = message.to_string();
    if let Some(help) = help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!("::{kind} {}::{}\n", props.join(","), github_data(&message))
}

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
        None => (d.path.as_deref().unwrap_or(""), 0, 0, 0, 0),
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
    };
    serde_json::to_string(&json).unwrap_or_default()
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

/// An error about PATH outside the intents (OUT refused or not writable, a question
/// `explain` cannot answer), which no code names, in FORMAT: `PATH: error: MESSAGE` as
/// text, otherwise the shape of a diagnostic without a position or code.
pub fn render_failure(path: &str, message: &str, format: Format) -> String {
    match format {
        Format::Text => format!("{path}: error: {message}\n"),
        Format::Json => failure_json(path, message, None) + "\n",
        Format::Github => github_command(
            "error",
            vec![format!("file={}", github_property(path))],
            "meshward",
            message,
            None,
        ),
    }
}

fn failure_json(path: &str, message: &str, help: Option<&str>) -> String {
    let json = JsonDiagnostic {
        file: path,
        line: 0,
        column: 0,
        end_line: 0,
        end_column: 0,
        severity: Severity::Error,
        code: None,
        message,
        help,
    };
    serde_json::to_string(&json).unwrap_or_default()
}

const FAULT: &str = "self-check failed: the rendered policies disagree with the intents";
const FAULT_HELP: &str = "This is a bug in meshward, not in your intents; nothing was written. \
     Please report it with the intent files.";

/// Self-check faults (meshward's output disagreeing with the intents: a bug in meshward)
/// in FORMAT: as text, one headline, the faults indented, and what to do; otherwise one
/// error per fault, shaped as a diagnostic about `meshward` without a position or code.
pub fn render_faults<F: std::fmt::Display>(faults: &[F], format: Format) -> String {
    if faults.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    match format {
        Format::Text => {
            let _ = writeln!(out, "meshward: error: {FAULT}");
            for fault in faults {
                let _ = writeln!(out, "  {fault}");
            }
            let _ = writeln!(out, "{FAULT_HELP}");
        }
        Format::Json => {
            for fault in faults {
                let message = format!("{FAULT}: {fault}");
                let _ = writeln!(
                    out,
                    "{}",
                    failure_json("meshward", &message, Some(FAULT_HELP))
                );
            }
        }
        Format::Github => {
            for fault in faults {
                let message = format!("{FAULT}: {fault}");
                out.push_str(&github_command(
                    "error",
                    Vec::new(),
                    "meshward self-check",
                    &message,
                    Some(FAULT_HELP),
                ));
            }
        }
    }
    out
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
