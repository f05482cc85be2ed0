//! The policies of one namespace, and the label index that finds a pod's policies.
//!
//! The self-check asks about thousands of pods; testing every policy of a namespace for
//! each would cost the product. Each kind is sorted by name (the order verdicts name
//! them in) and indexed by one `matchLabels` pair of its selector.

use super::policy::{
    AuthorizationPolicy, NetworkPolicy, PeerAuthentication, RequestAuthentication, ServiceEntry,
    Sidecar,
};
use super::selector::LabelMap;
use std::collections::BTreeMap;

/// Policies of one kind selected by labels, indexed by one `matchLabels` pair each: a
/// pod's policies are found from its own labels instead of by testing every policy of
/// its namespace (40 services give a namespace about 80 NetworkPolicies).
#[derive(Clone, Debug, Default)]
pub(crate) struct LabelIndex {
    /// key → value → policies whose selector requires that label.
    keyed: BTreeMap<String, BTreeMap<String, Vec<usize>>>,
    /// Policies whose selector requires no label (empty, or expressions only).
    open: Vec<usize>,
}

impl LabelIndex {
    fn new<'a>(selectors: impl Iterator<Item = Option<&'a [(String, String)]>>) -> LabelIndex {
        let mut index = LabelIndex::default();
        for (i, labels) in selectors.enumerate() {
            match labels {
                None => {} // never applies
                Some([]) => index.open.push(i),
                Some([(k, v), ..]) => index
                    .keyed
                    .entry(k.clone())
                    .or_default()
                    .entry(v.clone())
                    .or_default()
                    .push(i),
            }
        }
        index
    }

    /// Policies that might select a pod with LABELS, in index (name) order.
    pub(crate) fn candidates(&self, labels: &LabelMap) -> Vec<usize> {
        let mut out = self.open.clone();
        for (k, v) in labels {
            if let Some(ids) = self.keyed.get(k).and_then(|values| values.get(v)) {
                out.extend(ids);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The policies of one namespace, each kind sorted by name.
#[derive(Clone, Debug, Default)]
pub(crate) struct Namespace {
    pub(crate) network: Vec<NetworkPolicy>,
    pub(crate) authorization: Vec<AuthorizationPolicy>,
    pub(crate) peer: Vec<PeerAuthentication>,
    /// One per service that validates tokens: few, searched in full.
    pub(crate) authentication: Vec<RequestAuthentication>,
    /// Few per namespace, and none in a tree without egress to the outside: searched
    /// in full, never indexed.
    pub(crate) sidecars: Vec<Sidecar>,
    pub(crate) service_entries: Vec<ServiceEntry>,
    pub(crate) network_index: LabelIndex,
    pub(crate) authorization_index: LabelIndex,
    pub(crate) peer_index: LabelIndex,
}

impl Namespace {
    /// Sort each kind by name and index it, once all the namespace's policies are in.
    /// A `targetRef(s)` AuthorizationPolicy is left out of the index: it never applies to
    /// a sidecar.
    pub(crate) fn sort_and_index(&mut self) {
        // Stable sorts: policies with equal names keep their input order.
        self.network.sort_by(|a, b| a.name.cmp(&b.name));
        self.authorization.sort_by(|a, b| a.name.cmp(&b.name));
        self.peer.sort_by(|a, b| a.name.cmp(&b.name));
        self.authentication.sort_by(|a, b| a.name.cmp(&b.name));
        self.sidecars.sort_by(|a, b| a.name.cmp(&b.name));
        self.service_entries.sort_by(|a, b| a.name.cmp(&b.name));
        self.network_index = LabelIndex::new(
            self.network
                .iter()
                .map(|p| Some(p.pod_selector.match_labels.as_slice())),
        );
        self.authorization_index = LabelIndex::new(
            self.authorization
                .iter()
                .map(|p| (!p.targeted).then_some(p.selector.as_slice())),
        );
        self.peer_index = LabelIndex::new(self.peer.iter().map(|p| Some(p.selector.as_slice())));
    }
}

/// The policies of a namespace that has none.
pub(crate) static NO_POLICIES: std::sync::LazyLock<Namespace> =
    std::sync::LazyLock::new(Namespace::default);

/// Whether LABELS hold every key and value of REQUIRED.
pub(crate) fn subset(required: &[(String, String)], labels: &LabelMap) -> bool {
    required
        .iter()
        .all(|(k, v)| labels.get(k).is_some_and(|l| l == v))
}
