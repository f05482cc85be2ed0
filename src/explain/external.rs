//! One port of an external, as `explain SRC external:NAME [PORT]` answers it: the caller's
//! L4 egress (NetworkPolicy `ipBlock`s) and the caller's proxy (the ServiceEntry in its
//! namespace, the Sidecar that imports it, REGISTRY_ONLY), each judged by the evaluator on
//! the rendered objects, then the external's `allow` line that grants the call.
//!
//! NetworkPolicy cannot name a host: for a `host` external the L4 side can only admit
//! every address outside `cluster-cidrs` on the port, so it is probed with one outside
//! address per family, and the answer says so; only the proxy tells hosts apart.

use super::answer::{layer, Layer, PortAnswer};
use super::layers::{egress_to_address, ip_blocks, label, sidecar, unmanaged_egress};
use super::nearest::{callers_text, grants, nearest_grant};
use crate::evaluate::{Cluster, Direction, Endpoint, Pod, Transport};
use crate::ir::{Allow, Cidr, Destination, External, Identity, Mesh, Network, Port};
use crate::source::SourceMap;
use serde_json::Value;
use std::net::IpAddr;

/// Addresses to probe "outside the cluster" with, per family, in order of preference:
/// documentation ranges first, then well-known public resolvers.
const OUTSIDE: [&str; 8] = [
    "203.0.113.10",
    "198.51.100.10",
    "8.8.8.8",
    "1.1.1.1",
    "2001:db8::10",
    "2001:4860:4860::8888",
    "2606:4700:4700::1111",
    "3fff::10",
];

/// The names the caller's proxy is asked for: each host (a wildcard through one name under
/// it), or `<name>.external`, the single host of a `cidr` external's ServiceEntry.
pub(crate) fn probe_hosts(external: &External) -> Vec<String> {
    match &external.destination {
        Destination::Hosts(hosts) => hosts
            .iter()
            .map(|h| match h.strip_prefix("*.") {
                Some(rest) => format!("any.{rest}"),
                None => h.clone(),
            })
            .collect(),
        Destination::Cidrs(_) => vec![format!("{}.external", external.name)],
    }
}

/// One outside address per family that lies outside every range of CLUSTER; none for a
/// family that the ranges cover whole.
fn outside_addresses(cluster: &[Cidr]) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for candidate in OUTSIDE.iter().filter_map(|a| a.parse::<IpAddr>().ok()) {
        let family_done = out.iter().any(|a| a.is_ipv4() == candidate.is_ipv4());
        if !family_done && !cluster.iter().any(|c| c.contains(candidate)) {
            out.push(candidate);
        }
    }
    out
}

fn cidr_list(cidrs: &[Cidr]) -> String {
    cidrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The L4 egress layer: the exact `ipBlock` of a `cidr` external, or for a `host` external
/// every address outside `cluster-cidrs` (all of them when it is unset).
fn egress(
    mesh: &Mesh,
    objects: &[Value],
    cluster: &Cluster,
    from: &Identity,
    from_pod: &Pod,
    external: &External,
    port: u16,
) -> Layer {
    if !from.managed {
        return unmanaged_egress(from);
    }
    let who = label(from);
    let cidrs = match &external.destination {
        Destination::Cidrs(cidrs) => cidrs,
        Destination::Hosts(_) if mesh.settings.network == Network::Cilium => {
            return named_egress(mesh, cluster, &who, from_pod, external, port);
        }
        Destination::Hosts(_) => {
            return outside_egress(mesh, objects, cluster, &who, from_pod, port);
        }
    };
    let kind = policy_kind(mesh);
    let mut parts = Vec::new();
    let mut ok = true;
    for c in cidrs {
        let (names, isolated) = egress_to_address(cluster, from_pod, c.address, port);
        parts.push(if !names.is_empty() {
            format!(
                "{c} on {port}/TCP: allowed by {kind} {} ({})",
                names.join(", "),
                ip_blocks(objects, &names, c.address).join("; ")
            )
        } else if isolated {
            ok = false;
            format!("no {kind} selecting {who} allows egress to {c} on {port}/TCP")
        } else {
            format!("{c} on {port}/TCP: no {kind} isolates {who} for egress")
        });
    }
    layer("L4 egress", ok, parts.join("; "))
}

/// "NetworkPolicy" or "CiliumNetworkPolicy": what the network layer is written as.
pub(crate) fn policy_kind(mesh: &Mesh) -> &'static str {
    match mesh.settings.network {
        Network::Kubernetes => "NetworkPolicy",
        Network::Cilium => "CiliumNetworkPolicy",
    }
}

/// A `host` external's L4 side under `network cilium`: each host by name (`toFQDNs`),
/// asked as an outside address the pod reached by looking the name up.
fn named_egress(
    mesh: &Mesh,
    cluster: &Cluster,
    who: &str,
    from_pod: &Pod,
    external: &External,
    port: u16,
) -> Layer {
    let ip = outside_addresses(&mesh.settings.cluster_cidrs)
        .into_iter()
        .next()
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 10)));
    let view = cluster.view(from_pod);
    let mut parts = Vec::new();
    let mut ok = true;
    for host in probe_hosts(external) {
        let names = view.admitting(
            Direction::Egress,
            Endpoint::Name(&host, ip),
            port,
            Transport::Tcp,
        );
        parts.push(if !names.is_empty() {
            format!(
                "{host} on {port}/TCP: allowed by CiliumNetworkPolicy {} (toFQDNs, at the addresses Cilium's DNS proxy saw it look up)",
                names.join(", ")
            )
        } else if cluster.isolated(from_pod, Direction::Egress) {
            ok = false;
            format!("no CiliumNetworkPolicy selecting {who} allows egress to {host} on {port}/TCP")
        } else {
            format!("{host} on {port}/TCP: no CiliumNetworkPolicy isolates {who} for egress")
        });
    }
    layer("L4 egress", ok, parts.join("; "))
}

