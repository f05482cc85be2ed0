//! Where `build` may write: refusals decided before anything is compiled or touched.
//!
//! Argo CD and Flux apply whatever lands in OUT, so a wrong OUT is worse than an error:
//! OUT must be (or become) a real folder of its own, outside the intents, and writing in
//! it must never follow a symbolic link somewhere else.

use std::fs;
use std::path::{Component, Path, PathBuf};

/// Why OUT was refused, in one sentence with the fix.
pub fn check_out(dir: &Path, out: &Path) -> Result<(), String> {
    if let Ok(meta) = fs::symlink_metadata(out) {
        if meta.file_type().is_symlink() {
            let target = fs::read_link(out).unwrap_or_default();
            let parent = absolute(out.parent().unwrap_or(Path::new(".")));
            let resolved =
                fs::canonicalize(out).unwrap_or_else(|_| absolute(&parent.join(&target)));
            if !resolved.starts_with(fs::canonicalize(&parent).unwrap_or(parent.clone())) {
                return Err(format!(
                    "output path is a symbolic link to `{}`, outside `{}`; pass the real folder instead",
                    target.display(),
                    parent.display()
                ));
            }
        }
        if !fs::metadata(out).map(|m| m.is_dir()).unwrap_or(false) {
            return Err("output path exists and is not a folder; pass a folder (it is created when missing)".into());
        }
    }
    let dir_real = fs::canonicalize(dir).unwrap_or_else(|_| absolute(dir));
    let out_real = resolve_missing(out);
    if out_real.starts_with(&dir_real) {
        return Err(format!(
            "output folder is inside the intent folder `{}`; write it beside the intents (e.g. `--out deploy/mesh`)",
            dir.display()
        ));
    }
    if dir_real.starts_with(&out_real) {
        return Err(format!(
            "the intent folder `{}` is inside the output folder; pass a separate output folder",
            dir.display()
        ));
    }
    if let Some(link) = symlink_inside(out) {
        return Err(format!(
            "`{}` inside the output folder is a symbolic link; meshward does not write through links",
            link.display()
        ));
    }
    Ok(())
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The canonical path of OUT, resolving the part that exists and appending the rest.
fn resolve_missing(out: &Path) -> PathBuf {
    let abs = absolute(out);
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while fs::metadata(&existing).is_err() {
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut real = fs::canonicalize(&existing).unwrap_or(existing);
    for part in rest.iter().rev() {
        real.push(part);
    }
    // `..` after a missing component cannot be resolved by the file system; drop it here.
    let mut clean = PathBuf::new();
    for c in real.components() {
        match c {
            Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    clean
}

/// The first symbolic link below OUT (its namespace folders and files), if any.
fn symlink_inside(out: &Path) -> Option<PathBuf> {
    let entries = fs::read_dir(out).ok()?;
    for entry in entries.flatten() {
        let kind = entry.file_type().ok()?;
        if kind.is_symlink() {
            return Some(entry.path());
        }
        if kind.is_dir() {
            if let Some(found) = symlink_inside(&entry.path()) {
                return Some(found);
            }
        }
    }
    None
}
