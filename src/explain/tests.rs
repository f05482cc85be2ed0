//! `explain` towards externals and workloads on objects written here by hand (the shapes
//! meshward's Wave 2 render writes), so that the answer is checked against the
//! evaluator's semantics whatever the render does.

use super::{explain, render_text, Explanation, Question};
use crate::ir::{Allow, Caller, Cidr, Destination, External, Mesh, Port, Protocol, Workload};
use serde_json::{json, Value};
use std::sync::Arc;

const TREE: [(&str, &str); 3] = [
    (
        "billing/payments.intent",
        "service payments in billing {\n  port grpc 9090/grpc\n}\n",
    ),
    (
        "billing/ledger.intent",
        "service ledger in billing {\n  port grpc 9090/grpc\n}\n",
    ),
    (
        "shop/orders.intent",
        "service orders in shop {\n  port http 8080/http\n}\n",
    ),
];

fn port(name: &str, number: u16, protocol: Protocol) -> Port {
    Port {
        name: name.into(),
        port: number,
        target: number,
        protocol,
    }
}

fn cidr(text: &str) -> Cidr {
    let (a, p) = text.split_once('/').expect("cidr");
    Cidr {
        address: a.parse().expect("address"),
        prefix: p.parse().expect("prefix"),
    }
}

/// The tree, with `stripe` (host, payments may call it), `corp-db` (cidr, namespace
/// billing) and a `vault` workload that orders may call; cluster-cidrs 10.0.0.0/12.
fn mesh() -> (Mesh, crate::source::SourceMap) {
    let compiled =
        crate::pipeline::run_texts(TREE.iter().map(|(p, t)| (p.to_string(), t.to_string())));
    let (mut mesh, _) = compiled.result.expect("compiles");
    let identity = |name: &str| {
        let s = mesh
            .services
            .iter()
            .find(|s| s.name() == name)
            .expect("service");
        (Arc::new(s.identity.clone()), s.span)
    };
    let (payments, span) = identity("payments");
    let (orders, orders_span) = identity("orders");
    let allow = |caller: Caller, span| Allow {
        callers: vec![caller],
        caller_spans: vec![span],
        ports: vec![0],
        rules: Vec::new(),
        span,
    };
    mesh.settings.cluster_cidrs = vec![cidr("10.0.0.0/12")];
    mesh.externals = vec![
        External {
            name: "corp-db".into(),
            destination: Destination::Cidrs(vec![cidr("10.20.0.0/16")]),
            ports: vec![port("pg", 5432, Protocol::Tcp)],
            allows: vec![allow(Caller::Namespace("billing".into()), span)],
            origin: "billing/payments.intent".into(),
            span,
        },
        External {
            name: "stripe".into(),
            destination: Destination::Hosts(vec!["api.stripe.com".into()]),
            ports: vec![port("https", 443, Protocol::Tls)],
            allows: vec![allow(Caller::Pods(payments), span)],
            origin: "billing/payments.intent".into(),
            span,
        },
    ];
    let mut vault = (*orders).clone();
    vault.name = "vault".into();
    vault.namespace = "vault".into();
    vault.managed = false;
    vault.selector = [("app".to_string(), "vault".to_string())].into();
    mesh.workloads.push(Workload {
        identity: vault,
        ports: vec![port("api", 8200, Protocol::Http)],
        allows: vec![allow(Caller::Pods(orders), orders_span)],
        span: orders_span,
    });
    (mesh, compiled.sources)
}

fn object(api: &str, kind: &str, ns: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": api, "kind": kind,
           "metadata": {"name": name, "namespace": ns}, "spec": spec})
}

fn np(ns: &str, name: &str, spec: Value) -> Value {
    object("networking.k8s.io/v1", "NetworkPolicy", ns, name, spec)
}

