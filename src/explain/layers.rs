//! The layers every kind of destination shares: the caller's L4 egress (to a pod or to an
//! address outside the cluster) and the caller's proxy (which Sidecar applies, whether it
//! imports the host, what it does with hosts it does not). Each verdict is the evaluator's
//! on the rendered objects; the text says which object decided it.

use super::answer::{layer, Layer};
use crate::evaluate::{
    cidr_contains, name_covers, Cluster, Destination, Direction, Endpoint, HostImport, ImportName,
    ImportNamespace, Outbound, OutboundMode, Pod, SidecarScope, Transport,
};
use crate::ir::Identity;
use serde_json::Value;
use std::net::IpAddr;

/// `name.namespace`, as the CLI writes a pod's identity.
pub(crate) fn label(i: &Identity) -> String {
    format!("{}.{}", i.name, i.namespace)
}

/// The L4 egress layer towards a pod of the tree or a declared workload.
pub(crate) fn egress_to_pod(
    kind: &str,
    cluster: &Cluster,
    from: &Identity,
    from_pod: &Pod,
    to: &Pod,
    to_label: &str,
    target: u16,
) -> Layer {
    if !from.managed {
        return unmanaged_egress(from);
    }
    let names = cluster.view(from_pod).admitting(
        Direction::Egress,
        Endpoint::Pod(to),
        target,
        Transport::Tcp,
    );
    let isolated = cluster.isolated(from_pod, Direction::Egress);
    let ok = !names.is_empty() || !isolated;
    layer(
        "L4 egress",
        ok,
        if !isolated {
            format!(
                "no {kind} selects {} for egress: every destination is admitted",
                label(from)
            )
        } else if ok {
            format!("allowed by {kind} {}", names.join(", "))
        } else {
            format!(
                "no {kind} selecting {} allows egress to {to_label} on {target}/TCP",
                label(from)
            )
        },
    )
}

/// The egress layer of a caller meshward gives no egress policy.
pub(crate) fn unmanaged_egress(from: &Identity) -> Layer {
    layer(
        "L4 egress",
        true,
        format!(
            "{} is a workload meshward does not manage; its own namespace's policies decide",
            label(from)
        ),
    )
}

/// What the evaluator says of FROM's egress to address IP on PORT/TCP: the policies that
/// admit it (empty when none does), and whether the pod is isolated for egress at all.
pub(crate) fn egress_to_address(
    cluster: &Cluster,
    from_pod: &Pod,
    ip: IpAddr,
    port: u16,
) -> (Vec<String>, bool) {
    let names =
        cluster
            .view(from_pod)
            .admitting(Direction::Egress, Endpoint::Ip(ip), port, Transport::Tcp);
    (names, cluster.isolated(from_pod, Direction::Egress))
}

/// The `ipBlock` peers of the named NetworkPolicies (`namespace/name`) whose egress holds
/// IP, as `0.0.0.0/0 except 10.0.0.0/12`: the exact block a policy admits an address by.
pub(crate) fn ip_blocks(objects: &[Value], policies: &[String], ip: IpAddr) -> Vec<String> {
    let mut out = Vec::new();
    for o in objects {
        if o.get("kind").and_then(Value::as_str) != Some("NetworkPolicy") {
            continue;
        }
        let name = format!(
            "{}/{}",
            text(o, "/metadata/namespace"),
            text(o, "/metadata/name")
        );
        if !policies.contains(&name) {
            continue;
        }
        let rules = o.pointer("/spec/egress").and_then(Value::as_array);
        let peers = rules
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("to").and_then(Value::as_array))
            .flatten();
        for block in peers.filter_map(|p| p.get("ipBlock")) {
            let cidr = text(block, "/cidr");
            let except: Vec<&str> = block
                .get("except")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if cidr_contains(cidr, ip) && except.iter().all(|e| !cidr_contains(e, ip)) {
                let shown = if except.is_empty() {
                    format!("ipBlock {cidr}")
                } else {
                    format!("ipBlock {cidr} except {}", except.join(", "))
                };
                if !out.contains(&shown) {
                    out.push(shown);
                }
            }
        }
    }
    out
}

