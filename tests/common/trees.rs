//! The trees under `tests/fixtures/` (shapes the examples do not cover), built by the real
//! binary, self-check included.

use super::{root, Meshward};
use std::fs;
use std::path::{Path, PathBuf};

/// Every folder under `tests/fixtures/`, sorted.
pub fn fixtures() -> Vec<PathBuf> {
    let dir = root().join("tests").join("fixtures");
    let mut found: Vec<PathBuf> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// `meshward build INTENTS --out OUT`, which must succeed.
pub fn build_fixture(intents: &Path, out: &Path) {
    Meshward::new()
        .arg("build")
        .arg(intents)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .expect_exit(0)
        .run();
}
