//! Invariant 7 under `network cilium`: a source's egress admits an outside host by name
//! on a port exactly when a `host` external it may call names that host on that port,
//! and no outside address is admitted for a `host` external at all (`addresses.rs` asks
//! the addresses).
//!
//! The names asked about, for every `host` external of the mesh (granted or not, so a
//! policy that names another external's host is caught): an exact host as written, a
//! name one label below it and one that only ends like it; a wildcard `*.d` at one, two
//! and three labels below `d` (how deep the output writes it, see `render::cilium`) and
//! `d` itself, which `*.d` does not match; and a stranger name nobody grants. Ports:
//! every external's and one nobody uses, over TCP and UDP. A name is admitted only once
//! Cilium's DNS proxy has seen the pod look it up, which the evaluator models: a missing
//! DNS-proxy rule shows up here as an outage.

use super::probes::OUTSIDE;
use super::reach::Granted;
use super::report::{verdict, Report};
use crate::evaluate::{Direction, Endpoint, PodView, Transport};
use crate::ir::{Destination, Mesh};
use crate::render::cilium::WILDCARD_DEPTH;
use std::collections::BTreeSet;

/// A name nobody grants.
const STRANGER: &str = "meshward-stranger.example";

/// The names and ports every source is asked about, made once per mesh.
pub(crate) struct Names {
    names: Vec<String>,
    ports: Vec<(Transport, u16)>,
}

impl Names {
    pub(crate) fn new(mesh: &Mesh) -> Names {
        let mut names: BTreeSet<String> = [STRANGER.to_string()].into();
        let mut ports: BTreeSet<u16> = BTreeSet::new();
        for e in &mesh.externals {
            let Destination::Hosts(hosts) = &e.destination else {
                continue;
            };
            ports.extend(e.ports.iter().map(|p| p.port));
            for host in hosts {
                match host.strip_prefix("*.") {
                    Some(domain) => {
                        names.insert(domain.to_string());
                        for depth in 1..=WILDCARD_DEPTH {
                            names.insert(format!("{}{domain}", "probe.".repeat(depth)));
                        }
                    }
                    None => {
                        names.insert(host.clone());
                        names.insert(format!("probe.{host}"));
                        names.insert(format!("probe{host}"));
                    }
                }
            }
        }
        let unused = (1..=u16::MAX).find(|p| !ports.contains(p)).unwrap_or(1);
        ports.insert(unused);
        Names {
            names: names.into_iter().collect(),
            ports: ports
                .into_iter()
                .flat_map(|p| [(Transport::Tcp, p), (Transport::Udp, p)])
                .collect(),
        }
    }

    /// Whether there is anything to ask: the mesh has a `host` external.
    pub(crate) fn any(&self) -> bool {
        self.names.len() > 1
    }
}

/// Whether Istio's host PATTERN (`api.example.com`, `*.example.com`) matches NAME.
fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_prefix('*') {
        Some(suffix) => name.len() > suffix.len() && name.ends_with(suffix),
        None => pattern.eq_ignore_ascii_case(name),
    }
}

/// The external that lets a source with GRANTED reach NAME on PORT, if any.
fn expected(
    mesh: &Mesh,
    granted: &Granted,
    name: &str,
    proto: Transport,
    port: u16,
) -> Option<String> {
    if proto != Transport::Tcp {
        return None;
    }
    granted
        .externals
        .iter()
        .filter(|(_, p)| *p == port)
        .map(|(e, _)| &mesh.externals[*e])
        .find(|e| match &e.destination {
            Destination::Hosts(hosts) => hosts.iter().any(|h| matches(h, name)),
            Destination::Cidrs(_) => false,
        })
        .map(|e| format!("external {}", e.name))
}

/// Check the egress of the pod of VIEW (FROM in messages) toward outside hosts by name.
pub(crate) fn egress_names(
    view: &PodView,
    from: &str,
    granted: &Granted,
    mesh: &Mesh,
    names: &Names,
    report: &mut Report,
) {
    if view.isolating(Direction::Egress).is_empty() {
        return; // the pod-side check reports it
    }
    let endpoints: Vec<Endpoint> = names
        .names
        .iter()
        .map(|n| Endpoint::Name(n, OUTSIDE))
        .collect();
    let grid = view.l4_grid(Direction::Egress, &endpoints, &names.ports);
    for (i, name) in names.names.iter().enumerate() {
        for (k, &(proto, port)) in names.ports.iter().enumerate() {
            let got = grid[i * names.ports.len() + k];
            let why = expected(mesh, granted, name, proto, port);
            if got != why.is_some() {
                let because = why.as_ref().map(|w| format!(" ({w})")).unwrap_or_default();
                report.push(format!(
                    "L4 egress from {from} to host {name}:{port}/{proto:?}: intent {}{because}, CiliumNetworkPolicy {}",
                    verdict(why.is_some()),
                    verdict(got)
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn istio_host_patterns() {
        assert!(matches("api.example.com", "API.example.com"));
        assert!(!matches("api.example.com", "probe.api.example.com"));
        assert!(matches("*.example.com", "a.example.com"));
        assert!(matches("*.example.com", "a.b.c.example.com"));
        assert!(!matches("*.example.com", "example.com"));
        assert!(!matches("*.example.com", "badexample.com"));
    }
}
