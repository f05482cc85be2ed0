//! The rule Istio punishes silently: an AuthorizationPolicy rule holding an HTTP-only
//! field (methods, paths, hosts, request principals, a `request.*` condition) on a port
//! whose traffic is TCP. Istio drops such an ALLOW rule from the TCP filter (an outage)
//! and widens such a DENY rule to the whole port. meshward must never write one.
//!
//! The ports' protocols come from the compiled model (the YAML does not say them); the
//! rules come from the rendered objects.

use meshward::ir::{Mesh, Port};
use serde_json::Value;

/// How many HTTP-bearing rules OBJECTS hold, and each one that covers a port which some
/// pod the policy selects serves as `tcp` or `tls` (or covers every port).
pub fn http_rules_on_plain_ports(mesh: &Mesh, objects: &[Value]) -> (usize, Vec<String>) {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for object in objects {
        if object["kind"] != "AuthorizationPolicy" {
            continue;
        }
        let namespace = object["metadata"]["namespace"].as_str().unwrap_or_default();
        let name = object["metadata"]["name"].as_str().unwrap_or_default();
        let selector = object["spec"]["selector"]["matchLabels"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let plain: Vec<u16> = selected_ports(mesh, namespace, &selector)
            .filter(|p| !p.protocol.is_http())
            .map(|p| p.target)
            .collect();
        let rules = object["spec"]["rules"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for (i, rule) in rules.iter().enumerate() {
            if !has_http_field(rule) {
                continue;
            }
            checked += 1;
            let operations = rule["to"].as_array().cloned().unwrap_or_default();
            let mut covered: Vec<Option<u16>> = Vec::new();
            if operations.is_empty() {
                covered.push(None);
            }
            for op in &operations {
                match op["operation"]["ports"].as_array() {
                    Some(ports) if !ports.is_empty() => covered.extend(
                        ports
                            .iter()
                            .map(|p| p.as_str().and_then(|p| p.parse::<u16>().ok())),
                    ),
                    _ => covered.push(None),
                }
            }
            for port in covered {
                match port {
                    None => wrong.push(format!(
                        "{namespace}/{name} rule {i}: HTTP fields on every port"
                    )),
                    Some(p) if plain.contains(&p) => wrong.push(format!(
                        "{namespace}/{name} rule {i}: HTTP fields on tcp/tls port {p}"
                    )),
                    Some(_) => {}
                }
            }
        }
    }
    (checked, wrong)
}

/// The ports of every service and workload in NAMESPACE whose pods carry SELECTOR's
/// labels (an empty selector selects them all).
fn selected_ports<'a>(
    mesh: &'a Mesh,
    namespace: &'a str,
    selector: &'a serde_json::Map<String, Value>,
) -> impl Iterator<Item = &'a Port> + 'a {
    let services = mesh.services.iter().map(|s| (&s.identity, &s.ports));
    let workloads = mesh.workloads.iter().map(|w| (&w.identity, &w.ports));
    services
        .chain(workloads)
        .filter(move |(identity, _)| {
            identity.namespace == namespace
                && selector
                    .iter()
                    .all(|(k, v)| identity.selector.get(k).map(String::as_str) == v.as_str())
        })
        .flat_map(|(_, ports)| ports.iter())
}

fn has_http_field(rule: &Value) -> bool {
    let set = |v: &Value, keys: &[&str]| keys.iter().any(|k| !v[*k].is_null());
    let ops = rule["to"].as_array().cloned().unwrap_or_default();
    let sources = rule["from"].as_array().cloned().unwrap_or_default();
    let when = rule["when"].as_array().cloned().unwrap_or_default();
    ops.iter().any(|o| {
        set(
            &o["operation"],
            &[
                "methods",
                "notMethods",
                "paths",
                "notPaths",
                "hosts",
                "notHosts",
            ],
        )
    }) || sources
        .iter()
        .any(|s| set(&s["source"], &["requestPrincipals", "notRequestPrincipals"]))
        || when
            .iter()
            .any(|c| c["key"].as_str().is_some_and(|k| k.starts_with("request.")))
}
