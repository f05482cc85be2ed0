//! The command line: `--check` lists and exits 1, `fmt` writes only what changes, a
//! syntax error anywhere writes nothing and exits 2, each file keeps its line breaks and
//! byte-order mark.

use super::common::{snapshot, Meshward};
use std::fs;
use std::path::Path;

const CANONICAL: &str = "service a in b {\n  port http 8080/http # c\n}\n";
const MESSY: &str = "service a in b{port http 8080 / http # c\n}";

/// A folder with one canonical and one messy file, and a hidden folder that is skipped.
fn tree() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let ns = tmp.path().join("ns");
    fs::create_dir_all(ns.join(".hidden")).expect("mkdir");
    fs::write(ns.join("good.intent"), CANONICAL).expect("write");
    fs::write(ns.join("messy.intent"), MESSY).expect("write");
    fs::write(ns.join(".hidden/messy.intent"), MESSY).expect("write");
    fs::write(ns.join("notes.txt"), MESSY).expect("write");
    tmp
}

fn fmt(dir: &Path) -> Meshward {
    Meshward::new().current_dir(dir).arg("fmt")
}

#[test]
fn check_lists_what_would_change_and_writes_nothing() {
    let tmp = tree();
    let before = snapshot(tmp.path());
    let out = fmt(tmp.path()).args(["--check", "ns"]).expect_exit(1).run();
    assert_eq!(out.stdout, "ns/messy.intent\n");
    assert!(out.stderr.contains("1 of 2 files"), "{}", out.stderr);
    assert!(snapshot(tmp.path()) == before, "--check wrote");
    let out = fmt(tmp.path())
        .args(["--check", "ns/good.intent"])
        .expect_exit(0)
        .run();
    assert_eq!(out.stdout, "");
}

#[test]
fn fmt_rewrites_then_check_passes() {
    let tmp = tree();
    fmt(tmp.path()).arg("ns").expect_exit(0).run();
    let read = |p: &str| fs::read_to_string(tmp.path().join(p)).expect("read");
    assert_eq!(read("ns/messy.intent"), CANONICAL);
    assert_eq!(read("ns/good.intent"), CANONICAL);
    assert_eq!(
        read("ns/.hidden/messy.intent"),
        MESSY,
        "hidden folders are skipped"
    );
    assert_eq!(
        read("ns/notes.txt"),
        MESSY,
        "only *.intent files in folders"
    );
    let out = fmt(tmp.path()).args(["--check", "ns"]).expect_exit(0).run();
    assert_eq!(out.stdout, "");
    // A file named on the command line is formatted whatever its name.
    fmt(tmp.path()).arg("ns/notes.txt").expect_exit(0).run();
    assert_eq!(read("ns/notes.txt"), CANONICAL);
}

#[test]
fn a_syntax_error_writes_nothing_and_exits_2() {
    let tmp = tree();
    fs::write(
        tmp.path().join("ns/broken.intent"),
        "service x in ns {\n  port http\n}\n",
    )
    .expect("write");
    let before = snapshot(tmp.path());
    for check in [false, true] {
        let mut run = fmt(tmp.path());
        if check {
            run = run.arg("--check");
        }
        let out = run.arg("ns").expect_exit(2).run();
        assert!(
            out.stderr.contains("ns/broken.intent:3:1: error") && out.stderr.contains("[E0001]"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("^"), "a caret: {}", out.stderr);
        assert_eq!(out.stdout, "");
        assert!(snapshot(tmp.path()) == before, "a failed fmt wrote");
    }
}

#[test]
fn missing_paths_and_empty_folders_are_errors() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::create_dir(tmp.path().join("empty")).expect("mkdir");
    let out = fmt(tmp.path()).arg("nowhere").expect_exit(2).run();
    assert!(out.stderr.contains("nowhere"), "{}", out.stderr);
    fmt(tmp.path()).arg("empty").expect_exit(2).run();
    Meshward::new().arg("fmt").expect_exit(2).run();
}

#[test]
fn line_breaks_and_byte_order_mark_stay_per_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let crlf = "\u{feff}service a in b{\r\nport http 8080/http   \r\n}";
    fs::write(tmp.path().join("crlf.intent"), crlf).expect("write");
    fs::write(tmp.path().join("lf.intent"), MESSY).expect("write");
    fmt(tmp.path()).arg(".").expect_exit(0).run();
    let read = |p: &str| fs::read(tmp.path().join(p)).expect("read");
    assert_eq!(
        read("crlf.intent"),
        "\u{feff}service a in b {\r\n  port http 8080/http\r\n}\r\n".as_bytes()
    );
    assert_eq!(read("lf.intent"), CANONICAL.as_bytes());
}

#[test]
fn json_diagnostics_for_tools() {
    let tmp = tempfile::tempdir().expect("tempdir");
    fs::write(tmp.path().join("a.intent"), "service {").expect("write");
    let out = fmt(tmp.path())
        .args(["a.intent", "--format", "json"])
        .expect_exit(2)
        .run();
    let first = out.stderr.lines().next().unwrap_or("");
    let v: serde_json::Value = serde_json::from_str(first).expect("one JSON object per line");
    assert_eq!(v["code"], "E0001", "{v}");
}

#[test]
fn check_annotates_the_first_changed_line_for_tools() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = "service a in b {\n  port http 8080/http\n  allow  c\n}\n";
    fs::write(tmp.path().join("a.intent"), text).expect("write");
    let out = fmt(tmp.path())
        .args(["--check", "a.intent", "--format", "json"])
        .expect_exit(1)
        .run();
    assert_eq!(out.stdout, "a.intent\n");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "only JSON on stderr: {}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(lines[0]).expect("JSON");
    assert_eq!(
        (v["file"].as_str(), v["line"].as_u64()),
        (Some("a.intent"), Some(3))
    );
    assert_eq!(v["message"], "not in the canonical layout");
    let out = fmt(tmp.path())
        .args(["--check", "a.intent", "--format", "github"])
        .expect_exit(1)
        .run();
    assert!(
        out.stderr.starts_with("::error file=a.intent,line=3,col=1"),
        "{}",
        out.stderr
    );
}
