//! `meshward connectivity PATH...`: every connection anyone's YAML admits between
//! workloads, and between workloads and addresses outside the cluster, at L4, with what
//! the AuthorizationPolicies leave of it at L7.
//!
//! The verdicts are the evaluator's (`crate::evaluate`), on the policies the input holds
//! (`crate::inventory` reads them); nothing of meshward's own model is involved. Ports are
//! asked once per piece of the port space that the policies' port numbers, ranges and
//! named ports cut it into, so a pair costs a few questions, not 65,535. Addresses outside
//! the cluster are asked once per piece of the address space the `ipBlock`s and CIDRs cut
//! it into (`ranges.rs`). Listing conventions (naming, sorting, merging) are cli.md's, so
//! the answer compares line by line with other analysers of the same YAML.

mod candidates;
mod explain;
mod listing;
pub(crate) mod ranges;
#[cfg(test)]
mod tests;
mod text;

pub use explain::explain_cluster;
pub use listing::{Connection, Connectivity, ProtocolPorts};
pub use text::render_text;

use crate::evaluate::{
    Cluster, Direction, Endpoint, Peer, Pod, PodView, PortValue, Request, ServiceInfo, Transport,
};
use crate::inventory::{Inventory, Workload};
use std::collections::BTreeSet;

const PROTOCOLS: [(Transport, &str); 3] = [
    (Transport::Tcp, "TCP"),
    (Transport::Udp, "UDP"),
    (Transport::Sctp, "SCTP"),
];

/// Where the port space is cut for the rules of VIEW's policies in DIRECTION, and of
/// OTHER's in the other direction: every number, range end and named port they hold.
fn cuts(views: &[(&PodView, Direction)], named_on: Option<&Pod>) -> BTreeSet<u32> {
    let mut out: BTreeSet<u32> = [1, 65536].into();
    for (view, direction) in views {
        for policy in view.isolating(*direction) {
            let (allow, deny) = match direction {
                Direction::Ingress => (&policy.ingress, &policy.deny_ingress),
                Direction::Egress => (&policy.egress, &policy.deny_egress),
            };
            for entry in allow.iter().chain(deny).flat_map(|r| &r.ports) {
                match &entry.port {
                    PortValue::Number { start, end, .. } => {
                        for n in [*start, end.saturating_add(1)] {
                            if let Ok(n) = u32::try_from(n) {
                                out.insert(n.clamp(1, 65536));
                            }
                        }
                    }
                    PortValue::Named(name) => {
                        if let Some(&n) = named_on.and_then(|p| p.named_ports.get(name)) {
                            out.insert(u32::from(n));
                            out.insert(u32::from(n) + 1);
                        }
                    }
                    PortValue::Any | PortValue::Invalid => {}
                }
            }
        }
    }
    out
}

/// The admitted ports of each protocol, asking ADMITS once per piece of CUTS.
fn admitted(cuts: &BTreeSet<u32>, admits: impl Fn(Transport, u16) -> bool) -> Vec<ProtocolPorts> {
    let cuts: Vec<u32> = cuts.iter().copied().collect();
    let mut out = Vec::new();
    for (proto, name) in PROTOCOLS {
        let mut ports: Vec<[u16; 2]> = Vec::new();
        for pair in cuts.windows(2) {
            let (start, end) = (pair[0], pair[1] - 1);
            let (Ok(start), Ok(end)) = (u16::try_from(start), u16::try_from(end)) else {
                continue;
            };
            if start == 0 || !admits(proto, start) {
                continue;
            }
            match ports.last_mut() {
                Some(last) if u32::from(last[1]) + 1 == u32::from(start) => last[1] = end,
                _ => ports.push([start, end]),
            }
        }
        if !ports.is_empty() {
            out.push(ProtocolPorts {
                protocol: name,
                ports,
            });
        }
    }
    out
}

