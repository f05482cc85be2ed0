//! A tree reduced to one hash per file, and OUT compared with it.
//!
//! The cache keeps a [`Record`] of each tree it has seen compile without an error;
//! `check` with a cached record compares OUT with it here, by the rules of
//! [`diff`](fn@crate::output::diff), so it reads OUT once and never compiles. The hashing
//! lives with the comparison, so the cache depends on the output tree and not the other
//! way round.

use super::manifest::{is_generated, previous_files};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

pub type Hash = [u8; 32];

/// What a tree compiles to, by hash: relative path → SHA-256 of the content.
pub type Record = BTreeMap<String, Hash>;

pub fn sha256(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

/// Whether OUT holds exactly what RECORD says the tree compiles to, by the rules of
/// [`diff`](fn@crate::output::diff): every recorded file with that content, and no stale
/// generated file (one the manifest lists, or any file with the generated header, that the
/// record does not hold). Files are hashed, not kept: `check` with a cached record reads
/// OUT only once.
pub fn matches_record(record: &Record, out: &Path) -> bool {
    let mut paths: BTreeSet<&str> = record.keys().map(String::as_str).collect();
    let previous = previous_files(out);
    paths.extend(previous.iter().map(String::as_str));
    let paths: Vec<&str> = paths.into_iter().collect();
    paths.par_iter().all(|&path| {
        let on_disk = fs::read_to_string(out.join(path)).ok();
        match (on_disk, record.get(path)) {
            (Some(text), Some(hash)) => sha256(text.as_bytes()) == *hash,
            (None, None) => true,
            (Some(text), None) => !is_generated(&text),
            (None, Some(_)) => false,
        }
    })
}
