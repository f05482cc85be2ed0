//! Where the checker's helpers report: each one adds diagnostics with a span and returns,
//! so the walk goes on and a run shows every error at once. Parallel passes fill one sink
//! per service and the caller appends them in file order.

use super::names;
use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::source::Span;

/// Collects diagnostics for one run.
#[derive(Default)]
pub(crate) struct Sink {
    pub diagnostics: Vec<Diagnostic>,
}

impl Sink {
    pub fn error(&mut self, code: Code, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::error(code, span, message));
        self.diagnostics.last_mut().expect("just pushed")
    }

    pub fn warning(
        &mut self,
        code: Code,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::warning(code, span, message));
        self.diagnostics.last_mut().expect("just pushed")
    }

    /// How many errors were reported so far: a pass compares two counts to learn whether
    /// a declaration had errors, so that later passes do not judge what it left out.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Report a `names` problem at a span; true when there was none.
    pub fn ok(&mut self, code: Code, span: Span, result: Result<(), names::NameError>) -> bool {
        match result {
            Ok(()) => true,
            Err((message, help)) => {
                let d = self.error(code, span, message);
                if let Some(help) = help {
                    d.help(help);
                }
                false
            }
        }
    }
}
