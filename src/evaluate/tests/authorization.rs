//! AuthorizationPolicy: DENY before ALLOW, sources, operations, TCP traffic, and the
//! grid the self-check asks.

use super::*;

#[test]
fn no_authorization_policy_allows() {
    let cluster = Cluster::default();
    let dst = Pod::new("d", "x");
    assert!(cluster
        .authorize(&dst, &Request::plaintext(80))
        .is_allowed());
}

#[test]
fn allow_nothing_denies_everything() {
    let cluster = Cluster::from_objects([ap("x", "nothing", json!({}))]);
    let dst = Pod::new("d", "x");
    let req = Request::from_pod(&web_pod(), TD, 80).http("GET", "/");
    assert!(!cluster.authorize(&dst, &req).is_allowed());
    // Other namespaces are not affected.
    assert!(cluster.authorize(&Pod::new("d", "y"), &req).is_allowed());
    // An ALLOW rule elsewhere still opens what it names.
    let allow = ap(
        "x",
        "d",
        json!({"selector": {"matchLabels": {"app": "d"}}, "action": "ALLOW",
               "rules": [{"from": [{"source": {"principals": ["cluster.local/ns/web/sa/front"]}}]}]}),
    );
    let cluster = Cluster::from_objects([ap("x", "nothing", json!({})), allow]);
    let d = Pod::new("d", "x").label("app", "d");
    assert!(cluster.authorize(&d, &req).is_allowed());
    assert!(!cluster.authorize(&dst, &req).is_allowed());
}

#[test]
fn deny_beats_allow() {
    let allow = ap("x", "allow", json!({"rules": [{}]}));
    let deny = ap(
        "x",
        "deny",
        json!({"action": "DENY", "rules": [{"to": [{"operation": {"paths": ["/admin*"]}}]}]}),
    );
    let cluster = Cluster::from_objects([allow, deny]);
    let dst = Pod::new("d", "x");
    let base = Request::from_pod(&web_pod(), TD, 80);
    assert!(cluster
        .authorize(&dst, &base.clone().http("GET", "/"))
        .is_allowed());
    let verdict = cluster.authorize(&dst, &base.http("GET", "/admin/x"));
    assert!(
        matches!(verdict, Decision::Deny(ref why) if why.contains("x/deny")),
        "{verdict:?}"
    );
}

#[test]
fn sources_principals_namespaces_and_negations() {
    let policy = ap(
        "x",
        "p",
        json!({"rules": [
            {"from": [{"source": {"principals": ["cluster.local/ns/web/sa/*"],
                                  "notPrincipals": ["*/sa/evil"]}}]},
            {"from": [{"source": {"namespaces": ["ops*"], "notNamespaces": ["ops-test"]}},
                      {"source": {"principals": ["*"], "namespaces": ["batch"]}}]}]}),
    );
    let cluster = Cluster::from_objects([policy]);
    let dst = Pod::new("d", "x");
    let from = |p: &str| Request::from_principal(p, 80).http("GET", "/");
    assert!(cluster
        .authorize(&dst, &from("cluster.local/ns/web/sa/front"))
        .is_allowed());
    assert!(!cluster
        .authorize(&dst, &from("cluster.local/ns/web/sa/evil"))
        .is_allowed());
    assert!(cluster
        .authorize(&dst, &from("cluster.local/ns/ops-prod/sa/a"))
        .is_allowed());
    assert!(!cluster
        .authorize(&dst, &from("cluster.local/ns/ops-test/sa/a"))
        .is_allowed());
    assert!(cluster
        .authorize(&dst, &from("cluster.local/ns/batch/sa/a"))
        .is_allowed());
    assert!(!cluster
        .authorize(&dst, &from("cluster.local/ns/api/sa/a"))
        .is_allowed());
    assert!(!cluster
        .authorize(&dst, &Request::plaintext(80).http("GET", "/"))
        .is_allowed());
}

#[test]
fn operations_ports_methods_paths() {
    let policy = ap(
        "x",
        "p",
        json!({"selector": {"matchLabels": {"app": "d"}}, "rules": [{
            "from": [{"source": {"principals": ["cluster.local/ns/web/sa/front"]}}],
            "to": [{"operation": {"ports": ["8080"], "methods": ["GET", "HEAD"],
                                  "paths": ["/api/*", "*.png", "/"],
                                  "notPaths": ["/api/private*"]}},
                   {"operation": {"ports": ["9090"], "notMethods": ["DELETE"]}}]}]}),
    );
    let cluster = Cluster::from_objects([policy]);
    let dst = Pod::new("d", "x").label("app", "d");
    let front = web_pod();
    let req = |port, m: &str, p: &str| Request::from_pod(&front, TD, port).http(m, p);
    let ok = |r: Request| cluster.authorize(&dst, &r).is_allowed();
    assert!(ok(req(8080, "GET", "/api/x")));
    assert!(ok(req(8080, "HEAD", "/img/a.png")));
    assert!(ok(req(8080, "GET", "/")));
    assert!(!ok(req(8080, "GET", "/index.html")));
    assert!(
        !ok(req(8080, "GET", "/api")),
        "prefix /api/* needs the slash"
    );
    assert!(!ok(req(8080, "GET", "/api/private/x")), "notPaths");
    assert!(!ok(req(8080, "POST", "/api/x")));
    assert!(!ok(req(8081, "GET", "/api/x")));
    assert!(ok(req(9090, "POST", "/anything")));
    assert!(!ok(req(9090, "DELETE", "/anything")));
    // Both `from` and `to` must hold.
    let other = Request::from_principal("cluster.local/ns/web/sa/other", 8080).http("GET", "/");
    assert!(!ok(other));
    // A workload the selector does not pick has no ALLOW policy: allowed.
    assert!(cluster
        .authorize(&Pod::new("e", "x"), &req(1, "DELETE", "/"))
        .is_allowed());
}

