//! `meshward report` through the real binary: the Markdown report of examples/shop and of a
//! small tree with a service that allows nothing, and a user template
//! (`tests/report/templates/owners.md.jinja`), are the snapshots in golden/report/; the
//! HTML report is one self-contained file (checked here by its text, and in [`browser`]
//! by headless Chromium); template and input errors exit 2 and write nothing.
//!
//! Review snapshot changes as golden/README.md says.

#[path = "../common/mod.rs"]
mod common;

mod browser;
mod html;
mod limits;

use common::{golden, reversed, root, Meshward};

/// The report of DIR (relative to the crate root) with ARGS after it; it must exit 0 and
/// print nothing on stderr.
fn report(dir: &str, args: &[&str]) -> String {
    let out = Meshward::new()
        .current_dir(root())
        .args(["report", dir])
        .args(args)
        .expect_exit(0)
        .run();
    assert_eq!(out.stderr, "", "a report prints nothing on stderr");
    out.stdout
}

#[test]
fn markdown_report_of_the_shop() {
    let markdown = report("examples/shop", &["--format", "markdown"]);
    // The widest grant first: inventory is open to anyone.
    let first = markdown
        .find("`inventory.shop`")
        .expect("inventory is listed");
    let later = markdown.find("`frontend.web`").expect("frontend is listed");
    assert!(first < later, "{markdown}");
    golden("report").bind(|| insta::assert_snapshot!("shop-markdown", markdown));
}

#[test]
fn markdown_report_of_a_tree_with_a_service_that_allows_nothing() {
    let markdown = report("tests/report/inputs/lonely", &["--format", "markdown"]);
    assert!(markdown.contains("\n- `quiet.a`\n"), "{markdown}");
    golden("report").bind(|| insta::assert_snapshot!("lonely-markdown", markdown));
}

#[test]
fn a_user_template_replaces_the_built_in_one() {
    let text = report(
        "examples/shop",
        &["--template", "tests/report/templates/owners.md.jinja"],
    );
    golden("report").bind(|| insta::assert_snapshot!("shop-owners-template", text));
}

#[test]
fn the_report_does_not_depend_on_the_order_of_the_files() {
    let compiled = meshward::pipeline::run(&root().join("examples/shop"));
    let (mesh, _) = compiled.result.as_ref().expect("shop compiles");
    let markdown = meshward::report::Template::Builtin(meshward::report::Format::Markdown);
    let html = meshward::report::Template::Builtin(meshward::report::Format::Html);
    let again = meshward::pipeline::run_texts(reversed(&compiled.sources));
    let (mesh2, _) = again.result.as_ref().expect("compiles");
    for template in [&markdown, &html] {
        assert_eq!(
            meshward::report::report(mesh, &compiled.sources, template),
            meshward::report::report(mesh2, &again.sources, template)
        );
    }
}

#[test]
fn out_writes_the_file_and_nothing_on_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("exposure.md");
    let out = Meshward::new()
        .current_dir(root())
        .args(["report", "examples/shop", "--format", "markdown", "--out"])
        .arg(&file)
        .expect_exit(0)
        .run();
    assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("", ""));
    let written = std::fs::read_to_string(&file).expect("written");
    assert_eq!(written, report("examples/shop", &["--format", "markdown"]));
}

#[test]
fn errors_in_the_intents_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("exposure.html");
    let out = Meshward::new()
        .current_dir(root())
        .args(["report", "golden/errors/inputs/unknown-caller", "--out"])
        .arg(&file)
        .expect_exit(2)
        .run();
    assert!(out.stderr.contains(": error: "), "{}", out.stderr);
    assert!(out.stderr.contains("[E0401]"), "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(!file.exists(), "nothing is written after an error");
}

