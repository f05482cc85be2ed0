//! Invariant 7, externals at L4: a source's egress admits an address on a port exactly
//! when an external it may call holds that address on that port, a `cidr` external by
//! its ranges, a `host` external by every address outside `cluster-cidrs`.
//!
//! The addresses asked about are *address probes*: one outside address of each family;
//! the first and last address of every external's and every cluster range, and the
//! addresses just before and after it (a widened range takes one of them in); and the
//! same for every `ipBlock` and `except` the source's own egress names, so an ipBlock the
//! intents never asked for is asked about at its own addresses. Ports: every external's,
//! every port the egress rules name, and one nobody named.

use super::l4::layer_kind;
use super::probes::OUTSIDE;
use super::reach::Granted;
use super::report::{verdict, Report};
use crate::evaluate::{Direction, Endpoint, Peer, PodView, PortValue, Transport, EASTWEST_PORT};
use crate::ir::{Cidr, Destination, Mesh, Network};
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv6Addr};

/// An IPv6 documentation address: outside the cluster unless a range says otherwise.
const OUTSIDE_V6: IpAddr = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0xffff, 0, 0, 0, 0, 7));

/// The address probes and ports every source is asked about.
pub(crate) struct Addresses {
    fixed: BTreeSet<IpAddr>,
    ports: BTreeSet<(Transport, u16)>,
}

impl Addresses {
    pub(crate) fn new(mesh: &Mesh) -> Addresses {
        let mut fixed: BTreeSet<IpAddr> = [OUTSIDE, OUTSIDE_V6].into();
        let mut ports = BTreeSet::new();
        for cidr in &mesh.settings.cluster_cidrs {
            around(*cidr, &mut fixed);
        }
        // The other clusters' pod ranges and gateways, which callers may reach.
        for c in &mesh.settings.clusters {
            for cidr in &c.pod_cidrs {
                around(*cidr, &mut fixed);
            }
            for &address in &c.gateway {
                let prefix = if address.is_ipv4() { 32 } else { 128 };
                around(Cidr { address, prefix }, &mut fixed);
            }
            ports.insert((Transport::Tcp, EASTWEST_PORT));
        }
        for e in &mesh.externals {
            if let Destination::Cidrs(cidrs) = &e.destination {
                for cidr in cidrs {
                    around(*cidr, &mut fixed);
                }
            }
            ports.extend(e.ports.iter().map(|p| (Transport::Tcp, p.port)));
        }
        Addresses { fixed, ports }
    }
}

/// Check the egress of the pod of VIEW (FROM in messages) toward addresses.
pub(crate) fn egress_addresses(
    view: &PodView,
    from: &str,
    granted: &Granted,
    mesh: &Mesh,
    addresses: &Addresses,
    report: &mut Report,
) {
    let policies = view.isolating(Direction::Egress);
    if policies.is_empty() {
        return; // the pod-side check reports it
    }
    // Only an ipBlock or a rule without `to` can admit an address, and a rule without
    // `to` is a fault of its own (`l4.rs`): a source whose rules name neither, and which
    // may reach no external, has nothing to ask here.
    let blocks = policies
        .iter()
        .flat_map(|p| &p.egress)
        .flat_map(|r| &r.peers)
        .any(|p| matches!(p, Peer::IpBlock { .. } | Peer::Entity(_)));
    if !blocks && granted.externals.is_empty() {
        return;
    }
    let mut probes = addresses.fixed.clone();
    let mut ports = addresses.ports.clone();
    for rule in policies.iter().flat_map(|p| &p.egress) {
        let mut blocks = false;
        for peer in &rule.peers {
            if matches!(peer, Peer::Entity(_)) {
                blocks = true;
            }
            if let Peer::IpBlock { cidr, except } = peer {
                blocks = true;
                for c in cidr.iter().chain(except).filter_map(|c| parse(c)) {
                    around(c, &mut probes);
                }
            }
        }
        if blocks || rule.peers.is_empty() {
            for entry in &rule.ports {
                if let (Some(proto), PortValue::Number { start, end, .. }) =
                    (entry.protocol, &entry.port)
                {
                    for n in [start, end] {
                        if let Ok(n) = u16::try_from(*n) {
                            ports.insert((proto, n));
                        }
                    }
                }
            }
        }
    }
    let named: BTreeSet<u16> = ports.iter().map(|(_, p)| *p).collect();
    if let Some(unused) = (1..=u16::MAX).find(|p| !named.contains(p)) {
        ports.insert((Transport::Tcp, unused));
        ports.insert((Transport::Udp, unused));
    }
    let probes: Vec<IpAddr> = probes.into_iter().collect();
    let ports: Vec<(Transport, u16)> = ports.into_iter().collect();
    let endpoints: Vec<Endpoint> = probes.iter().map(|&ip| Endpoint::Ip(ip)).collect();
    let grid = view.l4_grid(Direction::Egress, &endpoints, &ports);
    for (i, &ip) in probes.iter().enumerate() {
        for (k, &(proto, port)) in ports.iter().enumerate() {
            let got = grid[i * ports.len() + k];
            let why = expected(mesh, granted, ip, proto, port);
            let want = why.is_some();
            if got != want {
                let because = why.map(|w| format!(" ({w})")).unwrap_or_default();
                let ip = match ip {
                    IpAddr::V4(v4) => v4.to_string(),
                    IpAddr::V6(v6) => format!("[{v6}]"),
                };
                report.push(format!(
                    "L4 egress from {from} to {ip}:{port}/{proto:?}: intent {}{because}, {} {}",
                    verdict(want),
                    layer_kind(view),
                    verdict(got)
                ));
            }
        }
    }
}