#[test]
fn http_fields_on_tcp_traffic() {
    let allow = ap(
        "x",
        "allow",
        json!({"rules": [{"to": [{"operation": {"ports": ["5432"], "methods": ["GET"]}}]},
                         {"to": [{"operation": {"ports": ["6379"]}}]}]}),
    );
    let cluster = Cluster::from_objects([allow]);
    let dst = Pod::new("d", "x");
    assert!(!cluster
        .authorize(&dst, &Request::plaintext(5432))
        .is_allowed());
    assert!(cluster
        .authorize(&dst, &Request::plaintext(6379))
        .is_allowed());
}

#[test]
fn custom_and_unsupported_fields_are_noted() {
    let custom = ap(
        "x",
        "ext",
        json!({"action": "CUSTOM", "provider": {"name": "opa"}, "rules": [{}]}),
    );
    let when = ap(
        "x",
        "when",
        json!({"rules": [{"when": [{"key": "source.ip", "values": ["10.0.0.1"]}]}]}),
    );
    let cluster = Cluster::from_objects([custom, when]);
    assert_eq!(cluster.notes().len(), 2, "{:?}", cluster.notes());
    // CUSTOM is ignored; the `when` ALLOW rule cannot be evaluated so matches nothing.
    let dst = Pod::new("d", "x");
    assert!(!cluster
        .authorize(&dst, &Request::plaintext(1).http("GET", "/"))
        .is_allowed());
}

#[test]
fn istio_string_matching() {
    assert!(istio_match("*", "x"));
    assert!(!istio_match("*", ""));
    assert!(istio_match("/a/*", "/a/b/c"));
    assert!(!istio_match("/a/*", "/a"));
    assert!(istio_match("*.png", "/x/y.png"));
    assert!(!istio_match("*.png", "/x/y.jpg"));
    assert!(istio_match("GET", "GET"));
    assert!(!istio_match("GET", "get"));
}

#[test]
fn authorize_all_gives_the_verdicts_of_authorize() {
    // DENY and ALLOW policies, `when`, unsupported fields, HTTP-only fields, negations,
    // ports and a namespace-wide allow-nothing: every path through the rule matching.
    let policies = [
        ap("x", "nothing", json!({})),
        ap(
            "x",
            "deny",
            json!({"selector": {"matchLabels": {"app": "d"}}, "action": "DENY", "rules": [
                {"from": [{"source": {"namespaces": ["evil"]}}]},
                {"to": [{"operation": {"paths": ["/admin*"]}}]},
                {"when": [{"key": "x", "values": ["1"]}],
                 "from": [{"source": {"principals": ["cluster.local/ns/web/sa/when"]}}]}]}),
        ),
        ap(
            "x",
            "d",
            json!({"selector": {"matchLabels": {"app": "d"}}, "rules": [
                {"from": [{"source": {"principals": ["cluster.local/ns/web/sa/front"]}}],
                 "to": [{"operation": {"ports": ["8080"], "methods": ["GET"],
                                       "paths": ["/api/*", "*.png"],
                                       "notPaths": ["/api/private*"]}}]},
                {"from": [{"source": {"namespaces": ["ops"], "notPrincipals": ["*/sa/bot"]}}],
                 "to": [{"operation": {"notPorts": ["9090"]}}]},
                {"from": [{"source": {"requestPrincipals": ["*"]}}]},
                {"to": [{"operation": {"ports": ["5432"]}}]}]}),
        ),
    ];
    let cluster = Cluster::from_objects(policies);
    let dst = Pod::new("d", "x").label("app", "d");
    let view = cluster.view(&dst);
    let principals = [
        None,
        Some("cluster.local/ns/web/sa/front"),
        Some("cluster.local/ns/web/sa/when"),
        Some("cluster.local/ns/ops/sa/a"),
        Some("cluster.local/ns/ops/sa/bot"),
        Some("cluster.local/ns/evil/sa/front"),
        Some("other.example/ns/web/sa/front"),
        Some("not-a-spiffe-id"),
    ];
    let requests = [
        None,
        Some(("GET", "/api/x")),
        Some(("GET", "/api/private/x")),
        Some(("GET", "/a.png")),
        Some(("POST", "/api/x")),
        Some(("GET", "/admin/x")),
        Some(("GET", "")),
    ];
    let mut allowed = 0;
    for port in [5432, 8080, 9090] {
        let grid = view.authorize_all(port, &principals, &requests);
        assert_eq!(grid.len(), principals.len() * requests.len());
        for (i, p) in principals.iter().enumerate() {
            for (j, r) in requests.iter().enumerate() {
                let mut req = match p {
                    Some(p) => Request::from_principal(p, port),
                    None => Request::plaintext(port),
                };
                if let Some((m, x)) = r {
                    req = req.http(m, x);
                }
                let single = view.authorize(&req).is_allowed();
                assert_eq!(grid[i * requests.len() + j], single, "{port} {p:?} {r:?}");
                allowed += usize::from(single);
            }
        }
    }
    // Both verdicts occur, so the comparison is not vacuous.
    assert!(
        allowed > 10 && allowed < 3 * principals.len() * requests.len() - 10,
        "{allowed}"
    );
}
