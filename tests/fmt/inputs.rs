//! Every intent file the repository holds, and every tree of them that builds: formatting
//! keeps the syntax tree, is idempotent, and changes no byte of the built output.

use super::common::{build_fixture, copy_tree, files_below, root, snapshot, Meshward};
use meshward::fmt::{check_invariants, format, syntax_tree};
use std::fs;
use std::path::{Path, PathBuf};

/// Where the repository keeps intent files: examples, test inputs, golden inputs, fuzz
/// inputs.
const FOLDERS: [&str; 5] = [
    "examples",
    "tests",
    "golden",
    "fuzz/seeds",
    "fuzz/regressions",
];

fn text_of(path: &Path) -> String {
    let bytes = fs::read(path).expect("read input");
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The file's text, when it is UTF-8 (the others must stay as they are).
fn utf8(path: &Path) -> Option<String> {
    String::from_utf8(fs::read(path).ok()?).ok()
}

fn every_intent_file() -> Vec<(String, String)> {
    FOLDERS
        .iter()
        .flat_map(|folder| {
            files_below(&root().join(folder))
                .into_iter()
                .filter(|(rel, _)| rel.ends_with(".intent"))
                .map(move |(rel, path)| (format!("{folder}/{rel}"), text_of(&path)))
        })
        .collect()
}

#[test]
fn every_file_that_parses_keeps_its_tree_and_formats_to_itself() {
    let files = every_intent_file();
    let mut parsed = 0;
    let mut broken = Vec::new();
    for (name, text) in &files {
        if syntax_tree(text).is_some() {
            parsed += 1;
        }
        if let Err(e) = check_invariants(text) {
            broken.push(format!("{name}: {e}"));
        }
    }
    assert!(parsed > 100, "only {parsed} of {} files parse", files.len());
    assert!(broken.is_empty(), "{}", broken.join("\n\n"));
}

/// The trees that build: the examples, the fixtures, the warning cases.
fn trees() -> Vec<PathBuf> {
    let mut trees = Vec::new();
    for folder in ["examples", "tests/fixtures", "golden/warnings/inputs"] {
        let mut found: Vec<PathBuf> = fs::read_dir(root().join(folder))
            .expect("read folder")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        found.sort();
        trees.extend(found);
    }
    trees
}

#[test]
fn the_trees_that_build_are_in_the_canonical_layout() {
    let out = Meshward::new()
        .arg("fmt")
        .arg("--check")
        .args(trees())
        .expect_exit(0)
        .run();
    assert_eq!(out.stdout, "");
}

/// Error cases whose point is a layout the formatter rewrites; they stay as written.
const LAYOUT_CASES: [&str; 1] = ["tab-before-token"];

/// The error cases that parse are in the canonical layout too (their snapshots quote lines
/// and columns, so formatting one changes its snapshot), except the [`LAYOUT_CASES`].
#[test]
fn error_cases_that_parse_are_in_the_canonical_layout() {
    let mut unformatted = Vec::new();
    for (rel, path) in files_below(&root().join("golden/errors/inputs")) {
        let case = rel.split('/').next().unwrap_or("");
        let Some(text) = utf8(&path) else { continue };
        if !rel.ends_with(".intent") || LAYOUT_CASES.contains(&case) {
            continue;
        }
        if format(&text).is_ok_and(|out| out != text) {
            unformatted.push(rel);
        }
    }
    assert!(
        unformatted.is_empty(),
        "run `meshward fmt` on {unformatted:?}"
    );
}

/// The same text with every non-blank line indented by a tab, a space and a tab more, and
/// ending in a space and a tab: the indentation and trailing blanks a careless editor
/// leaves. Tokens and the spacing between the tokens of a line stay as they were.
fn scramble(text: &str) -> String {
    let (bom, body) = match text.strip_prefix('\u{feff}') {
        Some(body) => ("\u{feff}", body),
        None => ("", text),
    };
    let newline = if body.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<String> = body
        .split(newline)
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("\t \t{l} \t")
            }
        })
        .collect();
    format!("{bom}{}", lines.join(newline))
}

fn scramble_tree(dir: &Path, how: fn(&str) -> String) {
    for (_, path) in files_below(dir) {
        let Some(text) = utf8(&path) else { continue };
        if path.extension().is_some_and(|e| e == "intent") && syntax_tree(&text).is_some() {
            fs::write(&path, how(&text)).expect("write");
        }
    }
}

/// Every blank doubled with a tab and every line break tripled: tokens stay, everything
/// around them moves (comments get tabs too, so this layout does not format back to the
/// original, but it must build the same).
fn scramble_hard(text: &str) -> String {
    text.replace(' ', " \t").replace('\n', " \n\n\n")
}

fn build(intents: &Path, out: &Path) -> Vec<(String, Vec<u8>)> {
    build_fixture(intents, out);
    snapshot(out)
}

#[test]
fn formatted_trees_build_to_the_same_bytes() {
    let trees = trees();
    assert!(trees.len() >= 5, "{trees:?}");
    for tree in trees {
        let tmp = tempfile::tempdir().expect("tempdir");
        let messy = tmp.path().join("intents");
        copy_tree(&tree, &messy);
        scramble_tree(&messy, scramble);
        Meshward::new()
            .arg("fmt")
            .arg(&messy)
            .arg("--quiet")
            .expect_exit(0)
            .run();
        assert_eq!(
            snapshot(&messy),
            snapshot(&tree),
            "{}: the scrambled tree does not format back",
            tree.display()
        );
        let before = build(&tree, &tmp.path().join("before"));
        let after = build(&messy, &tmp.path().join("after"));
        assert!(before == after, "{}: the output changed", tree.display());

        let hard = tmp.path().join("hard");
        copy_tree(&tree, &hard);
        scramble_tree(&hard, scramble_hard);
        Meshward::new()
            .arg("fmt")
            .arg(&hard)
            .arg("--quiet")
            .expect_exit(0)
            .run();
        Meshward::new()
            .args(["fmt", "--check"])
            .arg(&hard)
            .expect_exit(0)
            .run();
        let after = build(&hard, &tmp.path().join("after-hard"));
        assert!(before == after, "{}: the output changed", tree.display());
    }
}

/// The error cases: their files that parse, scrambled and formatted, draw the same
/// diagnostics (code and message; the places move with the layout).
#[test]
fn formatted_error_cases_report_the_same_errors() {
    let dir = root().join("golden/errors/inputs");
    let mut cases: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("golden/errors/inputs")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() > 50);
    let said = |dir: &Path| -> Vec<String> {
        meshward::pipeline::run(dir)
            .diagnostics
            .iter()
            .map(|d| format!("{} {}", d.code.as_str(), d.message))
            .collect()
    };
    let mut differ = Vec::new();
    for case in cases {
        let tmp = tempfile::tempdir().expect("tempdir");
        let copy = tmp.path().join("intents");
        copy_tree(&case, &copy);
        scramble_tree(&copy, scramble_hard);
        for (_, path) in files_below(&copy) {
            if let Some(Ok(text)) = utf8(&path).map(|t| format(&t)) {
                fs::write(&path, text).expect("write");
            }
        }
        let (before, after) = (said(&case), said(&copy));
        if before != after {
            differ.push(format!("{}:\n{before:#?}\n{after:#?}", case.display()));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
