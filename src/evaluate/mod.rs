//! What Kubernetes and Istio would decide, given the objects meshward wrote.
//!
//! This module exists to judge the compiler from the outside. It reads the rendered objects
//! from their JSON form (apiVersion, kind, metadata, spec, exactly as they are written to
//! YAML), once, into its own typed shapes ([`Policy`], read by `read/`), and answers the
//! questions the cluster answers: may this connection exist (NetworkPolicy, L3/L4), which
//! mTLS mode does this pod run in (PeerAuthentication), and may this request go through
//! (AuthorizationPolicy, L7). It deliberately imports nothing from meshward's model
//! (`ir`, `check`, `compile`, `render`): a bug there cannot hide itself by being repeated
//! here. Tests build a [`Cluster`] from a built tree and check the invariants of
//! `docs/output.md` against it.
//!
//! This file holds the entry: the [`Cluster`] built from read policies, and the
//! [`PodView`] of one pod. Each kind's semantics has its own file (`network.rs`,
//! `mtls.rs`, `authorization.rs`); the shapes they judge are in `policy.rs` and
//! `selector.rs`, the questions asked of them in `pod.rs` and `request.rs`.
//!
//! Semantics, and the simplifications made:
//!
//! - **NetworkPolicy** (`networking.k8s.io/v1`): `podSelector`/`namespaceSelector` with
//!   `matchLabels` and `matchExpressions` (`In`, `NotIn`, `Exists`, `DoesNotExist`);
//!   selectors within one peer AND, peers of a rule OR, rules OR, policies OR. A pod is
//!   isolated for a direction when some policy selecting it has that type (`policyTypes`,
//!   or when absent: Ingress always, Egress when the policy has egress rules); a direction
//!   that is not isolated allows everything. Ports: protocol (default TCP), number, named
//!   port (looked up in the destination pod's [`Pod::named_ports`], assumed to be declared
//!   with the protocol the rule names), `endPort`. `ipBlock` (with `except`) matches
//!   outside addresses only: **pods never match an `ipBlock` here**, although a real CNI
//!   would match a pod's IP against it; and outside addresses never match selectors.
//! - **AuthorizationPolicy** (`security.istio.io/v1`): scope by `spec.selector.matchLabels`
//!   or namespace-wide. Policies of the root namespace are not given mesh-wide reach, and
//!   `targetRef(s)` policies (waypoints, gateways) do not apply to sidecars; both are
//!   recorded in [`Cluster::notes`]. `CUSTOM` and `AUDIT` are ignored (noted). DENY is
//!   evaluated before ALLOW; without an applicable ALLOW policy a request is allowed;
//!   with one, some rule of some ALLOW policy must match. A policy without rules is
//!   "allow-nothing". Fields this model cannot evaluate (`when`, `requestPrincipals`,
//!   `ipBlocks`, `remoteIpBlocks`, `hosts` and their `not` forms) make the condition fail
//!   in an ALLOW rule and hold in a DENY rule, as Istio does for HTTP-only fields on TCP
//!   traffic (which this model also follows: a request without method/path is TCP).
//! - **PeerAuthentication**: a workload policy (selector) overrides the namespace-wide one
//!   (no selector), `UNSET` inherits, `portLevelMtls` is honoured on workload policies, the
//!   mesh default is PERMISSIVE. When several policies tie, the first by name wins (Istio
//!   takes the oldest, which a static reading cannot know). A STRICT destination refuses a
//!   request without a principal (plaintext); a DISABLE one sees every request as plaintext.

mod authorization;
mod index;
mod mtls;
mod network;
mod pod;
mod policy;
mod read;
mod request;
mod selector;
#[cfg(test)]
mod tests;

pub use authorization::istio_match;
pub use mtls::MtlsMode;
pub use network::{cidr_contains, Direction, Transport};
pub use pod::{Endpoint, LabelMap, Pod};
pub use policy::{
    Action, AuthorizationPolicy, AuthorizationRule, NetworkPolicy, NetworkPort, NetworkRule,
    Operation, Peer, PeerAuthentication, Policy, PortValue, Source,
};
pub use request::{principal_namespace, Decision, Request};
pub use selector::{selector_matches, Expression, Operator, Selector};

use index::{subset, Namespace, NO_POLICIES};
use serde_json::Value;
use std::borrow::Borrow;
use std::collections::BTreeMap;

/// The label every namespace carries with its own name.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Istio's root namespace, as this model takes it.
const ROOT_NAMESPACE: &str = "istio-system";

/// The policy objects of a cluster, indexed by namespace.
#[derive(Clone, Debug, Default)]
pub struct Cluster {
    namespaces: BTreeMap<String, Namespace>,
    namespace_labels: BTreeMap<String, LabelMap>,
    notes: Vec<String>,
    unreadable: Vec<String>,
}

impl Cluster {
    /// Index the NetworkPolicy, AuthorizationPolicy and PeerAuthentication objects among
    /// OBJECTS; other kinds are ignored. Istio's root namespace is taken as `istio-system`.
    /// An object of those kinds that cannot be read is left out and listed in
    /// [`Cluster::unreadable`].
    pub fn from_objects<V: Borrow<Value>>(objects: impl IntoIterator<Item = V>) -> Cluster {
        Cluster::from_read(objects.into_iter().map(|o| Cluster::read(o.borrow())))
    }

