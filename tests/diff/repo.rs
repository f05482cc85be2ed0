//! A throw-away git repository holding a copy of examples/shop, for the tests that compare
//! a revision with the working tree, and the JSON of `meshward::diff::changes` on it.

use crate::common::{copy_tree, root};
use meshward::diff;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub struct Repo {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
}

impl Repo {
    /// An empty repository with a local identity and one commit holding a README.
    pub fn new() -> Repo {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("repo");
        fs::create_dir_all(&root).expect("mkdir");
        git(&root, &["init", "-q"]);
        git(&root, &["config", "user.name", "meshward tests"]);
        git(&root, &["config", "user.email", "tests@meshward.invalid"]);
        git(&root, &["config", "commit.gpgsign", "false"]);
        fs::write(root.join("README.md"), "mesh\n").expect("write");
        let repo = Repo { _tmp: tmp, root };
        repo.commit("readme");
        repo
    }

    /// A repository whose last commit holds examples/shop at `intents/` (or at the root).
    pub fn with_shop(at: &str) -> Repo {
        let repo = Repo::new();
        copy_tree(&root().join("examples").join("shop"), &repo.root.join(at));
        repo.commit("shop");
        repo
    }

    pub fn commit(&self, message: &str) {
        git(&self.root, &["add", "-A"]);
        git(
            &self.root,
            &["commit", "-q", "--allow-empty", "-m", message],
        );
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Replace `from` (which must occur exactly once) in a file of the working tree.
    pub fn edit(&self, relative: &str, from: &str, to: &str) {
        let path = self.path(relative);
        let text = fs::read_to_string(&path).expect("read intent");
        assert_eq!(text.matches(from).count(), 1, "{relative}: `{from}`");
        fs::write(&path, text.replacen(from, to, 1)).expect("write intent");
    }

    /// 1-based line of the first line of a working-tree file that contains `needle`.
    pub fn line_of(&self, relative: &str, needle: &str) -> usize {
        let text = fs::read_to_string(self.path(relative)).expect("read intent");
        text.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{relative}: no line with `{needle}`"))
            + 1
    }
}

pub fn changes_json(dir: &Path, base: &str) -> Value {
    let changes = diff::changes(dir, base).unwrap_or_else(|e| panic!("diff failed:\n{e}"));
    serde_json::from_str(&diff::render_json(&changes)).expect("valid JSON")
}