fn sidecar(ns: &str, name: &str, app: Option<&str>, hosts: &[&str]) -> Value {
    let mut spec = json!({"egress": [{"hosts": hosts}],
                          "outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}});
    if let Some(app) = app {
        spec["workloadSelector"] = json!({"labels": {"app": app}});
    }
    object("networking.istio.io/v1", "Sidecar", ns, name, spec)
}

/// What the render writes for `mesh()`, written out by hand; `scoped` adds the Sidecars.
fn objects(scoped: bool) -> Vec<Value> {
    let deny = |ns: &str| {
        np(
            ns,
            "meshward.default-deny",
            json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        )
    };
    let outside = json!([
        {"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/12"]}},
        {"ipBlock": {"cidr": "::/0"}}
    ]);
    let mut out = vec![
        deny("billing"),
        deny("shop"),
        np(
            "billing",
            "payments",
            json!({"podSelector": {"matchLabels": {"app": "payments"}},
                   "policyTypes": ["Ingress", "Egress"],
                   "egress": [{"to": outside, "ports": [{"protocol": "TCP", "port": 443}]}]}),
        ),
        np(
            "billing",
            "meshward.namespace-egress",
            json!({"podSelector": {}, "policyTypes": ["Egress"],
                   "egress": [{"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}],
                               "ports": [{"protocol": "TCP", "port": 5432}]}]}),
        ),
        np(
            "shop",
            "orders",
            json!({"podSelector": {"matchLabels": {"app": "orders"}},
                   "policyTypes": ["Ingress", "Egress"],
                   "egress": [{"to": [{"namespaceSelector": {"matchLabels":
                                  {"kubernetes.io/metadata.name": "vault"}},
                                       "podSelector": {"matchLabels": {"app": "vault"}}}],
                               "ports": [{"protocol": "TCP", "port": 8200}]}]}),
        ),
        object(
            "networking.istio.io/v1",
            "ServiceEntry",
            "billing",
            "external.stripe",
            json!({"hosts": ["api.stripe.com"],
                   "ports": [{"number": 443, "name": "https", "protocol": "TLS"}],
                   "location": "MESH_EXTERNAL", "resolution": "DNS", "exportTo": ["."]}),
        ),
        object(
            "networking.istio.io/v1",
            "ServiceEntry",
            "billing",
            "external.corp-db",
            json!({"hosts": ["corp-db.external"], "addresses": ["10.20.0.0/16"],
                   "ports": [{"number": 5432, "name": "pg", "protocol": "TCP"}],
                   "location": "MESH_EXTERNAL", "resolution": "NONE", "exportTo": ["."]}),
        ),
    ];
    if scoped {
        out.extend([
            sidecar(
                "billing",
                "payments",
                Some("payments"),
                &["./api.stripe.com", "./corp-db.external"],
            ),
            sidecar("billing", "ledger", Some("ledger"), &["./corp-db.external"]),
            sidecar("billing", "default", None, &["./corp-db.external"]),
            sidecar("shop", "orders", Some("orders"), &["vault/*"]),
            sidecar("shop", "default", None, &["~/*"]),
        ]);
    }
    out
}

fn ask(mesh: &Mesh, objects: &[Value], from: &str, to: &str, port: Option<&str>) -> Explanation {
    let (_, sources) = self::mesh();
    let q = Question {
        from: from.into(),
        to: to.into(),
        port: port.map(Into::into),
        request: None,
        ..Question::default()
    };
    explain(mesh, objects, &sources, &q).expect("explain")
}

fn layer<'e>(e: &'e Explanation, name: &str) -> &'e super::Layer {
    e.ports[0]
        .layers
        .iter()
        .find(|l| l.layer == name)
        .unwrap_or_else(|| panic!("no layer {name}: {}", render_text(e)))
}

#[test]
fn a_granted_host_external_is_allowed_at_both_layers_and_names_its_line() {
    let (mesh, _) = mesh();
    let e = ask(
        &mesh,
        &objects(true),
        "payments.billing",
        "external:stripe",
        Some("https"),
    );
    let text = render_text(&e);
    assert!(e.allowed, "{text}");
    assert_eq!(e.kind, "external");
    let l4 = &layer(&e, "L4 egress").detail;
    assert!(l4.contains("NetworkPolicy cannot name hosts"), "{text}");
    assert!(l4.contains("outside cluster-cidrs (10.0.0.0/12)"), "{text}");
    assert!(
        l4.contains("ipBlock 0.0.0.0/0 except 10.0.0.0/12"),
        "{text}"
    );
    let proxy = &layer(&e, "sidecar").detail;
    assert!(proxy.contains("Sidecar billing/payments"), "{text}");
    assert!(proxy.contains("./api.stripe.com"), "{text}");
    assert!(
        proxy.contains("ServiceEntry billing/external.stripe"),
        "{text}"
    );
    assert!(proxy.contains("REGISTRY_ONLY"), "{text}");
    assert_eq!(e.ports[0].allowed_by.len(), 1, "{text}");
    assert!(
        e.ports[0].allowed_by[0].starts_with("billing/payments.intent:1"),
        "{text}"
    );
    assert!(
        text.contains("payments.billing → external:stripe port https (443/tls)"),
        "{text}"
    );
}

#[test]
fn an_ungranted_caller_is_denied_at_both_layers_with_the_nearest_grant() {
    let (mesh, _) = mesh();
    let e = ask(
        &mesh,
        &objects(true),
        "ledger.billing",
        "external:stripe",
        None,
    );
    let text = render_text(&e);
    assert!(!e.allowed, "{text}");
    assert!(!layer(&e, "L4 egress").allowed, "{text}");
    let proxy = layer(&e, "sidecar");
    assert!(!proxy.allowed, "{text}");
    assert!(proxy.detail.contains("REGISTRY_ONLY drops it"), "{text}");
    assert!(
        e.ports[0]
            .nearest
            .iter()
            .any(|n| n.contains("allows other callers on this port: payments.billing")),
        "{text}"
    );
}

