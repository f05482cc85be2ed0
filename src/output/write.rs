//! Writing a tree to OUT: plan every file (unchanged, ours to write, or someone else's),
//! refuse when any is someone else's, then swap the whole tree in, or where OUT cannot be
//! swapped write it in place in two phases, and prune the stale files meshward wrote.

use super::manifest::{is_generated, previous_files};
use super::report::{WriteError, WriteReport};
use super::swap;
use super::tree::Tree;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |e| WriteError::Io(path.to_path_buf(), e)
}

/// What to do with one file of the tree.
enum Plan<'t> {
    Unchanged,
    Write(PathBuf, &'t str),
    Foreign,
}

/// Write the tree to OUT: new and changed files atomically, stale meshward files removed.
///
/// Files are compared and written in parallel; a file whose content is already there is
/// not rewritten, and when OUT does not exist yet nothing is read at all.
pub fn write(tree: &Tree, out: &Path) -> Result<WriteReport, WriteError> {
    let fresh = match fs::metadata(out) {
        Ok(m) if !m.is_dir() => return Err(WriteError::NotAFolder(out.to_path_buf())),
        Ok(_) => false,
        Err(_) => true,
    };
    let previous = if fresh {
        BTreeSet::new()
    } else {
        previous_files(out)
    };
    let files: Vec<(&String, &String)> = tree.files.iter().collect();
    let plans: Vec<Plan> = files
        .par_iter()
        .map(|&(path, text)| {
            let target = out.join(path);
            if fresh {
                return Plan::Write(target, text);
            }
            match fs::read(&target) {
                Ok(existing) if existing == text.as_bytes() => Plan::Unchanged,
                Ok(existing) => {
                    let ours = previous.contains(path)
                        || is_generated(&String::from_utf8_lossy(&existing));
                    if ours {
                        Plan::Write(target, text)
                    } else {
                        Plan::Foreign
                    }
                }
                // A folder (or anything unreadable) where a file belongs is not ours.
                Err(_) if target.exists() => Plan::Foreign,
                Err(_) => Plan::Write(target, text),
            }
        })
        .collect();
    let mut report = WriteReport::default();
    let mut foreign = Vec::new();
    let mut to_write = Vec::new();
    for (&(path, _), plan) in files.iter().zip(plans) {
        match plan {
            Plan::Unchanged => report.unchanged += 1,
            Plan::Write(target, text) => to_write.push((target, text)),
            Plan::Foreign => foreign.push(path.clone()),
        }
    }
    if !foreign.is_empty() {
        return Err(WriteError::Foreign(foreign));
    }
    let stale: Vec<&String> = previous
        .iter()
        .filter(|p| !tree.files.contains_key(*p))
        .collect();
    if to_write.is_empty() && stale.is_empty() {
        return Ok(report);
    }
    match swap::write_staged(tree, out, fresh, &previous) {
        Ok(report) => return Ok(report),
        Err(swap::Error::Failed(e)) => return Err(e),
        // OUT cannot be renamed (a mount point, an unusual file system): write in place.
        Err(swap::Error::Unsupported) => {}
    }
    // Two phases, so that an I/O failure (a full disk, a permission) leaves OUT as it was:
    // first every new file is written beside its target under a temporary name, and only
    // when all of them are there are they renamed over their targets, which is quick and
    // does not fail for regular files in the same folder.
    let mut created: Vec<&Path> = Vec::new();
    let mut folders: Vec<&Path> = to_write.iter().filter_map(|(t, _)| t.parent()).collect();
    folders.dedup();
    let mut prepared: Result<(), WriteError> = Ok(());
    for folder in folders {
        if !folder.exists() {
            if let Err(e) = fs::create_dir_all(folder) {
                prepared = Err(WriteError::Io(folder.to_path_buf(), e));
                break;
            }
            created.push(folder);
        }
    }
    if prepared.is_ok() {
        let results: Vec<Result<(), WriteError>> = to_write
            .par_iter()
            .map(|(target, text)| {
                fs::write(temp_path(target), text.as_bytes()).map_err(io_err(target))
            })
            .collect();
        prepared = results.into_iter().collect();
    }
    if let Err(e) = prepared {
        for (target, _) in &to_write {
            let _ = fs::remove_file(temp_path(target));
        }
        for folder in created.iter().rev() {
            let _ = fs::remove_dir(folder);
        }
        return Err(e);
    }
    for (target, _) in &to_write {
        fs::rename(temp_path(target), target).map_err(io_err(target))?;
        report.written += 1;
    }
    for stale in previous.iter().filter(|p| !tree.files.contains_key(*p)) {
        let target = out.join(stale);
        let ours = fs::read(&target)
            .map(|b| is_generated(&String::from_utf8_lossy(&b)))
            .unwrap_or(false);
        if ours {
            fs::remove_file(&target).map_err(io_err(&target))?;
            report.removed += 1;
            // A namespace folder that held only meshward's files goes with them.
            if let Some(parent) = target.parent() {
                if parent != out {
                    let _ = fs::remove_dir(parent);
                }
            }
        }
    }
    Ok(report)
}

/// Where a file is written before it is renamed over TARGET: hidden, beside it.
fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.meshward-tmp"))
}
