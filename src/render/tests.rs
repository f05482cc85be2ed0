//! The objects rendered for externals, workload destinations and sidecar scoping, from
//! models built by hand: compile's tables and render's documents together.

use crate::compile::compile;
use crate::ir::*;
use crate::source::Span;
use serde_json::{json, Value};
use std::sync::Arc;

fn span() -> Span {
    Span::new(0, 0, 0)
}

fn labels(app: &str) -> Labels {
    Labels::from([("app".to_string(), app.to_string())])
}

fn identity(name: &str, namespace: &str, managed: bool) -> Identity {
    Identity {
        name: name.into(),
        namespace: namespace.into(),
        account: name.into(),
        selector: labels(name),
        managed,
    }
}

fn port(name: &str, number: u16, protocol: Protocol) -> Port {
    Port {
        name: name.into(),
        port: number,
        target: number,
        protocol,
    }
}

fn allow(callers: Vec<Caller>, ports: Vec<usize>) -> Allow {
    Allow {
        caller_spans: callers.iter().map(|_| span()).collect(),
        callers,
        ports,
        rules: vec![],
        span: span(),
    }
}

fn pods(name: &str, namespace: &str) -> Caller {
    Caller::Pods(Arc::new(identity(name, namespace, true)))
}

fn service(name: &str, namespace: &str, allows: Vec<Allow>) -> Service {
    Service {
        identity: identity(name, namespace, true),
        ports: vec![port("http", 8080, Protocol::Http)],
        mtls: Mtls::Strict,
        allows,
        denies: vec![],
        calls: vec![],
        routes: vec![],
        origin: format!("{namespace}/{name}.intent"),
        span: span(),
    }
}

fn external(
    name: &str,
    destination: Destination,
    ports: Vec<Port>,
    allows: Vec<Allow>,
) -> External {
    External {
        name: name.into(),
        destination,
        ports,
        allows,
        origin: format!("egress/{name}.intent"),
        span: span(),
    }
}

fn cidr(text: &str) -> Cidr {
    let (address, prefix) = text.split_once('/').unwrap();
    Cidr {
        address: address.parse().unwrap(),
        prefix: prefix.parse().unwrap(),
    }
}

fn hosts(names: &[&str]) -> Destination {
    Destination::Hosts(names.iter().map(|h| h.to_string()).collect())
}

/// shop (orders, cart), billing (payments); a Vault workload orders may call; stripe by
/// host for payments, `*.example.com` for namespace shop, corp-db by range for anyone.
fn mesh() -> Mesh {
    Mesh {
        settings: Settings {
            trust_domain: "cluster.local".into(),
            cluster_domain: "cluster.local".into(),
            istiod: PodGroup {
                namespace: "istio-system".into(),
                selector: labels("istiod"),
            },
            dns: PodGroup {
                namespace: "kube-system".into(),
                selector: labels("kube-dns"),
            },
            scraper: None,
            cluster_cidrs: vec![cidr("10.0.0.0/12"), cidr("fd00::/8")],
            sidecar_scoping: true,
            jwts: vec![],
            sync_waves: false,
            dry_run: Default::default(),
            network: Default::default(),
            dataplane: Default::default(),
            waypoints: Default::default(),
            clusters: Vec::new(),
            eastwest: None,
            placements: Default::default(),
            site: None,
        },
        services: vec![
            service(
                "payments",
                "billing",
                vec![allow(vec![Caller::Namespace("shop".into())], vec![0])],
            ),
            service(
                "cart",
                "shop",
                vec![allow(vec![pods("orders", "shop")], vec![0])],
            ),
            service("orders", "shop", vec![]),
        ],
        workloads: vec![Workload {
            identity: identity("vault", "vault", false),
            ports: vec![port("api", 8200, Protocol::Http)],
            allows: vec![allow(vec![pods("orders", "shop")], vec![0])],
            span: span(),
        }],
        externals: vec![
            external(
                "corp-db",
                Destination::Cidrs(vec![cidr("10.20.0.0/16"), cidr("2001:db8::/48")]),
                vec![port("pg", 5432, Protocol::Tcp)],
                vec![allow(vec![Caller::Anyone], vec![0])],
            ),
            external(
                "stripe",
                hosts(&["api.stripe.com", "files.stripe.com"]),
                vec![port("https", 443, Protocol::Tls)],
                vec![allow(vec![pods("payments", "billing")], vec![0])],
            ),
            external(
                "wild",
                hosts(&["*.example.com"]),
                vec![
                    port("https", 443, Protocol::Tls),
                    port("web", 80, Protocol::Http),
                ],
                vec![allow(vec![Caller::Namespace("shop".into())], vec![0, 1])],
            ),
        ],
    }
}

/// Every document of MESH's tree as `(path, objects as JSON)`.
fn tree(mesh: &Mesh) -> Vec<(String, Vec<Value>)> {
    super::render(mesh, &compile(mesh))
        .into_iter()
        .map(|d| {
            let objects = d
                .objects
                .iter()
                .map(|o| serde_json::to_value(o).unwrap())
                .collect();
            (d.path, objects)
        })
        .collect()
}

