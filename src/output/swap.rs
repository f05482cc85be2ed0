//! Swapping a whole new tree in: the previous tree stays whole until the new one is
//! complete, whatever fails or whoever kills the process.
//!
//! The new tree is built in a hidden folder beside OUT: files meshward did not generate are
//! hard-linked in from OUT (so they are the very same files, untouched), unchanged generated
//! files are linked too, changed ones are written, stale ones are left out. Then the two
//! folders are exchanged in one `renameat2(RENAME_EXCHANGE)` and the old tree is removed.
//! Where the exchange is not available the swap is two renames, rolled back on failure.

use super::manifest::is_generated;
use super::report::{WriteError, WriteReport};
use super::tree::Tree;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub(crate) enum Error {
    /// OUT cannot be swapped here; the caller writes in place instead.
    Unsupported,
    Failed(WriteError),
}

fn failed(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |e| Error::Failed(WriteError::Io(path.to_path_buf(), e))
}

/// Build the tree beside OUT and swap it in; OUT is untouched unless this returns Ok.
pub(crate) fn write_staged(
    tree: &Tree,
    out: &Path,
    fresh: bool,
    previous: &BTreeSet<String>,
) -> Result<WriteReport, Error> {
    let Some(name) = out.file_name() else {
        return Err(Error::Unsupported);
    };
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if fresh {
        fs::create_dir_all(&parent).map_err(failed(&parent))?;
    }
    // A leftover of a killed run; the name is meshward's own, never anything else.
    let staging = staging_path(&parent, name);
    let _ = fs::remove_dir_all(&staging);
    let result = populate(tree, out, fresh, previous, &staging)
        .and_then(|report| exchange(&staging, out, fresh).map(|()| report));
    // After an exchange the staging folder holds the previous tree; either way it goes.
    remove_tree(&staging);
    result
}

/// Remove the folder at PATH and everything in it, best effort: the files in parallel
/// (a previous tree has 10,000 of them), then what is left.
fn remove_tree(path: &Path) {
    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => files(&entry.path(), out),
                Ok(_) => out.push(entry.path()),
                Err(_) => {}
            }
        }
    }
    let mut all = Vec::new();
    files(path, &mut all);
    all.par_iter().for_each(|file| {
        let _ = fs::remove_file(file);
    });
    let _ = fs::remove_dir_all(path);
}

fn staging_path(parent: &Path, name: &std::ffi::OsStr) -> PathBuf {
    parent.join(format!(".{}.meshward-staging", name.to_string_lossy()))
}

fn populate(
    tree: &Tree,
    out: &Path,
    fresh: bool,
    previous: &BTreeSet<String>,
    staging: &Path,
) -> Result<WriteReport, Error> {
    fs::create_dir(staging).map_err(failed(staging))?;
    let mut report = WriteReport::default();
    if !fresh {
        if let Ok(meta) = fs::metadata(out) {
            let _ = fs::set_permissions(staging, meta.permissions());
        }
        carry(out, staging, Path::new(""), tree, previous, &mut report)?;
    }
    // Folders first, each once; then the files, in parallel (creating 10,000 files is
    // most of a fresh build's I/O, and it spreads over the cores like `cp` cannot).
    let mut folders: Vec<PathBuf> = tree
        .files
        .keys()
        .filter_map(|path| staging.join(path).parent().map(Path::to_path_buf))
        .collect();
    folders.dedup();
    for folder in &folders {
        fs::create_dir_all(folder).map_err(failed(folder))?;
    }
    let files: Vec<(&String, &String)> = tree.files.iter().collect();
    let outcomes: Vec<Result<bool, Error>> = files
        .par_iter()
        .map(|&(path, text)| {
            let (old, new) = (out.join(path), staging.join(path));
            let same = !fresh && fs::read(&old).is_ok_and(|b| b == text.as_bytes());
            if same && fs::hard_link(&old, &new).is_ok() {
                return Ok(true);
            }
            fs::write(&new, text).map_err(failed(&new))?;
            Ok(same)
        })
        .collect();
    for outcome in outcomes {
        if outcome? {
            report.unchanged += 1;
        } else {
            report.written += 1;
        }
    }
    Ok(report)
}

/// Bring over everything of OUT that is not meshward's current output: files it did not
/// generate (linked, so untouched), folders, links. Stale generated files stay behind.
fn carry(
    from: &Path,
    to: &Path,
    relative: &Path,
    tree: &Tree,
    previous: &BTreeSet<String>,
    report: &mut WriteReport,
) -> Result<(), Error> {
    let entries = fs::read_dir(from).map_err(failed(from))?;
    for entry in entries {
        let entry = entry.map_err(failed(from))?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let rel = relative.join(entry.file_name());
        let key = rel.to_string_lossy().replace('\\', "/");
        let kind = entry.file_type().map_err(failed(&source))?;
        if key.ends_with(".meshward-tmp") {
            // A temporary file of an interrupted in-place write: not worth keeping.
        } else if kind.is_dir() {
            fs::create_dir(&target).map_err(failed(&target))?;
            carry(&source, &target, &rel, tree, previous, report)?;
            // A namespace folder that held only meshward's stale files goes with them.
            if previous.iter().any(|p| p.starts_with(&format!("{key}/"))) {
                let _ = fs::remove_dir(&target);
            }
        } else if kind.is_symlink() {
            let link = fs::read_link(&source).map_err(failed(&source))?;
            std::os::unix::fs::symlink(link, &target).map_err(failed(&target))?;
        } else if tree.files.contains_key(&key) {
            // Written fresh (or linked when unchanged) by `populate`.
        } else if previous.contains(&key)
            && fs::read(&source).is_ok_and(|b| is_generated(&String::from_utf8_lossy(&b)))
        {
            report.removed += 1;
        } else if fs::hard_link(&source, &target).is_err() {
            fs::copy(&source, &target).map_err(failed(&source))?;
        }
    }
    Ok(())
}

/// Put STAGING in OUT's place, atomically where the system allows.
fn exchange(staging: &Path, out: &Path, fresh: bool) -> Result<(), Error> {
    if fresh {
        return fs::rename(staging, out).map_err(failed(out));
    }
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let a = CString::new(staging.as_os_str().as_bytes()).map_err(|_| Error::Unsupported)?;
        let b = CString::new(out.as_os_str().as_bytes()).map_err(|_| Error::Unsupported)?;
        // SAFETY: two valid NUL-terminated paths; renameat2 only reads them.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP) => {}
            _ => return Err(Error::Unsupported),
        }
    }
    // Two renames: OUT aside, the new tree in, the old one back if that fails.
    let aside = staging.with_extension("meshward-previous");
    let _ = fs::remove_dir_all(&aside);
    fs::rename(out, &aside).map_err(|_| Error::Unsupported)?;
    if let Err(e) = fs::rename(staging, out) {
        let _ = fs::rename(&aside, out);
        return Err(Error::Failed(WriteError::Io(out.to_path_buf(), e)));
    }
    // The old tree now sits at `aside`; move it where the caller removes it.
    fs::rename(&aside, staging).map_err(failed(staging))
}
