//! Cilium `toFQDNs`: names and patterns, and the DNS proxy rule without which Cilium
//! never learns the address a name stands for.

use super::cilium::all_pods;
use super::*;

/// A namespace's DNS egress with the DNS-proxy rule (as docs/cilium.md writes it), with PATTERN.
fn dns_rule(pattern: Value) -> Value {
    json!({"toEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system",
                                             "k8s:k8s-app": "kube-dns"}}],
           "toPorts": [{"ports": [{"port": "53", "protocol": "UDP"}],
                        "rules": {"dns": [pattern]}}]})
}

fn fqdn_cluster(fqdns: Value, dns: Value) -> Cluster {
    Cluster::from_objects([all_pods(
        "web",
        "fqdn",
        json!({"egress": [dns_rule(dns),
            {"toFQDNs": fqdns, "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]}]}),
    )])
}

fn name(n: &str) -> Endpoint<'_> {
    Endpoint::Name(n, "203.0.113.7".parse().unwrap())
}

#[test]
fn fqdn_match_name_is_case_insensitive_and_ignores_the_trailing_dot() {
    let cluster = fqdn_cluster(
        json!([{"matchName": "API.example.com."}]),
        json!({"matchPattern": "*"}),
    );
    let front = web_pod();
    assert!(cluster.egress_allows(&front, name("api.example.com"), 443, TCP));
    assert!(cluster.egress_allows(&front, name("Api.Example.COM."), 443, TCP));
    assert!(!cluster.egress_allows(&front, name("api.example.com"), 80, TCP));
    assert!(!cluster.egress_allows(&front, name("x.api.example.com"), 443, TCP));
    // The bare address is never a toFQDNs match.
    assert!(!cluster.egress_allows(&front, ip("203.0.113.7"), 443, TCP));
    assert!(cluster.notes().is_empty(), "{:?}", cluster.notes());
}

#[test]
fn fqdn_pattern_star_stays_in_one_label() {
    let cluster = fqdn_cluster(
        json!([{"matchPattern": "*.example.com"}, {"matchPattern": "sub*.io"}]),
        json!({"matchPattern": "*"}),
    );
    let front = web_pod();
    assert!(cluster.egress_allows(&front, name("a.example.com"), 443, TCP));
    assert!(cluster.egress_allows(&front, name("A_b-1.EXAMPLE.com"), 443, TCP));
    assert!(!cluster.egress_allows(&front, name("a.b.example.com"), 443, TCP));
    assert!(!cluster.egress_allows(&front, name("example.com"), 443, TCP));
    assert!(cluster.egress_allows(&front, name("sub.io"), 443, TCP));
    assert!(cluster.egress_allows(&front, name("subway.io"), 443, TCP));
    assert!(!cluster.egress_allows(&front, name("a.sub.io"), 443, TCP));

    let every = fqdn_cluster(json!([{"matchPattern": "*"}]), json!({"matchPattern": "*"}));
    assert!(every.egress_allows(&front, name("a.b.c.d"), 443, TCP));

    let double = fqdn_cluster(
        json!([{"matchPattern": "**.example.com"}]),
        json!({"matchPattern": "*"}),
    );
    assert!(double.egress_allows(&front, name("a.example.com"), 443, TCP));
    assert!(!double.egress_allows(&front, name("a.b.example.com"), 443, TCP));
    assert!(double.notes().iter().any(|n| n.contains("**.")));
}

#[test]
fn fqdn_admits_nothing_without_a_dns_proxy_rule_for_the_name() {
    let front = web_pod();
    let narrow = fqdn_cluster(
        json!([{"matchName": "api.example.com"}]),
        json!({"matchName": "other.example.com"}),
    );
    assert!(!narrow.egress_allows(&front, name("api.example.com"), 443, TCP));
    assert!(!narrow.egress_allows(&front, name("other.example.com"), 443, TCP));

    let no_dns = Cluster::from_objects([all_pods(
        "web",
        "fqdn",
        json!({"egress": [{"toFQDNs": [{"matchName": "api.example.com"}]}]}),
    )]);
    assert!(!no_dns.egress_allows(&front, name("api.example.com"), 443, TCP));

    // The DNS rule may come from another policy selecting the pod.
    let dns = all_pods(
        "web",
        "dns",
        json!({"egress": [dns_rule(json!({"matchPattern": "*.example.com"}))]}),
    );
    let fqdn = all_pods(
        "web",
        "fqdn",
        json!({"egress": [{"toFQDNs": [{"matchName": "api.example.com"}]}]}),
    );
    let cluster = Cluster::from_objects([dns, fqdn]);
    assert!(cluster.egress_allows(&front, name("api.example.com"), 443, TCP));
    let view = cluster.view(&front);
    assert!(view.dns_proxied("api.example.com"));
    assert!(!view.dns_proxied("example.org"));
    assert_eq!(
        view.admitting(Direction::Egress, name("api.example.com"), 443, TCP),
        ["web/fqdn"]
    );
    assert_eq!(
        view.l4_grid(
            Direction::Egress,
            &[name("api.example.com"), ip("203.0.113.7")],
            &[(TCP, 443)]
        ),
        [true, false]
    );
}
