//! Which workloads a pod's policies could admit, found through a label index, so that a
//! large dump is not asked about every pair of workloads.
//!
//! The sets are supersets: a selector is narrowed by its namespace name (when it names
//! one) and by one of its labels, never more, and anything this index cannot narrow (an
//! entity that takes in every pod, a rule without peers) means every workload. The pairs
//! left are then judged by the evaluator exactly as before, so the listing is the same.

use crate::evaluate::{Direction, Entity, Peer, PodView, NAMESPACE_NAME_LABEL};
use crate::inventory::Workload;
use std::collections::{BTreeMap, BTreeSet};

/// Workloads by namespace, and by namespace, label key and value.
pub(crate) struct Index {
    by_namespace: BTreeMap<String, Vec<usize>>,
    by_label: BTreeMap<(String, String, String), Vec<usize>>,
}

impl Index {
    pub(crate) fn new(workloads: &[Workload]) -> Index {
        let mut index = Index {
            by_namespace: BTreeMap::new(),
            by_label: BTreeMap::new(),
        };
        for (i, w) in workloads.iter().enumerate() {
            index
                .by_namespace
                .entry(w.namespace.clone())
                .or_default()
                .push(i);
            for (k, v) in &w.labels {
                index
                    .by_label
                    .entry((w.namespace.clone(), k.clone(), v.clone()))
                    .or_default()
                    .push(i);
            }
        }
        index
    }

    /// The workloads PEER (of a policy in POLICY_NS) could match; `None` for every one.
    fn peer(&self, peer: &Peer, policy_ns: &str, out: &mut BTreeSet<usize>) -> bool {
        let (namespaces, pods) = match peer {
            Peer::Pods {
                namespaces, pods, ..
            } => (namespaces, pods),
            Peer::Entity(Entity::All | Entity::Cluster) => return false,
            Peer::Entity(_) | Peer::IpBlock { .. } | Peer::Name(_) => return true,
        };
        let named = namespaces.as_ref().map(|s| {
            s.match_labels
                .iter()
                .find(|(k, _)| k == NAMESPACE_NAME_LABEL)
                .map(|(_, v)| v.clone())
        });
        let in_namespaces: Vec<String> = match named {
            None => vec![policy_ns.to_string()],
            Some(Some(ns)) => vec![ns],
            Some(None) => self.by_namespace.keys().cloned().collect(),
        };
        let label = pods.as_ref().and_then(|s| s.match_labels.first());
        for ns in in_namespaces {
            let ids = match label {
                Some((k, v)) => self.by_label.get(&(ns, k.clone(), v.clone())),
                None => self.by_namespace.get(&ns),
            };
            out.extend(ids.into_iter().flatten().copied());
        }
        true
    }

    /// The workloads the allow rules of VIEW's policies in DIRECTION could admit; `None`
    /// when the pod is not isolated that way or a rule could admit any workload.
    pub(crate) fn admissible(
        &self,
        view: &PodView,
        direction: Direction,
    ) -> Option<BTreeSet<usize>> {
        let policies = view.isolating(direction);
        if policies.is_empty() {
            return None;
        }
        let mut out = BTreeSet::new();
        for policy in policies {
            let rules = match direction {
                Direction::Ingress => &policy.ingress,
                Direction::Egress => &policy.egress,
            };
            for rule in rules {
                if rule.peers.is_empty() {
                    return None;
                }
                for peer in &rule.peers {
                    if !self.peer(peer, &policy.namespace, &mut out) {
                        return None;
                    }
                }
            }
        }
        Some(out)
    }
}
