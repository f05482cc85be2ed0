//! ztunnel's reading of AuthorizationPolicies (ambient mode), case by case as istiod
//! converts them (istio 1.30 `pilot/pkg/serviceregistry/ambient/testdata`: `allow-full`,
//! `deny-groups`) and ztunnel evaluates them.

use super::*;
use crate::evaluate::{AmbientPath, ServiceInfo};

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

const WAYPOINT: &str = "cluster.local/ns/shop/sa/shop-waypoint";

fn gateway(name: &str, extra: Value) -> Value {
    let mut g = json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"gatewayClassName": "istio-waypoint",
                 "listeners": [{"name": "mesh", "port": 15008, "protocol": "HBONE"}]},
    });
    if let Some(m) = extra.as_object() {
        for (k, v) in m {
            g["metadata"][k] = v.clone();
        }
    }
    g
}

fn service(labels: &[(&str, &str)]) -> ServiceInfo {
    ServiceInfo {
        namespace: "shop".into(),
        name: "orders".into(),
        selector: [("app".to_string(), "orders".to_string())].into(),
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// shop in ambient with waypoint `shop-waypoint`: orders admits web's GET /api/* at the
/// waypoint (targetRefs), and only the waypoint at its ztunnel (selector).
fn waypointed(namespace_labels: &[(&str, &str)], gateways: Vec<Value>) -> Cluster {
    let mut objects = gateways;
    objects.push(ap(
        "shop",
        "orders-l7",
        json!({
            "targetRefs": [{"group": "", "kind": "Service", "name": "orders"}],
            "rules": [{"from": [{"source": {"principals": [WEB]}}],
                       "to": [{"operation": {"methods": ["GET"], "paths": ["/api/*"]}}]}],
        }),
    ));
    objects.push(selected(
        json!({"rules": [{"from": [{"source": {"principals": [WAYPOINT]}}]}]}),
    ));
    objects.push(pa("shop", "default", json!({"mtls": {"mode": "STRICT"}})));
    let labels = namespace_labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Cluster::from_objects(objects)
        .with_namespace_labels("shop", labels)
        .with_service(service(&[]))
}

const AMBIENT: (&str, &str) = ("istio.io/dataplane-mode", "ambient");
const USE: (&str, &str) = ("istio.io/use-waypoint", "shop-waypoint");

#[test]
fn through_a_waypoint_the_request_is_judged_with_the_callers_identity() {
    let c = waypointed(&[AMBIENT, USE], vec![gateway("shop-waypoint", json!({}))]);
    let svc = service(&[]);
    let call = |who: &str, method: &str, path: &str| {
        c.call_allowed(
            &orders(),
            Some(&svc),
            &from(who, 8080).http(method, path),
            TD,
        )
        .is_allowed()
    };
    assert!(matches!(
        c.path(&orders(), Some(&svc), Some(WEB)),
        AmbientPath::Waypoint(_)
    ));
    assert!(call(WEB, "GET", "/api/orders"));
    assert!(!call(WEB, "POST", "/api/orders"));
    assert!(!call(OPS, "GET", "/api/orders"));
    // Plain text never reaches the waypoint: ztunnel refuses it (STRICT).
    assert!(!c
        .call_allowed(
            &orders(),
            Some(&svc),
            &Request::plaintext(8080).http("GET", "/api/x"),
            TD
        )
        .is_allowed());
    // Straight to the pod (no Service), the caller meets ztunnel, which admits only the
    // waypoint: bypassing it fails closed.
    assert!(!c
        .call_allowed(&orders(), None, &from(WEB, 8080).http("GET", "/api/x"), TD)
        .is_allowed());
}

#[test]
fn without_a_ready_binding_the_call_meets_ztunnel_and_fails_closed() {
    let svc = service(&[]);
    let req = from(WEB, 8080).http("GET", "/api/orders");
    // No Gateway object, a Gateway of another class, a waypoint for workload traffic
    // only, no binding label, or the Service opting out: no waypoint.
    let other_class = {
        let mut g = gateway("shop-waypoint", json!({}));
        g["spec"]["gatewayClassName"] = json!("istio");
        g
    };
    let workload_only = gateway(
        "shop-waypoint",
        json!({"labels": {"istio.io/waypoint-for": "workload"}}),
    );
    for (labels, gateways) in [
        (vec![AMBIENT, USE], vec![]),
        (vec![AMBIENT, USE], vec![other_class]),
        (vec![AMBIENT, USE], vec![workload_only]),
        (vec![AMBIENT], vec![gateway("shop-waypoint", json!({}))]),
    ] {
        let c = waypointed(&labels, gateways);
        assert_eq!(
            c.path(&orders(), Some(&svc), Some(WEB)),
            AmbientPath::Ztunnel
        );
        assert!(!c.call_allowed(&orders(), Some(&svc), &req, TD).is_allowed());
    }
    let c = waypointed(&[AMBIENT, USE], vec![gateway("shop-waypoint", json!({}))]);
    let opted_out = service(&[("istio.io/use-waypoint", "none")]);
    assert_eq!(
        c.path(&orders(), Some(&opted_out), Some(WEB)),
        AmbientPath::Ztunnel
    );
    // Not in ambient at all: the sidecar reading (no ALLOW admits web at the pod).
    let c = waypointed(&[USE], vec![gateway("shop-waypoint", json!({}))]);
    assert_eq!(
        c.path(&orders(), Some(&svc), Some(WEB)),
        AmbientPath::Sidecar
    );
}

#[test]
fn the_waypoints_identity_is_its_service_account() {
    let c = waypointed(
        &[AMBIENT, USE],
        vec![gateway(
            "shop-waypoint",
            json!({"annotations": {"gateway.istio.io/service-account": "wp-sa"}}),
        )],
    );
    let svc = service(&[]);
    let AmbientPath::Waypoint(w) = c.path(&orders(), Some(&svc), Some(WEB)) else {
        panic!("a waypoint path");
    };
    assert_eq!(w.principal(TD), "cluster.local/ns/shop/sa/wp-sa");
    // The destination's ztunnel admits shop-waypoint's account only, so it refuses.
    assert!(!c
        .call_allowed(
            &orders(),
            Some(&svc),
            &from(WEB, 8080).http("GET", "/api/x"),
            TD
        )
        .is_allowed());
}

#[test]
fn a_waypoint_validates_tokens_of_its_targeted_request_authentication() {
    let ra = object(
        "security.istio.io/v1",
        "RequestAuthentication",
        "shop",
        "orders-jwt",
        json!({
            "targetRefs": [{"group": "", "kind": "Service", "name": "orders"}],
            "jwtRules": [{"issuer": "https://idp", "jwksUri": "https://idp/jwks"}],
        }),
    );
    let mut objects = vec![gateway("shop-waypoint", json!({})), ra];
    objects.push(selected(
        json!({"rules": [{"from": [{"source": {"principals": [WAYPOINT]}}]}]}),
    ));
    let labels = [AMBIENT, USE]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let c = Cluster::from_objects(objects)
        .with_namespace_labels("shop", labels)
        .with_service(service(&[]));
    let svc = service(&[]);
    let base = from(WEB, 8080).http("GET", "/");
    assert!(c
        .call_allowed(&orders(), Some(&svc), &base, TD)
        .is_allowed());
    assert!(c
        .call_allowed(
            &orders(),
            Some(&svc),
            &base.clone().token(Token::new("https://idp", "u")),
            TD
        )
        .is_allowed());
    assert!(!c
        .call_allowed(
            &orders(),
            Some(&svc),
            &base.token(Token::new("https://other", "u")),
            TD
        )
        .is_allowed());
}

#[test]
fn hops_carry_hbone_between_mesh_pods_and_the_port_for_plain_text() {
    let c = waypointed(&[AMBIENT, USE], vec![gateway("shop-waypoint", json!({}))]);
    let svc = service(&[]);
    let web = web_pod();
    let hops = c.hops(Some(&web), &orders(), Some(&svc), 8080);
    assert_eq!(hops.len(), 2);
    assert_eq!((hops[0].source.as_ref(), hops[0].port), (Some(&web), 15008));
    assert_eq!(
        hops[0]
            .target
            .labels
            .get("gateway.networking.k8s.io/gateway-name")
            .map(String::as_str),
        Some("shop-waypoint")
    );
    assert_eq!(
        (hops[1].target.name.as_str(), hops[1].port),
        ("orders-0", 15008)
    );
    let direct = c.hops(Some(&web), &orders(), None, 8080);
    assert_eq!((direct.len(), direct[0].port), (1, 15008));
    let plain = c.hops(None, &orders(), Some(&svc), 8080);
    assert_eq!((plain.len(), plain[0].port), (1, 8080));
}
