use super::*;
use serde_json::json;

fn np(ns: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": name, "namespace": ns}, "spec": spec})
}

fn ap(ns: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
           "metadata": {"name": name, "namespace": ns}, "spec": spec})
}

fn pa(ns: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
           "metadata": {"name": name, "namespace": ns}, "spec": spec})
}

fn ip(s: &str) -> Endpoint<'static> {
    Endpoint::Ip(s.parse().unwrap())
}

const TCP: Protocol = Protocol::Tcp;
const UDP: Protocol = Protocol::Udp;

fn deny_all(ns: &str) -> Value {
    np(
        ns,
        "deny",
        json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
    )
}

#[test]
fn no_policy_allows_everything() {
    let cluster = Cluster::default();
    let a = Pod::new("a", "x");
    let b = Pod::new("b", "y");
    assert!(cluster.connection_allowed(Endpoint::Pod(&a), Endpoint::Pod(&b), 1, TCP));
    assert!(cluster.connection_allowed(ip("1.2.3.4"), Endpoint::Pod(&b), 1, UDP));
}

#[test]
fn empty_pod_selector_isolates_every_pod_of_its_namespace_only() {
    let cluster = Cluster::from_objects([deny_all("x")]);
    let a = Pod::new("a", "x").label("app", "a");
    let other = Pod::new("o", "y");
    assert!(!cluster.ingress_allows(&a, Endpoint::Pod(&other), 80, TCP));
    assert!(!cluster.egress_allows(&a, Endpoint::Pod(&other), 80, TCP));
    assert!(cluster.ingress_allows(&other, Endpoint::Pod(&a), 80, TCP));
    assert!(cluster.isolated(&a, Direction::Egress));
    assert!(!cluster.isolated(&other, Direction::Ingress));
}

#[test]
fn policy_types_default_ingress_always_egress_only_with_egress_rules() {
    let ingress_only = np("x", "i", json!({"podSelector": {}, "ingress": []}));
    let cluster = Cluster::from_objects([ingress_only]);
    let a = Pod::new("a", "x");
    assert!(cluster.isolated(&a, Direction::Ingress));
    assert!(!cluster.isolated(&a, Direction::Egress));
    assert!(cluster.egress_allows(&a, ip("8.8.8.8"), 53, UDP));

    let with_egress = np(
        "x",
        "e",
        json!({"podSelector": {}, "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]}),
    );
    let cluster = Cluster::from_objects([with_egress]);
    assert!(cluster.isolated(&a, Direction::Egress));
    assert!(cluster.egress_allows(&a, ip("8.8.8.8"), 53, UDP));
    assert!(!cluster.egress_allows(&a, ip("8.8.8.8"), 53, TCP));

    // Explicit policyTypes Egress only: ingress stays open.
    let explicit = np(
        "x",
        "t",
        json!({"podSelector": {}, "policyTypes": ["Egress"]}),
    );
    let cluster = Cluster::from_objects([explicit]);
    assert!(!cluster.isolated(&a, Direction::Ingress));
    assert!(!cluster.egress_allows(&a, ip("8.8.8.8"), 53, UDP));
}

#[test]
fn peer_with_both_selectors_ands_two_peers_or() {
    let one_peer = np(
        "db",
        "and",
        json!({"podSelector": {}, "ingress": [{"from": [
            {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: "web"}},
             "podSelector": {"matchLabels": {"app": "front"}}}]}]}),
    );
    let two_peers = np(
        "db",
        "or",
        json!({"podSelector": {}, "ingress": [{"from": [
            {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: "web"}}},
            {"podSelector": {"matchLabels": {"app": "front"}}}]}]}),
    );
    let db = Pod::new("db", "db");
    let front_web = Pod::new("f", "web").label("app", "front");
    let other_web = Pod::new("o", "web").label("app", "other");
    let front_db = Pod::new("f", "db").label("app", "front");
    let front_elsewhere = Pod::new("f", "else").label("app", "front");

    let and = Cluster::from_objects([one_peer]);
    assert!(and.ingress_allows(&db, Endpoint::Pod(&front_web), 1, TCP));
    assert!(!and.ingress_allows(&db, Endpoint::Pod(&other_web), 1, TCP));
    assert!(!and.ingress_allows(&db, Endpoint::Pod(&front_db), 1, TCP));

    let or = Cluster::from_objects([two_peers]);
    assert!(or.ingress_allows(&db, Endpoint::Pod(&front_web), 1, TCP));
    assert!(or.ingress_allows(&db, Endpoint::Pod(&other_web), 1, TCP));
    // A podSelector alone means the policy's own namespace.
    assert!(or.ingress_allows(&db, Endpoint::Pod(&front_db), 1, TCP));
    assert!(!or.ingress_allows(&db, Endpoint::Pod(&front_elsewhere), 1, TCP));
}

