//! The CiliumNetworkPolicy shapes a portable emission uses (default deny by the entity
//! `none`, DNS egress with the DNS-proxy rule, namespaced endpoint selectors, `all`,
//! namespace-wide callers, the scraper's ports, workload, CIDR and FQDN egress; see
//! docs/cilium.md): each reads with no note and gives the verdicts it was written for.

use super::*;

fn cnp_in(ns: &str, name: &str, selector: Value, lists: Value) -> Value {
    let mut spec = json!({"endpointSelector": selector});
    if let (Some(spec), Some(lists)) = (spec.as_object_mut(), lists.as_object()) {
        spec.extend(lists.clone());
    }
    cnp(ns, name, spec)
}

/// (a) Namespace default deny, both directions.
fn default_deny(ns: &str) -> Value {
    cnp_in(
        ns,
        "meshward-default-deny",
        json!({}),
        json!({"description": format!("meshward: default deny ingress+egress for all pods in {ns}"),
               "ingress": [{"fromEntities": ["none"]}], "egress": [{"toEntities": ["none"]}]}),
    )
}

/// (b) DNS through the DNS proxy, and istiod.
fn dns_istiod(ns: &str) -> Value {
    cnp_in(
        ns,
        "meshward-dns-istiod",
        json!({}),
        json!({"egress": [
            {"toEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system",
                                              "k8s:k8s-app": "kube-dns"}}],
             "toPorts": [{"ports": [{"port": "53", "protocol": "UDP"}, {"port": "53", "protocol": "TCP"}],
                          "rules": {"dns": [{"matchPattern": "*"}]}}]},
            {"toEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "istio-system",
                                              "k8s:app": "istiod"}}],
             "toPorts": [{"ports": [{"port": "15012", "protocol": "TCP"}]}]}]}),
    )
}

fn tcp(port: &str) -> Value {
    json!([{"ports": [{"port": port, "protocol": "TCP"}]}])
}

fn objects() -> Vec<Value> {
    vec![
        default_deny("shop"),
        default_deny("payments"),
        dns_istiod("shop"),
        // (c) named callers in other namespaces.
        cnp_in(
            "payments",
            "meshward-payments-ingress",
            json!({"matchLabels": {"k8s:app": "payments"}}),
            json!({"ingress": [{"fromEndpoints": [
                {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "shop",
                                 "k8s:io.cilium.k8s.policy.serviceaccount": "checkout"}},
                {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "billing",
                                 "k8s:io.cilium.k8s.policy.serviceaccount": "invoicer"}}],
                "toPorts": tcp("8080")}]}),
        ),
        // (d) anyone.
        cnp_in(
            "payments",
            "meshward-public",
            json!({"matchLabels": {"k8s:app": "public"}}),
            json!({"ingress": [{"fromEntities": ["all"], "toPorts": tcp("8080")}]}),
        ),
        // (e) a namespace.
        cnp_in(
            "payments",
            "meshward-from-web",
            json!({"matchLabels": {"k8s:app": "payments"}}),
            json!({"ingress": [{"fromEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "web"}}],
                                "toPorts": tcp("9000")}]}),
        ),
        // (f) scraping.
        cnp_in(
            "shop",
            "meshward-allow-scrape",
            json!({}),
            json!({"ingress": [{"fromEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "monitoring"}}],
                                "toPorts": [{"ports": [{"port": "15020", "protocol": "TCP"},
                                                       {"port": "15090", "protocol": "TCP"}]}]}]}),
        ),
        // (g), (h), (i): egress of shop's checkout.
        cnp_in(
            "shop",
            "meshward-checkout-egress",
            json!({"matchLabels": {"k8s:app": "checkout"}}),
            json!({"egress": [
                {"toEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "db",
                                                  "k8s:app": "postgres"}}],
                 "toPorts": tcp("5432")},
                {"toCIDRSet": [{"cidr": "203.0.113.0/24", "except": ["203.0.113.128/25"]}],
                 "toPorts": tcp("443")},
                {"toFQDNs": [{"matchName": "api.example.com"},
                             {"matchPattern": "*.storage.example.com"}],
                 "toPorts": tcp("443")}]}),
        ),
    ]
}

#[test]
fn recommended_emission_reads_without_notes() {
    let cluster = Cluster::from_objects(objects());
    assert!(cluster.notes().is_empty(), "{:?}", cluster.notes());
    assert!(
        cluster.unreadable().is_empty(),
        "{:?}",
        cluster.unreadable()
    );
}

