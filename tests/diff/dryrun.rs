//! Leaving dry-run narrows: examples/shop observes billing; deleting the `dry-run` line
//! enforces it, so anyone loses every billing port beyond what the intents grant, and the
//! diff says so at the line that went away. Putting a namespace into dry-run widens.

use super::repo::{changes_json, Repo};
use meshward::diff;
use serde_json::{json, Value};

/// The access changes marked `dry_run`, as (effect, to, port, source).
fn enforcement(changes: &Value) -> Vec<(String, String, String, String)> {
    changes["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["dry_run"] == json!(true))
        .map(|c| {
            assert_eq!(c["kind"], "access");
            assert_eq!(c["from"], "anyone");
            assert_eq!(c["methods"], json!([]));
            assert_eq!(c["paths"], json!([]));
            let text = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (text("effect"), text("to"), text("port"), text("source"))
        })
        .collect()
}

#[test]
fn enforcing_billing_narrows_each_of_its_ports_for_anyone() {
    let repo = Repo::with_shop("intents");
    let line = repo.line_of("intents/mesh.intent", "  dry-run billing");
    repo.edit("intents/mesh.intent", "  dry-run billing\n", "");
    let changes = changes_json(&repo.path("intents"), "HEAD");
    let source = format!("mesh.intent:{line}");
    assert_eq!(
        enforcement(&changes),
        [
            (
                "narrows".into(),
                "ledger.billing".into(),
                "grpc".into(),
                source.clone()
            ),
            (
                "narrows".into(),
                "payments.billing".into(),
                "grpc".into(),
                source
            ),
        ],
        "{changes:#}"
    );
    // Nothing else changed: the grants are the intents' on both sides.
    assert_eq!(changes["changes"].as_array().map(Vec::len), Some(2));
    let text = diff::render_text(&diff::changes(&repo.path("intents"), "HEAD").expect("diff"));
    assert!(
        text.contains("- anyone -> payments.billing:grpc")
            && text.contains("(namespace leaves dry-run: enforced)"),
        "{text}"
    );
}

#[test]
fn observing_a_namespace_widens_and_open_ports_do_not_count() {
    let repo = Repo::with_shop("intents");
    repo.edit(
        "intents/mesh.intent",
        "  dry-run billing\n",
        "  dry-run billing, web\n",
    );
    let changes = changes_json(&repo.path("intents"), "HEAD");
    let found = enforcement(&changes);
    // web holds frontend only; each of its ports widens for anyone, unless it was open to
    // anyone already.
    assert!(!found.is_empty(), "{changes:#}");
    for (effect, to, _, source) in &found {
        assert_eq!(effect, "widens");
        assert_eq!(to, "frontend.web");
        assert!(source.starts_with("mesh.intent:"), "{source}");
    }
    let markdown =
        diff::render_markdown(&diff::changes(&repo.path("intents"), "HEAD").expect("diff"));
    assert!(
        markdown.contains("(namespace enters dry-run)"),
        "{markdown}"
    );
}