/// What DST's AuthorizationPolicies leave of PRINCIPAL's TCP connections on L4, asked on
/// DST's data plane (a sidecar, or ambient's ztunnel and waypoint: see
/// [`Cluster::call_allowed`]).
fn l7(
    trust_domain: &str,
    view: &PodView,
    service: Option<&ServiceInfo>,
    principal: Option<&str>,
    l4: &[ProtocolPorts],
) -> &'static str {
    let Some(tcp) = l4.iter().find(|p| p.protocol == "TCP") else {
        return "all";
    };
    // Requests worth asking: a bare connection, a plain GET, and one request per path an
    // operation of the pod's policies (its sidecar's, or its waypoint's) names.
    let mut http: BTreeSet<(String, String)> = [
        ("GET".into(), "/".into()),
        ("DELETE".into(), "/meshward-probe".into()),
    ]
    .into();
    let (cluster, dst) = (view.cluster(), view.pod());
    let waypoint = service.and_then(|s| cluster.waypoint_of(s).map(|w| (w, s)));
    let at_waypoint = waypoint
        .map(|(w, s)| cluster.waypoint_policies(w, s))
        .unwrap_or_default();
    // Ports the policies name are asked too: a wide range (ambient pods' are every port,
    // HBONE carrying them all) may hold the few they admit.
    let mut named: BTreeSet<u16> = BTreeSet::new();
    for policy in view.authorization_policies().iter().chain(&at_waypoint) {
        for op in policy.rules.iter().flat_map(|r| &r.to) {
            named.extend(
                op.ports
                    .iter()
                    .flatten()
                    .filter_map(|p| p.parse::<u16>().ok()),
            );
            // Each method the operation names with each of its paths (just inside a
            // pattern), or with `/` when it names none: a rule of methods alone must be
            // asked with those methods.
            let methods = op.methods.clone().unwrap_or_else(|| vec!["GET".into()]);
            let paths: Vec<String> = match &op.paths {
                Some(ps) => ps.iter().map(|p| p.replace('*', "probe")).collect(),
                None => vec!["/".into()],
            };
            for method in &methods {
                for path in &paths {
                    http.insert((method.clone(), path.clone()));
                }
            }
        }
    }
    let (mut some, mut every) = (false, true);
    for range in &tcp.ports {
        let inside = named.range(range[0]..=range[1]).copied();
        let ports: BTreeSet<u16> = [range[0], range[1]].into_iter().chain(inside).collect();
        for port in ports {
            let base = match principal {
                Some(p) => Request::from_principal(p, port),
                None => Request::plaintext(port),
            };
            let asked = std::iter::once(base.clone())
                .chain(http.iter().map(|(m, x)| base.clone().http(m, x)));
            for req in asked {
                let ok = cluster
                    .call_allowed(dst, service, &req, trust_domain)
                    .is_allowed();
                some |= ok;
                every &= ok;
            }
        }
    }
    match (some, every) {
        (_, true) => "all",
        (true, false) => "partial",
        (false, false) => "none",
    }
}

/// Whether NetworkPolicy admits every HBONE hop of a call from SRC to ambient pod DST
/// (to the waypoint and from it, or straight to DST), on TCP 15008.
fn hbone_admitted(cluster: &Cluster, src: &Pod, dst: &Pod, service: Option<&ServiceInfo>) -> bool {
    cluster.hops(Some(src), dst, service, 1).iter().all(|hop| {
        let from = hop.source.as_ref().unwrap_or(src);
        cluster.egress_allows(from, Endpoint::Pod(&hop.target), hop.port, Transport::Tcp)
            && cluster.ingress_allows(&hop.target, Endpoint::Pod(from), hop.port, Transport::Tcp)
    })
}

/// Every connection the input admits, sorted by `from` then `to`.
pub fn connectivity(inv: &Inventory) -> Connectivity {
    compute(inv, &inv.cluster(), true)
}

/// [`connectivity`], with CLUSTER already read from INV ([`Inventory::cluster`]), for
/// callers that ask it more questions afterwards and should not hold two.
pub fn connectivity_in(inv: &Inventory, cluster: &Cluster) -> Connectivity {
    compute(inv, cluster, true)
}

