//! The pods the policies are asked about, and the ends of a connection.
//!
//! A [`Pod`] is only what a policy can see of a pod: namespace, labels, service account
//! and named container ports. Callers (the self-check, `explain`, tests) build them;
//! nothing here reads a cluster.

use super::selector::{LabelMap, Operator, Selector};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// A pod as the policies see it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pod {
    /// For messages only; policies never look at it.
    pub name: String,
    pub namespace: String,
    pub labels: LabelMap,
    pub service_account: String,
    /// Container port names and numbers, for NetworkPolicy named ports.
    pub named_ports: BTreeMap<String, u16>,
}

impl Pod {
    /// A pod without labels, running as the namespace's `default` service account.
    pub fn new(name: &str, namespace: &str) -> Pod {
        Pod {
            name: name.to_string(),
            namespace: namespace.to_string(),
            service_account: "default".to_string(),
            ..Pod::default()
        }
    }

    pub fn label(mut self, key: &str, value: &str) -> Pod {
        self.labels.insert(key.to_string(), value.to_string());
        self
    }

    pub fn account(mut self, service_account: &str) -> Pod {
        self.service_account = service_account.to_string();
        self
    }

    pub fn port(mut self, name: &str, number: u16) -> Pod {
        self.named_ports.insert(name.to_string(), number);
        self
    }

    /// A pod with just the labels a label selector (`{matchLabels, matchExpressions}`)
    /// requires; `None` when the selector cannot be satisfied that way.
    pub fn selected_by(name: &str, namespace: &str, selector: &Value) -> Option<Pod> {
        let selector = Selector::read(selector);
        let mut pod = Pod::new(name, namespace);
        for (key, value) in &selector.match_labels {
            pod = pod.label(key, value);
        }
        for expr in &selector.expressions {
            let key = expr.key.as_deref()?;
            if pod.labels.contains_key(key) {
                continue;
            }
            match expr.operator {
                Some(Operator::In) => pod = pod.label(key, expr.values.first()?),
                Some(Operator::Exists) => pod = pod.label(key, "present"),
                _ => {}
            }
        }
        selector.matches(&pod.labels).then_some(pod)
    }

    /// The Istio principal of this pod: `<trust-domain>/ns/<ns>/sa/<account>`.
    pub fn principal(&self, trust_domain: &str) -> String {
        format!(
            "{trust_domain}/ns/{}/sa/{}",
            self.namespace, self.service_account
        )
    }
}

/// One end of a connection.
#[derive(Clone, Copy, Debug)]
pub enum Endpoint<'a> {
    Pod(&'a Pod),
    /// An address outside the cluster's pods.
    Ip(IpAddr),
    /// An address outside the cluster that the pod reached by looking up a DNS name: it
    /// matches `ipBlock`s, CIDRs and `world` by its address, and Cilium `toFQDNs` by its
    /// name, the latter only when the pod's egress policies send the lookup through
    /// Cilium's DNS proxy (else Cilium never learns the address: see `network.rs`).
    Name(&'a str, IpAddr),
}
