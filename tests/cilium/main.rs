//! `network cilium`: every example and fixture builds with CiliumNetworkPolicy in place of
//! NetworkPolicy; the objects pass Cilium's strict schema and stay clear of the forms
//! whose meaning changed across Cilium versions.

#[path = "../common/mod.rs"]
mod common;

use common::{checked, root};
use serde_json::Value;
use std::path::Path;

const SCHEMA: &str = include_str!("../schemas/ciliumnetworkpolicy-cilium-v2-strict.json");

/// The intent files of DIR, with `network cilium` put at the top of the mesh block (a
/// mesh block is added when there is none).
pub fn with_cilium(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = common::files_below(dir)
        .into_iter()
        .filter(|(relative, _)| relative.ends_with(".intent"))
        .map(|(relative, path)| (relative, std::fs::read_to_string(path).expect("read")))
        .collect();
    let mut found = false;
    for (_, text) in &mut files {
        if let Some(at) = text.find("mesh {") {
            text.insert_str(at + "mesh {".len(), "\n  network cilium");
            found = true;
        }
    }
    if !found {
        files.push(("mesh.intent".into(), "mesh {\n  network cilium\n}\n".into()));
    }
    files
}

/// Every tree the Cilium tests build both ways.
pub fn trees() -> Vec<std::path::PathBuf> {
    let mut trees: Vec<_> = ["examples/shop", "examples/hello"]
        .iter()
        .map(|t| root().join(t))
        .collect();
    trees.extend(common::fixtures());
    trees
}

fn cilium_objects(dir: &Path) -> Vec<Value> {
    let (mesh, _) = checked(with_cilium(dir));
    meshward::pipeline::render_objects(&mesh).expect("render")
}

#[test]
fn every_policy_passes_the_strict_schema_and_no_network_policy_is_left() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    for dir in trees() {
        let objects = cilium_objects(&dir);
        let cilium: Vec<&Value> = objects
            .iter()
            .filter(|o| o["kind"] == "CiliumNetworkPolicy")
            .collect();
        assert!(!cilium.is_empty(), "{}", dir.display());
        assert!(
            objects.iter().all(|o| o["kind"] != "NetworkPolicy"),
            "{}",
            dir.display()
        );
        for o in cilium {
            let errors: Vec<String> = validator.iter_errors(o).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{}: {errors:#?}\n{o:#}", dir.display());
        }
    }
}

#[test]
fn no_form_whose_meaning_changed_across_versions() {
    for dir in trees() {
        for o in cilium_objects(&dir)
            .iter()
            .filter(|o| o["kind"] == "CiliumNetworkPolicy")
        {
            let name = &o["metadata"]["name"];
            for direction in ["ingress", "egress"] {
                let Some(rules) = o["spec"][direction].as_array() else {
                    continue;
                };
                // An empty list is rejected by the agent; an empty rule flipped meaning.
                assert!(!rules.is_empty(), "{name}: empty {direction}");
                for rule in rules {
                    let peers = rule
                        .as_object()
                        .expect("rule")
                        .keys()
                        .filter(|k| *k != "toPorts");
                    assert_eq!(peers.count(), 1, "{name}: one peer kind per rule: {rule}");
                }
            }
            let text = o.to_string();
            assert!(!text.contains("endPort"), "{name}");
            assert!(!text.contains("\"**."), "{name}");
            assert!(!text.contains("enableDefaultDeny"), "{name}");
            // Every endpoint selector of a peer names its namespace.
            for key in ["fromEndpoints", "toEndpoints"] {
                for rule in ["ingress", "egress"]
                    .iter()
                    .filter_map(|d| o["spec"][d].as_array())
                    .flatten()
                {
                    for selector in rule[key].as_array().into_iter().flatten() {
                        assert!(
                            selector["matchLabels"]["k8s:io.kubernetes.pod.namespace"].is_string(),
                            "{name}: {selector}"
                        );
                    }
                }
            }
        }
    }
}
