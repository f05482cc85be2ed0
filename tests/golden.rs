//! Golden tests: the exact text meshward writes for every example, and the exact
//! diagnostics it prints for every invalid input under `golden/errors/inputs/`.
//!
//! Both run the real binary. Review changes with `cargo insta review` (see golden/README.md).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn meshward(cwd: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_meshward"))
        .current_dir(cwd)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run meshward")
}

fn folders(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read folder")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every file below `dir` as one string of sorted `--- path ---` sections.
fn tree_text(dir: &Path) -> String {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
        for entry in fs::read_dir(dir).expect("read output").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, base, out);
            } else {
                let rel = path
                    .strip_prefix(base)
                    .expect("inside")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, fs::read_to_string(&path).expect("utf-8 output")));
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort();
    files
        .iter()
        .map(|(p, t)| format!("--- {p} ---\n{t}"))
        .collect()
}

fn settings(folder: &str) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(root().join("golden").join(folder));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

#[test]
fn examples_output_trees() {
    for name in folders(&root().join("examples")) {
        let out = tempfile::tempdir().expect("tempdir");
        let target = out.path().join("out");
        let run = meshward(
            &root().join("examples"),
            &[
                "build",
                &name,
                "--out",
                target.to_str().expect("utf-8 path"),
            ],
        );
        assert!(
            run.status.success(),
            "build {name}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        settings("examples").bind(|| insta::assert_snapshot!(name.clone(), tree_text(&target)));
    }
}

#[test]
fn invalid_inputs_diagnostics() {
    let cases = root().join("golden").join("errors").join("inputs");
    let names = folders(&cases);
    assert!(
        names.len() >= 12,
        "the error corpus has {} cases",
        names.len()
    );
    for name in names {
        let out = tempfile::tempdir().expect("tempdir");
        let target = out.path().join("out");
        let run = meshward(
            &cases,
            &[
                "build",
                &name,
                "--out",
                target.to_str().expect("utf-8 path"),
            ],
        );
        let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
        assert_eq!(run.status.code(), Some(2), "{name} must exit 2:\n{stderr}");
        assert!(
            !target.exists(),
            "{name}: a failed build must write nothing"
        );
        assert!(
            stderr.contains(": error: "),
            "{name}: no error line:\n{stderr}"
        );
        settings("errors").bind(|| insta::assert_snapshot!(name.clone(), stderr));
    }
}