fn text<'v>(v: &'v Value, pointer: &str) -> &'v str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// The caller's proxy: what FROM's sidecar does with a request for HOST on PORT.
pub(crate) fn sidecar(
    cluster: &Cluster,
    from: &Identity,
    from_pod: &Pod,
    host: &str,
    port: u16,
) -> Layer {
    let who = label(from);
    let scope = cluster.sidecar_scope(from_pod);
    let mode = match &scope {
        SidecarScope::Applied(s) => match s.outbound {
            Some(OutboundMode::RegistryOnly) => "REGISTRY_ONLY drops what it does not import",
            Some(OutboundMode::AllowAny) => "ALLOW_ANY passes what it does not import through",
            None => "the mesh's outbound mode (ALLOW_ANY unless set) for what it does not import",
        },
        _ => "",
    };
    match cluster.sidecar_admits(from_pod, host, port) {
        Outbound::Forwarded {
            sidecar,
            destination,
        } => {
            let (namespace, key, shown) = match &destination {
                Destination::Service { namespace, name } => {
                    (namespace.as_str(), host.to_string(), format!("Service {namespace}/{name}"))
                }
                Destination::Entry {
                    namespace,
                    name,
                    host: key,
                    port,
                } => (
                    namespace.as_str(),
                    key.clone(),
                    format!(
                        "ServiceEntry {namespace}/{name} (host {key}, port {} {})",
                        port.number, port.protocol
                    ),
                ),
            };
            let detail = match (sidecar, &scope) {
                (Some(s), SidecarScope::Applied(sc)) => {
                    let imported = match import_used(sc, &from_pod.namespace, namespace, &key, port) {
                        // `./api.stripe.com`, `shop/orders.shop.svc.cluster.local`: the host itself.
                        Some(i) if i.ends_with(&format!("/{host}")) => i,
                        Some(i) => format!("{host} by {i}"),
                        None => host.to_string(),
                    };
                    format!("Sidecar {s} imports {imported} → {shown}; {mode}")
                }
                _ => format!(
                    "no Sidecar applies to {who}: Istio's default imports every host → {shown}"
                ),
            };
            layer("sidecar", true, detail)
        }
        Outbound::Passthrough { sidecar: Some(s) } => layer(
            "sidecar",
            true,
            format!(
                "Sidecar {s} does not import {host}; ALLOW_ANY passes it through to the address dialled (no ServiceEntry applies)"
            ),
        ),
        Outbound::Passthrough { sidecar: None } => layer(
            "sidecar",
            true,
            format!(
                "no Sidecar applies to {who} and nothing visible in {} declares {host}: Istio's default ALLOW_ANY passes it through",
                from_pod.namespace
            ),
        ),
        Outbound::Dropped { sidecar } => layer(
            "sidecar",
            false,
            format!(
                "Sidecar {} does not import {host} on port {port}: REGISTRY_ONLY drops it (a reset, or a 502 on an HTTP port)",
                sidecar.unwrap_or_default()
            ),
        ),
        Outbound::Ambiguous { sidecars } => layer(
            "sidecar",
            false,
            format!(
                "Sidecars {} apply to {who} equally; Istio would take the oldest, which the objects do not say",
                sidecars.join(", ")
            ),
        ),
    }
}

/// The `egress[].hosts` entry of SIDECAR that imports registry host HOST of namespace
/// NAMESPACE for a pod of POD_NAMESPACE on PORT, as written (`./api.stripe.com`).
fn import_used(
    sidecar: &crate::evaluate::Sidecar,
    pod_namespace: &str,
    namespace: &str,
    host: &str,
    port: u16,
) -> Option<String> {
    let port = u64::from(port);
    let claimed = sidecar.egress.iter().any(|l| l.port == Some(port));
    sidecar
        .egress
        .iter()
        .filter(|l| l.port == claimed.then_some(port))
        .flat_map(|l| l.hosts.iter().flatten())
        .find(|i| {
            let ns_ok = match &i.namespace {
                ImportNamespace::Any => true,
                ImportNamespace::Own => namespace == pod_namespace,
                ImportNamespace::Nothing => false,
                ImportNamespace::Named(n) => n == namespace,
            };
            ns_ok && name_covers(&i.dns, host)
        })
        .map(import_text)
}

fn import_text(i: &HostImport) -> String {
    let ns = match &i.namespace {
        ImportNamespace::Any => "*",
        ImportNamespace::Own => ".",
        ImportNamespace::Nothing => "~",
        ImportNamespace::Named(n) => n,
    };
    let dns = match &i.dns {
        ImportName::Any => "*".to_string(),
        ImportName::Suffix(s) => format!("*{s}"),
        ImportName::Exact(n) => n.clone(),
    };
    format!("{ns}/{dns}")
}