/// A `host` external's L4 side, asked with one outside address per family.
fn outside_egress(
    mesh: &Mesh,
    objects: &[Value],
    cluster: &Cluster,
    who: &str,
    from_pod: &Pod,
    port: u16,
) -> Layer {
    let inside = &mesh.settings.cluster_cidrs;
    let (mut names, mut blocks, mut denied) = (Vec::new(), Vec::new(), Vec::new());
    let probes = outside_addresses(inside);
    for &ip in &probes {
        let (admitting, isolated) = egress_to_address(cluster, from_pod, ip, port);
        if admitting.is_empty() && isolated {
            denied.push(ip.to_string());
        }
        for block in ip_blocks(objects, &admitting, ip) {
            if !blocks.contains(&block) {
                blocks.push(block);
            }
        }
        for name in admitting {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let range = if inside.is_empty() {
        "every address".to_string()
    } else {
        format!(
            "every address outside cluster-cidrs ({})",
            cidr_list(inside)
        )
    };
    let unset = if inside.is_empty() {
        ", in-cluster ones too: cluster-cidrs is unset"
    } else {
        ""
    };
    if !denied.is_empty() {
        let detail = format!(
            "no NetworkPolicy selecting {who} allows egress to {range} on {port}/TCP (asked with {}); NetworkPolicy cannot name hosts, so a grant would open the port to {range}",
            denied.join(", ")
        );
        return layer("L4 egress", false, detail);
    }
    let detail = if names.is_empty() {
        format!(
            "no NetworkPolicy isolates {who} for egress: it may reach {range} on {port}/TCP{unset}"
        )
    } else {
        format!(
            "NetworkPolicy cannot name hosts: {} admits {range} on {port}/TCP by {}{unset}",
            names.join(", "),
            blocks.join(" and ")
        )
    };
    layer("L4 egress", true, detail)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn answer(
    mesh: &Mesh,
    objects: &[Value],
    sources: &SourceMap,
    cluster: &Cluster,
    from: &Identity,
    from_pod: &Pod,
    external: &External,
    index: usize,
    port: &Port,
) -> PortAnswer {
    let mut layers = vec![egress(
        mesh, objects, cluster, from, from_pod, external, port.port,
    )];
    for host in probe_hosts(external) {
        layers.push(sidecar(cluster, from, from_pod, &host, port.port));
    }
    let granting: Vec<&Allow> = external
        .allows
        .iter()
        .filter(|a| a.ports.contains(&index) && a.callers.iter().any(|c| grants(mesh, c, from)))
        .collect();
    finish(
        mesh,
        sources,
        from,
        port,
        layers,
        &granting,
        Grant {
            what: &format!("external {}", external.name),
            origin: &external.origin,
            allows: &external.allows,
            ports: &external.ports,
            loose: match mesh.settings.network {
                Network::Kubernetes => "NetworkPolicy cannot tell one outside host from another on a port, and a proxy without REGISTRY_ONLY passes hosts it does not import through",
                Network::Cilium => "a proxy without REGISTRY_ONLY passes hosts it does not import through",
            },
        },
    )
}

/// What the intent side says of a destination that is not a service.
pub(crate) struct Grant<'a> {
    pub what: &'a str,
    pub origin: &'a str,
    pub allows: &'a [Allow],
    pub ports: &'a [Port],
    /// Why a cluster may admit a call to it that no line grants.
    pub loose: &'a str,
}

/// The verdict from LAYERS, with the granting lines, the nearest ones when denied, and a
/// note when the cluster admits a call that no line grants.
pub(crate) fn finish(
    mesh: &Mesh,
    sources: &SourceMap,
    from: &Identity,
    port: &Port,
    layers: Vec<Layer>,
    granting: &[&Allow],
    grant: Grant<'_>,
) -> PortAnswer {
    let allowed = layers.iter().all(|l| l.allowed);
    let mut notes = Vec::new();
    if allowed && granting.is_empty() {
        notes.push(format!(
            "no allow of {} grants {} on port {}; the cluster admits it all the same: {}",
            grant.what,
            label(from),
            port.name,
            grant.loose
        ));
    }
    let nearest = if allowed {
        Vec::new()
    } else {
        nearest_grant(
            mesh,
            grant.what,
            grant.origin,
            grant.allows,
            grant.ports,
            from,
            port,
            sources,
        )
    };
    PortAnswer {
        port: port.name.clone(),
        service_port: port.port,
        target_port: port.target,
        protocol: port.protocol.as_str(),
        allowed,
        layers,
        allowed_by: if allowed {
            granting
                .iter()
                .map(|a| format!("{} (allow {})", sources.location(a.span), callers_text(a)))
                .collect()
        } else {
            Vec::new()
        },
        nearest,
        notes,
        allowed_now: None,
    }
}
