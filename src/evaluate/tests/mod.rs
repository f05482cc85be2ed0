//! The evaluator's semantics, one file per subject, on policies written as JSON by the
//! helpers below (the shapes meshward writes, and shapes it never writes).

use super::*;
use serde_json::{json, Value};

mod address;
mod ambient;
mod authorization;
mod cilium;
mod cilium_emission;
mod cilium_fqdn;
mod conditions;
mod federation;
mod mtls;
mod network;
mod read;
mod selector;
mod service_entry;
mod sidecar;
mod sidecar_scope;

/// A Kubernetes object as the evaluator reads it back: API version, kind, name, spec.
fn object(api: &str, kind: &str, ns: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": api, "kind": kind,
           "metadata": {"name": name, "namespace": ns}, "spec": spec})
}

fn np(ns: &str, name: &str, spec: Value) -> Value {
    object("networking.k8s.io/v1", "NetworkPolicy", ns, name, spec)
}

fn cnp(ns: &str, name: &str, spec: Value) -> Value {
    object("cilium.io/v2", "CiliumNetworkPolicy", ns, name, spec)
}

fn ap(ns: &str, name: &str, spec: Value) -> Value {
    object(
        "security.istio.io/v1",
        "AuthorizationPolicy",
        ns,
        name,
        spec,
    )
}

fn pa(ns: &str, name: &str, spec: Value) -> Value {
    object("security.istio.io/v1", "PeerAuthentication", ns, name, spec)
}

fn sidecar(ns: &str, name: &str, spec: Value) -> Value {
    object("networking.istio.io/v1", "Sidecar", ns, name, spec)
}

fn service_entry(ns: &str, name: &str, spec: Value) -> Value {
    object("networking.istio.io/v1", "ServiceEntry", ns, name, spec)
}

fn ip(s: &str) -> Endpoint<'static> {
    Endpoint::Ip(s.parse().unwrap())
}

const TCP: Transport = Transport::Tcp;
const UDP: Transport = Transport::Udp;

fn deny_all(ns: &str) -> Value {
    np(
        ns,
        "deny",
        json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
    )
}

const TD: &str = "cluster.local";

fn web_pod() -> Pod {
    Pod::new("front", "web")
        .label("app", "front")
        .account("front")
}

const PAYMENTS: &str = "pay.payments.svc.cluster.local";

/// A Sidecar importing HOSTS only, under REGISTRY_ONLY.
fn registry_only(ns: &str, name: &str, hosts: Value) -> Value {
    sidecar(
        ns,
        name,
        json!({"egress": [{"hosts": hosts}],
               "outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}}),
    )
}

/// Whether the proxy sends the request to a Kubernetes Service.
fn forwarded_to_service(outbound: &Outbound) -> bool {
    matches!(
        outbound,
        Outbound::Forwarded {
            destination: Destination::Service { .. },
            ..
        }
    )
}

/// The Sidecar a verdict names.
fn sidecar_name(outbound: &Outbound) -> Option<&str> {
    match outbound {
        Outbound::Forwarded { sidecar, .. }
        | Outbound::Passthrough { sidecar }
        | Outbound::Dropped { sidecar } => sidecar.as_deref(),
        Outbound::Ambiguous { .. } => None,
    }
}
