//! Corruptions of the authorization layer (the DENY AuthorizationPolicy, `when`
//! conditions, request principals and the RequestAuthentication), each caught by
//! invariant 10. tests/fixtures/authorization has `api` in shop with conditioned allows
//! (headers `=` and `!=`, `jwt google`, `jwt google` with a claim, `jwt google-eu`, whose
//! issuer `https://accounts.google.com/eu` starts with google's), a plain allow of
//! anyone, `orders` allowed to the tcp port `db`, a deny of `* /admin/debug/*` on `http`
//! and a deny of namespace sandbox on every port.
//!
//! A run reports its first 50 faults only (requests in the order: port, caller, method,
//! path, headers, token), so each test expects one of the first faults its corruption
//! causes.

use super::{caught_in, object, tree};
use meshward::selfcheck::self_check;
use serde_json::{json, Value};

const TREE: &str = "tests/fixtures/authorization";
const GATEWAY: &str = "from cluster.local/ns/istio-system/sa/ingressgateway:";
/// The rule of `POST /api/orders when jwt google` (not `/api/orders/*`).
const ORDERS: &str = "\"/api/orders\"";
const GOOGLE: &str = "https://accounts.google.com";
const GOOGLE_EU: &str = "https://accounts.google.com/eu";

fn caught(corrupt: impl FnOnce(&mut Vec<Value>), expect: &[&str]) -> Vec<String> {
    caught_in(TREE, corrupt, expect)
}

fn policy<'a>(o: &'a mut [Value], name: &str) -> &'a mut Value {
    object(o, "AuthorizationPolicy", "shop", name)
}

fn rules<'a>(o: &'a mut [Value], name: &str) -> &'a mut Vec<Value> {
    policy(o, name)["spec"]["rules"]
        .as_array_mut()
        .expect("rules")
}

/// The rule of policy NAME whose text holds NEEDLE.
fn rule<'a>(o: &'a mut [Value], name: &str, needle: &str) -> &'a mut Value {
    rules(o, name)
        .iter_mut()
        .find(|r| r.to_string().contains(needle))
        .unwrap_or_else(|| panic!("no rule of {name} holds {needle}"))
}

fn when<'a>(o: &'a mut [Value], name: &str, needle: &str) -> &'a mut Vec<Value> {
    rule(o, name, needle)["when"].as_array_mut().expect("when")
}

fn jwt_rules(o: &mut [Value]) -> &mut Vec<Value> {
    object(o, "RequestAuthentication", "shop", "api")["spec"]["jwtRules"]
        .as_array_mut()
        .expect("jwtRules")
}

#[test]
fn the_tree_passes() {
    let (mesh, objects) = tree(TREE);
    assert_eq!(self_check(&mesh, &objects), Vec::new());
    let kinds: Vec<&Value> = objects.iter().map(|o| &o["kind"]).collect();
    assert!(
        kinds.contains(&&json!("RequestAuthentication")),
        "{kinds:?}"
    );
}

#[test]
fn a_dropped_deny_rule_admits_what_it_refused() {
    caught(
        |o| rules(o, "api.deny").retain(|r| !r.to_string().contains("/admin/debug/*")),
        &[
            "L7 GET /admin/debug/probe",
            &format!("[token of {GOOGLE}, groups="),
            "to api.shop:8080",
            GATEWAY,
            "intent denies, AuthorizationPolicy allows",
        ],
    );
    caught(
        |o| rules(o, "api.deny").retain(|r| !r.to_string().contains("sandbox")),
        &[
            "L7 GET /catalog/probe to api.shop:8080 from cluster.local/ns/sandbox/sa/meshward-probe:",
            "intent denies, AuthorizationPolicy allows",
        ],
    );
}

#[test]
fn a_deny_rule_without_ports_refuses_every_port() {
    caught(
        |o| {
            rule(o, "api.deny", "/admin/debug/*")["to"][0]["operation"]
                .as_object_mut()
                .expect("operation")
                .remove("ports");
        },
        &[
            "L7 a TCP connection to api.shop:5432 from cluster.local/ns/shop/sa/orders:",
            "intent allows, AuthorizationPolicy denies",
        ],
    );
}