#[test]
fn namespace_selector_alone_admits_every_pod_of_matching_namespaces() {
    let policy = np(
        "db",
        "p",
        json!({"podSelector": {}, "ingress": [{"from": [
            {"namespaceSelector": {"matchLabels": {"team": "shop"}}}]}]}),
    );
    let cluster = Cluster::from_objects([policy])
        .with_namespace_labels("web", [("team".to_string(), "shop".to_string())].into());
    let db = Pod::new("db", "db");
    assert!(cluster.ingress_allows(&db, Endpoint::Pod(&Pod::new("any", "web")), 1, TCP));
    assert!(!cluster.ingress_allows(&db, Endpoint::Pod(&Pod::new("any", "api")), 1, TCP));
    // Namespaces always carry their name label.
    assert_eq!(
        cluster.namespace_labels("web").get(NAMESPACE_NAME_LABEL),
        Some(&"web".to_string())
    );
}

#[test]
fn match_expressions() {
    let labels: Labels = [
        ("app".to_string(), "a".to_string()),
        ("tier".to_string(), "x".to_string()),
    ]
    .into();
    let sel = |e: Value| json!({"matchExpressions": [e]});
    assert!(selector_matches(
        &sel(json!({"key": "app", "operator": "In", "values": ["a", "b"]})),
        &labels
    ));
    assert!(!selector_matches(
        &sel(json!({"key": "app", "operator": "In", "values": ["b"]})),
        &labels
    ));
    assert!(selector_matches(
        &sel(json!({"key": "app", "operator": "NotIn", "values": ["b"]})),
        &labels
    ));
    assert!(selector_matches(
        &sel(json!({"key": "zone", "operator": "NotIn", "values": ["b"]})),
        &labels
    ));
    assert!(!selector_matches(
        &sel(json!({"key": "tier", "operator": "NotIn", "values": ["x"]})),
        &labels
    ));
    assert!(selector_matches(
        &sel(json!({"key": "tier", "operator": "Exists"})),
        &labels
    ));
    assert!(!selector_matches(
        &sel(json!({"key": "zone", "operator": "Exists"})),
        &labels
    ));
    assert!(selector_matches(
        &sel(json!({"key": "zone", "operator": "DoesNotExist"})),
        &labels
    ));
    // matchLabels and matchExpressions AND.
    let both = json!({"matchLabels": {"app": "a"},
                      "matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]});
    assert!(!selector_matches(&both, &labels));
    assert!(selector_matches(&json!({}), &labels));
}

#[test]
fn rule_without_peers_or_ports_matches_all() {
    let policy = np(
        "x",
        "p",
        json!({"podSelector": {"matchLabels": {"app": "a"}},
               "ingress": [{"ports": [{"port": 80}]}, {"from": [{"podSelector": {}}]}]}),
    );
    let cluster = Cluster::from_objects([policy]);
    let a = Pod::new("a", "x").label("app", "a");
    let far = Pod::new("f", "y");
    let near = Pod::new("n", "x");
    assert!(cluster.ingress_allows(&a, Endpoint::Pod(&far), 80, TCP));
    assert!(cluster.ingress_allows(&a, ip("10.0.0.1"), 80, TCP));
    assert!(!cluster.ingress_allows(&a, Endpoint::Pod(&far), 81, TCP));
    assert!(!cluster.ingress_allows(&a, Endpoint::Pod(&far), 80, UDP));
    assert!(cluster.ingress_allows(&a, Endpoint::Pod(&near), 9999, UDP));
}

#[test]
fn ports_protocol_named_and_end_port() {
    let policy = np(
        "x",
        "p",
        json!({"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"ports": [
            {"port": 8000, "endPort": 8010},
            {"port": "metrics", "protocol": "TCP"},
            {"port": 53, "protocol": "UDP"},
            {"protocol": "SCTP"}]}]}),
    );
    let cluster = Cluster::from_objects([policy]);
    let dst = Pod::new("d", "x").port("metrics", 9102);
    let s = Pod::new("s", "x");
    let src = Endpoint::Pod(&s);
    assert!(cluster.ingress_allows(&dst, src, 8000, TCP));
    assert!(cluster.ingress_allows(&dst, src, 8005, TCP));
    assert!(cluster.ingress_allows(&dst, src, 8010, TCP));
    assert!(!cluster.ingress_allows(&dst, src, 8011, TCP));
    assert!(!cluster.ingress_allows(&dst, src, 7999, TCP));
    assert!(cluster.ingress_allows(&dst, src, 9102, TCP));
    assert!(!cluster.ingress_allows(&dst, src, 9103, TCP));
    assert!(!cluster.ingress_allows(&Pod::new("d2", "x"), src, 9102, TCP));
    assert!(cluster.ingress_allows(&dst, src, 53, UDP));
    assert!(!cluster.ingress_allows(&dst, src, 53, TCP));
    assert!(cluster.ingress_allows(&dst, src, 4242, Protocol::Sctp));
}

