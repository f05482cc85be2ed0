//! Sidecar: each proxy scoped to what its pods may call, and nothing else.
//!
//! A service's Sidecar selects its pods; the namespace's selector-less `default` applies
//! to the pods no service selects, which may call what `namespace NS` and `anyone` grants
//! give every pod of the namespace. Hosts are written as Istio wants them, `ns/name`:
//! a service by its full host in its own namespace, an external by its ServiceEntry's
//! hosts in the pod's own namespace (`./`, where the entry is exported), a workload by
//! every host of its namespace (`<ns>/*`: it has no Service meshward knows of). `~/*`
//! alone imports nothing, since an egress listener must name at least one host.
//! `outboundTrafficPolicy.mode` is always written: an `outboundTrafficPolicy` without
//! `mode` means REGISTRY_ONLY, not the mesh default, and a reader should not need to know.

use super::external::cidr_host;
use super::istio::*;
use super::metadata::metadata;
use crate::compile::Reach;
use crate::ir::{Destination, Labels, Mesh};

/// The Sidecar host of nothing at all.
pub const NOTHING: &str = "~/*";
/// The namespace's selector-less Sidecar, Istio's conventional name for it.
pub const NAMESPACE_SIDECAR: &str = "default";

/// A service's Sidecar is named after it, except that a service named `default` would
/// take the namespace Sidecar's name: its Sidecar is `default.service` (no service name
/// holds a `.`).
pub fn sidecar_name(service: &str) -> String {
    if service == NAMESPACE_SIDECAR {
        format!("{service}.service")
    } else {
        service.to_string()
    }
}

/// The egress hosts of REACH, sorted and deduplicated.
pub fn hosts(mesh: &Mesh, reach: &[Reach]) -> Vec<String> {
    let domain = &mesh.settings.cluster_domain;
    let mut out = Vec::with_capacity(reach.len());
    for r in reach {
        match *r {
            Reach::Service(i) => {
                if let Some(s) = mesh.services.get(i) {
                    out.push(format!("{}/{}", s.namespace(), s.host(domain)));
                }
            }
            Reach::External(i) => match mesh.externals.get(i).map(|e| (e, &e.destination)) {
                Some((_, Destination::Hosts(hosts))) => {
                    out.extend(hosts.iter().map(|h| format!("./{h}")));
                }
                Some((e, Destination::Cidrs(_))) => out.push(format!("./{}", cidr_host(e))),
                None => {}
            },
            Reach::Workload(i) => {
                if let Some(w) = mesh.workloads.get(i) {
                    out.push(format!("{}/*", w.identity.namespace));
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// BASE and OWN, both sorted and deduplicated, merged into one such list.
pub fn merge(base: &[String], own: Vec<String>) -> Vec<String> {
    if own.is_empty() {
        return base.to_vec();
    }
    let mut out = Vec::with_capacity(base.len() + own.len());
    let mut own = own.into_iter().peekable();
    for host in base {
        while let Some(next) = own.next_if(|o| o < host) {
            out.push(next);
        }
        own.next_if(|o| o == host);
        out.push(host.clone());
    }
    out.extend(own);
    out
}

/// A REGISTRY_ONLY Sidecar importing HOSTS; `selector` `None` for the namespace's.
pub fn sidecar(
    name: &str,
    namespace: &str,
    selector: Option<&Labels>,
    hosts: Vec<String>,
) -> Sidecar {
    let hosts = if hosts.is_empty() {
        vec![NOTHING.to_string()]
    } else {
        hosts
    };
    Sidecar {
        api_version: NETWORKING_V1,
        kind: "Sidecar",
        metadata: metadata(name, namespace),
        spec: SidecarSpec {
            workload_selector: selector.map(|labels| SidecarSelector {
                labels: labels.clone(),
            }),
            egress: vec![EgressListener { hosts }],
            outbound_traffic_policy: OutboundTrafficPolicy {
                mode: "REGISTRY_ONLY",
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::merge;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn merge_keeps_order_and_drops_duplicates() {
        assert_eq!(
            merge(&list(&["a", "c", "e"]), list(&["b", "c", "f"])),
            list(&["a", "b", "c", "e", "f"])
        );
        assert_eq!(merge(&list(&[]), list(&["x"])), list(&["x"]));
        assert_eq!(merge(&list(&["x"]), list(&[])), list(&["x"]));
        assert_eq!(merge(&list(&["b"]), list(&["a", "b"])), list(&["a", "b"]));
    }
}