/// The external that lets a source with GRANTED reach IP on PORT, if any.
fn expected(
    mesh: &Mesh,
    granted: &Granted,
    ip: IpAddr,
    proto: Transport,
    port: u16,
) -> Option<String> {
    if proto != Transport::Tcp {
        return None;
    }
    if let Some((range, _)) = granted
        .remote
        .iter()
        .find(|(r, p)| *p == port && r.contains(ip))
    {
        return Some(format!("pods elsewhere at {range}"));
    }
    let inside = mesh.settings.cluster_cidrs.iter().any(|c| c.contains(ip));
    granted
        .externals
        .iter()
        .filter(|(_, p)| *p == port)
        .map(|(e, _)| &mesh.externals[*e])
        .find(|e| match &e.destination {
            Destination::Cidrs(cidrs) => cidrs.iter().any(|c| c.contains(ip)),
            // Under Cilium a host is admitted by name (`names.rs`), never by address.
            Destination::Hosts(_) => !inside && mesh.settings.network == Network::Kubernetes,
        })
        .map(|e| format!("external {}", e.name))
}

/// `10.0.0.0/8` or a bare address; `None` when it does not parse.
fn parse(text: &str) -> Option<Cidr> {
    let (address, prefix) = match text.split_once('/') {
        Some((a, p)) => (a.parse::<IpAddr>().ok()?, p.parse::<u8>().ok()?),
        None => {
            let a = text.parse::<IpAddr>().ok()?;
            (a, if a.is_ipv4() { 32 } else { 128 })
        }
    };
    let bits = if address.is_ipv4() { 32 } else { 128 };
    (prefix <= bits).then_some(Cidr { address, prefix })
}

/// Add CIDR's first and last address and the addresses just outside it to OUT.
pub(crate) fn around(cidr: Cidr, out: &mut BTreeSet<IpAddr>) {
    let bits = u32::from(cidr.bits());
    let (value, max) = match cidr.address {
        IpAddr::V4(a) => (u128::from(u32::from(a)), u128::from(u32::MAX)),
        IpAddr::V6(a) => (u128::from(a), u128::MAX),
    };
    let host = u32::from(cidr.bits()).saturating_sub(u32::from(cidr.prefix));
    let mask = if host >= 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    };
    let first = value & !mask & max;
    let last = (first | mask) & max;
    let mut add = |v: u128| {
        out.insert(if bits == 32 {
            IpAddr::V4((v as u32).into())
        } else {
            IpAddr::V6(v.into())
        });
    };
    add(first);
    add(last);
    if first > 0 {
        add(first - 1);
    }
    if last < max {
        add(last + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Cidr {
        parse(text).expect("a range")
    }

    fn edges(text: &str) -> Vec<String> {
        let mut out = BTreeSet::new();
        around(cidr(text), &mut out);
        out.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_edges_of_a_range_and_its_neighbours() {
        assert_eq!(
            edges("10.20.0.0/16"),
            ["10.19.255.255", "10.20.0.0", "10.20.255.255", "10.21.0.0"]
        );
        assert_eq!(edges("2001:db8::/48").len(), 4);
        // The whole space has no neighbours; a single address is its own edges.
        assert_eq!(edges("0.0.0.0/0"), ["0.0.0.0", "255.255.255.255"]);
        assert_eq!(edges("::/0").len(), 2);
        assert_eq!(edges("192.0.2.7"), ["192.0.2.6", "192.0.2.7", "192.0.2.8"]);
    }

    #[test]
    fn what_parses_as_a_range() {
        assert_eq!(cidr("10.0.0.0/8").prefix, 8);
        assert_eq!(cidr("fd00::1").prefix, 128);
        for bad in ["10.0.0.0/33", "10.0.0.0/x", "nothing", "::/129"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