#[test]
fn a_deny_policy_turned_allow() {
    caught(
        |o| policy(o, "api.deny")["spec"]["action"] = json!("ALLOW"),
        &[
            "L7 DELETE /admin/debug/probe to api.shop:8080 from a plaintext caller:",
            "intent denies, AuthorizationPolicy allows (ALLOW policy shop/api.deny rule 0)",
        ],
    );
}

#[test]
fn a_dropped_header_condition_widens() {
    caught(
        |o| {
            rule(o, "api", "request.headers[x-tenant]")
                .as_object_mut()
                .expect("rule")
                .remove("when");
        },
        // Rule 0 is `GET /api/* when header x-tenant = ...`: without a header.
        &[
            "L7 GET /api/orders to api.shop:8080",
            GATEWAY,
            "intent denies, AuthorizationPolicy allows (ALLOW policy shop/api rule 0)",
        ],
    );
}

#[test]
fn header_values_turned_not_values() {
    caught(
        |o| {
            let c = &mut when(o, "api", "request.headers[x-tenant]")[0];
            let values = c.as_object_mut().expect("condition").remove("values");
            c["notValues"] = values.expect("values");
        },
        // The first faults: a request without the header now passes rule 0.
        &[
            "L7 GET /api/orders to api.shop:8080",
            GATEWAY,
            "intent denies, AuthorizationPolicy allows (ALLOW policy shop/api rule 0)",
        ],
    );
}

#[test]
fn a_changed_header_value() {
    caught(
        |o| when(o, "api", "request.headers[x-tenant]")[0]["values"][0] = json!("acne"),
        &[
            "L7 GET /api/probe [x-tenant: acme] to api.shop:8080",
            GATEWAY,
            "intent allows, AuthorizationPolicy denies",
        ],
    );
    // A prefix pattern turned exact.
    caught(
        |o| when(o, "api", "request.headers[x-tenant]")[0]["values"][1] = json!("beta"),
        &[
            "L7 GET /api/probe [x-tenant: betaprobe] to api.shop:8080",
            "intent allows, AuthorizationPolicy denies",
        ],
    );
    // A not-value of `!=` changed: `prod` is admitted.
    caught(
        |o| when(o, "api", "request.headers[x-env]")[0]["notValues"][0] = json!("production"),
        &[
            "L7 DELETE /api/orders/probe [x-env: prod] to api.shop:8080",
            "intent denies, AuthorizationPolicy allows",
        ],
    );
}

#[test]
fn a_dropped_issuer_condition_admits_the_prefix_sharing_issuer() {
    // `requestPrincipals: ["https://accounts.google.com/*"]` alone also admits tokens of
    // https://accounts.google.com/eu, whose principals start with it.
    caught(
        |o| when(o, "api", ORDERS).retain(|c| c["key"] != "request.auth.claims[iss]"),
        &[
            &format!("L7 POST /api/orders [token of {GOOGLE_EU}"),
            GATEWAY,
            "intent denies, AuthorizationPolicy allows",
        ],
    );
}

#[test]
fn request_principals_removed() {
    let strip = |o: &mut Vec<Value>| {
        for from in rule(o, "api", ORDERS)["from"].as_array_mut().expect("from") {
            from["source"]
                .as_object_mut()
                .expect("source")
                .remove("requestPrincipals");
        }
    };
    // The exact-issuer condition still asks for a validated token of google: alone, the
    // loss of requestPrincipals changes no verdict, and the self-check rightly passes.
    let (mesh, mut objects) = tree(TREE);
    strip(&mut objects);
    assert_eq!(self_check(&mesh, &objects), Vec::new());
    // Without both, the rule admits requests with no token at all.
    caught(
        |o| {
            strip(o);
            when(o, "api", ORDERS).retain(|c| c["key"] != "request.auth.claims[iss]");
            rule(o, "api", ORDERS)
                .as_object_mut()
                .expect("rule")
                .remove("when");
        },
        &[
            "L7 POST /api/orders to api.shop:8080",
            GATEWAY,
            "intent denies, AuthorizationPolicy allows",
        ],
    );
    // requestPrincipals of the other issuer: google-eu tokens admitted, google's refused.
    caught(
        |o| {
            for from in rule(o, "api", ORDERS)["from"].as_array_mut().expect("from") {
                from["source"]["requestPrincipals"] = json!([format!("{GOOGLE_EU}/*")]);
            }
        },
        &[
            &format!("L7 POST /api/orders [token of {GOOGLE}]"),
            "intent allows, AuthorizationPolicy denies",
        ],
    );
}

