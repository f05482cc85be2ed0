//! Calls between the clusters of one mesh: east and central share network `net-a`, west
//! is on `net-b` behind east's east-west gateway. orders runs in east; frontends run in
//! central and west, cart in east.

use super::*;

const EAST_GATEWAY: &str = "203.0.113.10";

fn eastwest() -> Pod {
    Pod::new("eastwestgateway", "istio-system").label("istio", "eastwestgateway")
}

fn orders() -> Pod {
    Pod::new("orders", "shop")
        .label("app", "orders")
        .account("orders")
}

fn frontend() -> Pod {
    Pod::new("frontend", "web")
        .label("app", "frontend")
        .account("frontend")
}

fn cart() -> Pod {
    Pod::new("cart", "shop")
        .label("app", "cart")
        .account("cart")
}

/// orders admits cart (local), central's pods (same network, by address) and east's
/// east-west gateway (for west), on 8080; its AuthorizationPolicy names each caller in
/// its own cluster's trust domain (PRINCIPALS).
fn east(principals: &[&str], central_range: &str) -> Cluster {
    Cluster::from_objects([
        np(
            "shop",
            "orders",
            json!({"podSelector": {"matchLabels": {"app": "orders"}},
                   "policyTypes": ["Ingress"],
                   "ingress": [{"from": [
                       {"podSelector": {"matchLabels": {"app": "cart"}}},
                       {"ipBlock": {"cidr": central_range}},
                       {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-system"}},
                        "podSelector": {"matchLabels": {"istio": "eastwestgateway"}}}
                   ], "ports": [{"protocol": "TCP", "port": 8080}]}]}),
        ),
        ap(
            "shop",
            "orders",
            json!({"selector": {"matchLabels": {"app": "orders"}}, "action": "ALLOW",
                   "rules": [{"from": [{"source": {"principals": principals}}]}]}),
        ),
    ])
}

/// A frontend whose egress admits ADDRESS on PORT only.
fn caller(address: &str, port: u16) -> Cluster {
    Cluster::from_objects([np(
        "web",
        "frontend",
        json!({"podSelector": {"matchLabels": {"app": "frontend"}},
               "policyTypes": ["Egress"],
               "egress": [{"to": [{"ipBlock": {"cidr": address}}],
                           "ports": [{"protocol": "TCP", "port": port}]}]}),
    )])
}

fn member(name: &str, network: &str, range: &str, gateway: &[&str], cluster: Cluster) -> Member {
    Member {
        name: name.into(),
        network: network.into(),
        trust_domain: format!("{name}.local"),
        pod_cidrs: vec![range.into()],
        gateway: gateway.iter().map(|g| g.parse().unwrap()).collect(),
        eastwest: eastwest(),
        cluster,
    }
}

const RIGHT: [&str; 3] = [
    "east.local/ns/shop/sa/cart",
    "central.local/ns/web/sa/frontend",
    "west.local/ns/web/sa/frontend",
];

fn mesh(east: Cluster, west: Cluster) -> Federation {
    Federation {
        members: vec![
            member("east", "net-a", "10.1.0.0/16", &[EAST_GATEWAY], east),
            member(
                "central",
                "net-a",
                "10.3.0.0/16",
                &[],
                caller("10.1.0.0/16", 8080),
            ),
            member("west", "net-b", "10.2.0.0/16", &["198.51.100.7"], west),
        ],
    }
}

fn at<'a>(cluster: &'a str, pod: &'a Pod, address: &str) -> Placed<'a> {
    Placed {
        cluster,
        pod,
        address: address.parse().unwrap(),
    }
}

fn tcp(port: u16) -> Request {
    Request::plaintext(port)
}

#[test]
fn the_crossing_follows_the_networks() {
    let m = mesh(
        east(&RIGHT, "10.3.0.0/16"),
        caller("203.0.113.10/32", 15443),
    );
    assert_eq!(m.crossing("east", "east"), Some(Crossing::Local));
    assert_eq!(m.crossing("central", "east"), Some(Crossing::Direct));
    assert_eq!(m.crossing("west", "east"), Some(Crossing::Gateway));
    assert_eq!(m.crossing("north", "east"), None);
}

#[test]
fn same_network_goes_pod_to_pod_by_address() {
    let m = mesh(
        east(&RIGHT, "10.3.0.0/16"),
        caller("203.0.113.10/32", 15443),
    );
    let (f, o) = (frontend(), orders());
    let (a, b) = (at("central", &f, "10.3.4.5"), at("east", &o, "10.1.2.3"));
    let legs = m.legs(&a, &b, 8080).unwrap();
    assert_eq!(legs.len(), 2);
    assert!(legs.iter().all(|l| l.allowed), "{legs:#?}");
    assert_eq!(legs[0].cluster, "central");
    assert!(legs[1].what.contains("from 10.3.4.5"));
    assert!(m.request_allowed(&a, &b, &tcp(8080)).unwrap().is_allowed());
    // Another port: central's egress admits 8080 only.
    assert!(!m.connects(&a, &b, 9090).unwrap());
}

