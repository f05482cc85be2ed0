//! The [`Cluster`]: every policy object read, indexed by namespace, with the namespaces'
//! labels and what could not be read or evaluated; and the [`PodView`] of one pod, the
//! policies that apply to it looked up once. Each kind's verdicts are asked of these two
//! in `network.rs`, `mtls.rs` and `authorization.rs`, which reach the indexed policies
//! through the fields and lookups here that are visible to all of `evaluate`; where a
//! pod's proxy sends a request (Sidecar, ServiceEntry) is asked of the cluster in
//! `outbound.rs`, and is not looked up for a [`PodView`]: a tree without those kinds pays
//! nothing for them.

use super::connection::Direction;
use super::index::{subset, Namespace, NO_POLICIES};
use super::pod::Pod;
use super::policy::{AuthorizationPolicy, NetworkPolicy, Policy, RequestAuthentication, Waypoint};
use super::selector::LabelMap;
use serde_json::Value;
use std::borrow::Borrow;
use std::collections::BTreeMap;

/// The label every namespace carries with its own name.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Istio's root namespace, as this model takes it.
pub(crate) const ROOT_NAMESPACE: &str = "istio-system";

/// The policy objects of a cluster, indexed by namespace.
#[derive(Clone, Debug, Default)]
pub struct Cluster {
    namespaces: BTreeMap<String, Namespace>,
    namespace_labels: BTreeMap<String, LabelMap>,
    /// Each ServiceEntry host as written (`api.example.com`, `*.example.com`) → the
    /// entries that declare it: (namespace, index in its namespace), sorted.
    pub(crate) entry_hosts: BTreeMap<String, Vec<(String, usize)>>,
    notes: Vec<String>,
    unreadable: Vec<String>,
    /// Ambient waypoints (Gateways of class `istio-waypoint`), sorted by namespace, name.
    pub(crate) waypoints: Vec<Waypoint>,
    /// Kubernetes Services, for what a waypoint serves: given by the caller
    /// ([`Cluster::with_service`]), since meshward writes none.
    pub(crate) services: Vec<ServiceInfo>,
}

/// A Kubernetes Service as ambient mode reads it: the pods it selects, and its labels
/// (`istio.io/use-waypoint`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceInfo {
    pub namespace: String,
    pub name: String,
    pub selector: LabelMap,
    pub labels: LabelMap,
}

impl Cluster {
    /// Index the NetworkPolicy, AuthorizationPolicy, PeerAuthentication,
    /// RequestAuthentication, Sidecar and ServiceEntry objects among OBJECTS; other kinds are ignored. Istio's root namespace is taken as `istio-system`.
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
        let mut notes = Vec::new();
        let mut waypoints = Vec::new();
        for object in objects {
            match object {
                Policy::Waypoint(w) => waypoints.push(w),
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
                Policy::Authentication(p) => namespaces
                    .entry(p.namespace.clone())
                    .or_default()
                    .authentication
                    .push(p),
                Policy::Sidecar(p) => namespaces
                    .entry(p.namespace.clone())
                    .or_default()
                    .sidecars
                    .push(p),
                Policy::ServiceEntry(p) => namespaces
                    .entry(p.namespace.clone())
                    .or_default()
                    .service_entries
                    .push(p),
                Policy::Cilium(rules, why) => {
                    notes.extend(why);
                    for p in rules {
                        namespaces
                            .entry(p.namespace.clone())
                            .or_default()
                            .network
                            .push(p);
                    }
                }
            }
        }
        let mut entry_hosts: BTreeMap<String, Vec<(String, usize)>> = BTreeMap::new();
        for (name, ns) in namespaces.iter_mut() {
            ns.sort_and_index();
            notes.extend(
                ns.authorization
                    .iter()
                    .flat_map(|p| p.notes.iter().cloned()),
            );
            notes.extend(ns.sidecars.iter().flat_map(|p| p.notes.iter().cloned()));
            for p in &ns.authentication {
                let title = format!("RequestAuthentication {name}/{}", p.name);
                if p.targeted {
                    notes.push(format!("{title}: targetRef(s) policy ignored for sidecars"));
                }
                if name == ROOT_NAMESPACE {
                    notes.push(format!(
                        "{title}: root-namespace policy not given mesh-wide reach"
                    ));
                }
            }
            for (i, entry) in ns.service_entries.iter().enumerate() {
                for host in &entry.hosts {
                    entry_hosts
                        .entry(host.clone())
                        .or_default()
                        .push((name.clone(), i));
                }
            }
        }
        waypoints.sort_by(|a: &Waypoint, b: &Waypoint| {
            (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name))
        });
        Cluster {
            namespaces,
            namespace_labels: BTreeMap::new(),
            entry_hosts,
            notes,
            unreadable,
            waypoints,
            services: Vec::new(),
        }
    }

    /// Add a Kubernetes Service: ambient waypoints serve Services, and their policies
    /// name them (`targetRefs`).
    pub fn with_service(mut self, service: ServiceInfo) -> Cluster {
        self.services.push(service);
        self
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
    pub(crate) fn namespace_label<'a>(&'a self, namespace: &'a str, key: &str) -> Option<&'a str> {
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

    pub(crate) fn namespace(&self, namespace: &str) -> &Namespace {
        self.namespaces.get(namespace).unwrap_or(&NO_POLICIES)
    }

    /// The policies that apply to POD, looked up once: for asking many questions about
    /// one pod (the self-check asks thousands) without searching its namespace each time.
    /// Dry-run AuthorizationPolicies are left out, as the proxy enforces none of them.
    pub fn view<'a>(&'a self, pod: &'a Pod) -> PodView<'a> {
        self.view_with(pod, false)
    }

    /// [`Cluster::view`], with dry-run AuthorizationPolicies enforced: the verdicts the
    /// proxy reports for them, and what removing the annotation would enforce.
    pub fn view_enforcing<'a>(&'a self, pod: &'a Pod) -> PodView<'a> {
        self.view_with(pod, true)
    }

    fn view_with<'a>(&'a self, pod: &'a Pod, dry_run: bool) -> PodView<'a> {
        let ns = self.namespace(&pod.namespace);
        let authorization = ns
            .authorization_index
            .candidates(&pod.labels)
            .into_iter()
            .map(|i| &ns.authorization[i])
            .filter(|p| (dry_run || !p.dry_run) && subset(&p.selector, &pod.labels))
            .collect();
        let authentication = ns
            .authentication
            .iter()
            .filter(|p| !p.targeted && subset(&p.selector, &pod.labels))
            .collect();
        PodView {
            cluster: self,
            pod,
            ingress: self.isolating(pod, Direction::Ingress),
            egress: self.isolating(pod, Direction::Egress),
            authorization,
            authentication,
        }
    }
}

/// One pod and the policies that apply to it; see [`Cluster::view`].
pub struct PodView<'a> {
    pub(crate) cluster: &'a Cluster,
    pub(crate) pod: &'a Pod,
    pub(crate) ingress: Vec<&'a NetworkPolicy>,
    pub(crate) egress: Vec<&'a NetworkPolicy>,
    pub(crate) authorization: Vec<&'a AuthorizationPolicy>,
    pub(crate) authentication: Vec<&'a RequestAuthentication>,
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

    /// The pod this view is of.
    pub fn pod(&self) -> &'a Pod {
        self.pod
    }
}
