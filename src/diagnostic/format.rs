//! The `--format` choice for errors, shared by the diagnostic renderers and the failures
//! that are not about the intents, so both print in the same form.

/// How errors are printed: the `--format` of `build`, `check` and `explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Github,
}
