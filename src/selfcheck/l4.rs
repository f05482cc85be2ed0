//! L4: the NetworkPolicies admit exactly what the intents allow, as ingress at every
//! destination and as egress of every source, on every port worth asking about.

use super::expected::{Admitted, Grants, SCRAPE_PORTS};
use super::probes::{ProbeId, Universe, OUTSIDE};
use super::report::{verdict, Report};
use crate::evaluate::{Direction, Endpoint, Entity, Peer, PodView, PortValue, Transport};
use std::collections::BTreeSet;

/// Every port worth asking about at a destination: those the intents declare, the scrape
/// ports, every port and range bound that its ingress rules name, and one port nobody
/// named, over TCP and UDP. A rule that widened to another port or protocol shows up here.
pub(crate) fn probe_ports(view: &PodView, declared: &[u16]) -> Vec<(Transport, u16)> {
    let mut ports: BTreeSet<(Transport, u16)> =
        declared.iter().map(|&p| (Transport::Tcp, p)).collect();
    ports.extend(SCRAPE_PORTS.map(|p| (Transport::Tcp, p)));
    let rules = view
        .isolating(Direction::Ingress)
        .iter()
        .flat_map(|policy| &policy.ingress);
    for entry in rules.flat_map(|rule| &rule.ports) {
        if let PortValue::Number { start, end, .. } = entry.port {
            let proto = entry.protocol.unwrap_or(Transport::Tcp);
            for n in [start, end] {
                if let Ok(n) = u16::try_from(n) {
                    ports.insert((proto, n));
                }
            }
        }
    }
    let named: BTreeSet<u16> = ports.iter().map(|(_, p)| *p).collect();
    if let Some(unused) = (1..=u16::MAX).find(|p| !named.contains(p)) {
        ports.insert((Transport::Tcp, unused));
        ports.insert((Transport::Udp, unused));
    }
    ports.into_iter().collect()
}

/// How the network layer is called in messages: the kind of the policies that isolate
/// the pod of VIEW (a pod nobody isolates is asked about NetworkPolicy's absence).
pub(crate) fn layer_kind(view: &PodView) -> &'static str {
    let cilium = [Direction::Ingress, Direction::Egress]
        .iter()
        .flat_map(|&d| view.isolating(d))
        .any(|p| p.cilium);
    if cilium {
        "CiliumNetworkPolicy"
    } else {
        "NetworkPolicy"
    }
}

/// L4 ingress at one destination on every probe port: exactly WANT(protocol, port).
pub(crate) fn ingress(
    to: &str,
    view: &PodView,
    ports: &[(Transport, u16)],
    want: impl Fn(Transport, u16) -> Admitted,
    u: &Universe,
    report: &mut Report,
) {
    let mut candidates = BTreeSet::new();
    let mut unlimited = view.isolating(Direction::Ingress).is_empty();
    for policy in view.isolating(Direction::Ingress) {
        for rule in &policy.ingress {
            // Empty, `from` admits every source.
            unlimited |= rule.peers.is_empty();
            for peer in &rule.peers {
                unlimited |= !u.candidates(peer, &policy.namespace, &mut candidates);
            }
        }
    }
    // One grid for every source and port: the outside address first, then the candidates.
    let candidates: Vec<ProbeId> = candidates.into_iter().collect();
    let sources: Vec<Endpoint> = std::iter::once(Endpoint::Ip(OUTSIDE))
        .chain(candidates.iter().map(|&c| Endpoint::Pod(&u.probes[c].pod)))
        .collect();
    let grid = view.l4_grid(Direction::Ingress, &sources, ports);
    let admits = |source: usize, port: usize| grid[source * ports.len() + port];
    for (k, &(proto, port)) in ports.iter().enumerate() {
        let want = want(proto, port);
        let outside = admits(0, k);
        let got = if unlimited && outside {
            Admitted::All
        } else {
            Admitted::Some(
                candidates
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| admits(i + 1, k))
                    .map(|(_, &c)| c)
                    .collect(),
            )
        };
        if want == got {
            continue;
        }
        let to = format!("{to}:{port}/{proto:?}");
        let kind = layer_kind(view);
        match (&want, &got) {
            (Admitted::All, _) => report.push(format!("L4 ingress to {to} from outside the cluster: intent allows (`anyone`), {kind} denies")),
            (_, Admitted::All) => report.push(format!("L4 ingress to {to} from any source: intent denies, {kind} allows")),
            (Admitted::Some(a), Admitted::Some(b)) => {
                for id in a.symmetric_difference(b) {
                    report.push(format!(
                        "L4 ingress to {to} from {}: intent {}, {kind} {}",
                        u.name(*id),
                        verdict(a.contains(id)),
                        verdict(b.contains(id))
                    ));
                }
            }
        }
    }
}

