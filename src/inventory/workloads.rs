//! Workloads as other analysers of the same YAML name them: a Pod by its controller,
//! climbing owner references only through the owner objects present in the input.
//!
//! A Pod owned by ReplicaSet `web-7d9f` is `web-7d9f` of kind ReplicaSet, unless that
//! ReplicaSet is in the input with a Deployment owner, in which case it is the
//! Deployment. A Pod without a controller, or owned by a Node (a static pod), is its own
//! workload. A controller in the input (Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! ReplicationController, Job, CronJob) is a workload whether or not any of its Pods are,
//! described by its pod template; one owned by another controller in the input is part of
//! that one. A workload's labels, service account and container ports are its pod
//! template's, or the Pod's own when it has no controller in the input.

use super::files::{Object, Origin};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The kinds that define pods through a template.
pub const CONTROLLERS: [&str; 7] = [
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

/// A container port as a pod declares it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub number: u16,
    /// `TCP`, `UDP` or `SCTP` (TCP when not written).
    pub protocol: String,
}

/// One workload: the pods a controller (or a lone Pod) stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    pub namespace: String,
    pub name: String,
    pub kind: String,
    pub labels: BTreeMap<String, String>,
    pub service_account: String,
    pub ports: Vec<ContainerPort>,
    pub origin: Origin,
}

impl Workload {
    /// `NAMESPACE/NAME`, as the connectivity listing names it.
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// The workload as the evaluator asks about it: one pod with its labels, account and
    /// named ports.
    pub fn pod(&self) -> crate::evaluate::Pod {
        let mut p =
            crate::evaluate::Pod::new(&self.name, &self.namespace).account(&self.service_account);
        for (k, v) in &self.labels {
            p = p.label(k, v);
        }
        for port in &self.ports {
            if let Some(name) = &port.name {
                p = p.port(name, port.number);
            }
        }
        p
    }
}

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// The namespace of an object: `default` when it names none.
pub fn namespace_of(value: &Value) -> String {
    text(value, "/metadata/namespace")
        .filter(|ns| !ns.is_empty())
        .unwrap_or("default")
        .to_string()
}

/// The pod spec and labels an object describes its pods with.
fn template<'a>(value: &'a Value, kind: &str) -> (Option<&'a Value>, Option<&'a Value>) {
    match kind {
        "Pod" => (value.get("spec"), value.pointer("/metadata/labels")),
        "CronJob" => (
            value.pointer("/spec/jobTemplate/spec/template/spec"),
            value.pointer("/spec/jobTemplate/spec/template/metadata/labels"),
        ),
        _ => (
            value.pointer("/spec/template/spec"),
            value.pointer("/spec/template/metadata/labels"),
        ),
    }
}

fn labels(value: Option<&Value>) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
        .collect()
}