fn object<'t>(tree: &'t [(String, Vec<Value>)], path: &str, kind: &str) -> &'t Value {
    let (_, objects) = tree
        .iter()
        .find(|(p, _)| p == path)
        .unwrap_or_else(|| panic!("no {path}"));
    objects
        .iter()
        .find(|o| o["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {path}"))
}

fn egress(policy: &Value) -> &Value {
    &policy["spec"]["egress"]
}

#[test]
fn host_external_opens_outside_the_cluster_per_family() {
    let tree = tree(&mesh());
    let policy = object(&tree, "billing/payments.yaml", "NetworkPolicy");
    assert_eq!(
        egress(policy),
        &json!([{
            "to": [
                {"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/12"]}},
                {"ipBlock": {"cidr": "::/0", "except": ["fd00::/8"]}},
            ],
            "ports": [{"protocol": "TCP", "port": 443}],
        }])
    );
}

#[test]
fn namespace_and_anyone_grants_go_to_the_namespace_egress() {
    let tree = tree(&mesh());
    let policy = &object(&tree, "shop/_namespace.yaml", "NetworkPolicy");
    // The first NetworkPolicy is the default deny; the egress policy is the second.
    let (_, objects) = tree
        .iter()
        .find(|(p, _)| p == "shop/_namespace.yaml")
        .unwrap();
    let egress_policy = &objects[1];
    assert_eq!(policy["metadata"]["name"], "meshward.default-deny");
    assert_eq!(
        egress_policy["metadata"]["name"],
        "meshward.namespace-egress"
    );
    let rules = egress(egress_policy).as_array().unwrap();
    let find = |port: u16| {
        rules
            .iter()
            .find(|r| {
                r["ports"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["port"] == port)
            })
            .unwrap_or_else(|| panic!("no rule on {port}"))
    };
    assert_eq!(
        find(5432)["to"],
        json!([{"ipBlock": {"cidr": "10.20.0.0/16"}}, {"ipBlock": {"cidr": "2001:db8::/48"}}])
    );
    assert_eq!(
        find(443),
        &json!({
            "to": [
                {"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/12"]}},
                {"ipBlock": {"cidr": "::/0", "except": ["fd00::/8"]}},
            ],
            "ports": [{"protocol": "TCP", "port": 80}, {"protocol": "TCP", "port": 443}],
        })
    );
    assert_eq!(
        find(8080)["to"],
        json!([{
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "billing"}},
            "podSelector": {"matchLabels": {"app": "payments"}},
        }])
    );
}

#[test]
fn workload_destination_is_its_namespace_and_pods() {
    let tree = tree(&mesh());
    let policy = object(&tree, "shop/orders.yaml", "NetworkPolicy");
    let rules = egress(policy).as_array().unwrap();
    assert!(rules.contains(&json!({
        "to": [{
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "vault"}},
            "podSelector": {"matchLabels": {"app": "vault"}},
        }],
        "ports": [{"protocol": "TCP", "port": 8200}],
    })));
    // Nothing is written in the workload's namespace.
    assert!(!tree.iter().any(|(p, _)| p.starts_with("vault/")));
}

#[test]
fn service_entries_where_a_caller_is_allowed() {
    let tree = tree(&mesh());
    let paths: Vec<&str> = tree
        .iter()
        .map(|(p, _)| p.as_str())
        .filter(|p| p.contains("_external."))
        .collect();
    assert_eq!(
        paths,
        [
            "billing/_external.corp-db.yaml",
            "billing/_external.stripe.yaml",
            "shop/_external.corp-db.yaml",
            "shop/_external.wild.yaml",
        ]
    );
    let stripe = object(&tree, "billing/_external.stripe.yaml", "ServiceEntry");
    assert_eq!(stripe["metadata"]["name"], "external.stripe");
    assert_eq!(stripe["metadata"]["namespace"], "billing");
    assert_eq!(
        stripe["spec"],
        json!({
            "hosts": ["api.stripe.com", "files.stripe.com"],
            "ports": [{"number": 443, "name": "https", "protocol": "TLS"}],
            "location": "MESH_EXTERNAL",
            "resolution": "DNS",
            "exportTo": ["."],
        })
    );
    let db = object(&tree, "shop/_external.corp-db.yaml", "ServiceEntry");
    assert_eq!(
        db["spec"],
        json!({
            "hosts": ["corp-db.external"],
            "addresses": ["10.20.0.0/16", "2001:db8::/48"],
            "ports": [{"number": 5432, "name": "pg", "protocol": "TCP"}],
            "location": "MESH_EXTERNAL",
            "resolution": "NONE",
            "exportTo": ["."],
        })
    );
    let wild = object(&tree, "shop/_external.wild.yaml", "ServiceEntry");
    assert_eq!(wild["spec"]["resolution"], "NONE");
    assert_eq!(wild["spec"]["ports"][1]["protocol"], "HTTP");
    let kustomization = object(&tree, "shop/kustomization.yaml", "Kustomization");
    assert_eq!(
        kustomization["resources"],
        json!([
            "_external.corp-db.yaml",
            "_external.wild.yaml",
            "_namespace.yaml",
            "cart.yaml",
            "orders.yaml"
        ])
    );
}

