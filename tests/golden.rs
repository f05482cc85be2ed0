//! Golden tests: the exact text meshward writes for every example, the exact diagnostics
//! it prints for every invalid input under `golden/errors/inputs/` and for every
//! compiling-but-suspicious input under `golden/warnings/inputs/`, and a check that every
//! diagnostic code is both shown by some snapshot and documented in docs/errors.md.
//!
//! All run the real binary. Review changes with `cargo insta review` (see golden/README.md).

mod common;

use common::{files_below, golden, root, Meshward, Output};
use std::fs;
use std::path::{Path, PathBuf};

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
    files_below(dir)
        .iter()
        .map(|(p, path)| {
            format!(
                "--- {p} ---\n{}",
                fs::read_to_string(path).expect("utf-8 output")
            )
        })
        .collect()
}

#[test]
fn examples_output_trees() {
    for name in folders(&root().join("examples")) {
        let out = tempfile::tempdir().expect("tempdir");
        let target = out.path().join("out");
        Meshward::new()
            .current_dir(root().join("examples"))
            .args(["build", &name, "--out"])
            .arg(&target)
            .expect_exit(0)
            .run();
        golden("examples").bind(|| insta::assert_snapshot!(name.clone(), tree_text(&target)));
    }
}

/// The trees under `tests/fixtures/`, built by the binary and snapshotted like the
/// examples under `golden/fixtures/`.
#[test]
fn fixtures_output_trees() {
    for fixture in common::fixtures() {
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        let out = tempfile::tempdir().expect("tempdir");
        common::build_fixture(&fixture, out.path());
        golden("fixtures").bind(|| insta::assert_snapshot!(name.clone(), tree_text(out.path())));
    }
}

#[test]
fn invalid_inputs_diagnostics() {
    let cases = root().join("golden").join("errors").join("inputs");
    let names = folders(&cases);
    assert!(
        names.len() >= 60,
        "the error corpus has {} cases",
        names.len()
    );
    for name in names {
        let (_out, target, run) = build_case(&cases, &name, 2);
        let stderr = run.stderr;
        assert!(
            !target.exists(),
            "{name}: a failed build must write nothing"
        );
        assert!(
            stderr.contains(": error: "),
            "{name}: no error line:\n{stderr}"
        );
        golden("errors").bind(|| insta::assert_snapshot!(name.clone(), stderr));
    }
}

/// Run `meshward build NAME --out <tmp>/out` from `cwd`, which must exit with `exit`; the
/// out folder and the output.
fn build_case(cwd: &Path, name: &str, exit: i32) -> (tempfile::TempDir, PathBuf, Output) {
    let out = tempfile::tempdir().expect("tempdir");
    let target = out.path().join("out");
    let run = Meshward::new()
        .current_dir(cwd)
        .args(["build", name, "--out"])
        .arg(&target)
        .expect_exit(exit)
        .run();
    (out, target, run)
}

/// A file name holding a line break (and YAML after it) is E0007, not a way to inject text
/// into a header comment. Generated at run time, not committed as a corpus folder: such
/// names are hostile to git checkouts too.
#[test]
fn file_name_with_a_line_break() {
    let root = tempfile::tempdir().expect("tempdir");
    let case = "file-name-with-line-break";
    let dir = root.path().join(case).join("shop");
    fs::create_dir_all(&dir).expect("mkdir");
    let name = "x\n---\nkind: AuthorizationPolicy\n#.intent";
    fs::write(
        dir.join(name),
        "service orders in shop {\n  port http 8080/http\n}\n",
    )
    .expect("write");
    let (_out, target, run) = build_case(root.path(), case, 2);
    let stderr = run.stderr;
    assert!(!target.exists(), "a failed build must write nothing");
    assert!(stderr.contains("[E0007]"), "no E0007 line:\n{stderr}");
    golden("errors").bind(|| insta::assert_snapshot!(case, stderr));
}

