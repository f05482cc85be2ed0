//! A copy of examples/shop in a temporary folder, with an OUT beside it: the tree the
//! command-line tests build, check and break.

use super::{copy_tree, files_below, root, Meshward};
use std::fs;
use std::path::{Path, PathBuf};

/// Every file below `dir`, relative path to bytes.
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files_below(dir)
        .into_iter()
        .map(|(rel, path)| (rel, fs::read(path).expect("read file")))
        .collect()
}

pub struct Fixture {
    _tmp: tempfile::TempDir,
    pub intents: PathBuf,
    pub out: PathBuf,
}

pub fn shop() -> Fixture {
    let tmp = tempfile::tempdir().expect("tempdir");
    let intents = tmp.path().join("intents");
    copy_tree(&root().join("examples/shop"), &intents);
    let out = tmp.path().join("out");
    Fixture {
        _tmp: tmp,
        intents,
        out,
    }
}

impl Fixture {
    /// `meshward COMMAND INTENTS --out OUT`, ready to run.
    pub fn meshward(&self, command: &str) -> Meshward {
        Meshward::new()
            .arg(command)
            .arg(&self.intents)
            .arg("--out")
            .arg(&self.out)
    }
}

pub fn build(f: &Fixture) -> Meshward {
    f.meshward("build")
}

pub fn check(f: &Fixture) -> Meshward {
    f.meshward("check")
}