#[test]
fn a_dropped_request_authentication_is_an_outage() {
    // The proxy no longer validates tokens: no request has a principal or claims, so
    // every `jwt` rule refuses (an outage), and tokens of issuers no rule uses are no
    // longer refused with 401. Among the first faults are the latter, on the plain allow
    // of `GET /catalog/*`.
    let faults = caught(
        |o| o.retain(|x| x["kind"] != "RequestAuthentication"),
        &[
            &format!("L7 GET /catalog/probe [token of {GOOGLE_EU}/meshward-probe]"),
            "intent denies, AuthorizationPolicy allows",
        ],
    );
    // And the outage itself: a valid token of the issuer the rule asks for is refused.
    assert!(
        faults.iter().any(|f| f.contains(&format!(
            "L7 GET /eu/probe [token of {GOOGLE_EU}] to api.shop:8080 {GATEWAY} intent allows, AuthorizationPolicy denies"
        ))),
        "{faults:#?}"
    );
}

#[test]
fn an_issuer_removed_from_the_request_authentication() {
    caught(
        |o| jwt_rules(o).retain(|r| r["issuer"] != GOOGLE_EU),
        &[
            &format!("L7 GET /catalog/probe [token of {GOOGLE_EU}]"),
            "intent allows, AuthorizationPolicy denies",
            "401: token issuer https://accounts.google.com/eu is not configured",
        ],
    );
}

#[test]
fn an_issuer_added_to_the_request_authentication() {
    // Tokens of an issuer no rule uses must be refused (401); accepted, they reach the
    // rules that ask for no token.
    caught(
        |o| {
            jwt_rules(o).push(json!({
                "issuer": "https://login.example.com",
                "jwksUri": "https://login.example.com/keys",
            }))
        },
        &[
            "L7 GET /catalog/probe [token of https://login.example.com]",
            "intent denies, AuthorizationPolicy allows",
        ],
    );
}

#[test]
fn a_changed_jwks_uri() {
    // Tokens signed by the issuer's keys would fail validation: every jwt rule refuses.
    caught(
        |o| {
            for r in jwt_rules(o) {
                if r["issuer"] == GOOGLE {
                    r["jwksUri"] = json!("https://www.googleapis.com/oauth2/v3/certs-eu");
                }
            }
        },
        &[
            "RequestAuthentication of api.shop",
            GOOGLE,
            "https://www.googleapis.com/oauth2/v3/certs-eu",
            "intent https://www.googleapis.com/oauth2/v3/certs",
        ],
    );
}

#[test]
fn a_dropped_claim_condition_widens() {
    caught(
        |o| when(o, "api", "/admin/*").retain(|c| c["key"] != "request.auth.claims[groups]"),
        &[
            &format!("L7 GET /admin/probe [token of {GOOGLE}]"),
            GATEWAY,
            "intent denies, AuthorizationPolicy allows",
        ],
    );
}

/// A RequestAuthentication on a service whose intents use no token: its proxy now refuses
/// every token of another issuer, an outage for callers that happen to carry one.
#[test]
fn a_stray_request_authentication_is_an_outage() {
    let faults = caught_in(
        "examples/shop",
        |o| {
            o.push(json!({
                "apiVersion": "security.istio.io/v1", "kind": "RequestAuthentication",
                "metadata": {"name": "orders", "namespace": "shop"},
                "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": "orders", "audit": "on"}},
                         "jwtRules": [{"issuer": "https://stray.example", "jwksUri": "https://stray.example/keys"}]},
            }))
        },
        &[
            "to orders.shop:8080",
            "[token of https://login.example.com]",
            "intent allows, AuthorizationPolicy denies",
            "401",
        ],
    );
    assert!(!faults.is_empty());
}
