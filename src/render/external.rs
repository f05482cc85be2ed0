//! ServiceEntry: an external made known to the proxies of one namespace.
//!
//! One per external per managed namespace holding a caller it allows, with the ports
//! that namespace's callers are allowed, exported to that namespace only (`exportTo: ["."]`), so a namespace's proxies know exactly the externals
//! some pod of it may call, and a Sidecar elsewhere cannot import it. A `cidr` external
//! has no DNS name: its entry carries the ranges as `addresses` under the made-up host
//! `<name>.external`, which the Sidecars name, and is matched by destination address.

use super::istio::*;
use super::metadata::metadata;
use crate::ir::{Caller, Destination, External, Protocol};

/// The host a `cidr` external's ServiceEntry and the Sidecars that import it use.
pub fn cidr_host(external: &External) -> String {
    format!("{}.external", external.name)
}

/// `external.<name>`: the `.` keeps it apart from every service's objects.
pub fn entry_name(external: &External) -> String {
    format!("external.{}", external.name)
}

fn protocol(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Http => "HTTP",
        Protocol::Http2 => "HTTP2",
        Protocol::Grpc => "GRPC",
        Protocol::Tls => "TLS",
        Protocol::Tcp => "TCP",
    }
}

/// Whether some allow of EXTERNAL admits a pod of NAMESPACE on port index PORT: the
/// entry of a namespace lists only those ports, so its proxies know no port of the
/// external that none of them may call.
fn granted_in(external: &External, namespace: &str, port: usize) -> bool {
    external.allows.iter().any(|a| {
        a.ports.contains(&port)
            && a.callers.iter().any(|c| match c {
                Caller::Anyone => true,
                Caller::Namespace(ns) => ns == namespace,
                Caller::Pods(identity) => identity.namespace == namespace,
            })
    })
}

pub fn service_entry(external: &External, namespace: &str) -> ServiceEntry {
    let (hosts, addresses, resolution) = match &external.destination {
        Destination::Hosts(hosts) => {
            // DNS resolution needs names; Istio rejects it for a wildcard host.
            let wildcard = hosts.iter().any(|h| h.starts_with('*'));
            let resolution = if wildcard { "NONE" } else { "DNS" };
            (hosts.clone(), Vec::new(), resolution)
        }
        Destination::Cidrs(cidrs) => (
            vec![cidr_host(external)],
            cidrs.iter().map(ToString::to_string).collect(),
            "NONE",
        ),
    };
    ServiceEntry {
        api_version: NETWORKING_V1,
        kind: "ServiceEntry",
        metadata: metadata(&entry_name(external), namespace),
        spec: ServiceEntrySpec {
            hosts,
            addresses,
            ports: external
                .ports
                .iter()
                .enumerate()
                .filter(|(k, _)| granted_in(external, namespace, *k))
                .map(|(_, p)| ServiceEntryPort {
                    number: p.port,
                    name: p.name.clone(),
                    protocol: protocol(p.protocol),
                })
                .collect(),
            location: "MESH_EXTERNAL",
            resolution,
            export_to: vec![".".to_string()],
        },
    }
}
