//! `--header` and `--jwt`: the request explain asks about carries them, and the verdict is
//! the evaluator's on objects that read them (a DENY rule on a header, a
//! RequestAuthentication), written here by hand in the shapes Istio defines.

use super::common::Meshward;
use meshward::evaluate::Token;
use meshward::explain::{explain, render_text, Question};
use serde_json::{json, Value};

const TREE: [(&str, &str); 2] = [
    (
        "shop/orders.intent",
        "service orders in shop {\n  port http 8080/http\n  allow checkout\n}\n",
    ),
    (
        "shop/checkout.intent",
        "service checkout in shop {\n  port http 8080/http\n  calls orders:http\n}\n",
    ),
];

fn policy(kind: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": "security.istio.io/v1", "kind": kind,
           "metadata": {"name": name, "namespace": "shop"}, "spec": spec})
}

/// The L7 line of explain's answer for checkout → orders `GET /` carrying HEADERS and
/// TOKEN, with a DENY on `x-canary: on` and a RequestAuthentication for one issuer added.
fn l7(headers: &[(&str, &str)], token: Option<Token>) -> (bool, String) {
    let compiled =
        meshward::pipeline::run_texts(TREE.iter().map(|(p, t)| (p.to_string(), t.to_string())));
    let (mesh, _) = compiled.result.as_ref().expect("compiles");
    let mut objects = meshward::pipeline::render_objects(mesh).expect("render");
    let selector = json!({"matchLabels": {"app": "orders"}});
    objects.push(policy(
        "AuthorizationPolicy",
        "orders.canary",
        json!({"selector": selector, "action": "DENY",
               "rules": [{"to": [{"operation": {"ports": ["8080"]}}],
                          "when": [{"key": "request.headers[x-canary]", "values": ["on"]}]}]}),
    ));
    objects.push(policy(
        "RequestAuthentication",
        "orders",
        json!({"selector": selector,
               "jwtRules": [{"issuer": "https://idp.example", "jwksUri": "https://idp.example/keys"}]}),
    ));
    let q = Question {
        from: "checkout.shop".into(),
        to: "orders.shop".into(),
        port: Some("http".into()),
        request: Some(("GET".into(), "/".into())),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        token,
    };
    let answer = explain(mesh, &objects, &compiled.sources, &q).expect("explain");
    let text = render_text(&answer);
    let line = text
        .lines()
        .find(|l| l.contains("L7"))
        .expect("an L7 line")
        .to_string();
    (answer.allowed, line)
}

#[test]
fn a_header_a_deny_matches_is_denied_and_said() {
    let (allowed, line) = l7(&[], None);
    assert!(allowed, "{line}");
    let (allowed, line) = l7(&[("x-canary", "on")], None);
    assert!(!allowed, "{line}");
    assert!(line.contains("with header x-canary=on"), "{line}");
    assert!(line.contains("DENY policy shop/orders.canary"), "{line}");
    let (allowed, _) = l7(&[("x-canary", "off")], None);
    assert!(allowed);
}

#[test]
fn a_token_of_an_unknown_issuer_is_refused_before_authorization() {
    let (allowed, line) = l7(&[], Some(Token::new("https://evil.example", "u")));
    assert!(!allowed, "{line}");
    assert!(line.contains("401"), "{line}");
    assert!(line.contains("a token of https://evil.example"), "{line}");
    let (allowed, line) = l7(&[], Some(Token::new("https://idp.example", "u")));
    assert!(allowed, "{line}");
}

#[test]
fn the_flags_are_read_and_shown() {
    let out = Meshward::new()
        .args([
            "explain",
            "examples/shop",
            "frontend.web",
            "catalog.shop",
            "http",
        ])
        .args(["GET", "/api/products", "--header", "X-Tenant=acme"])
        .args([
            "--jwt",
            "https://accounts.google.com:groups=admin:groups=dev:tier=gold",
        ])
        .current_dir(super::common::root())
        .expect_exit(0)
        .run();
    assert!(
        out.stdout.contains(
            "GET /api/products with header x-tenant=acme and a token of \
             https://accounts.google.com with groups=admin,dev, tier=gold:"
        ),
        "{}",
        out.stdout
    );
    for bad in [
        ["--header", "x tenant=1"],
        ["--header", "x-tenant"],
        ["--jwt", ":groups=admin"],
    ] {
        Meshward::new()
            .args(["explain", "examples/shop", "frontend.web", "catalog.shop"])
            .args(bad)
            .current_dir(super::common::root())
            .expect_exit(2)
            .run();
    }
}

