//! (d) The output is the same, byte for byte, whatever the order, names and folders of the
//! intent files (except the header comments naming them), and holds no absolute path of
//! the input or the output.

use crate::{build, crate_root, examples, files, report, run_build, yaml_files, MANIFEST};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub fn slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The leading comment lines of TEXT, and the rest.
pub fn split_header(text: &str) -> (&str, &str) {
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        if !line.starts_with('#') {
            break;
        }
        end += line.len();
    }
    text.split_at(end)
}

/// Differences between the trees A and B: the same files, with the same bytes; with
/// IGNORE_HEADERS, the leading comment lines of `.yaml` files may differ.
pub fn compare_trees(a: &Path, b: &Path, ignore_headers: bool, what: &str) -> Vec<String> {
    let mut failures = Vec::new();
    let (files_a, files_b) = (files(a), files(b));
    let only = |x: &[PathBuf], y: &[PathBuf]| -> Vec<String> {
        x.iter()
            .filter(|p| !y.contains(p))
            .map(|p| slash(p))
            .collect()
    };
    let (only_a, only_b) = (only(&files_a, &files_b), only(&files_b, &files_a));
    if !only_a.is_empty() || !only_b.is_empty() {
        failures.push(format!(
            "{what}: the trees hold different files: only in the first {only_a:?}, only in the second {only_b:?}"
        ));
    }
    for path in files_a.iter().filter(|path| files_b.contains(path)) {
        let text_a = fs::read_to_string(a.join(path)).expect("read output");
        let text_b = fs::read_to_string(b.join(path)).expect("read output");
        let strip = ignore_headers && path.extension().is_some_and(|ext| ext == "yaml");
        let (body_a, body_b) = if strip {
            (split_header(&text_a).1, split_header(&text_b).1)
        } else {
            (text_a.as_str(), text_b.as_str())
        };
        if body_a != body_b {
            let line = body_a
                .lines()
                .zip(body_b.lines())
                .position(|(x, y)| x != y)
                .map_or_else(|| "at the end".to_string(), |i| format!("line {}", i + 1));
            failures.push(format!(
                "{what}: {} differs ({line}{})",
                slash(path),
                if strip { " after the header" } else { "" }
            ));
        }
    }
    failures
}

/// A copy of EXAMPLE whose files are copied in reverse order and whose intent files are
/// renamed and moved to other folders; returns it and the (old, new) intent paths.
pub fn shuffled_copy(example: &Path) -> (TempDir, Vec<(String, String)>) {
    let copy = TempDir::new().expect("temporary folder");
    let mut moves = Vec::new();
    let mut sources = files(example);
    sources.reverse();
    for (i, path) in sources.iter().enumerate() {
        let target = if path.extension().is_some_and(|ext| ext == "intent") {
            let stem = path.file_stem().unwrap().to_string_lossy();
            let moved = PathBuf::from(format!("moved-{}", i % 2))
                .join(format!("level-{i}"))
                .join(format!("{i:02}-{stem}-renamed.intent"));
            moves.push((slash(path), slash(&moved)));
            moved
        } else {
            path.clone()
        };
        let target = copy.path().join(target);
        fs::create_dir_all(target.parent().unwrap()).expect("create folder");
        fs::copy(example.join(path), target).expect("copy intent");
    }
    (copy, moves)
}

/// The words of the header comment of TEXT that look like paths, without trailing
/// punctuation.
pub fn header_words(text: &str) -> BTreeSet<&str> {
    split_header(text)
        .0
        .split_whitespace()
        .map(|word| word.trim_matches(|c: char| "`'\"()[],;:.".contains(c)))
        .collect()
}

#[test]
pub fn output_is_deterministic() {
    let mut failures = Vec::new();
    for example in examples() {
        let name = example.file_name().unwrap().to_string_lossy().into_owned();

        // Twice, once with the absolute path and once with the path a user would type:
        // byte-identical, headers included.
        let first = build(&example);
        if !first.path().join(MANIFEST).is_file() {
            failures.push(format!("examples/{name}: the tree has no {MANIFEST}"));
        }
        let second = TempDir::new().expect("temporary folder");
        let relative = example
            .strip_prefix(crate_root())
            .expect("example below the crate");
        run_build(relative, second.path(), crate_root());
        failures.extend(compare_trees(
            first.path(),
            second.path(),
            false,
            &format!("examples/{name} built twice"),
        ));

        // From a shuffled copy: identical but for the header comments naming intent files.
        let (copy, moves) = shuffled_copy(&example);
        let third = TempDir::new().expect("temporary folder");
        run_build(copy.path(), third.path(), copy.path());
        let what = format!("examples/{name} with its intent files moved and renamed");
        failures.extend(compare_trees(first.path(), third.path(), true, &what));

        for path in yaml_files(first.path()) {
            let (Ok(before), Ok(after)) = (
                fs::read_to_string(first.path().join(&path)),
                fs::read_to_string(third.path().join(&path)),
            ) else {
                continue;
            };
            let (before, after) = (header_words(&before), header_words(&after));
            for (old, new) in &moves {
                if before.contains(old.as_str()) && !after.contains(new.as_str()) {
                    failures.push(format!(
                        "{what}: the header of {} named {old} but does not name its new path {new}",
                        slash(&path)
                    ));
                }
            }
        }

        // No absolute path of the input or the output may leak into the tree.
        for (out, input) in [
            (first.path(), example.as_path()),
            (third.path(), copy.path()),
        ] {
            for path in files(out) {
                let text = fs::read_to_string(out.join(&path)).expect("read output");
                for leaked in [input, out] {
                    if text.contains(&*leaked.to_string_lossy()) {
                        failures.push(format!(
                            "examples/{name}: {} contains the absolute path {}",
                            slash(&path),
                            leaked.display()
                        ));
                    }
                }
            }
        }
    }
    report("determinism", &failures);
}
