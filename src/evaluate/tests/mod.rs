//! The evaluator's semantics, one file per subject, on policies written as JSON by the
//! helpers below (the shapes meshward writes, and shapes it never writes).

use super::*;
use serde_json::{json, Value};

mod authorization;
mod mtls;
mod network;
mod read;
mod selector;

fn np(ns: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": name, "namespace": ns}, "spec": spec})
}

fn ap(ns: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
           "metadata": {"name": name, "namespace": ns}, "spec": spec})
}

fn pa(ns: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
           "metadata": {"name": name, "namespace": ns}, "spec": spec})
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
