//! `when` conditions, request principals and RequestAuthentication: what each reads from
//! the request, absent attributes, TCP traffic, and the 401 for an unknown issuer.

use super::*;

fn ra(ns: &str, name: &str, spec: Value) -> Value {
    object(
        "security.istio.io/v1",
        "RequestAuthentication",
        ns,
        name,
        spec,
    )
}

fn get(path: &str) -> Request {
    Request::from_pod(&web_pod(), TD, 8080).http("GET", path)
}

fn allowed(cluster: &Cluster, req: &Request) -> bool {
    cluster.authorize(&Pod::new("d", "x"), req).is_allowed()
}

fn when(conditions: Value) -> Value {
    ap("x", "when", json!({"rules": [{"when": conditions}]}))
}

#[test]
fn header_values_exact_prefix_suffix_presence() {
    let cluster = Cluster::from_objects([when(json!([
        {"key": "request.headers[X-Tenant]", "values": ["acme", "beta-*", "*-eu"]}
    ]))]);
    assert!(cluster.notes().is_empty(), "{:?}", cluster.notes());
    for (value, expected) in [
        ("acme", true),
        ("beta-7", true),
        ("shop-eu", true),
        ("acme2", false),
        ("ACME", false),
    ] {
        // Header names are case-insensitive; values are not.
        let req = get("/").header("x-TENANT", value);
        assert_eq!(allowed(&cluster, &req), expected, "{value}");
    }
    assert!(
        !allowed(&cluster, &get("/")),
        "an absent header matches no value"
    );

    let present = Cluster::from_objects([when(json!([
        {"key": "request.headers[x-canary]", "values": ["*"]}
    ]))]);
    assert!(allowed(&present, &get("/").header("x-canary", "")));
    assert!(!allowed(&present, &get("/")));
}

#[test]
fn header_not_values_pass_an_absent_header() {
    let cluster = Cluster::from_objects([when(json!([
        {"key": "request.headers[x-beta]", "notValues": ["off"]}
    ]))]);
    assert!(allowed(&cluster, &get("/")));
    assert!(allowed(&cluster, &get("/").header("x-beta", "on")));
    assert!(!allowed(&cluster, &get("/").header("x-beta", "off")));
}

#[test]
fn conditions_and_together() {
    let cluster = Cluster::from_objects([when(json!([
        {"key": "request.headers[x-a]", "values": ["1"]},
        {"key": "request.headers[x-b]", "values": ["2"]}
    ]))]);
    assert!(allowed(
        &cluster,
        &get("/").header("x-a", "1").header("x-b", "2")
    ));
    assert!(!allowed(&cluster, &get("/").header("x-a", "1")));
}

#[test]
fn peer_and_port_conditions() {
    let cluster = Cluster::from_objects([when(json!([
        {"key": "source.namespace", "values": ["web"]},
        {"key": "source.principal", "notValues": ["*/sa/evil"]},
        {"key": "destination.port", "values": ["8080"]}
    ]))]);
    assert!(allowed(&cluster, &get("/")));
    let evil = Request::from_principal("cluster.local/ns/web/sa/evil", 8080).http("GET", "/");
    assert!(!allowed(&cluster, &evil));
    let other_port = Request::from_pod(&web_pod(), TD, 9090).http("GET", "/");
    assert!(!allowed(&cluster, &other_port));
    assert!(!allowed(
        &cluster,
        &Request::plaintext(8080).http("GET", "/")
    ));
}

const GOOGLE: &str = "https://accounts.google.com";

fn authn(issuers: &[&str]) -> Value {
    let rules: Vec<Value> = issuers
        .iter()
        .map(|i| json!({"issuer": i, "jwksUri": format!("{i}/jwks")}))
        .collect();
    ra(
        "x",
        "d",
        json!({"selector": {"matchLabels": {"app": "d"}}, "jwtRules": rules}),
    )
}

