//! How meshward knows its own files: the manifest it writes at OUT's root, and the
//! generated-file header every file it writes starts with.
//!
//! A manifest is only trusted when meshward wrote it, and only its entries that stay inside
//! OUT are read; everything else counts as someone else's and is never touched.

use crate::render::GENERATED_MARK;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path};

/// The file listing what meshward wrote, so it can prune its own files and nothing else.
pub const MANIFEST: &str = ".meshward-manifest";

pub(crate) fn is_generated(text: &str) -> bool {
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
pub(crate) fn previous_files(out: &Path) -> BTreeSet<String> {
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