    /// Read one object given as JSON, for callers that read objects in parallel and then
    /// hand the results to [`Cluster::from_read`]; `Ok(None)` for kinds it does not judge.
    pub fn read(object: &Value) -> Result<Option<Policy>, String> {
        Policy::read(object, ROOT_NAMESPACE)
    }

    /// [`Cluster::read`] from JSON text.
    pub fn read_json(json: &[u8]) -> Result<Option<Policy>, String> {
        Policy::read_json(json, ROOT_NAMESPACE)
    }

    /// Index objects read with [`Cluster::read`] or [`Cluster::read_json`].
    pub fn from_read(objects: impl IntoIterator<Item = Result<Option<Policy>, String>>) -> Cluster {
        let mut unreadable = Vec::new();
        let objects = objects.into_iter().filter_map(|o| match o {
            Ok(object) => object,
            Err(why) => {
                unreadable.push(why);
                None
            }
        });
        let mut namespaces: BTreeMap<String, Namespace> = BTreeMap::new();
        for object in objects {
            match object {
                Policy::Network(p) => namespaces
                    .entry(p.namespace.clone())
                    .or_default()
                    .network
                    .push(p),
                Policy::Authorization(p) => namespaces
                    .entry(p.namespace.clone())
                    .or_default()
                    .authorization
                    .push(p),
                Policy::Peer(p) => namespaces
                    .entry(p.namespace.clone())
                    .or_default()
                    .peer
                    .push(p),
            }
        }
        let mut notes = Vec::new();
        for ns in namespaces.values_mut() {
            ns.sort_and_index();
            notes.extend(
                ns.authorization
                    .iter()
                    .flat_map(|p| p.notes.iter().cloned()),
            );
        }
        Cluster {
            namespaces,
            namespace_labels: BTreeMap::new(),
            notes,
            unreadable,
        }
    }

    /// Give namespace NS extra labels (it always has `kubernetes.io/metadata.name: NS`).
    pub fn with_namespace_labels(mut self, namespace: &str, labels: LabelMap) -> Cluster {
        self.namespace_labels.insert(namespace.to_string(), labels);
        self
    }

    /// The labels of namespace NS.
    pub fn namespace_labels(&self, namespace: &str) -> LabelMap {
        let mut labels = self
            .namespace_labels
            .get(namespace)
            .cloned()
            .unwrap_or_default();
        labels.insert(NAMESPACE_NAME_LABEL.to_string(), namespace.to_string());
        labels
    }

    /// One label of namespace NS, without building its label map.
    fn namespace_label<'a>(&'a self, namespace: &'a str, key: &str) -> Option<&'a str> {
        if key == NAMESPACE_NAME_LABEL {
            return Some(namespace);
        }
        self.namespace_labels
            .get(namespace)
            .and_then(|labels| labels.get(key))
            .map(String::as_str)
    }

    /// What this model ignored or could not evaluate in the objects it was given.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Why each policy object that could not be read was left out (a field of the wrong
    /// type, say). The self-check reports each as a fault: a policy it cannot read is one
    /// it cannot vouch for.
    pub fn unreadable(&self) -> &[String] {
        &self.unreadable
    }

    fn namespace(&self, namespace: &str) -> &Namespace {
        self.namespaces.get(namespace).unwrap_or(&NO_POLICIES)
    }

    /// The policies that apply to POD, looked up once: for asking many questions about
    /// one pod (the self-check asks thousands) without searching its namespace each time.
    pub fn view<'a>(&'a self, pod: &'a Pod) -> PodView<'a> {
        let ns = self.namespace(&pod.namespace);
        let authorization = ns
            .authorization_index
            .candidates(&pod.labels)
            .into_iter()
            .map(|i| &ns.authorization[i])
            .filter(|p| subset(&p.selector, &pod.labels))
            .collect();
        PodView {
            cluster: self,
            pod,
            ingress: self.isolating(pod, Direction::Ingress),
            egress: self.isolating(pod, Direction::Egress),
            authorization,
        }
    }
}

/// One pod and the policies that apply to it; see [`Cluster::view`].
pub struct PodView<'a> {
    cluster: &'a Cluster,
    pod: &'a Pod,
    ingress: Vec<&'a NetworkPolicy>,
    egress: Vec<&'a NetworkPolicy>,
    authorization: Vec<&'a AuthorizationPolicy>,
}

impl<'a> PodView<'a> {
    /// The NetworkPolicies that isolate this pod for DIRECTION.
    pub fn isolating(&self, direction: Direction) -> &[&'a NetworkPolicy] {
        match direction {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }

    /// The AuthorizationPolicies that apply to this pod's sidecar.
    pub fn authorization_policies(&self) -> &[&'a AuthorizationPolicy] {
        &self.authorization
    }

    /// The cluster this view was taken from.
    pub fn cluster(&self) -> &'a Cluster {
        self.cluster
    }
}