/// [`connectivity`]; without PRUNE every pair of workloads is asked (what the tests hold
/// the pruned listing to).
fn compute(inv: &Inventory, cluster: &Cluster, prune: bool) -> Connectivity {
    let pods: Vec<Pod> = inv.workloads.iter().map(Workload::pod).collect();
    let views: Vec<PodView> = pods.iter().map(|p| cluster.view(p)).collect();
    // Ambient destinations are reached over HBONE (and through their waypoint): their
    // NetworkPolicies name the waypoint, not the caller, so the label index cannot
    // prune them, and every source asks them.
    let ambient: Vec<bool> = pods.iter().map(|p| cluster.ambient(p)).collect();
    let services: Vec<Option<&ServiceInfo>> = pods
        .iter()
        .map(|p| cluster.services_of(p).into_iter().next())
        .collect();
    let ambient_ones: Vec<usize> = (0..pods.len()).filter(|&j| ambient[j]).collect();
    let mut out = Vec::new();
    let index = candidates::Index::new(&inv.workloads);
    let admissible_in: Vec<Option<std::collections::BTreeSet<usize>>> = views
        .iter()
        .map(|v| index.admissible(v, Direction::Ingress))
        .collect();
    let every: Vec<usize> = (0..inv.workloads.len()).collect();
    for (i, src) in inv.workloads.iter().enumerate() {
        let principal = inv.principal(src);
        // Only the pairs both ends' policies could admit are asked.
        let egress = index
            .admissible(&views[i], Direction::Egress)
            .filter(|_| prune);
        let destinations: Vec<usize> = match &egress {
            Some(set) => {
                let mut d: BTreeSet<usize> = set.iter().copied().collect();
                d.extend(ambient_ones.iter().copied());
                d.into_iter().collect()
            }
            None => every.clone(),
        };
        for j in destinations {
            let dst = &inv.workloads[j];
            let refused = prune
                && !ambient[j]
                && admissible_in[j]
                    .as_ref()
                    .is_some_and(|set| !set.contains(&i));
            if i == j || refused {
                continue;
            }
            let cut = cuts(
                &[
                    (&views[i], Direction::Egress),
                    (&views[j], Direction::Ingress),
                ],
                Some(&pods[j]),
            );
            let hbone = ambient[j] && hbone_admitted(cluster, &pods[i], &pods[j], services[j]);
            let l4 = admitted(&cut, |proto, port| {
                if ambient[j] && proto == Transport::Tcp {
                    return hbone;
                }
                views[i].egress_allows(Endpoint::Pod(&pods[j]), port, proto)
                    && views[j].ingress_allows(Endpoint::Pod(&pods[i]), port, proto)
            });
            if l4.is_empty() {
                continue;
            }
            let l7 = l7(
                &inv.trust_domain,
                &views[j],
                services[j],
                Some(&principal),
                &l4,
            );
            out.push(Connection {
                from: src.id(),
                from_kind: src.kind.clone(),
                to: dst.id(),
                to_kind: dst.kind.clone(),
                l4,
                l7,
            });
        }
    }
    // Addresses outside the cluster, per piece of the space the policies' blocks cut.
    let blocks: Vec<String> = inv
        .policies
        .iter()
        .filter_map(|o| crate::evaluate::Cluster::read(&o.value).ok().flatten())
        .flat_map(|p| blocks_of(&p))
        .collect();
    let pieces = ranges::pieces(&blocks);
    for (i, w) in inv.workloads.iter().enumerate() {
        let egress_cut = cuts(&[(&views[i], Direction::Egress)], None);
        let ingress_cut = cuts(&[(&views[i], Direction::Ingress)], Some(&pods[i]));
        // Per piece, then merged with its neighbours where the verdicts are the same, so
        // an unrestricted pod reaches `0.0.0.0/0`, not a hundred CIDRs.
        let mut egress: Vec<(ranges::Family, u128, u128, Vec<ProtocolPorts>)> = Vec::new();
        let mut ingress: Vec<(ranges::Family, u128, u128, Vec<ProtocolPorts>)> = Vec::new();
        for &(family, first, last) in &pieces {
            let ip = family.address(first);
            let out_ports = admitted(&egress_cut, |proto, port| {
                views[i].egress_allows(Endpoint::Ip(ip), port, proto)
            });
            let in_ports = admitted(&ingress_cut, |proto, port| {
                views[i].ingress_allows(Endpoint::Ip(ip), port, proto)
            });
            for (list, ports) in [(&mut egress, out_ports), (&mut ingress, in_ports)] {
                match list.last_mut() {
                    Some(prev) if prev.0 == family && prev.2 + 1 == first && prev.3 == ports => {
                        prev.2 = last
                    }
                    _ => list.push((family, first, last, ports)),
                }
            }
        }
        for (family, first, last, ports) in egress.into_iter().filter(|e| !e.3.is_empty()) {
            for name in ranges::cidrs(family, first, last) {
                out.push(Connection {
                    from: w.id(),
                    from_kind: w.kind.clone(),
                    to: format!("ipBlock:{name}"),
                    to_kind: "IP".into(),
                    l4: ports.clone(),
                    l7: "all",
                });
            }
        }
        for (family, first, last, ports) in ingress.into_iter().filter(|e| !e.3.is_empty()) {
            let l7 = l7(&inv.trust_domain, &views[i], services[i], None, &ports);
            for name in ranges::cidrs(family, first, last) {
                out.push(Connection {
                    from: format!("ipBlock:{name}"),
                    from_kind: "IP".into(),
                    to: w.id(),
                    to_kind: w.kind.clone(),
                    l4: ports.clone(),
                    l7,
                });
            }
        }
    }
    out.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
    Connectivity { connections: out }
}

/// Every CIDR and `except` the network policies of POLICY name.
fn blocks_of(policy: &crate::evaluate::Policy) -> Vec<String> {
    let crate::evaluate::Policy::Network(np) = policy else {
        if let crate::evaluate::Policy::Cilium(nps, _) = policy {
            return nps.iter().flat_map(network_blocks).collect();
        }
        return Vec::new();
    };
    network_blocks(np)
}

fn network_blocks(np: &crate::evaluate::NetworkPolicy) -> Vec<String> {
    let rules = np
        .ingress
        .iter()
        .chain(&np.egress)
        .chain(&np.deny_ingress)
        .chain(&np.deny_egress);
    let mut out = Vec::new();
    for peer in rules.flat_map(|r| &r.peers) {
        if let Peer::IpBlock { cidr, except } = peer {
            out.extend(cidr.iter().cloned());
            out.extend(except.iter().cloned());
        }
    }
    out
}
