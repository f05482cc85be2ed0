//! The output tree on disk: plan it, write it, prune what meshward wrote before, or
//! compare it with what is there (`check`).
//!
//! meshward recognises its own files by the generated-file header and by the manifest it
//! writes at the root; it never overwrites or deletes a file that has neither. A write
//! builds the whole new tree beside OUT and swaps it in (see `swap`), so a failure or a
//! kill at any point leaves the previous tree whole; where OUT cannot be swapped (a mount
//! point), files are written in two phases in place instead (all temporaries first, then
//! the renames).

mod record;
mod swap;

pub use record::{matches_record, sha256, Hash, Record};

use crate::emit;
use crate::render::{Document, GENERATED_MARK};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

/// The file listing what meshward wrote, so it can prune its own files and nothing else.
pub const MANIFEST: &str = ".meshward-manifest";

/// The complete text of the output tree: relative path to content, manifest included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    pub files: BTreeMap<String, String>,
}

impl Tree {
    pub fn from_documents(documents: &[Document]) -> Result<Tree, serde_json::Error> {
        // Documents are independent: emit them in parallel, then insert in order, so a
        // repeated path keeps the last document and the error is the first in order.
        let texts: Vec<Result<String, serde_json::Error>> =
            documents.par_iter().map(emit::emit).collect();
        let mut files = Vec::with_capacity(documents.len());
        for (d, text) in documents.iter().zip(texts) {
            files.push((d.path.clone(), text?));
        }
        Ok(Tree::from_texts(files))
    }

    /// The tree of emitted files given as `(path, text)` in path order (a repeated path
    /// keeps its last text), with the manifest added.
    pub fn from_texts(texts: Vec<(String, String)>) -> Tree {
        let files: BTreeMap<String, String> = texts.into_iter().collect();
        let mut manifest =
            format!("{GENERATED_MARK}. The files meshward wrote here; it prunes only these.\n");
        for path in files.keys() {
            manifest.push_str(path);
            manifest.push('\n');
        }
        let mut files = files;
        files.insert(MANIFEST.to_string(), manifest);
        Tree { files }
    }
}

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

fn is_generated(text: &str) -> bool {
    text.starts_with(GENERATED_MARK)
}

/// A manifest entry is only trusted when it stays inside OUT.
fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

/// Files listed in OUT's manifest, if it has one that meshward wrote.
fn previous_files(out: &Path) -> BTreeSet<String> {
    match fs::read_to_string(out.join(MANIFEST)) {
        Ok(text) if is_generated(&text) => text
            .lines()
            .skip(1)
            .filter(|l| is_safe_relative(l))
            .map(str::to_string)
            .collect(),
        _ => BTreeSet::new(),
    }
}

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

/// How OUT differs from the tree: a unified diff per changed file, empty when up to date.
///
/// Files are read and compared in parallel; the diffs come back in path order.
pub fn diff(tree: &Tree, out: &Path) -> Vec<String> {
    let mut paths: BTreeSet<&str> = tree.files.keys().map(String::as_str).collect();
    let previous = previous_files(out);
    paths.extend(previous.iter().map(String::as_str));
    let paths: Vec<&str> = paths.into_iter().collect();
    let diffs: Vec<Option<String>> = paths
        .par_iter()
        .map(|&path| file_diff(tree, out, path))
        .collect();
    diffs.into_iter().flatten().collect()
}

fn file_diff(tree: &Tree, out: &Path, path: &str) -> Option<String> {
    let on_disk = fs::read_to_string(out.join(path)).ok();
    let wanted = tree.files.get(path);
    let (old, new) = match (&on_disk, wanted) {
        (Some(a), Some(b)) if a == b => return None,
        (None, None) => return None,
        (Some(a), None) if !is_generated(a) => return None,
        (a, b) => (
            a.as_deref().unwrap_or(""),
            b.map(String::as_str).unwrap_or(""),
        ),
    };
    let old_name = if on_disk.is_some() {
        format!("a/{path}")
    } else {
        "/dev/null".into()
    };
    let new_name = if wanted.is_some() {
        format!("b/{path}")
    } else {
        "/dev/null".into()
    };
    Some(
        similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .header(&old_name, &new_name)
            .to_string(),
    )
}
