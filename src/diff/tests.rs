//! The built-in template against the Rust comment it replaced, on every kind of change
//! and every odd value a cell can hold; the context against the JSON output; and where
//! template errors are placed.

use super::change::{
    AccessChange, Change, EdgeStatus, Effect, IdentityChange, MtlsChange, RouteChange,
    ScraperChange,
};
use super::context::Context;
use super::markdown_oracle;
use super::render::{render_json, render_markdown};
use super::template::Template;
use crate::diagnostic::Format;

fn access(
    effect: Effect,
    from: &str,
    to: &str,
    methods: &[&str],
    paths: &[&str],
    edge: EdgeStatus,
) -> Change {
    Change::Access(AccessChange {
        effect,
        from: from.into(),
        to: to.into(),
        port: "http".into(),
        methods: methods.iter().map(|m| m.to_string()).collect(),
        paths: paths.iter().map(|p| p.to_string()).collect(),
        source: "shop/a.intent:3".into(),
        conditions: Vec::new(),
        deny: false,
        dry_run: false,
        edge,
    })
}

/// An access change of a `deny`, or one with conditions.
fn refined(change: Change, deny: bool, conditions: &[&str]) -> Change {
    match change {
        Change::Access(c) => Change::Access(AccessChange {
            deny,
            conditions: conditions.iter().map(|c| c.to_string()).collect(),
            ..c
        }),
        other => other,
    }
}

fn mtls(effect: Effect, old: Option<&str>, new: &str) -> Change {
    Change::Mtls(MtlsChange {
        effect,
        to: "ledger.billing".into(),
        old: old.map(Into::into),
        new: new.into(),
        source: "billing/ledger.intent:5".into(),
    })
}

fn route(old: Option<&str>, new: Option<&str>) -> Change {
    Change::Route(RouteChange {
        effect: Effect::Neutral,
        to: "orders.shop".into(),
        port: "http".into(),
        field: "timeout".into(),
        old: old.map(Into::into),
        new: new.map(Into::into),
        source: "shop/orders.intent:9".into(),
    })
}

fn identity(effect: Effect, subject: &str, field: &str) -> Change {
    Change::Identity(IdentityChange {
        effect,
        subject: subject.into(),
        field: field.into(),
        old: "app=a|b".into(),
        new: "app=c".into(),
    })
}

fn scraper(effect: Effect, source: Option<&str>) -> Change {
    Change::Scraper(ScraperChange {
        effect,
        from: "prometheus.monitoring".into(),
        source: source.map(Into::into),
    })
}

fn cases() -> Vec<Vec<Change>> {
    use EdgeStatus::{Added, Changed, Removed};
    use Effect::{Narrows, Neutral, Widens};
    vec![
        vec![],
        vec![access(Widens, "a.web", "b.shop", &[], &[], Added)],
        vec![access(
            Narrows,
            "a.web",
            "b.shop",
            &["GET", "POST"],
            &[],
            Removed,
        )],
        vec![access(
            Widens,
            "a.web",
            "b.shop",
            &[],
            &["/a", "/b/*"],
            Changed,
        )],
        vec![
            access(
                Widens,
                "a.web",
                "b.shop",
                &["GET"],
                &["/x|y", "/new\nline"],
                Changed,
            ),
            access(Narrows, "a.web", "b.shop", &["DELETE"], &["/z"], Changed),
            access(Widens, "a.web", "b.shop", &["PUT"], &["/q"], Changed),
            access(
                Narrows,
                "namespace:web",
                "external:stripe",
                &[],
                &[],
                Removed,
            ),
            access(Widens, "anyone", "say\"hi\".shop", &[], &[], Added),
        ],
        vec![
            refined(
                access(Narrows, "anyone", "api.shop", &[], &["/admin/*"], Added),
                true,
                &[],
            ),
            refined(
                access(Widens, "gw.edge", "api.shop", &["GET"], &["/a|b"], Changed),
                false,
                &["header x-tenant = acme, beta*", "jwt corp"],
            ),
            refined(
                access(Widens, "namespace:sandbox", "api.shop", &[], &[], Removed),
                true,
                &["claim groups = a|b"],
            ),
        ],
        vec![mtls(Widens, None, "permissive")],
        vec![
            mtls(Narrows, Some("permissive"), "strict"),
            route(None, Some("2s")),
        ],
        vec![
            route(Some("1s"), None),
            route(Some("3 per-try 500ms on 5xx, reset"), Some("v1 90, v2 10")),
        ],
        vec![
            identity(Widens, "mesh", "trust-domain"),
            identity(Narrows, "gw.edge", "selector"),
        ],
        vec![
            scraper(Widens, Some("mesh.intent:4")),
            scraper(Narrows, None),
        ],
        vec![
            scraper(Widens, None),
            access(Widens, "a.web", "b.shop", &["GET"], &["/a"], Added),
            mtls(Widens, Some("strict"), "permissive"),
            route(Some("1s"), Some("2s")),
            identity(Widens, "orders.shop:http", "target port"),
            access(Narrows, "c.web", "b.shop", &[], &["/b"], Removed),
            identity(Neutral, "mesh", "cluster-cidrs"),
        ],
    ]
}