fn sidecar_hosts(tree: &[(String, Vec<Value>)], path: &str) -> Value {
    let sidecar = object(tree, path, "Sidecar");
    assert_eq!(
        sidecar["spec"]["outboundTrafficPolicy"],
        json!({"mode": "REGISTRY_ONLY"})
    );
    sidecar["spec"]["egress"][0]["hosts"].clone()
}

#[test]
fn sidecars_import_exactly_what_their_pods_may_call() {
    let tree = tree(&mesh());
    let shop = json!([
        "./*.example.com",
        "./corp-db.external",
        "billing/payments.billing.svc.cluster.local",
    ]);
    assert_eq!(sidecar_hosts(&tree, "shop/_namespace.yaml"), shop);
    assert_eq!(sidecar_hosts(&tree, "shop/cart.yaml"), shop);
    assert_eq!(
        sidecar_hosts(&tree, "shop/orders.yaml"),
        json!([
            "./*.example.com",
            "./corp-db.external",
            "billing/payments.billing.svc.cluster.local",
            "shop/cart.shop.svc.cluster.local",
            "vault/*",
        ])
    );
    assert_eq!(
        sidecar_hosts(&tree, "billing/payments.yaml"),
        json!([
            "./api.stripe.com",
            "./corp-db.external",
            "./files.stripe.com"
        ])
    );
    assert_eq!(
        sidecar_hosts(&tree, "billing/_namespace.yaml"),
        json!(["./corp-db.external"])
    );
    let orders = object(&tree, "shop/orders.yaml", "Sidecar");
    assert_eq!(orders["metadata"]["name"], "orders");
    assert_eq!(
        orders["spec"]["workloadSelector"],
        json!({"labels": {"app": "orders"}})
    );
    let default = object(&tree, "shop/_namespace.yaml", "Sidecar");
    assert_eq!(default["metadata"]["name"], "default");
    assert!(default["spec"].get("workloadSelector").is_none());
    // The Sidecar comes after the service's other objects.
    let (_, objects) = tree.iter().find(|(p, _)| p == "shop/cart.yaml").unwrap();
    assert_eq!(objects.last().unwrap()["kind"], "Sidecar");
}

#[test]
fn a_pod_that_may_call_nothing_imports_nothing() {
    let mut mesh = mesh();
    mesh.externals.clear();
    mesh.workloads.clear();
    let tree = tree(&mesh);
    assert_eq!(
        sidecar_hosts(&tree, "billing/payments.yaml"),
        json!(["~/*"])
    );
    assert_eq!(
        sidecar_hosts(&tree, "billing/_namespace.yaml"),
        json!(["~/*"])
    );
}

#[test]
fn no_sidecar_without_scoping() {
    let mut mesh = mesh();
    mesh.settings.sidecar_scoping = false;
    let tree = tree(&mesh);
    assert!(tree
        .iter()
        .all(|(_, objects)| objects.iter().all(|o| o["kind"] != "Sidecar")));
    // ServiceEntries do not depend on scoping.
    assert!(tree
        .iter()
        .any(|(p, _)| p == "billing/_external.stripe.yaml"));
}

#[test]
fn a_service_named_default_keeps_clear_of_the_namespace_sidecar() {
    let mut mesh = mesh();
    mesh.services.push(service("default", "billing", vec![]));
    let tree = tree(&mesh);
    let sidecar = object(&tree, "billing/default.yaml", "Sidecar");
    assert_eq!(sidecar["metadata"]["name"], "default.service");
}

#[test]
fn no_outside_peer_for_a_family_wholly_inside_the_cluster() {
    let mut mesh = mesh();
    mesh.settings.cluster_cidrs = vec![cidr("0.0.0.0/0"), cidr("10.0.0.0/8")];
    let tree = tree(&mesh);
    let policy = object(&tree, "billing/payments.yaml", "NetworkPolicy");
    assert_eq!(
        egress(policy)[0]["to"],
        json!([{"ipBlock": {"cidr": "::/0"}}])
    );
}

#[test]
fn without_cluster_ranges_the_outside_has_no_except() {
    let mut mesh = mesh();
    mesh.settings.cluster_cidrs.clear();
    let tree = tree(&mesh);
    let policy = object(&tree, "billing/payments.yaml", "NetworkPolicy");
    assert_eq!(
        egress(policy)[0]["to"],
        json!([{"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "::/0"}}])
    );
}

#[test]
fn unmanaged_callers_get_no_egress_and_no_entry() {
    let mut mesh = mesh();
    mesh.externals[1].allows = vec![allow(
        vec![
            Caller::Namespace("elsewhere".into()),
            Caller::Pods(Arc::new(identity("vault", "vault", false))),
        ],
        vec![0],
    )];
    let tree = tree(&mesh);
    assert!(!tree.iter().any(|(p, _)| p.contains("_external.stripe")));
    let policy = object(&tree, "billing/payments.yaml", "NetworkPolicy");
    assert!(policy["spec"].get("egress").is_none());
}
