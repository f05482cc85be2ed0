//! Denies and conditions in a diff: a new `deny` narrows and a removed one widens (the
//! change says `deny`), a condition added to a rule narrows, one removed widens, and a
//! changed value does both.

use super::semantics::compare as changes;
use meshward::diff;
use serde_json::{json, Value};

const MESH: &str = "mesh {\n  jwt corp {\n    issuer https://login.example.com\n    jwks https://login.example.com/keys\n  }\n}\n";
const FRONTEND: &str = "service frontend in shop {\n  port http 8080/http\n}\n";

/// `orders` in `shop` with BODY after its port; `frontend` and a mesh with `jwt corp`.
fn orders(body: &str) -> Vec<(String, String)> {
    vec![
        ("mesh.intent".to_string(), MESH.to_string()),
        ("shop/frontend.intent".to_string(), FRONTEND.to_string()),
        (
            "shop/orders.intent".to_string(),
            format!("service orders in shop {{\n  port http 8080/http\n{body}}}\n"),
        ),
    ]
}

fn compare(old: &str, new: &str) -> Value {
    serde_json::to_value(changes(orders(old), orders(new))).expect("json")
}

const ALLOW: &str = "  allow frontend {\n    GET /a/*\n  }\n";

#[test]
fn a_new_deny_narrows_and_its_removal_widens() {
    let deny = "  deny frontend {\n    GET /a/secret\n  }\n";
    let expected = |effect: &str| {
        json!([{
            "kind": "access", "effect": effect,
            "from": "frontend.shop", "to": "orders.shop", "port": "http",
            "methods": ["GET"], "paths": ["/a/secret"],
            "source": "shop/orders.intent:6", "deny": true,
        }])
    };
    let added = compare(ALLOW, &format!("{ALLOW}{deny}"));
    assert_eq!(added, expected("narrows"));
    let removed = compare(&format!("{ALLOW}{deny}"), ALLOW);
    assert_eq!(removed, expected("widens"));
}

#[test]
fn a_wider_deny_narrows_and_a_narrower_one_widens() {
    let narrow = "  deny frontend {\n    GET /a/secret\n  }\n";
    let wide = "  deny frontend {\n    * /a/*\n  }\n";
    let widened = compare(&format!("{ALLOW}{narrow}"), &format!("{ALLOW}{wide}"));
    assert_eq!(widened[0]["effect"], "narrows", "{widened:#}");
    assert_eq!(widened[0]["paths"], json!(["/a/*"]), "{widened:#}");
    assert_eq!(widened.as_array().map(Vec::len), Some(1), "{widened:#}");
    let narrowed = compare(&format!("{ALLOW}{wide}"), &format!("{ALLOW}{narrow}"));
    assert_eq!(narrowed[0]["effect"], "widens", "{narrowed:#}");
    assert_eq!(narrowed.as_array().map(Vec::len), Some(1), "{narrowed:#}");
}

#[test]
fn a_condition_added_narrows_and_removed_widens() {
    let conditioned =
        "  allow frontend {\n    GET /a/* when header x-tenant = acme and jwt corp\n  }\n";
    let added = compare(ALLOW, conditioned);
    assert_eq!(
        added,
        json!([{
            "kind": "access", "effect": "narrows",
            "from": "frontend.shop", "to": "orders.shop", "port": "http",
            "methods": ["GET"], "paths": ["/a/*"], "source": "shop/orders.intent:3",
        }]),
        "the old, unconditioned grant is what is lost"
    );
    let removed = compare(conditioned, ALLOW);
    assert_eq!(removed[0]["effect"], "widens", "{removed:#}");
    assert_eq!(removed.as_array().map(Vec::len), Some(1), "{removed:#}");
}

#[test]
fn a_changed_condition_value_is_both_ways_and_names_the_conditions() {
    let old = "  allow frontend {\n    GET /a/* when header x-tenant = acme\n  }\n";
    let new = "  allow frontend {\n    GET /a/* when header x-tenant = beta\n  }\n";
    let changes = compare(old, new);
    let effects: Vec<(&str, &Value)> = changes
        .as_array()
        .expect("list")
        .iter()
        .map(|c| (c["effect"].as_str().unwrap_or_default(), &c["conditions"]))
        .collect();
    assert_eq!(
        effects,
        vec![
            ("widens", &json!(["header x-tenant = beta"])),
            ("narrows", &json!(["header x-tenant = acme"])),
        ]
    );
}

#[test]
fn text_says_deny_and_when() {
    let changes = changes(
        orders(ALLOW),
        orders(
            "  allow frontend {\n    GET /a/* when jwt corp\n  }\n  deny anyone {\n    * /a/admin/*\n  }\n",
        ),
    );
    let text = diff::render_text(&changes);
    assert!(
        text.contains("- anyone -> orders.shop:http deny * /a/admin/*  (shop/orders.intent:6)"),
        "{text}"
    );
    assert!(
        text.contains("- frontend.shop -> orders.shop:http GET /a/*  (shop/orders.intent:3)"),
        "{text}"
    );
}

#[test]
fn a_jwt_whose_issuer_changes_widens() {
    let rule = "  allow frontend {\n    GET /a/* when jwt corp\n  }\n";
    let mut files = orders(rule);
    files[0].1 = MESH.replace("https://login.example.com\n", "https://login.example.org\n");
    let changes = changes(orders(rule), files);
    assert_eq!(
        serde_json::to_value(&changes).expect("json"),
        json!([{
            "kind": "identity", "effect": "widens", "subject": "jwt:corp",
            "field": "issuer", "old": "https://login.example.com", "new": "https://login.example.org",
        }])
    );
}

#[test]
fn header_routes_and_circuit_breaking_are_route_changes() {
    let old = "  allow frontend\n  route http {\n    split v1 90, v2 10\n  }\n";
    let new = "  allow frontend\n  route http {\n    match header x-canary = always to v2\n    split v1 90, v2 10\n    connections 50\n    eject 5 errors every 10s for 30s max 50%\n  }\n";
    let changes = compare(old, new);
    let fields: Vec<(&str, &Value, &Value)> = changes
        .as_array()
        .expect("list")
        .iter()
        .map(|c| {
            (
                c["field"].as_str().unwrap_or_default(),
                &c["old"],
                &c["new"],
            )
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            ("connections", &Value::Null, &json!("50")),
            (
                "eject",
                &Value::Null,
                &json!("5 errors every 10s for 30s max 50%")
            ),
            (
                "match",
                &Value::Null,
                &json!("header x-canary = always to v2")
            ),
        ],
        "{changes:#}"
    );
    assert!(changes
        .as_array()
        .expect("list")
        .iter()
        .all(|c| c["kind"] == "route" && c["effect"] == "neutral"));
}
