//! Runs of `meshward build --format json` on small trees, for the tests that pin each
//! diagnostic's code, place, message and help: the run's exit code, its diagnostics as
//! JSON and whether it wrote OUT.

use super::run::Meshward;
use serde_json::Value;
use std::fs;
use std::path::Path;

pub struct Run {
    pub code: Option<i32>,
    pub diagnostics: Vec<Value>,
    pub wrote: bool,
}

/// Build BASE with CHANGES (a file replaced, or added; empty text removes it), as tree
/// `t` of a temporary folder.
pub fn build_with(base: &[(&str, &str)], changes: &[(&str, &str)]) -> Run {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tree = tmp.path().join("t");
    let mut files: Vec<(&str, &str)> = base.to_vec();
    for (path, text) in changes {
        files.retain(|(p, _)| p != path);
        if !text.is_empty() {
            files.push((path, text));
        }
    }
    for (path, text) in files {
        let at = tree.join(path);
        fs::create_dir_all(at.parent().expect("parent")).expect("mkdir");
        fs::write(at, text).expect("write");
    }
    run_on(tmp.path(), "t")
}

/// `meshward build TREE --out out --format json` in DIR.
pub fn run_on(dir: &Path, tree: &str) -> Run {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let out = Meshward::new()
        .current_dir(dir)
        .args(["build", tree, "--format", "json", "--out"])
        .arg(out_dir.path().join("out"))
        .run();
    let diagnostics = out
        .stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("a JSON diagnostic"))
        .collect();
    Run {
        code: out.code,
        diagnostics,
        wrote: out_dir.path().join("out").exists(),
    }
}

pub fn text(d: &Value, key: &str) -> String {
    d[key].as_str().unwrap_or_default().to_string()
}

/// Every diagnostic of RUN on a line, for failure messages.
pub fn show(run: &Run) -> String {
    run.diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{} {} {} | {}",
                text(d, "file"),
                d["line"],
                d["column"],
                text(d, "code"),
                text(d, "message"),
                text(d, "help")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The diagnostic with CODE at AT (`file:line:col` below the tree `t`); its message holds
/// MESSAGE and its help HELP.
#[track_caller]
pub fn has(run: &Run, code: &str, at: &str, message: &str, help: &str) {
    let found = run.diagnostics.iter().find(|d| {
        text(d, "code") == code
            && format!("{}:{}:{}", text(d, "file"), d["line"], d["column"]) == format!("t/{at}")
    });
    let Some(d) = found else {
        panic!("no {code} at {at}; got:\n{}", show(run));
    };
    assert!(
        text(d, "message").contains(message),
        "{code} says {:?}, not {message:?}",
        text(d, "message")
    );
    assert!(
        text(d, "help").contains(help),
        "{code} helps {:?}, not {help:?}",
        text(d, "help")
    );
}

/// The codes of RUN's diagnostics of SEVERITY (`error`, `warning`, or any when empty),
/// sorted.
pub fn codes(run: &Run, severity: &str) -> Vec<String> {
    let mut got: Vec<String> = run
        .diagnostics
        .iter()
        .filter(|d| severity.is_empty() || text(d, "severity") == severity)
        .map(|d| text(d, "code"))
        .collect();
    got.sort();
    got
}

/// RUN is an error run: exit 2, nothing written, and exactly the codes WANT among its
/// diagnostics of SEVERITY (any when empty).
#[track_caller]
pub fn assert_errors(run: &Run, severity: &str, want: &[&str]) {
    assert_eq!(run.code, Some(2), "{}", show(run));
    assert!(!run.wrote, "an error run wrote OUT");
    let mut want: Vec<String> = want.iter().map(|c| c.to_string()).collect();
    want.sort();
    assert_eq!(codes(run, severity), want, "{}", show(run));
}