/// The 1 MiB limit of the language contract, tested on a file generated at run time so that
/// the corpus stays small: one byte over is E0005 (and nothing is written), the limit
/// itself is fine.
#[test]
fn file_over_the_size_limit() {
    const LIMIT: usize = 1 << 20;
    let head = "service orders in shop {\n  port http 8080/http\n}\n";
    let file_of = |size: usize| {
        let mut text = String::with_capacity(size);
        text.push_str(head);
        while text.len() < size {
            let line = "# padding to reach the size limit\n";
            let room = size - text.len();
            if room >= line.len() {
                text.push_str(line);
            } else {
                // The last line: a comment cut short, or a lone newline.
                text.push_str(&"#".repeat(room - 1));
                text.push('\n');
            }
        }
        assert_eq!(text.len(), size);
        text
    };

    let root = tempfile::tempdir().expect("tempdir");
    let case = "file-too-large";
    fs::create_dir_all(root.path().join(case).join("shop")).expect("mkdir");
    let file = root.path().join(case).join("shop").join("orders.intent");

    fs::write(&file, file_of(LIMIT + 1)).expect("write big file");
    let (_out, target, run) = build_case(root.path(), case, 2);
    let stderr = run.stderr;
    assert!(!target.exists(), "a failed build must write nothing");
    assert!(
        stderr.starts_with("file-too-large/shop/orders.intent:1:1: error: ")
            && stderr.contains("[E0005]"),
        "no E0005 line:\n{stderr}"
    );
    golden("errors").bind(|| insta::assert_snapshot!(case, stderr));

    fs::write(&file, file_of(LIMIT)).expect("write file at the limit");
    // A file of exactly 1 MiB is accepted.
    let (_out, _target, run) = build_case(root.path(), case, 0);
    assert!(!run.stderr.contains("E0005"), "{}", run.stderr);
}

#[test]
fn warning_inputs_diagnostics() {
    let cases = root().join("golden").join("warnings").join("inputs");
    let names = folders(&cases);
    assert!(
        names.len() >= 4,
        "the warning corpus has {} cases",
        names.len()
    );
    for name in names {
        // Warnings do not change the exit code.
        let (_out, target, run) = build_case(&cases, &name, 0);
        let stderr = run.stderr;
        assert!(target.exists(), "{name}: a build with warnings writes");
        assert!(
            stderr.contains(": warning: ") && !stderr.contains(": error: "),
            "{name}: expected warnings and no errors:\n{stderr}"
        );
        // The closing line names the temporary output folder.
        let stderr = stderr.replace(target.to_str().expect("utf-8 path"), "[OUT]");
        golden("warnings").bind(|| insta::assert_snapshot!(name.clone(), stderr));
    }
}

/// Every `.snap` under `golden/<folder>/`, name (without `.snap`) to text.
fn snapshots(folder: &str) -> Vec<(String, String)> {
    let dir = root().join("golden").join(folder);
    let mut out: Vec<(String, String)> = fs::read_dir(&dir)
        .expect("read snapshots")
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".snap")?.to_string();
            Some((stem, fs::read_to_string(e.path()).expect("read snapshot")))
        })
        .collect();
    out.sort();
    out
}

/// Cases whose input is generated by a test instead of living under `inputs/`.
const GENERATED_CASES: [&str; 2] = ["file-too-large", "file-name-with-line-break"];

#[test]
fn every_snapshot_has_its_input() {
    for folder in ["errors", "warnings"] {
        let inputs = folders(&root().join("golden").join(folder).join("inputs"));
        for (name, _) in snapshots(folder) {
            assert!(
                inputs.contains(&name) || GENERATED_CASES.contains(&name.as_str()),
                "golden/{folder}/{name}.snap has no golden/{folder}/inputs/{name}/: delete it"
            );
        }
    }
}

#[test]
fn every_code_is_shown_and_documented() {
    use meshward::code::Code;
    let shown: Vec<(String, String)> = snapshots("errors")
        .into_iter()
        .chain(snapshots("warnings"))
        .collect();
    let docs = fs::read_to_string(root().join("docs").join("errors.md")).expect("docs/errors.md");
    let headings: Vec<&str> = docs.lines().filter(|l| l.starts_with("## ")).collect();
    let mut missing = Vec::new();
    for &code in Code::ALL {
        let tag = format!("[{code}]");
        if code != Code::Internal && !shown.iter().any(|(_, text)| text.contains(&tag)) {
            missing.push(format!(
                "{code}: no snapshot under golden/errors or golden/warnings shows `{tag}`"
            ));
        }
        if !headings
            .iter()
            .any(|h| h.split_whitespace().any(|w| w == code.as_str()))
        {
            missing.push(format!(
                "{code}: docs/errors.md has no `## {code} ...` section"
            ));
        }
    }
    // The diagnostics quoted in the docs are copied from snapshots; keep them in step.
    for line in docs.lines() {
        let quoted = (line.contains(": error: ") || line.contains(": warning: "))
            && Code::ALL
                .iter()
                .any(|c| line.trim_end().ends_with(&format!("[{c}]")));
        if quoted
            && !shown
                .iter()
                .any(|(_, text)| text.lines().any(|l| l == line))
        {
            missing.push(format!(
                "docs/errors.md quotes a diagnostic no snapshot prints: {line}"
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