#[test]
fn the_builtin_template_is_the_old_comment_byte_for_byte() {
    for changes in cases() {
        assert_eq!(
            render_markdown(&changes),
            markdown_oracle::render_markdown(&changes),
            "{changes:#?}"
        );
    }
}

#[test]
fn the_context_lists_the_changes_as_the_json_output_does() {
    for changes in cases() {
        let context = serde_json::to_value(Context::new(&changes)).expect("context");
        let json: serde_json::Value =
            serde_json::from_str(&render_json(&changes)).expect("json output");
        assert_eq!(context["changes"], json["changes"]);
    }
    let mixed = cases().pop().expect("a case");
    let context = serde_json::to_value(Context::new(&mixed)).expect("context");
    assert_eq!(
        context["counts"],
        serde_json::json!({"widens": 4, "narrows": 1, "neutral": 2})
    );
    assert_eq!(context["widens"], true);
    assert_eq!(context["base"], serde_json::Value::Null);
    assert_eq!(
        context["nodes"][0],
        serde_json::json!({"id": "n0", "name": "a.web"})
    );
    assert_eq!(context["edges"][1]["status"], "removed");
    assert_eq!(context["edges"][1]["from_id"], "n2");
}

/// A template in a temporary file, read as `--template` reads it.
fn template(text: &str) -> Result<Template, super::TemplateError> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.md.jinja");
    std::fs::write(&path, text).expect("write");
    Template::read(&path)
}

#[test]
fn template_errors_are_placed_in_the_template() {
    let err = template("line one\n  {% for c in changes %}\n").expect_err("unclosed for");
    let at = err.at.expect("a place");
    assert_eq!(at.line, 2, "{err}");
    assert!(err.message.starts_with("template syntax error"), "{err}");
    let t = template("{{ changes|length }}\n{{ count.widens }}\n").expect("compiles");
    let err = t.render(&Context::new(&[])).expect_err("undefined");
    assert_eq!(err.at.map(|at| (at.line, at.column)), Some((2, 4)), "{err}");
    assert_eq!(
        err.message,
        "`count.widens` is undefined in the template's context"
    );
    assert!(err
        .render(Format::Text)
        .contains(":2:4: error: `count.widens` is undefined"));
    let json: serde_json::Value =
        serde_json::from_str(&err.render(Format::Json)).expect("one JSON object");
    assert_eq!(
        (json["line"].as_u64(), json["column"].as_u64()),
        (Some(2), Some(4))
    );
    assert!(json["code"].is_null());
    let err = template("{{ changes|nosuch }}").and_then(|t| t.render(&Context::new(&[])));
    assert!(err.expect_err("unknown filter").help.is_some());
}

#[test]
fn filters_and_whitespace() {
    let t = template("{% for x in [\"a|b\", 3] %}\n{{ x|code }} {{ x|cell }}\n{% endfor %}\n")
        .expect("compiles");
    assert_eq!(
        t.render(&Context::new(&[])).expect("renders"),
        "`a\\|b` a\\|b\n`3` 3\n"
    );
}

#[test]
fn no_template_can_exhaust_the_stack_or_memory() {
    let deep = format!("{{{{ {}1 }}}}\n", "-".repeat(60_000));
    let t = template(&deep).expect("compiles on the template's own stack");
    assert_eq!(t.render(&Context::new(&[])).expect("renders"), "1\n");
    let err = template("{% set ns = namespace(n=0) %}").and_then(|t| t.render(&Context::new(&[])));
    assert!(err.expect_err("no namespace").message.contains("namespace"));
    let t = template(
        "{% for i in range(100000) %}{% for j in range(1000) %}{{ i }}{% endfor %}{% endfor %}",
    )
    .expect("compiles");
    let err = t.render(&Context::new(&[])).expect_err("too much output");
    assert!(
        err.message.starts_with("the template printed more than"),
        "{err}"
    );
    let big = "x".repeat(64 * 1024 + 1);
    assert!(template(&big)
        .expect_err("too large")
        .message
        .contains("larger than"));
}

#[test]
fn no_template_can_run_forever() {
    let t = template(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    )
    .expect("compiles");
    let err = t.render(&Context::new(&[])).expect_err("stopped");
    assert!(
        err.message.starts_with("the template ran too long"),
        "{err}"
    );
    assert!(err.help.is_some(), "{err}");
}
