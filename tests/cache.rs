//! The `check` cache of docs/cli.md, through the real binary: a record of an unchanged
//! tree answers `check` without compiling, every difference in OUT or the intents is seen,
//! the cache is off in CI and with `--no-cache`, and a hit replays the warnings of the
//! compile it records.

mod common;

use common::{build, shop, Fixture, Meshward, Output};
use std::fs;
use std::path::Path;

/// Run with the check cache on, records in CACHE, stage timings on (so a test can tell
/// whether the tree was compiled: a compile prints a `parse` timing).
fn cached(f: &Fixture, cache: &Path, words: &[&str]) -> Meshward {
    Meshward::new()
        .args(words)
        .arg(&f.intents)
        .arg("--out")
        .arg(&f.out)
        .env_remove("CI")
        .env("MESHWARD_CACHE", "")
        .env("MESHWARD_CACHE_DIR", cache)
        .env("MESHWARD_TIMINGS", "1")
}

fn compiled(o: &Output) -> bool {
    o.stderr.contains("timing parse")
}

fn records(cache: &Path) -> usize {
    fs::read_dir(cache).map_or(0, |d| d.flatten().count())
}

#[test]
fn check_uses_the_record_of_an_unchanged_tree_and_sees_every_difference() {
    let f = shop();
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("cache");
    cached(&f, &cache, &["build"]).expect_exit(0).run();
    assert_eq!(records(&cache), 1, "a clean build records its tree");

    // Unchanged: answered from the record, without compiling.
    let hit = cached(&f, &cache, &["check"]).expect_exit(0).run();
    assert!(!compiled(&hit), "{}", hit.stderr);
    assert!(hit.stderr.contains("is up to date"));

    // Every kind of drift in OUT is seen, and reported with the full diff.
    let orders = f.out.join("shop/orders.yaml");
    let original = fs::read_to_string(&orders).expect("read");
    fs::write(&orders, original.replace("GET", "DELETE")).expect("edit");
    let edited = cached(&f, &cache, &["check"]).expect_exit(1).run();
    assert!(compiled(&edited));
    assert!(edited.stdout.contains("--- a/shop/orders.yaml"));
    fs::remove_file(&orders).expect("remove");
    cached(&f, &cache, &["check"]).expect_exit(1).run();
    fs::write(&orders, &original).expect("restore");
    cached(&f, &cache, &["check"]).expect_exit(0).run();
    // Files beside the tree: a hit answers exactly as a full check does.
    let copy = f.out.join("shop/copy.yaml");
    fs::write(&copy, &original).expect("generated-looking copy");
    fs::write(f.out.join("shop/notes.txt"), "ours\n").expect("foreign");
    let manifest = f.out.join(".meshward-manifest");
    let listed = fs::read_to_string(&manifest).expect("manifest");
    for manifest_text in [listed.clone(), listed.replace("shop/orders.yaml\n", "")] {
        fs::write(&manifest, &manifest_text).expect("manifest");
        let full = cached(&f, &cache, &["check", "--no-cache"]).run();
        let fast = cached(&f, &cache, &["check"]).run();
        assert_eq!(fast.code, full.code, "{manifest_text}");
    }
    fs::write(&manifest, &listed).expect("restore manifest");
    let foreign = cached(&f, &cache, &["check"]).expect_exit(0).run();
    assert!(!compiled(&foreign));

    // An edited intent is another key: compiled in full, found stale, and recorded.
    let intent = f.intents.join("shop/orders.intent");
    let text = fs::read_to_string(&intent).expect("read");
    fs::write(
        &intent,
        text.replace("GET /api/orders,", "GET|DELETE /api/orders,"),
    )
    .expect("edit");
    let changed = cached(&f, &cache, &["check"]).expect_exit(1).run();
    assert!(compiled(&changed));
    assert_eq!(records(&cache), 2);
    // ... and a second check of the same state is answered from that record.
    // The record knows OUT is stale.
    let again = cached(&f, &cache, &["check"]).expect_exit(1).run();
    assert!(
        compiled(&again),
        "a stale OUT is compiled to print its diff"
    );

    // A corrupt record is a miss, never a wrong answer.
    fs::write(&intent, &text).expect("restore intent");
    for entry in fs::read_dir(&cache).expect("cache").flatten() {
        fs::write(entry.path(), "garbage").expect("corrupt");
    }
    let corrupt = cached(&f, &cache, &["check"]).expect_exit(0).run();
    assert!(compiled(&corrupt));
}

