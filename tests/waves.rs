//! Apply order (invariant 12 in docs/output.md): with `sync-waves on`, every object that
//! restricts is in a strictly higher Argo CD sync wave than every object that grants or
//! defines, and every VirtualService after the DestinationRule of its host. The rule is
//! applied here to the YAML written for every example and for generated trees, read with
//! serde_yaml and classed on its own; the self-check's corruption cases follow.

mod common;

use common::{copy_tree, root};
use meshward::selfcheck::self_check;
use serde_json::{json, Value};
use std::path::Path;

const WAVE: &str = "argocd.argoproj.io/sync-wave";

/// Turn `sync-waves on` in the tree at DIR (adding a mesh block when it has none).
fn waves_on(dir: &Path) {
    let mesh = dir.join("mesh.intent");
    let text = std::fs::read_to_string(&mesh).unwrap_or_else(|_| "mesh {\n}\n".to_string());
    let at = text.rfind('}').expect("a mesh block");
    let text = format!("{}  sync-waves on\n{}", &text[..at], &text[at..]);
    std::fs::write(&mesh, text).expect("write mesh.intent");
}

/// `meshward build DIR` into `WORK/out`, with `sync-waves on`; the output folder.
fn built(dir: &Path, work: &Path) -> std::path::PathBuf {
    waves_on(dir);
    let out = work.join("out");
    common::Meshward::new()
        .args([
            "build",
            dir.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ])
        .run();
    out
}

/// Every object of the YAML files below OUT.
fn objects(out: &Path) -> Vec<Value> {
    let mut all = Vec::new();
    for (_, path) in common::files_below(out) {
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let value: Value = serde::Deserialize::deserialize(doc).expect("yaml");
            if value["kind"] != "Kustomization" {
                all.push(value);
            }
        }
    }
    all
}

/// Whether OBJECT restricts: a NetworkPolicy without rules, a DENY or rule-less
/// AuthorizationPolicy, a STRICT PeerAuthentication, a RequestAuthentication, a Sidecar
/// that is not ALLOW_ANY.
fn restricts(o: &Value) -> bool {
    let spec = &o["spec"];
    let empty = |v: &Value| v.as_array().is_none_or(Vec::is_empty);
    match o["kind"].as_str().unwrap_or_default() {
        "NetworkPolicy" => empty(&spec["ingress"]) && empty(&spec["egress"]),
        // Cilium's default deny: every rule admits only the entity `none`.
        "CiliumNetworkPolicy" => ["ingress", "egress"]
            .iter()
            .flat_map(|d| spec[d].as_array().into_iter().flatten())
            .all(|rule| {
                rule.as_object().is_some_and(|m| m.len() == 1)
                    && (rule["fromEntities"] == serde_json::json!(["none"])
                        || rule["toEntities"] == serde_json::json!(["none"]))
            }),
        "AuthorizationPolicy" => spec["action"] == "DENY" || empty(&spec["rules"]),
        "PeerAuthentication" => spec["mtls"]["mode"] != "PERMISSIVE",
        "RequestAuthentication" => true,
        "Sidecar" => spec["outboundTrafficPolicy"]["mode"] != "ALLOW_ANY",
        _ => false,
    }
}

fn wave(o: &Value) -> i64 {
    o["metadata"]["annotations"][WAVE]
        .as_str()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no wave on {}", o["metadata"]))
}

/// The order rule over OBJECTS; the number of objects it judged.
fn assert_order(objects: &[Value]) -> usize {
    let grants = objects
        .iter()
        .filter(|o| !restricts(o) && o["kind"] != "VirtualService");
    let restrictions = objects.iter().filter(|o| restricts(o));
    let highest_grant = grants.map(wave).max().expect("grants");
    let lowest_restriction = restrictions.map(wave).min().expect("restrictions");
    assert!(
        highest_grant < lowest_restriction,
        "{highest_grant} >= {lowest_restriction}"
    );
    for vs in objects.iter().filter(|o| o["kind"] == "VirtualService") {
        let host = &vs["spec"]["hosts"][0];
        for dr in objects
            .iter()
            .filter(|o| o["kind"] == "DestinationRule" && &o["spec"]["host"] == host)
        {
            assert!(
                wave(vs) > wave(dr),
                "{} before its DestinationRule",
                vs["metadata"]
            );
        }
    }
    objects.len()
}