#[test]
fn a_cidr_external_names_its_exact_ip_block() {
    let (mesh, _) = mesh();
    let e = ask(
        &mesh,
        &objects(true),
        "ledger.billing",
        "external:corp-db",
        Some("5432"),
    );
    let text = render_text(&e);
    assert!(e.allowed, "{text}");
    let l4 = &layer(&e, "L4 egress").detail;
    assert!(l4.contains("10.20.0.0/16 on 5432/TCP"), "{text}");
    assert!(l4.contains("ipBlock 10.20.0.0/16"), "{text}");
    assert!(
        layer(&e, "sidecar").detail.contains("corp-db.external"),
        "{text}"
    );
}

#[test]
fn without_cluster_cidrs_the_answer_says_in_cluster_addresses_are_admitted_too() {
    let (mut mesh, _) = mesh();
    mesh.settings.cluster_cidrs.clear();
    let e = ask(
        &mesh,
        &objects(true),
        "payments.billing",
        "external:stripe",
        None,
    );
    let l4 = &layer(&e, "L4 egress").detail;
    assert!(
        l4.contains("in-cluster ones too: cluster-cidrs is unset"),
        "{l4}"
    );
}

#[test]
fn a_workload_destination_is_reached_through_its_namespace_import() {
    let (mesh, _) = mesh();
    let e = ask(
        &mesh,
        &objects(true),
        "orders.shop",
        "vault.vault",
        Some("api"),
    );
    let text = render_text(&e);
    assert!(e.allowed, "{text}");
    assert_eq!(e.kind, "workload");
    assert!(
        layer(&e, "L4 egress").detail.contains("shop/orders"),
        "{text}"
    );
    assert!(layer(&e, "sidecar").detail.contains("vault/*"), "{text}");
    assert!(text.contains("shop/orders.intent:1"), "{text}");
    let e = ask(
        &mesh,
        &objects(true),
        "payments.billing",
        "vault.vault",
        None,
    );
    assert!(!e.allowed, "{}", render_text(&e));
}

#[test]
fn a_call_the_cluster_admits_without_a_grant_says_so() {
    // Without Sidecars, ledger's proxy passes api.stripe.com through; give ledger the
    // outside block on 443 (as another host external would) and L4 admits it too.
    let (mesh, _) = mesh();
    let mut objects = objects(false);
    objects.push(np(
        "billing",
        "ledger",
        json!({"podSelector": {"matchLabels": {"app": "ledger"}}, "policyTypes": ["Egress"],
               "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "::/0"}}],
                           "ports": [{"protocol": "TCP", "port": 443}]}]}),
    ));
    let e = ask(&mesh, &objects, "ledger.billing", "external:stripe", None);
    let text = render_text(&e);
    assert!(e.allowed, "{text}");
    assert!(e.ports[0].allowed_by.is_empty(), "{text}");
    assert!(
        e.ports[0]
            .notes
            .iter()
            .any(|n| n.contains("no allow of external stripe grants ledger.billing")),
        "{text}"
    );
    assert!(text.contains("  note "), "{text}");
}

#[test]
fn unknown_externals_and_ports_are_errors_with_a_suggestion() {
    let (mesh, sources) = mesh();
    let q = |to: &str, port: Option<&str>| Question {
        from: "payments.billing".into(),
        to: to.into(),
        port: port.map(Into::into),
        request: None,
        ..Question::default()
    };
    let err = explain(&mesh, &objects(true), &sources, &q("external:strip", None))
        .expect_err("unknown external");
    assert!(err.contains("did you mean `external:stripe`?"), "{err}");
    let err = explain(
        &mesh,
        &objects(true),
        &sources,
        &q("external:stripe", Some("http")),
    )
    .expect_err("unknown port");
    assert!(err.contains("its ports are https"), "{err}");
    let mut backwards = q("payments.billing", None);
    backwards.from = "external:stripe".into();
    let err = explain(&mesh, &objects(true), &sources, &backwards).expect_err("from an external");
    assert!(err.contains("FROM is a service or a workload"), "{err}");
}

#[test]
fn a_request_to_an_external_is_not_judged_and_says_so() {
    let (mesh, sources) = mesh();
    let q = Question {
        from: "payments.billing".into(),
        to: "external:stripe".into(),
        port: Some("https".into()),
        request: Some(("POST".into(), "/v1/charges".into())),
        ..Question::default()
    };
    let e = explain(&mesh, &objects(true), &sources, &q).expect("explain");
    assert!(e.allowed);
    assert!(
        e.ports[0].notes[0].starts_with("`POST /v1/charges` is not judged"),
        "{}",
        render_text(&e)
    );
}
