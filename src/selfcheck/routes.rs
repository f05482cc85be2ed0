//! Routing (invariant 4 of `docs/output.md`): VirtualServices and DestinationRules,
//! read as JSON, name only hosts, ports and subsets that exist.

use super::report::Report;
use crate::ir::{Mesh, Service};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// `namespace/name` of an object, for messages.
fn object_name(policy: &Value) -> String {
    let get = |k: &str| {
        policy
            .pointer(&format!("/metadata/{k}"))
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string()
    };
    format!("{}/{}", get("namespace"), get("name"))
}

/// Invariant 4: a VirtualService names only ports and subsets that exist, and every
/// subset it names is defined by a DestinationRule for the same host.
pub(crate) fn routes(mesh: &Mesh, objects: &[&Value], report: &mut Report) {
    let cd = &mesh.settings.cluster_domain;
    let hosts: BTreeMap<String, &Service> = mesh.services.iter().map(|s| (s.host(cd), s)).collect();
    let mut subsets: BTreeSet<(String, String)> = BTreeSet::new();
    for o in objects
        .iter()
        .filter(|o| o.get("kind").and_then(Value::as_str) == Some("DestinationRule"))
    {
        let host = o
            .pointer("/spec/host")
            .and_then(Value::as_str)
            .unwrap_or("");
        for s in o
            .pointer("/spec/subsets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = s.get("name").and_then(Value::as_str).unwrap_or("");
            // Pods of subset S carry `version=S`, and only that label picks them.
            let labels = s.get("labels").cloned().unwrap_or(Value::Null);
            if labels != serde_json::json!({ "version": name }) {
                report.push(format!(
                    "DestinationRule {} subset {name} selects {labels}, not version={name}",
                    object_name(o)
                ));
            }
            subsets.insert((host.to_string(), name.to_string()));
        }
    }
    let mut routed = 0;
    for o in objects
        .iter()
        .filter(|o| o.get("kind").and_then(Value::as_str) == Some("VirtualService"))
    {
        let name = object_name(o);
        for route in o
            .pointer("/spec/http")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            routed += 1;
            for m in route
                .get("match")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let port = m.get("port").and_then(Value::as_u64).unwrap_or(0);
                let known = o
                    .pointer("/spec/hosts")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|h| {
                        h.as_str()
                            .and_then(|h| hosts.get(h))
                            .is_some_and(|s| s.ports.iter().any(|p| u64::from(p.port) == port))
                    });
                if !known {
                    report.push(format!("VirtualService {name} matches port {port}, which its host does not declare"));
                }
            }
            for dest in route
                .get("route")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let host = dest
                    .pointer("/destination/host")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let port = dest
                    .pointer("/destination/port/number")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                match hosts.get(host) {
                    None => report.push(format!("VirtualService {name} routes to unknown host {host}")),
                    Some(s) if !s.ports.iter().any(|p| u64::from(p.port) == port) => {
                        report.push(format!("VirtualService {name} routes to port {port} of {host}, which does not exist"))
                    }
                    Some(_) => {}
                }
                if let Some(subset) = dest.pointer("/destination/subset").and_then(Value::as_str) {
                    if !subsets.contains(&(host.to_string(), subset.to_string())) {
                        report.push(format!("VirtualService {name} names subset {subset} of {host}, which no DestinationRule defines"));
                    }
                }
            }
        }
    }
    // One HTTP route per `match header`, then the default one, for each route that routes.
    // A cluster's tree routes the services it runs.
    let intended: usize = mesh
        .services
        .iter()
        .filter(|s| mesh.settings.routed_here(s))
        .flat_map(|s| s.routes.iter().filter(|r| r.routes()))
        .map(|r| 1 + r.matches.len())
        .sum();
    if routed != intended {
        report.push(format!(
            "the intents declare {intended} HTTP routes, the VirtualServices hold {routed}"
        ));
    }
}