#[test]
fn every_example_meets_the_order_rule() {
    for example in [
        "examples/shop",
        "examples/hello",
        "tests/fixtures/authorization",
    ] {
        let work = tempfile::tempdir().expect("tempdir");
        let dir = work.path().join("tree");
        copy_tree(&root().join(example), &dir);
        let out = built(&dir, work.path());
        let judged = assert_order(&objects(&out));
        assert!(judged > 5, "{example}: {judged} objects");
    }
}

#[test]
fn generated_trees_meet_the_order_rule() {
    for (seed, options) in [
        (3, meshward::synth::Options::default()),
        (
            4,
            meshward::synth::Options {
                beyond: true,
                authz: true,
                ..meshward::synth::Options::default()
            },
        ),
        (
            5,
            meshward::synth::Options {
                beyond: true,
                cilium: true,
                ..meshward::synth::Options::default()
            },
        ),
    ] {
        let work = tempfile::tempdir().expect("tempdir");
        let dir = work.path().join("tree");
        for (path, text) in meshward::synth::generate_with(300, seed, options) {
            let file = dir.join(path);
            std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
            std::fs::write(file, text).expect("write");
        }
        let out = built(&dir, work.path());
        assert!(assert_order(&objects(&out)) > 1000);
    }
}

/// The shop with waves on, as the self-check sees it, and its rendered objects.
fn shop() -> (meshward::ir::Mesh, Vec<Value>) {
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path().join("tree");
    copy_tree(&root().join("examples/shop"), &dir);
    waves_on(&dir);
    let compiled = meshward::pipeline::run(&dir);
    let (mesh, _) = compiled.result.expect("compiles");
    let objects = meshward::pipeline::render_objects(&mesh).expect("render");
    (mesh, objects)
}

fn caught(corrupt: impl FnOnce(&mut Vec<Value>), expect: &str) {
    let (mesh, mut objects) = shop();
    assert_eq!(self_check(&mesh, &objects), Vec::new());
    corrupt(&mut objects);
    let faults: Vec<String> = self_check(&mesh, &objects)
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert!(
        faults.iter().any(|f| f.contains(expect)),
        "{expect}: {faults:#?}"
    );
}

fn find<'a>(o: &'a mut [Value], kind: &str, name: &str) -> &'a mut Value {
    o.iter_mut()
        .find(|x| x["kind"] == kind && x["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

#[test]
fn a_restriction_moved_before_the_grants_is_a_fault() {
    caught(
        |o| {
            find(o, "NetworkPolicy", "meshward.default-deny")["metadata"]["annotations"][WAVE] =
                json!("0")
        },
        "restricts in wave 0, not after",
    );
}

#[test]
fn a_virtual_service_beside_its_destination_rule_is_a_fault() {
    caught(
        |o| find(o, "VirtualService", "catalog")["metadata"]["annotations"][WAVE] = json!("0"),
        "VirtualService shop/catalog is in wave 0, not after DestinationRule shop/catalog",
    );
}

#[test]
fn a_missing_wave_is_a_fault() {
    caught(
        |o| {
            find(o, "AuthorizationPolicy", "frontend.deny")["metadata"]
                .as_object_mut()
                .expect("metadata")
                .remove("annotations");
        },
        "AuthorizationPolicy web/frontend.deny has no valid sync wave",
    );
}

#[test]
fn waves_when_they_are_off_are_a_fault() {
    let compiled = meshward::pipeline::run(&root().join("examples/shop"));
    let (mesh, _) = compiled.result.expect("compiles");
    let mut objects = meshward::pipeline::render_objects(&mesh).expect("render");
    assert!(objects
        .iter()
        .all(|o| o["metadata"]["annotations"][WAVE].is_null()));
    objects[0]["metadata"]["annotations"] = json!({ WAVE: "0" });
    let faults: Vec<String> = self_check(&mesh, &objects)
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert!(
        faults
            .iter()
            .any(|f| f.contains("has a sync wave, but `sync-waves` is off")),
        "{faults:#?}"
    );
}
