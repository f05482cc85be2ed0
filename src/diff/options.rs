//! What `meshward diff` is asked to do: the folder, the base revision, the output format
//! and whether a widening change fails the run. The format also decides how errors of
//! either side are printed.

use crate::diagnostic::Format as ErrorFormat;
use std::path::PathBuf;

/// What `meshward diff` compares, and how it answers.
#[derive(Clone, Debug)]
pub struct Options {
    /// Folder of `.intent` files, inside a git working tree.
    pub dir: PathBuf,
    /// The git revision to compare the working tree with (a branch, tag or commit).
    pub base: String,
    pub format: Format,
    /// Exit 1 when any change widens access (for a CI gate that asks for a review).
    pub exit_code: bool,
}

/// `text` for a terminal, `markdown` for a pull request comment, `json` for tools.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

impl Format {
    /// How errors are printed under this format: JSON for `json`, text otherwise.
    pub(crate) fn errors(self) -> ErrorFormat {
        match self {
            Format::Json => ErrorFormat::Json,
            Format::Text | Format::Markdown => ErrorFormat::Text,
        }
    }
}