/// Run `report examples/shop --template FILE` with TEXT in FILE (named NAME): exit 2,
/// nothing on stdout nor in `--out`; returns stderr.
fn template_error(name: &str, text: &str) -> (String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let template = dir.path().join(name);
    std::fs::write(&template, text).expect("write template");
    let file = dir.path().join("exposure.md");
    let out = Meshward::new()
        .current_dir(root())
        .args(["report", "examples/shop", "--template"])
        .arg(&template)
        .arg("--out")
        .arg(&file)
        .expect_exit(2)
        .run();
    assert_eq!(out.stdout, "");
    assert!(!file.exists(), "nothing is written after an error");
    (template.display().to_string(), out.stderr)
}

#[test]
fn a_template_that_does_not_compile_is_an_error_at_its_line() {
    let (path, stderr) = template_error("broken.md.jinja", "# title\n\n{% for s in services %}\n");
    assert!(
        stderr.starts_with(&format!("{path}:3: error: syntax error")),
        "{stderr}"
    );
}

#[test]
fn a_misspelt_field_is_an_error_at_its_line() {
    let (path, stderr) = template_error(
        "typo.md.jinja",
        "{% for s in services %}\n{{ s.nmae }}\n{% endfor %}\n",
    );
    assert!(
        stderr.starts_with(&format!("{path}:2: error: undefined value")),
        "{stderr}"
    );
}

#[test]
fn a_missing_template_is_an_error() {
    let out = Meshward::new()
        .current_dir(root())
        .args(["report", "examples/shop", "--template", "no/such.md.jinja"])
        .expect_exit(2)
        .run();
    assert!(
        out.stderr
            .starts_with("no/such.md.jinja: error: cannot read the template"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");
}

#[test]
fn an_unknown_format_is_refused_by_the_command_line() {
    let out = Meshward::new()
        .current_dir(root())
        .args(["report", "examples/shop", "--format", "pdf"])
        .expect_exit(2)
        .run();
    assert!(out.stderr.contains("possible values"), "{}", out.stderr);
    assert_eq!(out.stdout, "");
}

#[test]
fn a_tree_without_services_still_gets_a_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("mesh.intent"),
        "mesh {\n  trust-domain cluster.local\n}\n",
    )
    .expect("write");
    for format in ["html", "markdown"] {
        let out = Meshward::new()
            .arg("report")
            .arg(dir.path())
            .args(["--format", format])
            .expect_exit(0)
            .run();
        assert!(
            out.stdout.contains("None: the tree has no service."),
            "{}",
            out.stdout
        );
    }
}

#[test]
fn out_refuses_a_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Meshward::new()
        .current_dir(root())
        .args(["report", "examples/shop", "--out"])
        .arg(dir.path())
        .expect_exit(2)
        .run();
    assert!(out.stderr.contains("it is a folder"), "{}", out.stderr);
    assert_eq!(std::fs::read_dir(dir.path()).expect("read").count(), 0);
}

#[test]
fn the_context_ranks_the_widest_first() {
    let compiled = meshward::pipeline::run(&root().join("tests/report/inputs/lonely"));
    let (mesh, _) = compiled.result.as_ref().expect("compiles");
    let context = meshward::report::context(mesh, &compiled.sources);
    let ranked: Vec<(&str, u8, bool)> = context
        .services
        .iter()
        .map(|s| (s.id.as_str(), s.rank, s.permissive))
        .collect();
    assert_eq!(
        ranked,
        [
            ("open.a", 3, true),
            ("mixed.b", 2, false),
            ("quiet.a", 0, false)
        ]
    );
    let mixed = &context.services[1];
    let grants: Vec<(&str, u8, &str)> = mixed
        .grants
        .iter()
        .map(|g| (g.caller.as_str(), g.rank, g.source.as_str()))
        .collect();
    assert_eq!(
        grants,
        [
            ("namespace:a", 2, "b/mixed.intent:6"),
            ("open.a", 1, "b/mixed.intent:7")
        ]
    );
    assert_eq!(context.allow_nothing, ["quiet.a"]);
    let columns: Vec<&str> = context
        .graph
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(columns, ["any source", "a", "b"]);
    assert!(context.services.iter().all(|s| !s.dry_run));
}