#[test]
fn named_port_on_egress_uses_destination_pod() {
    let policy = np(
        "x",
        "p",
        json!({"podSelector": {}, "egress": [{"ports": [{"port": "http"}]}]}),
    );
    let cluster = Cluster::from_objects([policy]);
    let src = Pod::new("s", "x").port("http", 1111);
    let dst = Pod::new("d", "y").port("http", 8080);
    assert!(cluster.egress_allows(&src, Endpoint::Pod(&dst), 8080, TCP));
    assert!(!cluster.egress_allows(&src, Endpoint::Pod(&dst), 1111, TCP));
    assert!(!cluster.egress_allows(&src, ip("1.1.1.1"), 8080, TCP));
}

#[test]
fn ip_block_with_except_matches_outside_addresses_only() {
    let policy = np(
        "x",
        "p",
        json!({"podSelector": {}, "ingress": [{"from": [
            {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}},
            {"ipBlock": {"cidr": "2001:db8::/32"}}]}]}),
    );
    let cluster = Cluster::from_objects([policy]);
    let dst = Pod::new("d", "x");
    assert!(cluster.ingress_allows(&dst, ip("10.2.3.4"), 1, TCP));
    assert!(!cluster.ingress_allows(&dst, ip("10.1.3.4"), 1, TCP));
    assert!(!cluster.ingress_allows(&dst, ip("11.0.0.1"), 1, TCP));
    assert!(cluster.ingress_allows(&dst, ip("2001:db8::1"), 1, TCP));
    assert!(!cluster.ingress_allows(&dst, ip("2001:db9::1"), 1, TCP));
    assert!(!cluster.ingress_allows(&dst, Endpoint::Pod(&Pod::new("p", "x")), 1, TCP));
    assert!(cidr_contains("0.0.0.0/0", "8.8.8.8".parse().unwrap()));
    assert!(cidr_contains("8.8.8.8", "8.8.8.8".parse().unwrap()));
}

