//! A user template cannot crash nor hang `meshward report`: the limits of
//! `src/template.rs` hold for it as they do for `diff --template`. Each case exits 2 with
//! one line naming the template file, and writes nothing.

use super::template_error;
use crate::common::{root, Meshward};

/// The one line of stderr, which must name PATH.
fn one_line(path: &str, stderr: &str) -> String {
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with(path), "{stderr}");
    stderr.trim_end().to_string()
}

#[test]
fn a_deeply_nested_expression_renders_on_the_template_s_own_stack() {
    let dir = tempfile::tempdir().expect("tempdir");
    let template = dir.path().join("deep.md.jinja");
    std::fs::write(&template, format!("{{{{ {}1 }}}}\n", "-".repeat(60_000))).expect("write");
    let out = Meshward::new()
        .current_dir(root())
        .args(["report", "examples/shop", "--template"])
        .arg(&template)
        .expect_exit(0)
        .run();
    assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("1\n", ""));
    // The same nesting around a misspelt name is an error at its line, not a crash.
    let (path, stderr) = template_error(
        "deep-typo.md.jinja",
        &format!("\n{{{{ {}servcies }}}}\n", "-".repeat(60_000)),
    );
    let line = one_line(&path, &stderr);
    assert!(line.contains("is undefined"), "{line}");
    assert!(line.starts_with(&format!("{path}:2: error: ")), "{line}");
}

#[test]
fn namespace_is_not_offered() {
    let (path, stderr) = template_error(
        "ns.md.jinja",
        "{% set ns = namespace(n=0) %}\n{% for s in services %}{% set ns.n = ns.n + 1 %}{% endfor %}\n",
    );
    let line = one_line(&path, &stderr);
    assert!(line.contains("namespace"), "{line}");
}

#[test]
fn the_output_is_capped() {
    let (path, stderr) = template_error(
        "big.md.jinja",
        "{% for i in range(1000) %}{{ \"x\" * 1000000 }}{% endfor %}\n",
    );
    let line = one_line(&path, &stderr);
    assert!(
        line.ends_with("error: the template printed more than 268435456 bytes"),
        "{line}"
    );
}

#[test]
fn the_template_file_is_capped() {
    let (path, stderr) = template_error("large.md.jinja", &"x".repeat(64 * 1024 + 1));
    let line = one_line(&path, &stderr);
    assert!(
        line.ends_with("error: the template is larger than 65536 bytes"),
        "{line}"
    );
}

#[test]
fn a_template_that_is_not_utf8_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let template = dir.path().join("latin1.md.jinja");
    std::fs::write(&template, b"caf\xe9\n").expect("write");
    let out = Meshward::new()
        .current_dir(root())
        .args(["report", "examples/shop", "--template"])
        .arg(&template)
        .expect_exit(2)
        .run();
    let path = template.display().to_string();
    let line = one_line(&path, &out.stderr);
    assert!(line.ends_with("it is not UTF-8"), "{line}");
}

#[test]
fn a_template_that_runs_too_long_is_stopped() {
    // minijinja refuses one huge range itself; loops within loops are stopped by fuel.
    let (path, stderr) = template_error(
        "huge.md.jinja",
        "{% for i in range(1000000000) %}{% endfor %}\n",
    );
    one_line(&path, &stderr);
    let (path, stderr) = template_error(
        "forever.md.jinja",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n",
    );
    let line = one_line(&path, &stderr);
    assert!(
        line.starts_with(&format!(
            "{path}: error: the template ran too long and was stopped"
        )),
        "{line}"
    );
}
