//! The command-line contract (docs/cli.md, ../shared/design/cli.md), driven through the real
//! binary: exit codes, `check` staleness, all-or-nothing writes, pruning only our files.

mod common;

use common::{copy_tree, files_below};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn meshward(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meshward"))
        .env("MESHWARD_CACHE", "off")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run meshward")
}

fn run(words: &[&str], paths: &[&Path]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_meshward"));
    cmd.args(words)
        .args(paths)
        .env("NO_COLOR", "1")
        .env("MESHWARD_CACHE", "off");
    cmd.output().expect("run meshward")
}

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
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop"),
        &intents,
    );
    let out = tmp.path().join("out");
    Fixture {
        _tmp: tmp,
        intents,
        out,
    }
}

fn build(f: &Fixture) -> Output {
    run(&["build"], &[&f.intents, Path::new("--out"), &f.out])
}

fn check(f: &Fixture) -> Output {
    run(&["check"], &[&f.intents, Path::new("--out"), &f.out])
}

#[test]
fn check_is_clean_after_build_and_stale_after_an_edit() {
    let f = shop();
    assert_eq!(build(&f).status.code(), Some(0));
    assert_eq!(check(&f).status.code(), Some(0));

    let orders = f.intents.join("shop/orders.intent");
    let text = fs::read_to_string(&orders).expect("read");
    fs::write(
        &orders,
        text.replace("GET /api/orders,", "GET|DELETE /api/orders,"),
    )
    .expect("edit");
    let stale = check(&f);
    assert_eq!(stale.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&stale.stdout);
    assert!(diff.contains("--- a/shop/orders.yaml"), "{diff}");
    assert!(diff.contains("+        - DELETE"), "{diff}");
    // check never writes.
    assert_eq!(check(&f).status.code(), Some(1));
    assert_eq!(build(&f).status.code(), Some(0));
    assert_eq!(check(&f).status.code(), Some(0));
}

#[test]
fn a_failed_build_leaves_out_byte_identical() {
    let f = shop();
    assert_eq!(build(&f).status.code(), Some(0));
    let before = snapshot(&f.out);

    fs::write(
        f.intents.join("shop/broken.intent"),
        "service broken in shop {\n  allow nobody to http\n}\n",
    )
    .expect("write");
    fs::remove_file(f.intents.join("data/redis.intent")).expect("remove");
    let failed = build(&f);
    assert_eq!(failed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("shop/broken.intent:2:9: error:"));
    assert_eq!(snapshot(&f.out), before, "OUT changed after a failed build");
    assert_eq!(check(&f).status.code(), Some(2));
}

#[test]
fn foreign_files_are_never_touched() {
    let f = shop();
    assert_eq!(build(&f).status.code(), Some(0));
    let notes = f.out.join("shop/NOTES.md");
    fs::write(&notes, "hand-written\n").expect("write");

    // Removing a service prunes its generated file, and only that.
    fs::remove_file(f.intents.join("shop/cart.intent")).expect("remove");
    // cart's callers must go too, or the tree no longer compiles.
    for file in ["web/frontend.intent", "shop/checkout.intent"] {
        let path = f.intents.join(file);
        let text = fs::read_to_string(&path).expect("read");
        let kept: Vec<&str> = text.lines().filter(|l| !l.contains("cart")).collect();
        fs::write(&path, kept.join("\n")).expect("write");
    }
    let rebuilt = build(&f);
    assert_eq!(
        rebuilt.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&rebuilt.stderr)
    );
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
    let refused = build(&f);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("did not generate"));
    assert_eq!(snapshot(&f.out), before);
}

#[test]
fn out_that_is_a_file_is_refused() {
    let f = shop();
    fs::write(&f.out, "not a folder").expect("write");
    let r = build(&f);
    assert_eq!(r.status.code(), Some(2));
    assert_eq!(fs::read_to_string(&f.out).expect("kept"), "not a folder");
}

#[test]
fn missing_folder_and_usage_errors_exit_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let r = run(
        &["build"],
        &[
            &tmp.path().join("nope"),
            Path::new("--out"),
            &tmp.path().join("o"),
        ],
    );
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("intent folder does not exist"));
    assert_eq!(meshward(&[Path::new("build")]).status.code(), Some(2));
}