#[test]
fn claims_strings_lists_and_the_issuer() {
    let policy = ap(
        "x",
        "d",
        json!({"rules": [{"when": [
            {"key": "request.auth.claims[groups]", "values": ["admin"]},
            {"key": "request.auth.claims[iss]", "values": [GOOGLE]}]}]}),
    );
    let cluster = Cluster::from_objects([policy, authn(&[GOOGLE, "https://other.example"])]);
    let dst = Pod::new("d", "x").label("app", "d");
    let ask = |token: Option<Token>| {
        let mut req = get("/");
        req.token = token;
        cluster.authorize(&dst, &req).is_allowed()
    };
    assert!(ask(Some(
        Token::new(GOOGLE, "u").claim("groups", &["dev", "admin"])
    )));
    assert!(ask(Some(
        Token::new(GOOGLE, "u").claim("groups", &["admin"])
    )));
    assert!(!ask(Some(
        Token::new(GOOGLE, "u").claim("groups", &["dev"])
    )));
    assert!(!ask(Some(Token::new(GOOGLE, "u"))), "an absent claim");
    assert!(!ask(None), "no token: no claims");
    let other = Token::new("https://other.example", "u").claim("groups", &["admin"]);
    assert!(!ask(Some(other)), "the iss claim is the issuer's");
}

#[test]
fn an_issuer_prefix_is_not_the_issuer() {
    // `<issuer>/*` alone admits a token of an issuer whose URL extends it: the principal
    // of `https://a.example/x` with subject `y` is `https://a.example/x/y`.
    let prefix_only = ap(
        "x",
        "d",
        json!({"rules": [{"from": [{"source": {"requestPrincipals": ["https://a.example/*"]}}]}]}),
    );
    let with_iss = ap(
        "x",
        "d",
        json!({"rules": [{"from": [{"source": {"requestPrincipals": ["https://a.example/*"]}}],
                          "when": [{"key": "request.auth.claims[iss]",
                                    "values": ["https://a.example"]}]}]}),
    );
    let dst = Pod::new("d", "x").label("app", "d");
    let longer = get("/").token(Token::new("https://a.example/x", "y"));
    let right = get("/").token(Token::new("https://a.example", "y"));
    for (policy, longer_allowed) in [(prefix_only, true), (with_iss, false)] {
        let cluster =
            Cluster::from_objects([policy, authn(&["https://a.example", "https://a.example/x"])]);
        assert_eq!(
            cluster.authorize(&dst, &longer).is_allowed(),
            longer_allowed
        );
        assert!(cluster.authorize(&dst, &right).is_allowed());
    }
}

#[test]
fn request_authentication_refuses_an_unknown_issuer() {
    let allow_all = ap("x", "d", json!({"rules": [{}]}));
    let cluster = Cluster::from_objects([allow_all, authn(&[GOOGLE])]);
    let dst = Pod::new("d", "x").label("app", "d");
    let stranger = get("/").token(Token::new("https://evil.example", "u"));
    let verdict = cluster.authorize(&dst, &stranger);
    assert!(
        matches!(verdict, Decision::Deny(ref why) if why.starts_with("401")),
        "{verdict:?}"
    );
    assert!(
        cluster.authorize(&dst, &get("/")).is_allowed(),
        "no token passes"
    );
    assert!(cluster
        .authorize(&dst, &get("/").token(Token::new(GOOGLE, "u")))
        .is_allowed());
    // A pod no RequestAuthentication selects does not read tokens at all.
    assert!(cluster
        .authorize(&Pod::new("e", "x"), &stranger)
        .is_allowed());
    assert_eq!(cluster.view(&dst).token_issuers(), vec![GOOGLE]);
}

#[test]
fn request_principals_need_an_accepted_token() {
    let policy = ap(
        "x",
        "d",
        json!({"rules": [{"from": [{"source": {"requestPrincipals": ["*"]}}]}]}),
    );
    let dst = Pod::new("d", "x").label("app", "d");
    let with_token = get("/").token(Token::new(GOOGLE, "u"));
    // Without a RequestAuthentication the token is never read: no request principal.
    let unread = Cluster::from_objects([policy.clone()]);
    assert!(!unread.authorize(&dst, &with_token).is_allowed());
    let read = Cluster::from_objects([policy, authn(&[GOOGLE])]);
    assert!(read.authorize(&dst, &with_token).is_allowed());
    assert!(!read.authorize(&dst, &get("/")).is_allowed());
}