fn ports(spec: Option<&Value>) -> Vec<ContainerPort> {
    let mut out: BTreeSet<ContainerPort> = BTreeSet::new();
    let containers = spec
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for port in containers.flat_map(|c| {
        c.get("ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
    }) {
        let Some(number) = port
            .get("containerPort")
            .and_then(Value::as_u64)
            .and_then(|n| u16::try_from(n).ok())
        else {
            continue;
        };
        out.insert(ContainerPort {
            name: port.get("name").and_then(Value::as_str).map(str::to_string),
            number,
            protocol: port
                .get("protocol")
                .and_then(Value::as_str)
                .unwrap_or("TCP")
                .to_string(),
        });
    }
    out.into_iter().collect()
}

/// The controller owner reference of an object: `(kind, name)`.
fn controller(value: &Value) -> Option<(String, String)> {
    let owners = value.pointer("/metadata/ownerReferences")?.as_array()?;
    let chosen = owners
        .iter()
        .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
        .or(owners.first())?;
    Some((
        text(chosen, "/kind")?.to_string(),
        text(chosen, "/name")?.to_string(),
    ))
}

/// The workloads of OBJECTS (Pods and controllers; other kinds are ignored here).
pub fn workloads(objects: &[Object]) -> Vec<Workload> {
    // Objects by (namespace, kind, name), for climbing owner references.
    let mut present: BTreeMap<(String, String, String), &Object> = BTreeMap::new();
    for o in objects {
        let kind = text(&o.value, "/kind").unwrap_or_default();
        if kind == "Pod" || CONTROLLERS.contains(&kind) {
            if let Some(name) = text(&o.value, "/metadata/name") {
                present
                    .entry((namespace_of(&o.value), kind.to_string(), name.to_string()))
                    .or_insert(o);
            }
        }
    }
    // Where each present object ends up: climb through present owners.
    let top = |ns: &str, kind: &str, name: &str| -> (String, String) {
        let (mut kind, mut name) = (kind.to_string(), name.to_string());
        let mut seen = BTreeSet::new();
        while let Some(o) = present.get(&(ns.to_string(), kind.clone(), name.clone())) {
            if !seen.insert((kind.clone(), name.clone())) {
                break; // an ownership cycle: stop where it closes
            }
            match controller(&o.value) {
                Some((k, _)) if k == "Node" => break,
                Some((k, n)) => {
                    kind = k;
                    name = n;
                }
                None => break,
            }
        }
        (kind, name)
    };
    let mut out: BTreeMap<(String, String), Workload> = BTreeMap::new();
    for ((ns, kind, name), o) in &present {
        let (top_kind, top_name) = top(ns, kind, name);
        let key = (ns.clone(), top_name.clone());
        // The top object describes the workload when present; else the first Pod seen.
        let describing = present
            .get(&(ns.clone(), top_kind.clone(), top_name.clone()))
            .copied()
            .unwrap_or(o);
        let describing_kind = text(&describing.value, "/kind").unwrap_or_default();
        let (spec, template_labels) = template(&describing.value, describing_kind);
        let workload = Workload {
            namespace: ns.clone(),
            name: top_name,
            kind: top_kind,
            labels: labels(template_labels),
            service_account: spec
                .and_then(|s| {
                    s.get("serviceAccountName")
                        .or_else(|| s.get("serviceAccount"))
                })
                .and_then(Value::as_str)
                .unwrap_or("default")
                .to_string(),
            ports: ports(spec),
            origin: describing.origin.clone(),
        };
        out.entry(key).or_insert(workload);
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value, line: usize) -> Object {
        Object {
            value,
            origin: Origin {
                file: "in.yaml".into(),
                line,
            },
        }
    }

    fn pod(name: &str, owner: Option<(&str, &str)>) -> Value {
        let mut pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "shop", "labels": {"app": "web", "pod-template-hash": "7d9f"}},
            "spec": {"serviceAccountName": "web", "containers": [{"ports": [{"name": "http", "containerPort": 8080}]}]}});
        if let Some((kind, owner)) = owner {
            pod["metadata"]["ownerReferences"] =
                json!([{"kind": kind, "name": owner, "controller": true}]);
        }
        pod
    }

    #[test]
    fn a_pod_is_named_by_its_owner_as_far_as_the_input_shows() {
        // Owner absent: the pod is the ReplicaSet it names.
        let alone = workloads(&[object(
            pod("web-7d9f-x", Some(("ReplicaSet", "web-7d9f"))),
            1,
        )]);
        assert_eq!(alone.len(), 1);
        assert_eq!(
            (alone[0].kind.as_str(), alone[0].name.as_str()),
            ("ReplicaSet", "web-7d9f")
        );
        assert_eq!(alone[0].ports[0].name.as_deref(), Some("http"));
        assert_eq!(alone[0].service_account, "web");
        // The ReplicaSet present with a Deployment owner: the Deployment.
        let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web-7d9f", "namespace": "shop",
                "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": true}]},
            "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {}}}});
        let all = workloads(&[
            object(pod("web-7d9f-x", Some(("ReplicaSet", "web-7d9f"))), 1),
            object(rs, 20),
        ]);
        assert_eq!(all.len(), 1);
        assert_eq!(
            (all[0].kind.as_str(), all[0].name.as_str()),
            ("Deployment", "web")
        );
    }

    #[test]
    fn lone_and_static_pods_are_their_own_workloads() {
        let all = workloads(&[
            object(pod("solo", None), 1),
            object(pod("static", Some(("Node", "node-1"))), 9),
        ]);
        let names: Vec<(&str, &str)> = all
            .iter()
            .map(|w| (w.kind.as_str(), w.name.as_str()))
            .collect();
        assert_eq!(names, [("Pod", "solo"), ("Pod", "static")]);
        assert_eq!(all[0].labels["app"], "web");
    }

    #[test]
    fn a_cronjob_describes_its_pods_through_the_job_template() {
        let cron = json!({"kind": "CronJob", "metadata": {"name": "nightly"},
            "spec": {"jobTemplate": {"spec": {"template": {
                "metadata": {"labels": {"app": "batch"}},
                "spec": {"containers": [{"ports": [{"containerPort": 9000, "protocol": "UDP"}]}]}}}}}});
        let all = workloads(&[object(cron, 1)]);
        assert_eq!(all[0].namespace, "default");
        assert_eq!(all[0].labels["app"], "batch");
        assert_eq!(all[0].ports[0].protocol, "UDP");
        assert_eq!(all[0].service_account, "default");
    }
}
