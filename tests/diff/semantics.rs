//! What counts as a change and which way it goes, on two trees held in memory (no git):
//! each test compiles an old and a new `orders` service and compares them with
//! `meshward::diff::compare`.

use meshward::diff::{self, Change, Model};
use serde_json::{json, Value};

// Semantics, on trees held in memory

const FRONTEND: &str = "service frontend in shop {\n  port http 8080/http\n}\n";

/// `orders` in `shop` with the given body lines after its ports; `frontend` calls it.
fn orders(body: &str) -> Vec<(String, String)> {
    vec![
        ("shop/frontend.intent".to_string(), FRONTEND.to_string()),
        (
            "shop/orders.intent".to_string(),
            format!("service orders in shop {{\n  port http 8080/http\n{body}}}\n"),
        ),
    ]
}

pub(crate) fn compare(old: Vec<(String, String)>, new: Vec<(String, String)>) -> Vec<Change> {
    let old = meshward::pipeline::run_texts(old);
    let new = meshward::pipeline::run_texts(new);
    let side = |c: &meshward::pipeline::Outcome| {
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        c.result
            .as_ref()
            .map(|(mesh, _)| mesh.clone())
            .expect("compiled")
    };
    let (old_mesh, new_mesh) = (side(&old), side(&new));
    diff::compare(
        Model {
            mesh: &old_mesh,
            sources: &old.sources,
        },
        Model {
            mesh: &new_mesh,
            sources: &new.sources,
        },
    )
}

fn compare_json(old: &str, new: &str) -> Value {
    serde_json::to_value(compare(orders(old), orders(new))).expect("json")
}

fn access(effect: &str, methods: &[&str], paths: &[&str], line: usize) -> Value {
    json!({
        "kind": "access", "effect": effect,
        "from": "frontend.shop", "to": "orders.shop", "port": "http",
        "methods": methods, "paths": paths,
        "source": format!("shop/orders.intent:{line}"),
    })
}

#[test]
fn from_rules_to_any_request_widens() {
    let actual = compare_json(
        "  allow frontend {\n    GET /a\n  }\n",
        "  allow frontend\n",
    );
    assert_eq!(actual, json!([access("widens", &[], &[], 3)]));
}

#[test]
fn from_any_request_to_rules_narrows() {
    let actual = compare_json(
        "  allow frontend\n",
        "  allow frontend {\n    GET /a\n  }\n",
    );
    assert_eq!(actual, json!([access("narrows", &[], &[], 3)]));
}

#[test]
fn a_narrower_path_narrows_and_adds_nothing() {
    let actual = compare_json(
        "  allow frontend {\n    GET /a/*\n  }\n",
        "  allow frontend {\n    GET /a/b, *.png\n  }\n",
    );
    // `/a/b` is covered by the old `/a/*`; `*.png` is not covered by anything.
    assert_eq!(
        actual,
        json!([
            access("widens", &["GET"], &["*.png"], 3),
            access("narrows", &["GET"], &["/a/*"], 3),
        ])
    );
}

#[test]
fn an_added_method_widens_by_that_method() {
    let actual = compare_json(
        "  allow frontend {\n    GET /x\n  }\n",
        "  allow frontend {\n    GET|POST /x\n  }\n",
    );
    assert_eq!(actual, json!([access("widens", &["POST"], &["/x"], 3)]));
    // Any method covers every method: replacing GET|POST by `*` widens to any method.
    let actual = compare_json(
        "  allow frontend {\n    GET|POST /x\n  }\n",
        "  allow frontend {\n    * /x\n  }\n",
    );
    assert_eq!(actual, json!([access("widens", &[], &["/x"], 3)]));
}

#[test]
fn a_new_edge_lists_its_rules_as_rectangles() {
    // GET|POST /cart and PUT /items/* are two changes: one change of methods [GET, POST,
    // PUT] and paths [/cart, /items/*] would claim PUT /cart.
    let actual = compare_json(
        "",
        "\n  allow frontend {\n    GET|POST /cart\n    PUT /items/*\n  }\n",
    );
    assert_eq!(
        actual,
        json!([
            access("widens", &["GET", "POST"], &["/cart"], 4),
            access("widens", &["PUT"], &["/items/*"], 4),
        ])
    );
}

#[test]
fn a_removed_caller_narrows_at_its_old_line() {
    let actual = compare_json("\n\n  allow frontend to http\n", "");
    assert_eq!(actual, json!([access("narrows", &[], &[], 5)]));
}

#[test]
fn callers_are_compared_as_written() {
    let actual = compare_json(
        "  allow frontend\n",
        "  allow frontend, namespace web, anyone\n",
    );
    let from: Vec<&str> = actual
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["from"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(from, ["anyone", "namespace:web"]);
}

#[test]
fn a_new_port_under_an_allow_without_to_widens() {
    let actual = compare_json(
        "  allow frontend\n",
        "  port metrics 9102\n  allow frontend\n",
    );
    assert_eq!(
        actual,
        json!([{
            "kind": "access", "effect": "widens",
            "from": "frontend.shop", "to": "orders.shop", "port": "metrics",
            "methods": [], "paths": [], "source": "shop/orders.intent:4",
        }])
    );
}

#[test]
fn mtls_back_to_strict_narrows_at_the_old_line() {
    let actual = compare_json("  mtls permissive\n", "");
    assert_eq!(
        actual,
        json!([{
            "kind": "mtls", "effect": "narrows", "to": "orders.shop",
            "old": "permissive", "new": "strict", "source": "shop/orders.intent:3",
        }])
    );
}

#[test]
fn route_changes_are_neutral() {
    let changes = compare(
        orders("  route http {\n    timeout 2s\n    retries 2\n  }\n"),
        orders("  route http {\n    timeout 1m\n    retries 3 per-try 500ms on 5xx, reset\n  }\n"),
    );
    assert!(!diff::widens(&changes));
    assert_eq!(
        serde_json::to_value(&changes).expect("json"),
        json!([
            {
                "kind": "route", "effect": "neutral", "to": "orders.shop", "port": "http",
                "field": "retries", "old": "2", "new": "3 per-try 500ms on 5xx, reset",
                "source": "shop/orders.intent:3",
            },
            {
                "kind": "route", "effect": "neutral", "to": "orders.shop", "port": "http",
                "field": "timeout", "old": "2s", "new": "1m",
                "source": "shop/orders.intent:3",
            },
        ])
    );
    assert_eq!(
        diff::render_text(&changes),
        "~ route orders.shop:http retries: 2 -> 3 per-try 500ms on 5xx, reset  (shop/orders.intent:3)\n\
         ~ route orders.shop:http timeout: 2s -> 1m  (shop/orders.intent:3)\n"
    );
}

#[test]
fn a_new_scraper_widens() {
    let mut new = orders("");
    new.push((
        "mesh.intent".to_string(),
        "mesh {\n  # metrics\n  scraper frontend in shop\n}\n".to_string(),
    ));
    let changes = compare(orders(""), new);
    assert_eq!(
        serde_json::to_value(&changes).expect("json"),
        json!([{
            "kind": "scraper", "effect": "widens", "from": "frontend.shop",
            "source": "mesh.intent:3",
        }])
    );
    assert!(diff::widens(&changes));
}