#[test]
fn http_only_conditions_on_tcp_traffic() {
    // An ALLOW rule with a header condition is dropped from TCP; a DENY rule loses the
    // condition and refuses the whole port.
    let allow = when(json!([{"key": "request.headers[x-a]", "values": ["1"]}]));
    let cluster = Cluster::from_objects([allow]);
    assert!(!allowed(&cluster, &Request::from_pod(&web_pod(), TD, 5432)));
    let deny = ap(
        "x",
        "deny",
        json!({"action": "DENY", "rules": [{
            "to": [{"operation": {"ports": ["5432"]}}],
            "when": [{"key": "request.headers[x-a]", "values": ["1"]}]}]}),
    );
    let cluster = Cluster::from_objects([deny]);
    assert!(!allowed(&cluster, &Request::from_pod(&web_pod(), TD, 5432)));
    assert!(allowed(&cluster, &Request::from_pod(&web_pod(), TD, 5433)));
    // Over HTTP the condition is read.
    let http = Request::from_pod(&web_pod(), TD, 5432).http("GET", "/");
    assert!(allowed(&cluster, &http));
    assert!(!allowed(&cluster, &http.header("x-a", "1")));
}

#[test]
fn one_http_only_operation_drops_the_whole_allow_rule_on_tcp() {
    // Istio builds a rule's operations together: one that cannot apply to TCP drops the
    // rule from the TCP filter, including its port-only operation.
    let allow = ap(
        "x",
        "d",
        json!({"rules": [{"to": [{"operation": {"ports": ["5432"]}},
                                 {"operation": {"ports": ["5433"], "paths": ["/x"]}}]}]}),
    );
    let cluster = Cluster::from_objects([allow]);
    assert!(!allowed(&cluster, &Request::from_pod(&web_pod(), TD, 5432)));
}

#[test]
fn the_grid_agrees_with_authorize_on_conditions() {
    let policies = [
        ap(
            "x",
            "deny",
            json!({"action": "DENY", "rules": [
                {"from": [{"source": {"notRequestPrincipals": ["*"]}}],
                 "to": [{"operation": {"paths": ["/admin/*"]}}]},
                {"when": [{"key": "source.namespace", "values": ["evil"]}]}]}),
        ),
        ap(
            "x",
            "allow",
            json!({"rules": [
                {"from": [{"source": {"requestPrincipals": ["*"]}},
                          {"source": {"namespaces": ["ops"]}}]},
                {"when": [{"key": "request.headers[x-a]", "notValues": ["1"]},
                          {"key": "source.principal", "values": ["*/sa/front"]}]}]}),
        ),
    ];
    let cluster = Cluster::from_objects(policies);
    let dst = Pod::new("d", "x");
    let view = cluster.view(&dst);
    let principals = [
        None,
        Some("cluster.local/ns/web/sa/front"),
        Some("cluster.local/ns/ops/sa/a"),
        Some("cluster.local/ns/evil/sa/front"),
    ];
    let requests = [None, Some(("GET", "/")), Some(("GET", "/admin/x"))];
    let grid = view.authorize_all(8080, &principals, &requests);
    let mut allowed = 0;
    for (i, p) in principals.iter().enumerate() {
        for (j, r) in requests.iter().enumerate() {
            let mut req = match p {
                Some(p) => Request::from_principal(p, 8080),
                None => Request::plaintext(8080),
            };
            if let Some((m, x)) = r {
                req = req.http(m, x);
            }
            let one = view.authorize(&req).is_allowed();
            assert_eq!(grid[i * requests.len() + j], one, "{p:?} {r:?}");
            allowed += usize::from(one);
        }
    }
    assert!(allowed > 0 && allowed < grid.len(), "{allowed}");
}
