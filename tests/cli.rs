//! The command-line contract of docs/cli.md, driven through the real binary: exit codes,
//! `check` staleness, all-or-nothing writes, pruning only our files, the check cache.

mod common;

use common::{copy_tree, files_below, root, Meshward, Output};
use std::fs;
use std::path::{Path, PathBuf};

/// Every file below `dir`, relative path to bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files_below(dir)
        .into_iter()
        .map(|(rel, path)| (rel, fs::read(path).expect("read file")))
        .collect()
}

struct Fixture {
    _tmp: tempfile::TempDir,
    intents: PathBuf,
    out: PathBuf,
}

fn shop() -> Fixture {
    let tmp = tempfile::tempdir().expect("tempdir");
    let intents = tmp.path().join("intents");
    copy_tree(&root().join("examples/shop"), &intents);
    let out = tmp.path().join("out");
    Fixture {
        _tmp: tmp,
        intents,
        out,
    }
}

impl Fixture {
    /// `meshward COMMAND INTENTS --out OUT`, ready to run.
    fn meshward(&self, command: &str) -> Meshward {
        Meshward::new()
            .arg(command)
            .arg(&self.intents)
            .arg("--out")
            .arg(&self.out)
    }
}

fn build(f: &Fixture) -> Meshward {
    f.meshward("build")
}

fn check(f: &Fixture) -> Meshward {
    f.meshward("check")
}

#[test]
fn check_is_clean_after_build_and_stale_after_an_edit() {
    let f = shop();
    build(&f).expect_exit(0).run();
    check(&f).expect_exit(0).run();

    let orders = f.intents.join("shop/orders.intent");
    let text = fs::read_to_string(&orders).expect("read");
    fs::write(
        &orders,
        text.replace("GET /api/orders,", "GET|DELETE /api/orders,"),
    )
    .expect("edit");
    let stale = check(&f).expect_exit(1).run();
    let diff = &stale.stdout;
    assert!(diff.contains("--- a/shop/orders.yaml"), "{diff}");
    assert!(diff.contains("+        - DELETE"), "{diff}");
    // check never writes.
    check(&f).expect_exit(1).run();
    build(&f).expect_exit(0).run();
    check(&f).expect_exit(0).run();
}

#[test]
fn a_failed_build_leaves_out_byte_identical() {
    let f = shop();
    build(&f).expect_exit(0).run();
    let before = snapshot(&f.out);

    fs::write(
        f.intents.join("shop/broken.intent"),
        "service broken in shop {\n  allow nobody to http\n}\n",
    )
    .expect("write");
    fs::remove_file(f.intents.join("data/redis.intent")).expect("remove");
    let failed = build(&f).expect_exit(2).run();
    assert!(failed.stderr.contains("shop/broken.intent:2:9: error:"));
    assert_eq!(snapshot(&f.out), before, "OUT changed after a failed build");
    check(&f).expect_exit(2).run();
}

#[test]
fn foreign_files_are_never_touched() {
    let f = shop();
    build(&f).expect_exit(0).run();
    let notes = f.out.join("shop/NOTES.md");
    fs::write(&notes, "hand-written\n").expect("write");

    // Removing a service prunes its generated file, and only that.
    fs::remove_file(f.intents.join("shop/cart.intent")).expect("remove");
    // cart's callers must go too, or the tree does not compile.
    for file in ["web/frontend.intent", "shop/checkout.intent"] {
        let path = f.intents.join(file);
        let text = fs::read_to_string(&path).expect("read");
        let kept: Vec<&str> = text.lines().filter(|l| !l.contains("cart")).collect();
        fs::write(&path, kept.join("\n")).expect("write");
    }
    build(&f).expect_exit(0).run();
    assert!(!f.out.join("shop/cart.yaml").exists());
    assert_eq!(fs::read_to_string(&notes).expect("kept"), "hand-written\n");

    // A hand-written file where meshward wants to write is refused, and nothing is written.
    fs::write(f.out.join("shop/basket.yaml"), "kind: Mine\n").expect("write");
    let before = snapshot(&f.out);
    fs::write(
        f.intents.join("shop/basket.intent"),
        "service basket in shop {\n  port http 8080/http\n}\n",
    )
    .expect("write");
    let orders = f.intents.join("shop/orders.intent");
    let text = fs::read_to_string(&orders).expect("read");
    fs::write(&orders, text.replace("/api/orders/*", "/api/v2/orders/*")).expect("edit");
    let refused = build(&f).expect_exit(2).run();
    assert!(refused.stderr.contains("did not generate"));
    assert_eq!(snapshot(&f.out), before);
}

#[test]
fn out_that_is_a_file_is_refused() {
    let f = shop();
    fs::write(&f.out, "not a folder").expect("write");
    build(&f).expect_exit(2).run();
    assert_eq!(fs::read_to_string(&f.out).expect("kept"), "not a folder");
}

#[test]
fn missing_folder_and_usage_errors_exit_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let r = Meshward::new()
        .arg("build")
        .arg(tmp.path().join("nope"))
        .arg("--out")
        .arg(tmp.path().join("o"))
        .expect_exit(2)
        .run();
    assert!(r.stderr.contains("intent folder does not exist"));
    Meshward::new().arg("build").expect_exit(2).run();
}

#[test]
fn help_shows_an_example() {
    for command in ["build", "check"] {
        let r = Meshward::new()
            .args([command, "--help"])
            .expect_exit(0)
            .run();
        let text = &r.stdout;
        assert!(
            text.contains(&format!("meshward {command} examples/shop --out")),
            "{text}"
        );
    }
}

