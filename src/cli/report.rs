//! Everything a command prints on stderr about what went wrong, in the user's `--format`.
//!
//! Diagnostics, errors outside the intents (OUT refused or not writable, a question
//! `explain` cannot answer) and self-check faults all go through one [`Reporter`], so
//! `--format json` prints one JSON object per error and `--format github` one workflow
//! command, whatever kind of error it is.

use super::args::OutputArgs;
use crate::diagnostic::{self, Diagnostic, Format};
use crate::exit::Exit;
use crate::source::SourceMap;
use std::io::Write;

/// Where and how one command reports: the format, `--quiet`, and colour.
pub struct Reporter {
    format: Format,
    quiet: bool,
    colour: bool,
}

impl Reporter {
    pub fn new(output: &OutputArgs) -> Reporter {
        Reporter {
            format: output.format,
            quiet: output.quiet,
            colour: output.colour(),
        }
    }

    /// The diagnostics (warnings only without `--quiet`), then the count in the text form.
    pub fn diagnostics(&self, diagnostics: &[Diagnostic], sources: &SourceMap) {
        let stderr = std::io::stderr();
        let mut err = stderr.lock();
        for d in diagnostics {
            if self.quiet && !d.is_error() {
                continue;
            }
            let text = diagnostic::render(d, sources, self.format, self.colour);
            let _ = err.write_all(text.as_bytes());
        }
        if self.format == Format::Text
            && (!self.quiet || diagnostics.iter().any(Diagnostic::is_error))
        {
            if let Some(summary) = diagnostic::summary(diagnostics) {
                let _ = writeln!(err, "{summary}");
            }
        }
    }

    /// An error about PATH that is not in the intents; the command exits 2.
    pub fn failure(&self, path: &str, message: impl std::fmt::Display) -> Exit {
        let text = diagnostic::render_failure(path, &message.to_string(), self.format);
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
        Exit::Input
    }

    /// Exit 3 when the self-check found faults (a meshward bug), after reporting them;
    /// nothing is written then.
    pub fn faults(&self, compiled: &crate::pipeline::Outcome) -> Option<Exit> {
        if compiled.faults.is_empty() {
            return None;
        }
        let text = diagnostic::render_faults(&compiled.faults, self.format);
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
        Some(Exit::Fault)
    }
}
