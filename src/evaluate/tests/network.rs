//! NetworkPolicy: isolation, peers, ports, `ipBlock`, and the grid the self-check asks.

use super::*;

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
    assert!(cluster.ingress_allows(&dst, src, 4242, Transport::Sctp));
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
    let ports: Vec<(Transport, u16)> = [80, 81, 8000, 8010, 8011, 9102, 9999, 53, 8080, 8081]
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
