//! Changes to what lies beyond the tree, with no `allow` line touched: an external's hosts
//! or ranges, the port numbers of externals and workloads, the mesh's `cluster-cidrs` and
//! `sidecar-scoping` and `network`. Each moves what an unchanged grant admits, so each is
//! reported as an identity change with the direction it moves access in.
//!
//! `cluster-cidrs` bounds the L4 side of every `host` external (NetworkPolicy admits every
//! address outside it): a smaller range admits more outside addresses (widens), a larger
//! one fewer (narrows), unset admits every address (in-cluster ones too). It is reported
//! only when both sides have a `host` external: otherwise it bounds nothing. Turning
//! `sidecar-scoping` off widens: no Sidecar then scopes a proxy, and Istio's default lets
//! every proxy reach every host. `network cilium` narrows where a `host` external exists
//! (its hosts are then admitted by name, not every outside address), and is neutral
//! otherwise; back to `kubernetes` widens.

use super::change::{Change, Effect, IdentityChange};
use super::model::Model;
use crate::ir::{Cidr, Dataplane, Destination, Network, Port};
use std::collections::BTreeMap;

fn push(
    out: &mut Vec<Change>,
    effect: Effect,
    subject: String,
    field: &str,
    old: String,
    new: String,
) {
    out.push(Change::Identity(IdentityChange {
        effect,
        subject,
        field: field.to_string(),
        old,
        new,
    }));
}

/// Every change of this kind from OLD to NEW.
pub(crate) fn outside_changes(old: Model<'_>, new: Model<'_>, out: &mut Vec<Change>) {
    let (a, b) = (&old.mesh.settings, &new.mesh.settings);
    // The ranges bound only `host` externals; a new or removed one is its grants' change.
    let hosts = |m: &crate::ir::Mesh| {
        m.externals
            .iter()
            .any(|e| matches!(e.destination, Destination::Hosts(_)))
    };
    let bounds = hosts(old.mesh) && hosts(new.mesh);
    if bounds && sorted(&a.cluster_cidrs) != sorted(&b.cluster_cidrs) {
        // Outside the cluster grows exactly when the cluster's ranges shrink.
        let effect = match (
            covered_all(&b.cluster_cidrs, &a.cluster_cidrs),
            covered_all(&a.cluster_cidrs, &b.cluster_cidrs),
        ) {
            (true, true) => Effect::Neutral,
            (false, true) => Effect::Narrows,
            _ => Effect::Widens,
        };
        push(
            out,
            effect,
            "mesh".into(),
            "cluster-cidrs",
            cidrs_text(&a.cluster_cidrs),
            cidrs_text(&b.cluster_cidrs),
        );
    }
    if a.sidecar_scoping != b.sidecar_scoping {
        let effect = if b.sidecar_scoping {
            Effect::Narrows
        } else {
            Effect::Widens
        };
        let word = |on: bool| if on { "on" } else { "off" }.to_string();
        push(
            out,
            effect,
            "mesh".into(),
            "sidecar-scoping",
            word(a.sidecar_scoping),
            word(b.sidecar_scoping),
        );
    }
    if a.network != b.network {
        // CiliumNetworkPolicy admits a `host` external by name where NetworkPolicy opens
        // the port toward every outside address; everything else means the same.
        let effect = match (hosts(old.mesh) || hosts(new.mesh), b.network) {
            (false, _) => Effect::Neutral,
            (true, Network::Cilium) => Effect::Narrows,
            (true, Network::Kubernetes) => Effect::Widens,
        };
        let word = |n: Network| match n {
            Network::Kubernetes => "kubernetes",
            Network::Cilium => "cilium",
        };
        push(
            out,
            effect,
            "mesh".into(),
            "network",
            word(a.network).into(),
            word(b.network).into(),
        );
    }
    if a.dataplane != b.dataplane {
        // Same verdicts on either data plane (the self-check proves each build against the
        // intents); only the objects and the path change. Sidecar scoping, which ambient
        // turns off, is reported on its own line above.
        let word = |d: Dataplane| match d {
            Dataplane::Sidecar => "sidecar",
            Dataplane::Ambient => "ambient",
        };
        push(
            out,
            Effect::Neutral,
            "mesh".into(),
            "dataplane",
            word(a.dataplane).into(),
            word(b.dataplane).into(),
        );
    }
    let before: BTreeMap<&str, _> = old
        .mesh
        .externals
        .iter()
        .map(|e| (e.name.as_str(), e))
        .collect();
    for now in &new.mesh.externals {
        let Some(was) = before.get(now.name.as_str()) else {
            continue;
        };
        let subject = format!("external:{}", now.name);
        destination_change(out, &subject, &was.destination, &now.destination);
        port_changes(out, &subject, &was.ports, &now.ports);
    }
    for now in &new.mesh.workloads {
        let id = &now.identity;
        let was = old
            .mesh
            .workloads
            .iter()
            .find(|w| w.identity.name == id.name && w.identity.namespace == id.namespace);
        if let Some(was) = was {
            let subject = format!("{}.{}", id.name, id.namespace);
            port_changes(out, &subject, &was.ports, &now.ports);
        }
    }
}

