//! NetworkPolicy egress to addresses outside the pods: `ipBlock` with `except`, IPv4 and
//! IPv6, never across families.

use super::*;

fn egress_to(blocks: Value) -> Cluster {
    Cluster::from_objects([np(
        "x",
        "out",
        json!({"podSelector": {}, "policyTypes": ["Egress"],
               "egress": [{"to": blocks, "ports": [{"port": 443}]}]}),
    )])
}

#[test]
fn everywhere_except_the_cluster_admits_outside_addresses_only() {
    let cluster = egress_to(json!([{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}]));
    let a = Pod::new("a", "x");
    assert!(cluster.egress_allows(&a, ip("8.8.8.8"), 443, TCP));
    assert!(!cluster.egress_allows(&a, ip("10.1.2.3"), 443, TCP));
    // The edges of the except block.
    assert!(!cluster.egress_allows(&a, ip("10.0.0.0"), 443, TCP));
    assert!(!cluster.egress_allows(&a, ip("10.255.255.255"), 443, TCP));
    assert!(cluster.egress_allows(&a, ip("11.0.0.0"), 443, TCP));
    assert!(cluster.egress_allows(&a, ip("9.255.255.255"), 443, TCP));
    // Port and protocol still apply.
    assert!(!cluster.egress_allows(&a, ip("8.8.8.8"), 80, TCP));
    assert!(!cluster.egress_allows(&a, ip("8.8.8.8"), 443, UDP));
}

#[test]
fn an_ipv4_block_never_holds_an_ipv6_address_nor_the_reverse() {
    let v4 = egress_to(json!([{"ipBlock": {"cidr": "0.0.0.0/0"}}]));
    let a = Pod::new("a", "x");
    assert!(v4.egress_allows(&a, ip("1.2.3.4"), 443, TCP));
    assert!(!v4.egress_allows(&a, ip("2001:db8::1"), 443, TCP));
    // An IPv4-mapped IPv6 address is IPv6 to the policy.
    assert!(!v4.egress_allows(&a, ip("::ffff:1.2.3.4"), 443, TCP));

    let v6 = egress_to(json!([{"ipBlock": {"cidr": "::/0"}}]));
    assert!(v6.egress_allows(&a, ip("2001:db8::1"), 443, TCP));
    assert!(!v6.egress_allows(&a, ip("1.2.3.4"), 443, TCP));

    let both =
        egress_to(json!([{"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "::/0"}}]));
    assert!(both.egress_allows(&a, ip("1.2.3.4"), 443, TCP));
    assert!(both.egress_allows(&a, ip("2001:db8::1"), 443, TCP));
}

#[test]
fn ipv6_blocks_and_excepts_match_exactly() {
    let cluster = egress_to(json!([{"ipBlock": {"cidr": "2001:db8::/32",
                                                 "except": ["2001:db8:ff::/48"]}}]));
    let a = Pod::new("a", "x");
    assert!(cluster.egress_allows(&a, ip("2001:db8::1"), 443, TCP));
    assert!(cluster.egress_allows(&a, ip("2001:db8:fe:ffff::1"), 443, TCP));
    assert!(!cluster.egress_allows(&a, ip("2001:db8:ff::1"), 443, TCP));
    assert!(!cluster.egress_allows(&a, ip("2001:db8:ff:ffff:ffff:ffff:ffff:ffff"), 443, TCP));
    assert!(!cluster.egress_allows(&a, ip("2001:db9::1"), 443, TCP));
}

#[test]
fn an_except_excludes_from_its_own_block_only() {
    // Peers OR: an address excepted from one block is still admitted by another.
    let cluster = egress_to(json!([
        {"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}},
        {"ipBlock": {"cidr": "10.1.0.0/16"}}]));
    let a = Pod::new("a", "x");
    assert!(cluster.egress_allows(&a, ip("10.1.2.3"), 443, TCP));
    assert!(!cluster.egress_allows(&a, ip("10.2.0.1"), 443, TCP));
}

#[test]
fn exact_addresses_and_malformed_prefixes() {
    let a = Pod::new("a", "x");
    let host = egress_to(json!([{"ipBlock": {"cidr": "203.0.113.7/32"}},
                                {"ipBlock": {"cidr": "2001:db8::7/128"}}]));
    assert!(host.egress_allows(&a, ip("203.0.113.7"), 443, TCP));
    assert!(!host.egress_allows(&a, ip("203.0.113.8"), 443, TCP));
    assert!(host.egress_allows(&a, ip("2001:db8::7"), 443, TCP));
    assert!(!host.egress_allows(&a, ip("2001:db8::8"), 443, TCP));
    // A prefix that does not parse holds nothing, not the bare address.
    for cidr in [
        "203.0.113.7/x",
        "203.0.113.7/33",
        "203.0.113.7/+32",
        "2001:db8::7/129",
        "nonsense/8",
    ] {
        let ip_ = "203.0.113.7".parse().unwrap();
        assert!(!cidr_contains(cidr, ip_), "{cidr}");
    }
    // Host bits after the prefix are ignored.
    assert!(cidr_contains(
        "192.168.0.5/24",
        "192.168.0.200".parse().unwrap()
    ));
    // A pod is never an address.
    let pod = Pod::new("b", "y");
    assert!(
        !egress_to(json!([{"ipBlock": {"cidr": "0.0.0.0/0"}}])).egress_allows(
            &a,
            Endpoint::Pod(&pod),
            443,
            TCP
        )
    );
}
