//! Validity of the tree `meshward build` writes, checked from the outside (see
//! docs/output.md). The real binary is run on every folder under `examples/`
//! and on a tree made to stress YAML quoting, and the trees under `tests/fixtures/` are
//! written through the library; the output must
//!
//! - validate against the strict upstream schemas vendored in `tests/schemas/`, carry the
//!   `managed-by` label and hold no `null`;
//! - build with `kubectl kustomize`, from the root and from every namespace folder;
//! - read back the same under a YAML 1.1 reader (PyYAML) as under serde_yaml (YAML 1.2);
//! - be the same, byte for byte, whatever the order, names and folders of the intent files
//!   (except the header comments naming them).
//!
//! `kubectl`, `python3` and PyYAML are required when the environment variable `CI` is set;
//! elsewhere the checks that need them print a note and pass.
//!
//! One module per check: `schemas`, `kustomize`, `yaml11`, `stress` (the quoting tree),
//! `determinism`; `yaml` reads the output as JSON; here: building the examples and reporting.

#[path = "../common/mod.rs"]
mod common;
mod determinism;
mod kustomize;
mod schemas;
mod stress;
mod yaml;
mod yaml11;

use common::Meshward;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub const KUSTOMIZATION: &str = "kustomization.yaml";
pub const MANIFEST: &str = ".meshward-manifest";

pub fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every folder under `examples/`, sorted.
pub fn examples() -> Vec<PathBuf> {
    let dir = crate_root().join("examples");
    let mut found: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("read examples/").path())
        .filter(|path| path.is_dir())
        .collect();
    found.sort();
    assert!(
        !found.is_empty(),
        "no example folders under {}",
        dir.display()
    );
    found
}

/// Run `meshward build INPUT --out OUT` from CWD; it must succeed.
pub fn run_build(input: &Path, out: &Path, cwd: &Path) {
    Meshward::new()
        .current_dir(cwd)
        .arg("build")
        .arg(input)
        .arg("--out")
        .arg(out)
        .expect_exit(0)
        .run();
}

/// Build EXAMPLE into a fresh temporary folder.
pub fn build(example: &Path) -> TempDir {
    let out = TempDir::new().expect("temporary folder");
    run_build(example, out.path(), crate_root());
    out
}

/// Every file below DIR, relative to it, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, found: &mut Vec<PathBuf>) {
        let entries =
            fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("read folder").path();
            if path.is_dir() {
                walk(root, &path, found);
            } else {
                found.push(path.strip_prefix(root).expect("below root").to_path_buf());
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, dir, &mut found);
    found.sort();
    found
}

/// Every `.yaml` file below DIR, relative to it, sorted.
pub fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    files(dir)
        .into_iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect()
}

pub fn is_kustomization(path: &Path) -> bool {
    path.file_name().is_some_and(|name| name == KUSTOMIZATION)
}

/// `kind name` of an object, for messages.
pub fn describe(document: &Value) -> String {
    let kind = document["kind"].as_str().unwrap_or("<no kind>");
    let name = document["metadata"]["name"].as_str().unwrap_or("<no name>");
    format!("{kind} {name}")
}

/// Fail with every message in FAILURES, if there is any.
pub fn report(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{what}: {} failure(s):\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// A tool a check needs is missing: under CI that is a failure, elsewhere a note.
pub fn missing(tool: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{tool} is required when CI is set, but it is not available"
    );
    eprintln!("note: {tool} is not available; skipping this check (it is required when CI is set)");
}

pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Build every example and every tree of `tests/fixtures/`, and collect what CHECK finds
/// in each tree, prefixed with its name.
/// Whether the tree at DIR spreads over several clusters (`cluster` blocks), which
/// meshward builds for sidecars only (E1106).
pub fn spans_clusters(dir: &Path) -> bool {
    common::ambient::intent_texts(dir).iter().any(|(_, text)| {
        text.lines()
            .any(|l| l.trim_start().starts_with("cluster ") && l.contains('{'))
    })
}

pub fn over_examples(check: impl Fn(&Path) -> Vec<String>) -> Vec<String> {
    let mut failures = Vec::new();
    for example in examples() {
        let out = build(&example);
        let name = example.file_name().unwrap().to_string_lossy().into_owned();
        failures.extend(
            check(out.path())
                .into_iter()
                .map(|failure| format!("examples/{name}: {failure}")),
        );
    }
    for fixture in common::fixtures() {
        let out = TempDir::new().expect("temporary folder");
        common::build_fixture(&fixture, out.path());
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        failures.extend(
            check(out.path())
                .into_iter()
                .map(|failure| format!("tests/fixtures/{name}: {failure}")),
        );
    }
    // The same trees under `dataplane ambient`, with a waypoint where one is needed.
    let trees = examples().into_iter().map(|e| ("examples", e)).chain(
        common::fixtures()
            .into_iter()
            .map(|f| ("tests/fixtures", f)),
    );
    for (parent, tree) in trees {
        if spans_clusters(&tree) {
            continue; // several clusters are built for sidecars only
        }
        let name = tree.file_name().unwrap().to_string_lossy().into_owned();
        let (files, _) = common::ambient::ambient_texts(&tree);
        let work = TempDir::new().expect("temporary folder");
        let input = work.path().join(&name);
        for (path, text) in files {
            let path = input.join(path);
            fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
            fs::write(path, text).expect("write");
        }
        let out = work.path().join("out");
        run_build(&input, &out, work.path());
        failures.extend(
            check(&out)
                .into_iter()
                .map(|failure| format!("{parent}/{name} (ambient): {failure}")),
        );
    }
    failures
}