#[test]
fn json_diagnostics_are_one_object_per_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("in");
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(
        dir.join("a.intent"),
        "service Bad in shop {\n  mtls strikt\n}\n",
    )
    .expect("write");
    let r = Meshward::new()
        .args(["build", "--format", "json"])
        .arg(&dir)
        .arg("--out")
        .arg(tmp.path().join("o"))
        .expect_exit(2)
        .run();
    let stderr = &r.stderr;
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert_eq!(lines[0]["line"], 1);
    assert_eq!(lines[0]["column"], 9);
    assert_eq!(lines[0]["severity"], "error");
    assert_eq!(lines[1]["line"], 2);
}

#[test]
fn github_annotations_and_colour() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("in");
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(
        dir.join("a.intent"),
        "service orders in shop {\n  mtls strikt\n}\n",
    )
    .expect("write");
    let out = tmp.path().join("o");
    let build = |flags: &[&str]| {
        Meshward::new()
            .arg("build")
            .args(flags)
            .arg(&dir)
            .arg("--out")
            .arg(&out)
            .expect_exit(2)
            .run()
    };
    let r = build(&["--format", "github"]);
    let stderr = &r.stderr;
    let line = stderr.lines().next().expect("one annotation");
    assert!(line.starts_with("::error file="), "{line}");
    assert!(line.contains("a.intent,line=2,col=8,endLine=2,endColumn=14,title=meshward E0307::unknown mTLS mode `strikt`%0Ahelp: did you mean `strict`?"), "{line}");

    // Colour only when asked (or on a terminal without NO_COLOR): never in a pipe by default.
    let plain = build(&[]);
    assert!(!plain.stderr.contains('\x1b'));
    let coloured = build(&["--color", "always"]);
    assert!(coloured.stderr.contains("\x1b[1;31merror:"));
}

#[test]
fn unsafe_output_folders_are_refused() {
    let f = shop();
    let refused = |out: &Path, why: &str| {
        let r = Meshward::new()
            .arg("build")
            .arg(&f.intents)
            .arg("--out")
            .arg(out)
            .expect_exit(2)
            .run();
        let stderr = &r.stderr;
        assert!(stderr.contains(why), "{stderr}");
    };
    // Inside the intents, or holding them.
    refused(&f.intents.join("deploy"), "inside the intent folder");
    refused(
        f.intents.parent().expect("parent"),
        "inside the output folder",
    );
    // A link that leads somewhere else.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let link = f.out.with_file_name("linked-out");
    std::os::unix::fs::symlink(elsewhere.path(), &link).expect("symlink");
    refused(&link, "symbolic link");
    assert_eq!(fs::read_dir(elsewhere.path()).expect("read").count(), 0);
    // A namespace folder inside OUT that is a link: writing would leave OUT.
    build(&f).expect_exit(0).run();
    fs::remove_dir_all(f.out.join("shop")).expect("rm");
    std::os::unix::fs::symlink(elsewhere.path(), f.out.join("shop")).expect("symlink");
    refused(&f.out, "symbolic link");
    assert_eq!(fs::read_dir(elsewhere.path()).expect("read").count(), 0);
}

#[test]
fn symlinked_intent_files_are_read_and_folders_are_not_followed() {
    let f = shop();
    // A linked file counts like any other file...
    let spare = f.intents.parent().expect("parent").join("spare");
    fs::create_dir_all(&spare).expect("mkdir");
    fs::write(
        spare.join("extra.intent"),
        "service extra in shop {\n  port http 8080/http\n}\n",
    )
    .expect("write");
    std::os::unix::fs::symlink(
        spare.join("extra.intent"),
        f.intents.join("shop/extra.intent"),
    )
    .expect("link");
    // ...a linked folder is skipped, so a link back up the tree cannot loop.
    std::os::unix::fs::symlink(&f.intents, f.intents.join("shop/loop")).expect("link");
    build(&f).expect_exit(0).run();
    assert!(f.out.join("shop/extra.yaml").exists());
}

#[test]
fn an_io_failure_while_writing_leaves_out_as_it_was() {
    let f = shop();
    build(&f).expect_exit(0).run();
    // Change two namespaces, so that several files must be rewritten.
    for (file, from, to) in [
        ("shop/orders.intent", "/api/orders/*", "/api/v2/orders/*"),
        ("data/postgres.intent", "5432", "5433"),
    ] {
        let path = f.intents.join(file);
        let text = fs::read_to_string(&path).expect("read");
        fs::write(&path, text.replacen(from, to, 1)).expect("edit");
    }
    // A folder where a file must go: refused while planning, before any write.
    fs::remove_file(f.out.join("data/postgres.yaml")).expect("rm");
    fs::create_dir(f.out.join("data/postgres.yaml")).expect("mkdir");
    let before = snapshot(&f.out);
    build(&f).expect_exit(2).run();
    assert_eq!(
        snapshot(&f.out),
        before,
        "OUT changed after a refused build"
    );
    fs::remove_dir(f.out.join("data/postgres.yaml")).expect("rmdir");
    // A write that fails half-way (here: the place where the new tree is staged, beside
    // OUT, is taken by a file): OUT is not touched.
    let staging = f.out.with_file_name(".out.meshward-staging");
    fs::write(&staging, "in the way").expect("write");
    let before = snapshot(&f.out);
    build(&f).expect_exit(2).run();
    assert_eq!(snapshot(&f.out), before, "OUT changed after a failed write");
    fs::remove_file(&staging).expect("rm");
    // A staging folder left by a killed run is cleared, and the new tree swapped in whole.
    fs::create_dir_all(staging.join("shop")).expect("mkdir");
    fs::write(
        staging.join("shop/half.yaml"),
        "# Generated by meshward, half written",
    )
    .expect("write");
    build(&f).expect_exit(0).run();
    check(&f).expect_exit(0).run();
    assert!(
        !staging.exists(),
        "the staging folder is removed after the swap"
    );
}

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