/// A tree whose intents carry the deny, the conditions and the issuer themselves.
const AUTHZ: [(&str, &str); 3] = [
    (
        "mesh.intent",
        "mesh {\n  jwt corp {\n    issuer https://login.example.com\n    jwks https://login.example.com/keys\n  }\n}\n",
    ),
    (
        "shop/orders.intent",
        "service orders in shop {
  port http 8080/http
  allow checkout {
    GET /api/* when header x-tenant = acme
    * /admin/* when jwt corp and claim groups = admin
  }
  deny anyone {
    * /admin/debug/*
  }
}
",
    ),
    (
        "shop/checkout.intent",
        "service checkout in shop {\n  port http 8080/http\n}\n",
    ),
];

fn authz(method: &str, path: &str, headers: &[(&str, &str)], token: Option<Token>) -> String {
    let compiled =
        meshward::pipeline::run_texts(AUTHZ.iter().map(|(p, t)| (p.to_string(), t.to_string())));
    let (mesh, _) = compiled.result.as_ref().expect("compiles");
    let objects = meshward::pipeline::render_objects(mesh).expect("render");
    let q = Question {
        from: "checkout.shop".into(),
        to: "orders.shop".into(),
        port: Some("http".into()),
        request: Some((method.into(), path.into())),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        token,
    };
    render_text(&explain(mesh, &objects, &compiled.sources, &q).expect("explain"))
}

#[test]
fn the_deny_that_decided_is_named_by_its_intent_line() {
    let admin = Token::new("https://login.example.com", "ann").claim("groups", &["admin"]);
    let text = authz("GET", "/admin/debug/x", &[], Some(admin.clone()));
    assert!(
        text.contains("DENY policy shop/orders.deny rule 0"),
        "{text}"
    );
    assert!(
        text.contains("shop/orders.intent:7 refuses it (deny anyone: * /admin/debug/*)"),
        "{text}"
    );
    let text = authz("GET", "/admin/users", &[], Some(admin));
    assert!(text.contains("=> allowed"), "{text}");
    assert!(!text.contains("refuses it"), "{text}");
}

#[test]
fn conditions_decide_and_the_allow_names_them() {
    let text = authz("GET", "/api/x", &[("x-tenant", "acme")], None);
    assert!(text.contains("=> allowed"), "{text}");
    let text = authz("GET", "/api/x", &[("x-tenant", "other")], None);
    assert!(text.contains("=> denied"), "{text}");
    assert!(
        text.contains("GET /api/* when header x-tenant = acme"),
        "the nearest allow shows its condition: {text}"
    );
    let wrong = Token::new("https://login.example.com/other", "ann").claim("groups", &["admin"]);
    let text = authz("GET", "/admin/users", &[], Some(wrong));
    assert!(
        text.contains("401"),
        "a token of another issuer is refused: {text}"
    );
    let text = authz("GET", "/admin/users", &[], None);
    assert!(text.contains("=> denied"), "no token, no admin: {text}");
}

#[test]
fn the_route_follows_the_headers() {
    let compiled = meshward::pipeline::run(&super::common::root().join("examples/shop"));
    let (mesh, _) = compiled.result.as_ref().expect("compiles");
    let objects = meshward::pipeline::render_objects(mesh).expect("render");
    let ask = |headers: &[(&str, &str)]| {
        let q = Question {
            from: "frontend.web".into(),
            to: "catalog.shop".into(),
            port: Some("http".into()),
            request: Some(("GET".into(), "/api/products".into())),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            token: None,
        };
        let text = render_text(&explain(mesh, &objects, &compiled.sources, &q).expect("explain"));
        text.lines()
            .find(|l| l.contains(" route "))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        ask(&[("x-canary", "always")]).contains("route http-match-0: subset v2;"),
        "{}",
        ask(&[("x-canary", "always")])
    );
    assert!(ask(&[]).contains("route http: subset v1 90%, subset v2 10%"));
    assert!(ask(&[("x-canary", "never")]).contains("route http: subset v1 90%"));
}