#[test]
fn other_networks_go_through_the_destinations_east_west_gateway() {
    let m = mesh(
        east(&RIGHT, "10.3.0.0/16"),
        caller("203.0.113.10/32", 15443),
    );
    let (f, o) = (frontend(), orders());
    let (a, b) = (at("west", &f, "10.2.0.9"), at("east", &o, "10.1.2.3"));
    let legs = m.legs(&a, &b, 8080).unwrap();
    assert_eq!(legs.len(), 3, "{legs:#?}");
    assert!(legs[0].what.contains("203.0.113.10:15443"));
    assert!(legs.iter().all(|l| l.allowed), "{legs:#?}");
    // The principal is west's own, end to end.
    assert_eq!(
        m.principal(&a).as_deref(),
        Some("west.local/ns/web/sa/frontend")
    );
    assert!(m.request_allowed(&a, &b, &tcp(8080)).unwrap().is_allowed());
}

#[test]
fn a_gateway_path_missing_at_the_caller_cuts_it_off() {
    // west's egress admits the gateway on the target port, not on 15443.
    let m = mesh(east(&RIGHT, "10.3.0.0/16"), caller("203.0.113.10/32", 8080));
    let (f, o) = (frontend(), orders());
    let (a, b) = (at("west", &f, "10.2.0.9"), at("east", &o, "10.1.2.3"));
    let legs = m.legs(&a, &b, 8080).unwrap();
    assert!(!legs[0].allowed && legs[1..].iter().all(|l| l.allowed));
    assert!(!m.connects(&a, &b, 8080).unwrap());
}

#[test]
fn a_principal_in_the_wrong_trust_domain_is_refused() {
    let wrong = [RIGHT[0], RIGHT[1], "east.local/ns/web/sa/frontend"];
    let m = mesh(
        east(&wrong, "10.3.0.0/16"),
        caller("203.0.113.10/32", 15443),
    );
    let (f, o) = (frontend(), orders());
    let (a, b) = (at("west", &f, "10.2.0.9"), at("east", &o, "10.1.2.3"));
    assert!(m.connects(&a, &b, 8080).unwrap());
    assert!(!m.request_allowed(&a, &b, &tcp(8080)).unwrap().is_allowed());
    // A pod of east with that account would be admitted instead: the domain tells them apart.
    let c = cart();
    let east_frontend = at("east", &f, "10.1.9.9");
    assert!(m
        .request_allowed(&east_frontend, &b, &tcp(8080))
        .unwrap()
        .is_allowed());
    assert!(m
        .request_allowed(&at("east", &c, "10.1.7.7"), &b, &tcp(8080))
        .unwrap()
        .is_allowed());
}

#[test]
fn a_widened_pod_range_admits_pods_of_other_clusters_directly() {
    // 10.0.0.0/8 holds west's range too: a west pod routed directly would get in.
    let exact = mesh(
        east(&RIGHT, "10.3.0.0/16"),
        caller("203.0.113.10/32", 15443),
    );
    let wide = mesh(east(&RIGHT, "10.0.0.0/8"), caller("203.0.113.10/32", 15443));
    let o = orders();
    let from = ip("10.2.0.9");
    for (m, admits) in [(&exact, false), (&wide, true)] {
        let east = &m.member("east").unwrap().cluster;
        assert_eq!(east.ingress_allows(&o, from, 8080, Transport::Tcp), admits);
    }
}

#[test]
fn unknown_clusters_and_addresses_outside_their_ranges_are_errors() {
    let m = mesh(
        east(&RIGHT, "10.3.0.0/16"),
        caller("203.0.113.10/32", 15443),
    );
    let (f, o) = (frontend(), orders());
    let b = at("east", &o, "10.1.2.3");
    assert!(m.legs(&at("north", &f, "10.9.0.1"), &b, 8080).is_err());
    let err = m.legs(&at("west", &f, "10.1.0.9"), &b, 8080).unwrap_err();
    assert!(
        err.contains("not in the pod ranges of cluster west"),
        "{err}"
    );
    // A call toward west, on another network, needs west's gateway: it has one. Toward
    // central (no gateway) from west, it is an error.
    let central = at("central", &o, "10.3.0.1");
    let err = m
        .legs(&at("west", &f, "10.2.0.9"), &central, 8080)
        .unwrap_err();
    assert!(err.contains("no east-west gateway"), "{err}");
}