fn destination_change(out: &mut Vec<Change>, subject: &str, was: &Destination, now: &Destination) {
    match (was, now) {
        (Destination::Hosts(a), Destination::Hosts(b)) => {
            if sorted(a) == sorted(b) {
                return;
            }
            let narrower = b.iter().all(|h| a.iter().any(|g| host_covers(g, h)));
            let effect = if narrower {
                Effect::Narrows
            } else {
                Effect::Widens
            };
            push(
                out,
                effect,
                subject.into(),
                "host",
                a.join(", "),
                b.join(", "),
            );
        }
        (Destination::Cidrs(a), Destination::Cidrs(b)) => {
            if sorted(a) == sorted(b) {
                return;
            }
            let effect = if covered_all(b, a) {
                Effect::Narrows
            } else {
                Effect::Widens
            };
            push(
                out,
                effect,
                subject.into(),
                "cidr",
                cidrs_text(a),
                cidrs_text(b),
            );
        }
        _ => push(
            out,
            Effect::Widens,
            subject.into(),
            "destination",
            destination_text(was),
            destination_text(now),
        ),
    }
}

/// A port keeping its name but not its number opens another port to every grant on it.
fn port_changes(out: &mut Vec<Change>, subject: &str, was: &[Port], now: &[Port]) {
    for port in now {
        if let Some(p) = was.iter().find(|p| p.name == port.name) {
            if p.target != port.target {
                push(
                    out,
                    Effect::Widens,
                    format!("{subject}:{}", port.name),
                    "target port",
                    p.target.to_string(),
                    port.target.to_string(),
                );
            }
        }
    }
}

fn sorted<T: Ord + Clone>(items: &[T]) -> Vec<T> {
    let mut v = items.to_vec();
    v.sort();
    v.dedup();
    v
}

fn cidrs_text(cidrs: &[Cidr]) -> String {
    if cidrs.is_empty() {
        return "(unset)".to_string();
    }
    cidrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn destination_text(d: &Destination) -> String {
    match d {
        Destination::Hosts(h) => format!("host {}", h.join(", ")),
        Destination::Cidrs(c) => format!("cidr {}", cidrs_text(c)),
    }
}

/// Whether host pattern G matches every name H matches (`*.a.com` covers `b.a.com` and
/// `*.b.a.com`, any depth, as Istio matches wildcards).
fn host_covers(g: &str, h: &str) -> bool {
    g == h
        || g.strip_prefix('*')
            .is_some_and(|suffix| h.strip_prefix('*').unwrap_or(h).ends_with(suffix))
}

/// Whether every address of the ranges INNER lies in some range of OUTER.
pub(crate) fn covered_all(inner: &[Cidr], outer: &[Cidr]) -> bool {
    inner.iter().all(|c| covered(c, outer))
}

/// Whether every address of C lies in some range of OUTER: ranges nest or are disjoint,
/// so C is covered when one range holds it, or when both its halves are covered.
fn covered(c: &Cidr, outer: &[Cidr]) -> bool {
    if outer
        .iter()
        .any(|o| o.prefix <= c.prefix && o.contains(c.address))
    {
        return true;
    }
    if c.prefix >= c.bits() || !outer.iter().any(|o| c.strictly_contains(o)) {
        return false;
    }
    let (low, high) = halves(c);
    covered(&low, outer) && covered(&high, outer)
}

/// The two ranges one bit narrower than C.
fn halves(c: &Cidr) -> (Cidr, Cidr) {
    let prefix = c.prefix + 1;
    let bit = u32::from(c.bits() - prefix);
    let high = match c.address {
        std::net::IpAddr::V4(a) => {
            std::net::IpAddr::V4(std::net::Ipv4Addr::from(u32::from(a) | (1u32 << bit)))
        }
        std::net::IpAddr::V6(a) => {
            std::net::IpAddr::V6(std::net::Ipv6Addr::from(u128::from(a) | (1u128 << bit)))
        }
    };
    (
        Cidr {
            address: c.address,
            prefix,
        },
        Cidr {
            address: high,
            prefix,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str) -> Cidr {
        let (a, p) = text.split_once('/').expect("cidr");
        Cidr {
            address: a.parse().expect("address"),
            prefix: p.parse().expect("prefix"),
        }
    }

    #[test]
    fn ranges_cover_by_nesting_or_by_halves() {
        assert!(covered(&c("10.1.0.0/16"), &[c("10.0.0.0/8")]));
        assert!(!covered(&c("10.0.0.0/8"), &[c("10.1.0.0/16")]));
        assert!(covered(
            &c("10.0.0.0/8"),
            &[c("10.0.0.0/9"), c("10.128.0.0/9")]
        ));
        assert!(!covered(
            &c("10.0.0.0/8"),
            &[c("10.0.0.0/9"), c("10.128.0.0/10")]
        ));
        assert!(!covered(&c("fd00::/8"), &[c("10.0.0.0/8")]));
        assert!(covered(&c("fd00::/8"), &[c("::/0")]));
        assert!(covered_all(&[], &[]));
        assert!(!covered_all(&[c("10.0.0.0/8")], &[]));
    }

    #[test]
    fn wildcard_hosts_cover_any_depth() {
        assert!(host_covers("*.a.com", "b.a.com"));
        assert!(host_covers("*.a.com", "*.b.a.com"));
        assert!(!host_covers("*.a.com", "a.com"));
        assert!(!host_covers("b.a.com", "*.a.com"));
    }
}
