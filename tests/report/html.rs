//! The HTML report read as text: one self-contained file (no script, no stylesheet or
//! image loaded from anywhere, the picture inline), made for a phone's screen, naming
//! every service; and HTML escaping follows the template's file name.

use super::report;
use crate::common::{root, Meshward};

/// Every `src=`, `href=` and `url(` target of HTML.
fn targets(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for opener in ["src=\"", "href=\"", "src='", "href='", "url("] {
        for (at, _) in html.match_indices(opener) {
            let rest = &html[at + opener.len()..];
            let end = rest.find(['"', '\'', ')']).unwrap_or(rest.len());
            found.push(rest[..end].to_string());
        }
    }
    found
}

#[test]
fn html_report_is_one_self_contained_file() {
    let html = report("examples/shop", &[]);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.trim_end().ends_with("</html>"));
    assert!(
        html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    );
    assert!(html.contains("<style>"));
    for absent in [
        "<script",
        "<link",
        "<img",
        "<iframe",
        "@import",
        "@font-face",
    ] {
        assert!(!html.contains(absent), "the report must not hold {absent}");
    }
    // Links stay inside the page (`#id`) and drawings inside the SVG (`url(#arrow-1)`).
    for target in targets(&html) {
        assert!(
            target.starts_with('#'),
            "the report loads or links {target}"
        );
    }
    assert!(!html.contains("https://"), "no address outside the file");
    assert_eq!(html.matches("<svg").count(), 1, "one inline picture");
    for service in [
        "inventory.shop",
        "catalog.shop",
        "redis.data",
        "postgres.data",
        "payments.billing",
        "cart.shop",
        "orders.shop",
        "ledger.billing",
        "checkout.shop",
        "frontend.web",
    ] {
        assert!(
            html.contains(&format!("<code>{service}</code>")),
            "{service} is not named"
        );
        assert!(
            html.contains(&format!("<title>{service}</title>")),
            "{service} is not drawn"
        );
    }
    // The grant of `anyone` comes first, drawn in the picture as an edge.
    assert!(html.contains("<title>anyone → inventory.shop (http)</title>"));
}

#[test]
fn html_report_of_a_tree_with_a_service_that_allows_nothing() {
    let html = report("tests/report/inputs/lonely", &["--format", "html"]);
    assert!(html.contains("<li><code>quiet.a</code></li>"), "{html}");
    assert!(html.contains("<span class=\"badge permissive\">permissive</span>"));
}

/// The report of examples/shop through a template named NAME holding TEXT.
fn through(name: &str, text: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let template = dir.path().join(name);
    std::fs::write(&template, text).expect("write template");
    Meshward::new()
        .current_dir(root())
        .args(["report", "examples/shop", "--template"])
        .arg(&template)
        .expect_exit(0)
        .run()
        .stdout
}

#[test]
fn html_templates_are_escaped_and_others_are_not() {
    // `svg` is marked safe: an HTML template writes it as markup.
    let text = "{{ '<b>&' }} {{ svg }}\n";
    for (name, start) in [
        ("t.html.jinja", "&lt;b&gt;&amp; <svg "),
        ("t.htm", "&lt;b&gt;&amp; <svg "),
        ("t.md.jinja", "<b>& <svg "),
        ("t.txt", "<b>& <svg "),
    ] {
        let out = through(name, text);
        assert!(out.starts_with(start), "{name}: {out}");
    }
}
