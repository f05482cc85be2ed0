//! Errors that are not about a place in the intents and have no code: OUT refused or not
//! writable, a question `explain` cannot answer, and self-check faults (meshward's own
//! output disagreeing with the intents), and errors in the other files a command reads (a
//! `diff --template` template), which have a place but no code. Printed in the same
//! formats as diagnostics.

use super::format::Format;
use super::github::{github_command, github_property};
use super::json;
use super::record::Position;
use std::fmt::Write as _;

/// An error about PATH outside the intents (OUT refused or not writable, a question
/// `explain` cannot answer), which no code names, in FORMAT: `PATH: error: MESSAGE` as
/// text, otherwise the shape of a diagnostic without a position or code.
pub fn render_failure(path: &str, message: &str, format: Format) -> String {
    match format {
        Format::Text => format!("{path}: error: {message}\n"),
        Format::Json => json::codeless(path, message, None) + "\n",
        Format::Github => github_command(
            "error",
            vec![format!("file={}", github_property(path))],
            "meshward",
            message,
            None,
        ),
    }
}

/// An error at a place in a file that is not an intent (a `diff --template` template),
/// which no code names: `PATH:LINE:COL: error: MESSAGE` and a `help:` line as text, so
/// an editor jumps to it as to a diagnostic; otherwise the shape of a diagnostic without
/// a code. Without a position it is placed at PATH alone.
pub fn render_failure_at(
    path: &str,
    at: Option<Position>,
    message: &str,
    help: Option<&str>,
    format: Format,
) -> String {
    match format {
        Format::Text => {
            let mut out = match at {
                Some(at) => format!("{path}:{}:{}: error: {message}\n", at.line, at.column),
                None => format!("{path}: error: {message}\n"),
            };
            if let Some(help) = help {
                let _ = writeln!(out, "  = help: {help}");
            }
            out
        }
        Format::Json => json::codeless_at(path, at, message, help) + "\n",
        Format::Github => {
            let mut props = vec![format!("file={}", github_property(path))];
            if let Some(at) = at {
                props.push(format!("line={}", at.line));
                props.push(format!("col={}", at.column));
                props.push(format!("endLine={}", at.line));
                props.push(format!("endColumn={}", at.column));
            }
            github_command("error", props, "meshward", message, help)
        }
    }
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
                    json::codeless("meshward", &message, Some(FAULT_HELP))
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