#[test]
fn the_cache_is_off_in_ci_and_with_no_cache() {
    let f = shop();
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("cache");
    build(&f).expect_exit(0).run();
    cached(&f, &cache, &["check"])
        .env("CI", "true")
        .expect_exit(0)
        .run();
    assert_eq!(records(&cache), 0, "CI never writes a record");
    cached(&f, &cache, &["check", "--no-cache"])
        .expect_exit(0)
        .run();
    assert_eq!(records(&cache), 0);
    cached(&f, &cache, &["check"])
        .env("MESHWARD_CACHE", "off")
        .expect_exit(0)
        .run();
    assert_eq!(records(&cache), 0);
    cached(&f, &cache, &["check"])
        .env("CI", "true")
        .env("MESHWARD_CACHE", "on")
        .expect_exit(0)
        .run();
    assert_eq!(records(&cache), 1, "MESHWARD_CACHE=on overrides CI");
}

/// Stderr without the timing lines, which differ between any two runs.
fn reported(o: &Output) -> String {
    o.stderr
        .lines()
        .filter(|l| !l.starts_with("meshward: timing"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn a_hit_replays_the_warnings_of_the_compile_it_records() {
    let f = shop();
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("cache");
    let warned = f.intents.join("shop/zz-warn.intent");
    let service = "service zz-warn in shop {\n  port http 8080\n  allow namespace nowhere\n}\n";
    fs::write(&warned, service).expect("write");
    cached(&f, &cache, &["build"]).expect_exit(0).run();
    assert_eq!(records(&cache), 1, "a build with warnings records its tree");

    // A hit prints what a full check prints, in every format and with --quiet.
    for words in [
        &["check"][..],
        &["check", "--format", "json"],
        &["check", "--format", "github"],
        &["check", "--quiet"],
        &["check", "--format", "json", "--quiet"],
    ] {
        let full = cached(&f, &cache, &[words, &["--no-cache"]].concat())
            .expect_exit(0)
            .run();
        let fast = cached(&f, &cache, words).expect_exit(0).run();
        assert!(
            compiled(&full) && !compiled(&fast),
            "{words:?}: {}",
            fast.stderr
        );
        assert_eq!(reported(&fast), reported(&full), "{words:?}");
        assert_eq!(fast.stdout, full.stdout, "{words:?}");
        let quiet = words.contains(&"--quiet");
        assert_eq!(reported(&fast).contains("W0002"), !quiet, "{words:?}");
    }

    // A changed warning is another key: compiled, and the new warning printed.
    fs::write(&warned, service.replace("nowhere", "elsewhere")).expect("edit");
    let changed = cached(&f, &cache, &["check"]).expect_exit(1).run();
    assert!(compiled(&changed));
    assert!(
        changed.stderr.contains("namespace elsewhere"),
        "{}",
        changed.stderr
    );
    cached(&f, &cache, &["build"]).expect_exit(0).run();
    let full = cached(&f, &cache, &["check", "--no-cache"])
        .expect_exit(0)
        .run();
    let fast = cached(&f, &cache, &["check"]).expect_exit(0).run();
    assert!(!compiled(&fast));
    assert_eq!(reported(&fast), reported(&full));
    assert!(!fast.stderr.contains("nowhere"));

    // A corrupt record is a miss, and the warning is still printed.
    for entry in fs::read_dir(&cache).expect("cache").flatten() {
        let text = fs::read_to_string(entry.path()).expect("record");
        assert!(text.contains("\"W0002\""), "{text}");
        fs::write(entry.path(), text.replace("\"W0002\"", "\"W9999\"")).expect("corrupt");
    }
    let corrupt = cached(&f, &cache, &["check"]).expect_exit(0).run();
    assert!(compiled(&corrupt));
    assert_eq!(reported(&corrupt), reported(&full));
}
