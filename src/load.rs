//! Finding and reading the intent files under DIR.
//!
//! Files are read in path order, so every later stage sees the same order whatever the
//! file system returns. Hidden entries (`.git`) are skipped. Symlinked files are read;
//! symlinked folders are not followed, since a link back up the tree would loop.

use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{display_path, SourceFile, SourceMap};
use rayon::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

pub const EXTENSION: &str = "intent";

/// Files larger than this are refused before parsing: an intent file is a few dozen lines,
/// and a multi-megabyte one is a mistake (a binary, a log) rather than a policy.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// Read every `*.intent` file below `dir` into a source map.
pub fn load(dir: &Path, sources: &mut SourceMap) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let shown = dir.to_string_lossy().into_owned();
    match fs::metadata(dir) {
        Err(_) => {
            diagnostics.push(
                Diagnostic::path_error(Code::NoIntents, &shown, "intent folder does not exist")
                    .with_help("pass the folder that holds your `.intent` files"),
            );
            return diagnostics;
        }
        Ok(m) if !m.is_dir() => {
            diagnostics.push(
                Diagnostic::path_error(Code::NoIntents, &shown, "not a folder").with_help(
                    "pass the folder that holds your `.intent` files, not a single file",
                ),
            );
            return diagnostics;
        }
        Ok(_) => {}
    }
    let mut found = Vec::new();
    walk(dir, Path::new(""), &mut found, &mut diagnostics);
    found.sort();
    if found.is_empty() && diagnostics.is_empty() {
        diagnostics.push(
            Diagnostic::path_error(
                Code::NoIntents,
                &shown,
                "no `.intent` files found in this folder",
            )
            .with_help("each service is described by a file such as `shop/orders.intent`"),
        );
    }
    // Read and decode in parallel, then add in path order: file ids and diagnostics come
    // out as they would from a sequential read.
    let read: Vec<Result<SourceFile, Diagnostic>> = found
        .par_iter()
        .map(|relative| read_one(dir, relative))
        .collect();
    for file in read {
        match file {
            Ok(file) => {
                sources.add(file);
            }
            Err(d) => diagnostics.push(d),
        }
    }
    diagnostics
}

/// Read one intent file from disk and check it with [`source_file`].
fn read_one(dir: &Path, relative: &Path) -> Result<SourceFile, Diagnostic> {
    let display = display_path(dir, relative);
    let bytes = match fs::read(dir.join(relative)) {
        Ok(b) => b,
        Err(e) => {
            return Err(Diagnostic::file_error(
                Code::NoIntents,
                &display,
                1,
                1,
                format!("cannot read file: {e}"),
            ));
        }
    };
    let relative = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    source_file(display, relative, bytes)
}

/// One intent file from its bytes, wherever they were read (the disk, a git object):
/// within the size limit and UTF-8 (the error gives line and column), without a leading
/// byte-order mark. DISPLAY names it in diagnostics; RELATIVE is its path below DIR with
/// `/` separators.
pub fn source_file(
    display: String,
    relative: String,
    bytes: Vec<u8>,
) -> Result<SourceFile, Diagnostic> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::file_error(
            Code::FileTooLarge,
            &display,
            1,
            1,
            format!(
                "file is {} bytes; intent files are limited to {} bytes",
                bytes.len(),
                MAX_FILE_BYTES
            ),
        )
        .with_help(
            "an intent file describes one service in a few dozen lines; is this the right file?",
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            // Counted as every other diagnostic counts: CR, LF and CRLF end a line, and a
            // leading byte-order mark is not a column.
            let valid = String::from_utf8_lossy(&bytes[..at]).into_owned();
            let prefix = SourceFile::new(String::new(), String::new(), valid);
            let (line, column) = prefix.line_col(prefix.text.len());
            return Err(
                Diagnostic::file_error(
                    Code::NotUtf8,
                    &display,
                    line,
                    column,
                    format!(
                        "file is not valid UTF-8: byte 0x{:02X} at line {line}, column {column} (offset {at})",
                        bytes[at]
                    ),
                )
                .with_help("intent files are UTF-8 text; re-save the file as UTF-8"),
            );
        }
    };
    Ok(SourceFile::new(display, relative, text))
}

/// The `*.intent` files below `root.join(relative)`, as paths relative to ROOT, in the order
/// the folder lists them; hidden entries skipped, folder links not followed.
pub(crate) fn walk(
    root: &Path,
    relative: &Path,
    found: &mut Vec<PathBuf>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let here = root.join(relative);
    let entries = match fs::read_dir(&here) {
        Ok(e) => e,
        Err(e) => {
            diagnostics.push(Diagnostic::path_error(
                Code::NoIntents,
                here.to_string_lossy(),
                format!("cannot read folder: {e}"),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = relative.join(&name);
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let is_intent = Path::new(&name).extension().is_some_and(|e| e == EXTENSION);
        if kind.is_dir() {
            walk(root, &path, found, diagnostics);
        } else if kind.is_symlink() {
            // Follow links to files, never to folders.
            if is_intent && fs::metadata(root.join(&path)).is_ok_and(|m| m.is_file()) {
                found.push(path);
            }
        } else if is_intent && kind.is_file() {
            found.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::source_file;

    fn place(bytes: &[u8]) -> Option<(u32, u32)> {
        let d = source_file("f".into(), "f".into(), bytes.to_vec()).err()?;
        d.position.map(|p| (p.line, p.column))
    }

    #[test]
    fn a_bad_byte_is_placed_as_other_diagnostics_are() {
        assert_eq!(place(b"ab\ncd\xff"), Some((2, 3)));
        assert_eq!(place(b"\xef\xbb\xbfab\xff"), Some((1, 3)));
        assert_eq!(place(b"a\rb\xff"), Some((2, 2)));
        assert_eq!(place(b"a\r\nb\xff"), Some((2, 2)));
        assert_eq!(place(b"\xff"), Some((1, 1)));
    }
}
