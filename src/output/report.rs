//! What a write tells its caller: the counts for the summary line, or why it failed.

use std::io;
use std::path::PathBuf;

/// Why a tree could not be written.
#[derive(Debug)]
pub enum WriteError {
    /// OUT exists and is not a folder.
    NotAFolder(PathBuf),
    /// A file meshward would write exists and was not made by meshward.
    Foreign(Vec<String>),
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::NotAFolder(p) => {
                write!(f, "{}: output path exists and is not a folder", p.display())
            }
            WriteError::Foreign(paths) => write!(
                f,
                "refusing to overwrite files meshward did not generate: {}",
                paths.join(", ")
            ),
            WriteError::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

/// What a write changed, for the summary line.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}
