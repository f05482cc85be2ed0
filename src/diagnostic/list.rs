//! Operations on a whole run's diagnostics: the order a reader scans them in, and the
//! closing count printed after them.

use super::record::Diagnostic;
use crate::source::SourceMap;

/// Order diagnostics as a reader scans the tree: by file path, then by position.
pub fn sort(diagnostics: &mut [Diagnostic], sources: &SourceMap) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            let path = match (d.span, &d.path) {
                (Some(s), _) => sources.get(s.file).display.clone(),
                (None, Some(p)) => p.clone(),
                (None, None) => String::new(),
            };
            // A file's position-only diagnostics (it could not be read) come before any
            // spanned ones; a file has one or the other.
            (path, d.position, d.span.map(|s| (s.start, s.end)))
        };
        key(a).cmp(&key(b))
    });
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