#[test]
fn recommended_emission_verdicts() {
    let cluster = Cluster::from_objects(objects());
    let checkout = Pod::new("c", "shop")
        .label("app", "checkout")
        .account("checkout");
    let cart = Pod::new("cart", "shop").label("app", "cart");
    let payments = Pod::new("p", "payments").label("app", "payments");
    let public = Pod::new("pub", "payments").label("app", "public");
    let invoicer = Pod::new("i", "billing").account("invoicer");
    let other_billing = Pod::new("o", "billing");
    let web = Pod::new("w", "web");
    let prometheus = Pod::new("prom", "monitoring");
    let dns = Pod::new("dns", "kube-system").label("k8s-app", "kube-dns");
    let istiod = Pod::new("istiod", "istio-system").label("app", "istiod");
    let postgres = Pod::new("pg", "db").label("app", "postgres");
    let pod = Endpoint::Pod;

    // (a) everything closed both ways, in both namespaces.
    for p in [&checkout, &cart, &payments] {
        assert!(cluster.isolated(p, Direction::Ingress) && cluster.isolated(p, Direction::Egress));
    }
    assert!(!cluster.ingress_allows(&cart, pod(&checkout), 8080, TCP));
    assert!(!cluster.egress_allows(&payments, ip("1.2.3.4"), 443, TCP));
    // (b) DNS and istiod from every pod of shop.
    assert!(cluster.egress_allows(&cart, pod(&dns), 53, UDP));
    assert!(cluster.egress_allows(&cart, pod(&dns), 53, TCP));
    assert!(!cluster.egress_allows(&cart, pod(&dns), 54, UDP));
    assert!(cluster.egress_allows(&cart, pod(&istiod), 15012, TCP));
    assert!(!cluster.egress_allows(&cart, pod(&istiod), 15010, TCP));
    // (c) by namespace and service account.
    assert!(cluster.ingress_allows(&payments, pod(&checkout), 8080, TCP));
    assert!(!cluster.ingress_allows(&payments, pod(&cart), 8080, TCP));
    assert!(cluster.ingress_allows(&payments, pod(&invoicer), 8080, TCP));
    assert!(!cluster.ingress_allows(&payments, pod(&other_billing), 8080, TCP));
    assert!(!cluster.ingress_allows(&payments, pod(&checkout), 8081, TCP));
    // (d) anyone, pods and outside.
    assert!(cluster.ingress_allows(&public, pod(&web), 8080, TCP));
    assert!(cluster.ingress_allows(&public, ip("198.51.100.1"), 8080, TCP));
    assert!(!cluster.ingress_allows(&public, ip("198.51.100.1"), 8081, TCP));
    // (e) a namespace.
    assert!(cluster.ingress_allows(&payments, pod(&web), 9000, TCP));
    assert!(!cluster.ingress_allows(&payments, pod(&prometheus), 9000, TCP));
    // (f) scraping.
    assert!(cluster.ingress_allows(&cart, pod(&prometheus), 15020, TCP));
    assert!(cluster.ingress_allows(&cart, pod(&prometheus), 15090, TCP));
    assert!(!cluster.ingress_allows(&cart, pod(&prometheus), 8080, TCP));
    assert!(!cluster.ingress_allows(&cart, pod(&web), 15020, TCP));
    // (g) a workload elsewhere.
    assert!(cluster.egress_allows(&checkout, pod(&postgres), 5432, TCP));
    assert!(!cluster.egress_allows(&cart, pod(&postgres), 5432, TCP));
    // (h) a CIDR with except.
    assert!(cluster.egress_allows(&checkout, ip("203.0.113.5"), 443, TCP));
    assert!(!cluster.egress_allows(&checkout, ip("203.0.113.200"), 443, TCP));
    // (i) FQDNs, learned through (b)'s DNS proxy.
    let name = |n| Endpoint::Name(n, "198.51.100.9".parse().unwrap());
    assert!(cluster.egress_allows(&checkout, name("api.example.com"), 443, TCP));
    assert!(cluster.egress_allows(&checkout, name("eu.storage.example.com"), 443, TCP));
    assert!(!cluster.egress_allows(&checkout, name("a.eu.storage.example.com"), 443, TCP));
    assert!(!cluster.egress_allows(&checkout, ip("198.51.100.9"), 443, TCP));
    assert!(!cluster.egress_allows(&cart, name("api.example.com"), 443, TCP));
}
