//! The probe pods: who the self-check asks about.
//!
//! One probe per service, workload, DNS and istiod group, carrying exactly its
//! selector's labels; one undeclared pod per namespace the tree mentions and one in a
//! namespace it never mentions; an address outside the cluster. Probes are indexed by
//! namespace and label, so the probes a NetworkPolicy peer might match are found without
//! testing them all.

use crate::evaluate::{Entity, Peer, Pod, GATEWAY_NAME_LABEL, NAMESPACE_NAME_LABEL};
use crate::ir::{Caller, Identity, Mesh, Service};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

/// Label carried by "other" probe pods only, so no specific selector can match them.
const OTHER_LABEL: (&str, &str) = ("meshward.dev/probe", "other");
/// A namespace the tree never mentions, standing for all the others.
pub(crate) const ELSEWHERE: &str = "meshward-probe-elsewhere";
/// An account no intent names.
pub(crate) const STRANGER: &str = "meshward-probe";
/// A trust domain no intent names: a caller's identity from another mesh.
pub(crate) const FOREIGN_TRUST_DOMAIN: &str = "meshward-probe.example";
/// TEST-NET-3: an address outside the cluster.
pub(crate) const OUTSIDE: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));

/// A probe, by its place in [`Universe::probes`].
pub(crate) type ProbeId = usize;

/// One probe pod, and how messages name it.
pub(crate) struct Probe {
    pub(crate) pod: Pod,
    /// `orders.shop`, `other pod in shop`, ... for messages.
    name: String,
}

/// Every probe of a run, indexed to be found by namespace, label and identity.
pub(crate) struct Universe {
    pub(crate) probes: Vec<Probe>,
    pub(crate) by_namespace: BTreeMap<String, Vec<ProbeId>>,
    /// namespace → label key → value → probes carrying that label.
    by_label: BTreeMap<String, BTreeMap<String, BTreeMap<String, Vec<ProbeId>>>>,
    /// namespace → name → probe of each service and workload (nested: look-ups borrow).
    identity: BTreeMap<String, BTreeMap<String, ProbeId>>,
    pub(crate) other: BTreeMap<String, ProbeId>,
    /// Under ambient, the pods of each namespace's waypoint, keyed by namespace.
    pub(crate) waypoints: BTreeMap<String, ProbeId>,
    pub(crate) dns: ProbeId,
    pub(crate) istiod: ProbeId,
}

impl Universe {
    pub(crate) fn new(mesh: &Mesh) -> Universe {
        let mut u = Universe {
            probes: Vec::new(),
            by_namespace: BTreeMap::new(),
            by_label: BTreeMap::new(),
            identity: BTreeMap::new(),
            other: BTreeMap::new(),
            waypoints: BTreeMap::new(),
            dns: 0,
            istiod: 0,
        };
        let identities = mesh
            .services
            .iter()
            .map(|s| &s.identity)
            .chain(mesh.workloads.iter().map(|w| &w.identity));
        for i in identities {
            let id = u.add(
                &i.namespace,
                &i.selector,
                &i.account,
                format!("{}.{}", i.name, i.namespace),
            );
            u.identity
                .entry(i.namespace.clone())
                .or_default()
                .insert(i.name.clone(), id);
        }
        let s = &mesh.settings;
        u.dns = u.add(
            &s.dns.namespace,
            &s.dns.selector,
            "dns",
            format!("DNS pods in {}", s.dns.namespace),
        );
        u.istiod = u.add(
            &s.istiod.namespace,
            &s.istiod.selector,
            "istiod",
            format!("istiod pods in {}", s.istiod.namespace),
        );
        // A waypoint's pods carry the label Istio gives a Gateway's pods, and run as the
        // account Istio names after it.
        for (ns, w) in &s.waypoints {
            let labels = BTreeMap::from([(GATEWAY_NAME_LABEL.to_string(), w.name.clone())]);
            let id = u.add(ns, &labels, &w.name, format!("waypoint {} in {ns}", w.name));
            u.waypoints.insert(ns.clone(), id);
        }
        let mut namespaces: BTreeSet<String> = u.by_namespace.keys().cloned().collect();
        for service in &mesh.services {
            for allow in &service.allows {
                for caller in &allow.callers {
                    if let Caller::Namespace(ns) = caller {
                        namespaces.insert(ns.clone());
                    }
                }
            }
        }
        namespaces.insert(ELSEWHERE.to_string());
        for ns in namespaces {
            let labels = BTreeMap::from([(OTHER_LABEL.0.to_string(), OTHER_LABEL.1.to_string())]);
            let id = u.add(&ns, &labels, STRANGER, format!("an undeclared pod in {ns}"));
            u.other.insert(ns, id);
        }
        u
    }

