//! `meshward diff --template FILE` through the binary: the user templates of
//! tests/diff/templates/ rendered on edits to examples/shop (snapshots in
//! golden/diff-templates/), the example docs/cli.md quotes, the built-in comment equal to
//! `--format markdown`, and every way a template can be wrong exiting 2 with the
//! template's FILE:LINE:COL.

use super::edited_shop;
use crate::common::{golden, root, Meshward};
use crate::repo::Repo;
use std::fs;

/// The shop edits of `edited_shop`, plus a route timeout and a service account changed:
/// a neutral and an identity change beside the access and mTLS ones.
fn reviewed_shop() -> Repo {
    let repo = edited_shop();
    repo.edit(
        "intents/billing/payments.intent",
        "timeout 3s",
        "timeout 5s",
    );
    repo.edit(
        "intents/shop/orders.intent",
        "account orders-api",
        "account shop-admin",
    );
    repo
}

/// `meshward diff intents --template <tests/diff/templates/NAME>` in the repository.
fn diff_with(repo: &Repo, name: &str) -> Meshward {
    let template = root().join("tests/diff/templates").join(name);
    Meshward::new()
        .current_dir(&repo.root)
        .args(["diff", "intents", "--template"])
        .arg(template)
}

#[test]
fn a_team_template_with_owners_and_runbooks() {
    let repo = reviewed_shop();
    let team = diff_with(&repo, "team.md.jinja").expect_exit(0).run();
    assert_eq!(team.stderr, "");
    let plain = diff_with(&repo, "plain.txt.jinja").expect_exit(0).run();
    golden("diff-templates").bind(|| {
        insta::assert_snapshot!("team", team.stdout);
        insta::assert_snapshot!("plain", plain.stdout);
    });
    // The exit code is the command's: 1 with --exit-code when something widens.
    diff_with(&repo, "team.md.jinja")
        .arg("--exit-code")
        .expect_exit(1)
        .run();
    // With no change, the template still renders.
    repo.commit("reviewed");
    let none = diff_with(&repo, "team.md.jinja")
        .arg("--exit-code")
        .expect_exit(0)
        .run();
    golden("diff-templates").bind(|| insta::assert_snapshot!("team-no-changes", none.stdout));
}

#[test]
fn the_example_of_the_docs_renders_as_quoted() {
    let example = fs::read_to_string(root().join("tests/diff/templates/owners.md.jinja"))
        .expect("the example");
    let docs = fs::read_to_string(root().join("docs/cli.md")).expect("docs/cli.md");
    assert!(
        docs.contains(&format!("```jinja\n{example}```\n")),
        "docs/cli.md must quote tests/diff/templates/owners.md.jinja as it is"
    );
    let repo = reviewed_shop();
    let owners = diff_with(&repo, "owners.md.jinja").expect_exit(0).run();
    golden("diff-templates").bind(|| insta::assert_snapshot!("owners", owners.stdout));
}

#[test]
fn the_builtin_comment_is_a_template_like_any_other() {
    let repo = reviewed_shop();
    let builtin = root().join("src/diff/templates/comment.md.jinja");
    let through_template = Meshward::new()
        .current_dir(&repo.root)
        .args(["diff", "intents", "--template"])
        .arg(builtin)
        .expect_exit(0)
        .run();
    let markdown = Meshward::new()
        .current_dir(&repo.root)
        .args(["diff", "intents", "--format", "markdown"])
        .expect_exit(0)
        .run();
    assert_eq!(through_template.stdout, markdown.stdout);
    assert!(markdown
        .stdout
        .contains("| neutral |  | `payments.billing` |"));
}

#[test]
fn template_errors_exit_2_at_their_place() {
    let repo = edited_shop();
    let typo = diff_with(&repo, "typo.md.jinja").expect_exit(2).run();
    assert_eq!(
        typo.stdout, "",
        "nothing is printed from a template that fails"
    );
    let place = root().join("tests/diff/templates/typo.md.jinja");
    let expected = format!(
        "{}:4:20: error: `c.sourse` is undefined in the template's context\n",
        place.display()
    );
    assert!(typo.stderr.starts_with(&expected), "{}", typo.stderr);
    assert!(typo
        .stderr
        .contains("  = help: the context holds `changes`"));

    let unclosed = diff_with(&repo, "unclosed.md.jinja").expect_exit(2).run();
    let place = root().join("tests/diff/templates/unclosed.md.jinja");
    assert!(
        unclosed
            .stderr
            .starts_with(&format!("{}:", place.display())),
        "{}",
        unclosed.stderr
    );
    assert!(unclosed.stderr.contains(": error: template syntax error: "));

    let missing = Meshward::new()
        .current_dir(&repo.root)
        .args(["diff", "intents", "--template", "no-such.md.jinja"])
        .expect_exit(2)
        .run();
    assert_eq!(
        missing.stderr.lines().next(),
        Some("no-such.md.jinja: error: the template cannot be read: no such file")
    );
}

#[test]
fn a_broken_template_fails_before_the_base_is_read() {
    // A revision that does not exist would be exit 2 too, but the template is named.
    let repo = edited_shop();
    let out = diff_with(&repo, "unclosed.md.jinja")
        .args(["--base", "no-such-branch"])
        .expect_exit(2)
        .run();
    assert!(out.stderr.contains("unclosed.md.jinja:"), "{}", out.stderr);
    assert!(!out.stderr.contains("no-such-branch"), "{}", out.stderr);
}

#[test]
fn template_and_format_are_one_choice() {
    let repo = edited_shop();
    let out = diff_with(&repo, "team.md.jinja")
        .args(["--format", "json"])
        .expect_exit(2)
        .run();
    assert!(out.stderr.contains("cannot be used with"), "{}", out.stderr);
}

#[test]
fn a_template_that_runs_too_long_is_stopped() {
    let repo = edited_shop();
    let out = diff_with(&repo, "forever.md.jinja").expect_exit(2).run();
    assert_eq!(out.stdout, "");
    let place = root().join("tests/diff/templates/forever.md.jinja");
    let first = out.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!(
            "{}: error: the template ran too long and was stopped",
            place.display()
        )),
        "{}",
        out.stderr
    );
}
