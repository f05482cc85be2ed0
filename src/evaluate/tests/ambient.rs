//! ztunnel's reading of AuthorizationPolicies (ambient mode), case by case as istiod
//! converts them (istio 1.30 `pilot/pkg/serviceregistry/ambient/testdata`: `allow-full`,
//! `deny-groups`) and ztunnel evaluates them.

use super::*;

const WEB: &str = "cluster.local/ns/web/sa/front";
const OPS: &str = "cluster.local/ns/ops/sa/admin";

fn orders() -> Pod {
    Pod::new("orders-0", "shop").label("app", "orders")
}

fn selected(spec: Value) -> Value {
    let mut spec = spec;
    spec["selector"] = json!({"matchLabels": {"app": "orders"}});
    ap("shop", "orders", spec)
}

fn from(principal: &str, port: u16) -> Request {
    Request::from_principal(principal, port)
}

#[test]
fn an_allow_rule_with_http_fields_is_dropped_and_the_rest_stays() {
    let c = Cluster::from_objects([selected(json!({"rules": [
        {"from": [{"source": {"principals": [WEB]}}], "to": [{"operation": {"methods": ["GET"]}}]},
        {"from": [{"source": {"principals": [OPS]}}], "to": [{"operation": {"ports": ["8080"]}}]},
    ]}))]);
    // The sidecar admits web's GET; ztunnel never sees a method, and the rule is gone.
    assert!(c
        .authorize(&orders(), &from(WEB, 8080).http("GET", "/"))
        .is_allowed());
    assert!(!c
        .ztunnel_allowed(&orders(), &from(WEB, 8080).http("GET", "/"))
        .is_allowed());
    assert!(!c.ztunnel_allowed(&orders(), &from(WEB, 8080)).is_allowed());
    // The L4 rule is enforced as written.
    assert!(c
        .ztunnel_allowed(&orders(), &from(OPS, 8080).http("POST", "/x"))
        .is_allowed());
    assert!(!c.ztunnel_allowed(&orders(), &from(OPS, 9090)).is_allowed());
}

#[test]
fn an_allow_policy_of_http_rules_only_admits_nothing() {
    let c = Cluster::from_objects([selected(json!({"rules": [
        {"to": [{"operation": {"paths": ["/api/*"]}}]},
        {"when": [{"key": "request.headers[x-tenant]", "values": ["acme"]}]},
    ]}))]);
    for who in [WEB, OPS] {
        assert!(!c
            .ztunnel_allowed(&orders(), &from(who, 8080).http("GET", "/api/x"))
            .is_allowed());
    }
    // Other pods of the namespace are not selected.
    let other = Pod::new("cart-0", "shop").label("app", "cart");
    assert!(c.ztunnel_allowed(&other, &from(WEB, 8080)).is_allowed());
}

#[test]
fn a_deny_rule_of_http_fields_only_refuses_nothing_at_ztunnel() {
    // A sidecar refuses a TCP connection to the port (it drops the fields); ztunnel is
    // left with an empty operation, which never matches.
    for rule in [
        json!({"to": [{"operation": {"paths": ["/admin/*"]}}]}),
        json!({"when": [{"key": "request.headers[x-debug]", "values": ["1"]}]}),
        json!({"from": [{"source": {"requestPrincipals": ["https://idp/*"]}}]}),
        json!({"to": [{"operation": {"hosts": ["evil.example"]}}]}),
    ] {
        let c =
            Cluster::from_objects([selected(json!({"action": "DENY", "rules": [rule.clone()]}))]);
        assert!(
            c.ztunnel_allowed(&orders(), &from(WEB, 8080).http("GET", "/admin/x"))
                .is_allowed(),
            "{rule}"
        );
        assert!(
            !c.authorize(&orders(), &from(WEB, 8080)).is_allowed(),
            "{rule}"
        );
    }
}

#[test]
fn a_deny_rule_keeps_its_l4_fields() {
    // deny-groups: principals and requestPrincipals on port 80 become "principals on
    // port 80", whatever the token (more restrictive than written).
    let c = Cluster::from_objects([selected(json!({"action": "DENY", "rules": [{
        "from": [{"source": {"principals": [WEB], "requestPrincipals": ["https://idp/*"]}}],
        "to": [{"operation": {"ports": ["80"], "methods": ["DELETE"]}}],
    }]}))]);
    assert!(!c
        .ztunnel_allowed(&orders(), &from(WEB, 80).http("GET", "/"))
        .is_allowed());
    assert!(c.ztunnel_allowed(&orders(), &from(WEB, 81)).is_allowed());
    assert!(c.ztunnel_allowed(&orders(), &from(OPS, 80)).is_allowed());
    // A source list keeps its L4 entries when another entry empties.
    let c = Cluster::from_objects([selected(json!({"action": "DENY", "rules": [{
        "from": [{"source": {"requestPrincipals": ["https://idp/*"]}}, {"source": {"principals": [OPS]}}],
    }]}))]);
    assert!(!c.ztunnel_allowed(&orders(), &from(OPS, 80)).is_allowed());
    assert!(c.ztunnel_allowed(&orders(), &from(WEB, 80)).is_allowed());
}

#[test]
fn strict_refuses_plaintext_and_disable_reads_as_permissive() {
    let allow_all = selected(json!({"rules": [{}]}));
    let strict = pa("shop", "default", json!({"mtls": {"mode": "STRICT"}}));
    let c = Cluster::from_objects([allow_all.clone(), strict]);
    assert!(!c
        .ztunnel_allowed(&orders(), &Request::plaintext(8080))
        .is_allowed());
    assert!(c.ztunnel_allowed(&orders(), &from(WEB, 8080)).is_allowed());
    let disable = pa("shop", "default", json!({"mtls": {"mode": "DISABLE"}}));
    let c = Cluster::from_objects([allow_all, disable]);
    assert!(c
        .ztunnel_allowed(&orders(), &Request::plaintext(8080))
        .is_allowed());
    // The peer identity is kept: a principal rule still tells callers apart.
    let only_web = selected(json!({"rules": [{"from": [{"source": {"principals": [WEB]}}]}]}));
    let c = Cluster::from_objects([
        only_web,
        pa("shop", "default", json!({"mtls": {"mode": "DISABLE"}})),
    ]);
    assert!(c.ztunnel_allowed(&orders(), &from(WEB, 8080)).is_allowed());
    assert!(!c.ztunnel_allowed(&orders(), &from(OPS, 8080)).is_allowed());
}

#[test]
fn a_targeted_policy_is_a_waypoints_not_ztunnels() {
    let targeted = ap(
        "shop",
        "orders",
        json!({
            "targetRefs": [{"group": "", "kind": "Service", "name": "orders"}],
            "rules": [{"from": [{"source": {"principals": [OPS]}}]}],
        }),
    );
    let c = Cluster::from_objects([targeted]);
    assert!(c.ztunnel_allowed(&orders(), &from(WEB, 8080)).is_allowed());
}