    fn add(
        &mut self,
        namespace: &str,
        labels: &BTreeMap<String, String>,
        account: &str,
        name: String,
    ) -> ProbeId {
        // Two groups with the same pods (a workload declared with istiod's selector, say)
        // are one probe: what admits one admits the other.
        let same = self
            .by_namespace
            .get(namespace)
            .into_iter()
            .flatten()
            .copied()
            .find(|&id| self.probes[id].pod.labels == *labels);
        if let Some(id) = same {
            return id;
        }
        let id = self.probes.len();
        let mut pod = Pod::new(&name, namespace).account(account);
        for (k, v) in labels {
            pod = pod.label(k, v);
            self.by_label
                .entry(namespace.to_string())
                .or_default()
                .entry(k.clone())
                .or_default()
                .entry(v.clone())
                .or_default()
                .push(id);
        }
        self.by_namespace
            .entry(namespace.to_string())
            .or_default()
            .push(id);
        self.probes.push(Probe { pod, name });
        id
    }

    pub(crate) fn name(&self, id: ProbeId) -> &str {
        &self.probes[id].name
    }

    pub(crate) fn service(&self, s: &Service) -> ProbeId {
        self.of(&s.identity)
    }

    /// The probe of a service or workload of the tree (every one has one).
    pub(crate) fn of(&self, i: &Identity) -> ProbeId {
        self.identity[&i.namespace][&i.name]
    }

    /// Probes that a NetworkPolicy peer written in POLICY_NS might match; `false` when the
    /// peer is not limited to pods (an ipBlock).
    pub(crate) fn candidates(
        &self,
        peer: &Peer,
        policy_ns: &str,
        out: &mut BTreeSet<ProbeId>,
    ) -> bool {
        // Cilium's service-account key (`accounts`) does not narrow the candidates: a
        // superset is still correct. Entities: `cluster` is every pod, `none` (and the
        // node-side ones) nothing; `all` and `world` reach outside, like an ipBlock and
        // a `toFQDNs` name.
        let (namespaces, pods) = match peer {
            Peer::Pods {
                namespaces, pods, ..
            } => (namespaces, pods),
            Peer::Entity(Entity::Cluster) => {
                out.extend(0..self.probes.len());
                return true;
            }
            Peer::Entity(Entity::Nothing) => return true,
            Peer::Entity(Entity::All | Entity::World) | Peer::IpBlock { .. } | Peer::Name(_) => {
                return false
            }
        };
        let namespaces: Vec<&str> = match namespaces {
            None => vec![policy_ns],
            Some(selector) => match selector
                .match_labels
                .iter()
                .find(|(k, _)| k == NAMESPACE_NAME_LABEL)
            {
                Some((_, ns)) => vec![ns.as_str()],
                None => self.by_namespace.keys().map(String::as_str).collect(),
            },
        };
        let first_label = pods.as_ref().and_then(|s| s.match_labels.first());
        for ns in namespaces {
            let ids = match first_label {
                Some((k, v)) => self
                    .by_label
                    .get(ns)
                    .and_then(|keys| keys.get(k))
                    .and_then(|values| values.get(v)),
                None => self.by_namespace.get(ns),
            };
            out.extend(ids.into_iter().flatten().copied());
        }
        true
    }
}
