//! A cluster's YAML as anyone wrote it (`kubectl get -A -o yaml`, a GitOps repository, a
//! folder of manifests): the objects with where each starts, the namespaces with their
//! labels, the workloads named as other analysers name them, and the policies, for the
//! commands that answer questions about foreign YAML rather than about intents.
//!
//! - `files`: files and folders to objects with file:line, `List`s unpacked;
//! - `workloads`: Pods and controllers to workloads, through owner references.
//!
//! Nothing here judges a policy: the evaluator (`crate::evaluate`) does, as for meshward's
//! own output.

mod files;
mod workloads;

pub use files::{objects, read, read_text, Object, Origin, Problem};
pub use workloads::{namespace_of, workloads, ContainerPort, Workload, CONTROLLERS};

use serde_json::Value;
use std::collections::BTreeMap;

/// The kinds the evaluator judges; the rest of a cluster's objects are skipped with one
/// note per kind.
pub const POLICY_KINDS: [&str; 8] = [
    "NetworkPolicy",
    "CiliumNetworkPolicy",
    "AuthorizationPolicy",
    "PeerAuthentication",
    "RequestAuthentication",
    "Sidecar",
    "ServiceEntry",
    // Ambient waypoints (class `istio-waypoint`); other Gateways read as nothing.
    "Gateway",
];

/// Istio's default trust domain.
pub const DEFAULT_TRUST_DOMAIN: &str = "cluster.local";

impl Inventory {
    /// The principal WORKLOAD's pods present over mTLS.
    pub fn principal(&self, workload: &Workload) -> String {
        format!(
            "{}/ns/{}/sa/{}",
            self.trust_domain, workload.namespace, workload.service_account
        )
    }
}

/// What the input holds, sorted as it was read.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Each namespace a Namespace object declares, with its labels.
    pub namespaces: BTreeMap<String, BTreeMap<String, String>>,
    pub workloads: Vec<Workload>,
    pub services: Vec<Object>,
    pub policies: Vec<Object>,
    /// One line per kind the input holds that nothing here reads.
    pub notes: Vec<String>,
    /// The mesh's trust domain, the first part of every workload's principal
    /// (`<trust-domain>/ns/NS/sa/ACCOUNT`): `cluster.local` unless the caller says.
    pub trust_domain: String,
}

impl Inventory {
    /// The evaluator's cluster of this input: its policies, its namespaces' labels, and
    /// its Services (ambient waypoints serve Services), sorted by namespace and name.
    pub fn cluster(&self) -> crate::evaluate::Cluster {
        let mut cluster =
            crate::evaluate::Cluster::from_objects(self.policies.iter().map(|o| &o.value));
        for (ns, labels) in &self.namespaces {
            cluster = cluster.with_namespace_labels(ns, labels.clone());
        }
        let strings = |v: Option<&Value>| -> BTreeMap<String, String> {
            v.and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        };
        let mut services: Vec<crate::evaluate::ServiceInfo> = self
            .services
            .iter()
            .map(|o| crate::evaluate::ServiceInfo {
                namespace: namespace_of(&o.value),
                name: o
                    .value
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                selector: strings(o.value.pointer("/spec/selector")),
                labels: strings(o.value.pointer("/metadata/labels")),
            })
            .collect();
        services.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        for s in services {
            cluster = cluster.with_service(s);
        }
        cluster
    }
}

/// Sort OBJECTS into an inventory; objects that are not mappings with a kind and a name
/// are problems.
pub fn inventory(objects: Vec<Object>) -> (Inventory, Vec<Problem>) {
    let mut inv = Inventory {
        trust_domain: DEFAULT_TRUST_DOMAIN.to_string(),
        ..Inventory::default()
    };
    let mut problems = Vec::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    let mut pods = Vec::new();
    for o in objects {
        let kind = o
            .value
            .get("kind")
            .and_then(Value::as_str)
            .map(str::to_string);
        let name = o.value.pointer("/metadata/name").and_then(Value::as_str);
        let (Some(kind), Some(_)) = (kind, name) else {
            problems.push(Problem {
                origin: o.origin.clone(),
                message: "an object without `kind` or `metadata.name`".into(),
            });
            continue;
        };
        match kind.as_str() {
            "Namespace" => {
                let name = name.unwrap_or_default().to_string();
                let labels = o
                    .value
                    .pointer("/metadata/labels")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect();
                inv.namespaces.insert(name, labels);
            }
            "Service" => inv.services.push(o),
            k if k == "Pod" || CONTROLLERS.contains(&k) => pods.push(o),
            k if POLICY_KINDS.contains(&k) => inv.policies.push(o),
            other => *skipped.entry(other.to_string()).or_default() += 1,
        }
    }
    inv.workloads = workloads(&pods);
    // Sorted, so that whatever reads an inventory answers the same in any file order.
    inv.workloads.sort_by(|a, b| {
        (&a.namespace, &a.name, &a.kind, &a.origin).cmp(&(
            &b.namespace,
            &b.name,
            &b.kind,
            &b.origin,
        ))
    });
    let key = |o: &Object| {
        let text = |p: &str| {
            o.value
                .pointer(p)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        (
            text("/kind"),
            namespace_of(&o.value),
            text("/metadata/name"),
            o.origin.clone(),
        )
    };
    inv.policies.sort_by_cached_key(key);
    inv.notes = skipped
        .into_iter()
        .map(|(kind, n)| format!("{n} {kind} object(s) skipped: not read by meshward"))
        .collect();
    (inv, problems)
}