#[test]
fn help_shows_an_example() {
    for command in ["build", "check"] {
        let r = run(&[command, "--help"], &[]);
        assert_eq!(r.status.code(), Some(0));
        let text = String::from_utf8_lossy(&r.stdout);
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
    let r = run(
        &["build", "--format", "json"],
        &[&dir, Path::new("--out"), &tmp.path().join("o")],
    );
    assert_eq!(r.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&r.stderr);
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
    let r = run(
        &["build", "--format", "github"],
        &[&dir, Path::new("--out"), &out],
    );
    assert_eq!(r.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&r.stderr);
    let line = stderr.lines().next().expect("one annotation");
    assert!(line.starts_with("::error file="), "{line}");
    assert!(line.contains("a.intent,line=2,col=8,endLine=2,endColumn=14,title=meshward E0307::unknown mTLS mode `strikt`%0Ahelp: did you mean `strict`?"), "{line}");

    // Colour only when asked (or on a terminal without NO_COLOR): never in a pipe by default.
    let plain = run(&["build"], &[&dir, Path::new("--out"), &out]);
    assert!(!String::from_utf8_lossy(&plain.stderr).contains('\x1b'));
    let coloured = run(
        &["build", "--color", "always"],
        &[&dir, Path::new("--out"), &out],
    );
    assert!(String::from_utf8_lossy(&coloured.stderr).contains("\x1b[1;31merror:"));
}

#[test]
fn unsafe_output_folders_are_refused() {
    let f = shop();
    let refused = |out: &Path, why: &str| {
        let r = run(&["build"], &[&f.intents, Path::new("--out"), out]);
        assert_eq!(r.status.code(), Some(2), "{}", out.display());
        let stderr = String::from_utf8_lossy(&r.stderr);
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
    assert_eq!(build(&f).status.code(), Some(0));
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
    let r = build(&f);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(f.out.join("shop/extra.yaml").exists());
}

#[test]
fn an_io_failure_while_writing_leaves_out_as_it_was() {
    let f = shop();
    assert_eq!(build(&f).status.code(), Some(0));
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
    assert_eq!(build(&f).status.code(), Some(2));
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
    let failed = build(&f);
    assert_eq!(
        failed.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&failed.stderr)
    );
    assert_eq!(snapshot(&f.out), before, "OUT changed after a failed write");
    fs::remove_file(&staging).expect("rm");
    // A staging folder left by a killed run is cleared, and the new tree swapped in whole.
    fs::create_dir_all(staging.join("shop")).expect("mkdir");
    fs::write(
        staging.join("shop/half.yaml"),
        "# Generated by meshward, half written",
    )
    .expect("write");
    assert_eq!(build(&f).status.code(), Some(0));
    assert_eq!(check(&f).status.code(), Some(0));
    assert!(
        !staging.exists(),
        "the staging folder is removed after the swap"
    );
}

/// Run with the check cache on, records in CACHE, stage timings on (so a test can tell
/// whether the tree was compiled: a compile prints a `parse` timing).
fn cached(words: &[&str], f: &Fixture, cache: &Path, extra: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_meshward"));
    cmd.args(words)
        .arg(&f.intents)
        .arg("--out")
        .arg(&f.out)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .env("MESHWARD_CACHE", "")
        .env("MESHWARD_CACHE_DIR", cache)
        .env("MESHWARD_TIMINGS", "1");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.output().expect("run meshward")
}

fn compiled(o: &Output) -> bool {
    String::from_utf8_lossy(&o.stderr).contains("timing parse")
}

fn records(cache: &Path) -> usize {
    fs::read_dir(cache).map_or(0, |d| d.flatten().count())
}

#[test]
fn check_uses_the_record_of_an_unchanged_tree_and_sees_every_difference() {
    let f = shop();
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("cache");
    let first = cached(&["build"], &f, &cache, &[]);
    assert_eq!(first.status.code(), Some(0));
    assert_eq!(records(&cache), 1, "a clean build records its tree");

    // Unchanged: answered from the record, without compiling.
    let hit = cached(&["check"], &f, &cache, &[]);
    assert_eq!(hit.status.code(), Some(0));
    assert!(!compiled(&hit), "{}", String::from_utf8_lossy(&hit.stderr));
    assert!(String::from_utf8_lossy(&hit.stderr).contains("is up to date"));

    // Every kind of drift in OUT is seen, and reported with the full diff.
    let orders = f.out.join("shop/orders.yaml");
    let original = fs::read_to_string(&orders).expect("read");
    fs::write(&orders, original.replace("GET", "DELETE")).expect("edit");
    let edited = cached(&["check"], &f, &cache, &[]);
    assert_eq!(edited.status.code(), Some(1));
    assert!(compiled(&edited));
    assert!(String::from_utf8_lossy(&edited.stdout).contains("--- a/shop/orders.yaml"));
    fs::remove_file(&orders).expect("remove");
    assert_eq!(cached(&["check"], &f, &cache, &[]).status.code(), Some(1));
    fs::write(&orders, &original).expect("restore");
    assert_eq!(cached(&["check"], &f, &cache, &[]).status.code(), Some(0));
    // Files beside the tree: a hit answers exactly as a full check does.
    let copy = f.out.join("shop/copy.yaml");
    fs::write(&copy, &original).expect("generated-looking copy");
    fs::write(f.out.join("shop/notes.txt"), "ours\n").expect("foreign");
    let manifest = f.out.join(".meshward-manifest");
    let listed = fs::read_to_string(&manifest).expect("manifest");
    for manifest_text in [listed.clone(), listed.replace("shop/orders.yaml\n", "")] {
        fs::write(&manifest, &manifest_text).expect("manifest");
        let full = cached(&["check", "--no-cache"], &f, &cache, &[]);
        let fast = cached(&["check"], &f, &cache, &[]);
        assert_eq!(fast.status.code(), full.status.code(), "{manifest_text}");
    }
    fs::write(&manifest, &listed).expect("restore manifest");
    let foreign = cached(&["check"], &f, &cache, &[]);
    assert_eq!(foreign.status.code(), Some(0));
    assert!(!compiled(&foreign));

    // An edited intent is another key: compiled in full, found stale, and recorded.
    let intent = f.intents.join("shop/orders.intent");
    let text = fs::read_to_string(&intent).expect("read");
    fs::write(
        &intent,
        text.replace("GET /api/orders,", "GET|DELETE /api/orders,"),
    )
    .expect("edit");
    let changed = cached(&["check"], &f, &cache, &[]);
    assert_eq!(changed.status.code(), Some(1));
    assert!(compiled(&changed));
    assert_eq!(records(&cache), 2);
    // ... and a second check of the same state is answered from that record.
    let again = cached(&["check"], &f, &cache, &[]);
    assert_eq!(
        again.status.code(),
        Some(1),
        "the record knows OUT is stale"
    );
    assert!(
        compiled(&again),
        "a stale OUT is compiled to print its diff"
    );

    // A corrupt record is a miss, never a wrong answer.
    fs::write(&intent, &text).expect("restore intent");
    for entry in fs::read_dir(&cache).expect("cache").flatten() {
        fs::write(entry.path(), "garbage").expect("corrupt");
    }
    let corrupt = cached(&["check"], &f, &cache, &[]);
    assert_eq!(corrupt.status.code(), Some(0));
    assert!(compiled(&corrupt));
}

#[test]
fn the_cache_is_off_in_ci_with_no_cache_and_for_trees_with_warnings() {
    let f = shop();
    let tmp = tempfile::tempdir().expect("tempdir");
    let cache = tmp.path().join("cache");
    assert_eq!(build(&f).status.code(), Some(0));
    let ci = cached(&["check"], &f, &cache, &[("CI", "true")]);
    assert_eq!(ci.status.code(), Some(0));
    assert_eq!(records(&cache), 0, "CI never writes a record");
    let flag = cached(&["check", "--no-cache"], &f, &cache, &[]);
    assert_eq!(flag.status.code(), Some(0));
    assert_eq!(records(&cache), 0);
    let off = cached(&["check"], &f, &cache, &[("MESHWARD_CACHE", "off")]);
    assert_eq!(off.status.code(), Some(0));
    assert_eq!(records(&cache), 0);
    let forced = cached(
        &["check"],
        &f,
        &cache,
        &[("CI", "true"), ("MESHWARD_CACHE", "on")],
    );
    assert_eq!(forced.status.code(), Some(0));
    assert_eq!(records(&cache), 1, "MESHWARD_CACHE=on overrides CI");

    // A tree with a warning is never recorded: a hit would hide the warning.
    let warned = f.intents.join("shop/zz-warn.intent");
    fs::write(
        &warned,
        "service zz-warn in shop {\n  port http 8080\n  allow namespace nowhere\n}\n",
    )
    .expect("write");
    assert_eq!(build(&f).status.code(), Some(0));
    for _ in 0..2 {
        let w = cached(&["check"], &f, &cache, &[]);
        assert_eq!(w.status.code(), Some(0));
        assert!(
            String::from_utf8_lossy(&w.stderr).contains("warning"),
            "{}",
            String::from_utf8_lossy(&w.stderr)
        );
        assert!(compiled(&w));
    }
    assert_eq!(records(&cache), 1);
}