#[test]
fn connection_needs_egress_and_ingress() {
    let a = Pod::new("a", "x").label("app", "a");
    let b = Pod::new("b", "y").label("app", "b");
    let ingress = np(
        "y",
        "in",
        json!({"podSelector": {"matchLabels": {"app": "b"}}, "ingress": [{"from": [
            {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: "x"}},
             "podSelector": {"matchLabels": {"app": "a"}}}], "ports": [{"port": 80}]}]}),
    );
    let cluster = Cluster::from_objects([deny_all("x"), ingress.clone()]);
    assert!(cluster.ingress_allows(&b, Endpoint::Pod(&a), 80, TCP));
    assert!(!cluster.connection_allowed(Endpoint::Pod(&a), Endpoint::Pod(&b), 80, TCP));
    let egress = np(
        "x",
        "out",
        json!({"podSelector": {"matchLabels": {"app": "a"}}, "egress": [{"to": [
            {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: "y"}}}],
            "ports": [{"port": 80}]}]}),
    );
    let cluster = Cluster::from_objects([deny_all("x"), ingress, egress]);
    assert!(cluster.connection_allowed(Endpoint::Pod(&a), Endpoint::Pod(&b), 80, TCP));
    assert!(!cluster.connection_allowed(Endpoint::Pod(&a), Endpoint::Pod(&b), 81, TCP));
}

const TD: &str = "cluster.local";

fn web_pod() -> Pod {
    Pod::new("front", "web")
        .label("app", "front")
        .account("front")
}

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
        json!({"rules": [{"when": [{"key": "request.headers[x]", "values": ["1"]}]}]}),
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
fn peer_authentication_modes() {
    let cluster = Cluster::from_objects([
        pa("x", "default", json!({"mtls": {"mode": "STRICT"}})),
        pa(
            "x",
            "legacy",
            json!({"selector": {"matchLabels": {"app": "legacy"}}, "mtls": {"mode": "PERMISSIVE"},
                   "portLevelMtls": {"9000": {"mode": "DISABLE"}}}),
        ),
        pa(
            "x",
            "unset",
            json!({"selector": {"matchLabels": {"app": "unset"}}, "mtls": {"mode": "UNSET"}}),
        ),
    ]);
    let plain = Pod::new("p", "x").label("app", "plain");
    let legacy = Pod::new("l", "x").label("app", "legacy");
    let unset = Pod::new("u", "x").label("app", "unset");
    assert_eq!(cluster.mtls_mode(&plain), MtlsMode::Strict);
    assert_eq!(cluster.mtls_mode(&legacy), MtlsMode::Permissive);
    assert_eq!(
        cluster.mtls_mode_on_port(&legacy, Some(9000)),
        MtlsMode::Disable
    );
    assert_eq!(cluster.mtls_mode(&unset), MtlsMode::Strict);
    assert_eq!(cluster.mtls_mode(&Pod::new("o", "y")), MtlsMode::Permissive);

    // STRICT refuses plaintext even where authorization would allow it.
    let req = Request::plaintext(80).http("GET", "/");
    assert!(!cluster.request_allowed(&plain, &req).is_allowed());
    assert!(cluster.request_allowed(&legacy, &req).is_allowed());
    let mtls = Request::from_pod(&web_pod(), TD, 80).http("GET", "/");
    assert!(cluster.request_allowed(&plain, &mtls).is_allowed());
}

