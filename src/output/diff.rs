//! How OUT differs from a tree, as unified diffs: what `check` prints. A file that is not
//! meshward's and not in the tree is no difference.

use super::manifest::{is_generated, previous_files};
use super::tree::Tree;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

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
