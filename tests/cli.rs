//! The command-line contract of docs/cli.md, driven through the real binary: exit codes,
//! `check` staleness, all-or-nothing writes, pruning only our files. The check cache has
//! its own file, tests/cache.rs.

mod common;

use common::{build, check, shop, snapshot, Meshward};
use std::fs;
use std::path::Path;

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