/// L4 egress of one source probe: exactly the grants, to nowhere else.
pub(crate) fn egress(
    view: &PodView,
    source: ProbeId,
    want: Grants,
    u: &Universe,
    report: &mut Report,
) {
    let from = u.name(source);
    if view.isolating(Direction::Egress).is_empty() {
        report.push(format!("L4 egress of {from}: intent denies what it does not grant, but no NetworkPolicy isolates it for egress"));
        return;
    }
    let mut got = BTreeSet::new();
    // Per rule: the probes its peers might match, and its exact (protocol, port) pairs.
    type RuleProbes = (BTreeSet<ProbeId>, Vec<(Transport, u16)>);
    let mut rules: Vec<RuleProbes> = Vec::new();
    for policy in view.isolating(Direction::Egress) {
        let ns = &policy.namespace;
        for rule in &policy.egress {
            // A rule of Cilium's entity `none` alone (default deny) admits nothing.
            if !rule.peers.is_empty()
                && rule
                    .peers
                    .iter()
                    .all(|p| matches!(p, Peer::Entity(Entity::Nothing)))
            {
                continue;
            }
            let mut candidates = BTreeSet::new();
            // Empty, `to` and `ports` mean every destination and every port. An ipBlock
            // is asked about at addresses (`addresses.rs`), a Cilium `toFQDNs` name by
            // name (`names.rs`), not at pods.
            let peers_limited = !rule.peers.is_empty()
                && rule.peers.iter().all(|p| {
                    matches!(p, Peer::IpBlock { .. } | Peer::Name(_))
                        || u.candidates(p, ns, &mut candidates)
                });
            // Exact `(protocol, port)` pairs; an entry with an unknown protocol matches
            // nothing, so it neither counts nor widens.
            let mut exact_ports = Vec::new();
            let mut ranged = false;
            for entry in &rule.ports {
                match (entry.protocol, &entry.port) {
                    (None, _) => {}
                    (
                        Some(proto),
                        PortValue::Number {
                            start,
                            ranged: false,
                            ..
                        },
                    ) => {
                        // A negative or huge number matches nothing.
                        if let Ok(port) = u16::try_from(*start) {
                            exact_ports.push((proto, port));
                        }
                    }
                    _ => ranged = true,
                }
            }
            let exact_ports = (!rule.ports.is_empty()).then_some(exact_ports);
            if !peers_limited {
                report.push(format!(
                    "L4 egress of {from}: a rule of {} {}/{} allows every destination (no `to`)",
                    layer_kind(view),
                    policy.namespace,
                    policy.name
                ));
            }
            if exact_ports.is_none() || ranged {
                report.push(format!(
                    "L4 egress of {from}: a rule of {} {}/{} allows every port or a port range",
                    layer_kind(view),
                    policy.namespace,
                    policy.name
                ));
            }
            rules.push((candidates, exact_ports.unwrap_or_default()));
        }
    }
    // One grid over every candidate and port any rule names; each rule then keeps the
    // pairs it could admit, as asking rule by rule would.
    let peers: Vec<ProbeId> = rules
        .iter()
        .flat_map(|(c, _)| c.iter().copied())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let ports: Vec<(Transport, u16)> = rules
        .iter()
        .flat_map(|(_, p)| p.iter().copied())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let endpoints: Vec<Endpoint> = peers
        .iter()
        .map(|&c| Endpoint::Pod(&u.probes[c].pod))
        .collect();
    let grid = view.l4_grid(Direction::Egress, &endpoints, &ports);
    // Both searches always succeed: PEERS and PORTS are the unions of what the rules name.
    for (candidates, exact) in &rules {
        for &c in candidates {
            let row = peers.binary_search(&c).unwrap_or_default() * ports.len();
            for &(proto, port) in exact {
                let col = ports.binary_search(&(proto, port)).unwrap_or_default();
                if grid[row + col] {
                    got.insert((c, proto, port));
                }
            }
        }
    }
    for (dst, proto, port) in want.symmetric_difference(&got) {
        report.push(format!(
            "L4 egress from {from} to {}:{port}/{proto:?}: intent {}, {} {}",
            u.name(*dst),
            verdict(want.contains(&(*dst, *proto, *port))),
            layer_kind(view),
            verdict(got.contains(&(*dst, *proto, *port)))
        ));
    }
}