#[test]
fn pod_from_selector() {
    let selector = json!({"matchLabels": {"app": "a"},
        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["x", "y"]},
                             {"key": "zone", "operator": "Exists"},
                             {"key": "canary", "operator": "DoesNotExist"}]});
    let pod = Pod::selected_by("a", "ns", &selector).unwrap();
    assert_eq!(pod.labels.get("app").map(String::as_str), Some("a"));
    assert_eq!(pod.labels.get("tier").map(String::as_str), Some("x"));
    assert!(pod.labels.contains_key("zone"));
    assert!(selector_matches(&selector, &pod.labels));
    let impossible = json!({"matchLabels": {"app": "a"},
        "matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["a"]}]});
    assert!(Pod::selected_by("a", "ns", &impossible).is_none());
    assert_eq!(
        Pod::new("a", "ns").account("sa").principal(TD),
        "cluster.local/ns/ns/sa/sa"
    );
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

#[test]
fn l4_grid_gives_the_verdicts_of_ingress_and_egress_allows() {
    // Selectors, namespace selectors, ipBlocks, named ports, ranges, protocols, a rule
    // without peers and one without ports, in both directions.
    let policies = [
        deny_all("x"),
        np(
            "x",
            "a",
            json!({"podSelector": {"matchLabels": {"app": "a"}},
                   "policyTypes": ["Ingress", "Egress"],
                   "ingress": [
                       {"from": [{"podSelector": {"matchLabels": {"app": "b"}}},
                                 {"ipBlock": {"cidr": "10.0.0.0/8"}}],
                        "ports": [{"port": 80}, {"port": 8000, "endPort": 8010}]},
                       {"from": [{"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: "y"}},
                                  "podSelector": {"matchExpressions": [
                                      {"key": "tier", "operator": "In", "values": ["web"]}]}}],
                        "ports": [{"port": "metrics"}, {"port": 53, "protocol": "UDP"}]},
                       {"ports": [{"port": 9999}]}],
                   "egress": [
                       {"to": [{"namespaceSelector": {}}], "ports": [{"port": "http"}]},
                       {"to": [{"podSelector": {"matchLabels": {"app": "b"}}}]}]}),
        ),
    ];
    let cluster = Cluster::from_objects(policies);
    let a = Pod::new("a", "x").label("app", "a").port("metrics", 9102);
    let b = Pod::new("b", "x").label("app", "b").port("http", 8080);
    let web = Pod::new("w", "y").label("tier", "web").port("http", 8081);
    let other = Pod::new("o", "z");
    let peers = [
        Endpoint::Pod(&b),
        Endpoint::Pod(&web),
        Endpoint::Pod(&other),
        Endpoint::Pod(&a),
        ip("10.1.2.3"),
        ip("192.0.2.1"),
    ];
    let ports: Vec<(Protocol, u16)> = [80, 81, 8000, 8010, 8011, 9102, 9999, 53, 8080, 8081]
        .iter()
        .flat_map(|&p| [(TCP, p), (UDP, p)])
        .collect();
    let view = cluster.view(&a);
    let mut seen = [0, 0];
    for direction in [Direction::Ingress, Direction::Egress] {
        let grid = view.l4_grid(direction, &peers, &ports);
        for (i, &peer) in peers.iter().enumerate() {
            for (j, &(proto, port)) in ports.iter().enumerate() {
                let single = match direction {
                    Direction::Ingress => view.ingress_allows(peer, port, proto),
                    Direction::Egress => view.egress_allows(peer, port, proto),
                };
                assert_eq!(
                    grid[i * ports.len() + j],
                    single,
                    "{direction:?} {peer:?} {port}/{proto:?}"
                );
                seen[usize::from(single)] += 1;
            }
        }
    }
    assert!(seen[0] > 10 && seen[1] > 10, "{seen:?}");
    // A pod no policy isolates admits everything.
    let free = Pod::new("f", "free");
    assert!(cluster
        .view(&free)
        .l4_grid(Direction::Egress, &peers, &ports)
        .iter()
        .all(|&ok| ok));
}

#[test]
fn unreadable_policies_are_listed_and_other_kinds_skipped() {
    let bad = np(
        "x",
        "bad",
        json!({"podSelector": {}, "ingress": "everything"}),
    );
    // An Ingress's `spec.rules` has another shape than an AuthorizationPolicy's: it is
    // another kind, so it is skipped, not reported.
    let ingress = json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "x"},
        "spec": {"rules": [{"host": "example.com"}], "ingress": 3}});
    let cluster = Cluster::from_objects([bad, ingress, deny_all("x")]);
    assert_eq!(cluster.unreadable().len(), 1, "{:?}", cluster.unreadable());
    assert!(cluster.unreadable()[0].contains("invalid type"));
    // The readable policy still applies.
    assert!(cluster.isolated(&Pod::new("p", "x"), Direction::Ingress));
    // The same objects read from JSON text give the same result.
    let text = serde_json::to_vec(&np("x", "bad", json!({"ingress": "everything"}))).unwrap();
    assert!(Cluster::read_json(&text).is_err());
    assert_eq!(
        Cluster::read_json(b"{\"kind\": \"ConfigMap\", \"spec\": 1}"),
        Ok(None)
    );
}
