//! Helpers shared by the integration tests (each test binary uses a part of them): where
//! the crate root is, how to run the binary ([`Meshward`]), where snapshots live
//! ([`golden`]), and small file-tree utilities.
#![allow(dead_code)]

pub mod ambient;
mod checked;
mod diagnosed;
mod fixture;
mod http_fields;
mod run;
mod tools;
mod trees;

#[allow(unused_imports)]
pub use checked::{checked, reversed};
#[allow(unused_imports)]
pub use diagnosed::{assert_errors, build_with, codes, has, run_on, show, text, Run};
#[allow(unused_imports)]
pub use fixture::{build, check, shop, snapshot, Fixture};
#[allow(unused_imports)]
pub use http_fields::http_rules_on_plain_ports;
#[allow(unused_imports)]
pub use run::{Meshward, Output};
#[allow(unused_imports)]
pub use tools::{available, missing};
#[allow(unused_imports)]
pub use trees::{build_fixture, fixtures};

use std::fs;
use std::path::{Path, PathBuf};

/// The crate root, where examples/, golden/ and docs/ live.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The insta settings of every snapshot test: snapshots live in `golden/<folder>/`, named
/// by the test alone (no module prefix) and without the asserted expression, so that a
/// snapshot's file name and header do not depend on which test file checks it.
/// golden/README.md says how to review them.
pub fn golden(folder: &str) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(root().join("golden").join(folder));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

/// Every file below `dir`, sorted, with its path relative to `dir` written with `/`.
/// A folder that cannot be read contributes nothing.
pub fn files_below(dir: &Path) -> Vec<(String, PathBuf)> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, base, out);
            } else {
                let rel = path
                    .strip_prefix(base)
                    .expect("inside")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, path));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Copy the tree at `from` to `to`, folders and files.
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
