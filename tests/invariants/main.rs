//! The YAML that `meshward build examples/shop` writes obeys the invariants of
//! docs/output.md, as Kubernetes and Istio would read it.
//!
//! The verdicts come from `meshward::evaluate`, which reads the written objects and nothing
//! of meshward's model. The pods are this test's own reading of `examples/shop/**/*.intent`
//! (written by hand in `pods`, not parsed by meshward), so a compiler bug cannot agree with
//! itself here. Each expectation cites the intent line that justifies it.
//!
//! - `pods`: the pods, read by hand from the intents;
//! - `matrix`: what the intents allow, and the sweep over every pair of managed pods;
//! - `pairs`: concrete pairs, one behaviour each;
//! - `beyond`: externals, the Vault workload and the sidecar scope (invariants 7-9);
//! - `dryrun`: the tree as written, with billing in dry-run, against the enforced one
//!   (invariant 11);
//! - here: building the tree once, the verdict helpers, and checks on the objects themselves.

mod beyond;
#[path = "../common/mod.rs"]
mod common;
mod dryrun;
mod matrix;
mod pairs;
mod pods;

use common::{root, Meshward};
use meshward::evaluate::{Cluster, Endpoint, Request, Transport};
use pods::pod;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::OnceLock;

const TD: &str = "cluster.local";
const TCP: Transport = Transport::Tcp;
const UDP: Transport = Transport::Udp;
const OUTSIDE: &str = "203.0.113.7";

// ------------------------------------------------------------------ building the tree

/// Every YAML document of the tree that `meshward build` writes for examples/shop with
/// every namespace enforced (its `dry-run` line removed, as a team would to enforce
/// billing), by relative path. The invariants below are about enforcement; `dryrun`
/// compares this tree with the one examples/shop writes as it stands.
fn documents() -> &'static BTreeMap<String, Vec<Value>> {
    static DOCS: OnceLock<BTreeMap<String, Vec<Value>>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let tree = tempfile::tempdir().expect("tempdir");
        common::copy_tree(&root().join("examples/shop"), tree.path());
        let mesh = tree.path().join("mesh.intent");
        let text = std::fs::read_to_string(&mesh).expect("mesh.intent");
        let enforced: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("dry-run"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_ne!(
            enforced.len(),
            text.len(),
            "examples/shop has a dry-run line"
        );
        std::fs::write(&mesh, enforced).expect("write");
        built(tree.path())
    })
}

/// Every YAML document of the tree `meshward build examples/shop` writes, dry-run and all.
fn written_documents() -> &'static BTreeMap<String, Vec<Value>> {
    static DOCS: OnceLock<BTreeMap<String, Vec<Value>>> = OnceLock::new();
    DOCS.get_or_init(|| built(&root().join("examples/shop")))
}

fn built(tree: &Path) -> BTreeMap<String, Vec<Value>> {
    let out = tempfile::tempdir().expect("tempdir");
    Meshward::new()
        .arg("build")
        .arg(tree)
        .arg("--out")
        .arg(out.path())
        .expect_exit(0)
        .run();
    let mut docs = BTreeMap::new();
    read_yaml(out.path(), out.path(), &mut docs);
    assert!(!docs.is_empty(), "no YAML written");
    docs
}

fn read_yaml(root: &Path, dir: &Path, docs: &mut BTreeMap<String, Vec<Value>>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            read_yaml(root, &path, docs);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).expect("read yaml");
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            let values: Vec<Value> = serde_yaml::Deserializer::from_str(&text)
                .map(|doc| Value::deserialize(doc).unwrap_or_else(|e| panic!("{relative}: {e}")))
                .filter(|v| !v.is_null())
                .collect();
            docs.insert(relative, values);
        }
    }
}

fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| Cluster::from_objects(documents().values().flatten().cloned()))
}

fn written_cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| Cluster::from_objects(written_documents().values().flatten().cloned()))
}

// ------------------------------------------------------------------ verdict helpers

fn outside() -> Endpoint<'static> {
    Endpoint::Ip(OUTSIDE.parse::<IpAddr>().unwrap())
}

/// L4: egress on SRC's side and ingress on DST's side, TCP.
fn l4(src: &str, dst: &str, port: u16) -> bool {
    cluster().connection_allowed(Endpoint::Pod(pod(src)), Endpoint::Pod(pod(dst)), port, TCP)
}

/// L7: DST's sidecar (mTLS mode, then AuthorizationPolicy) on an HTTP request from SRC.
fn l7(src: &str, dst: &str, port: u16, method: &str, path: &str) -> bool {
    let req = Request::from_pod(pod(src), TD, port).http(method, path);
    cluster().request_allowed(pod(dst), &req).is_allowed()
}

/// L7 on a plain TCP (non-HTTP) stream from SRC over mTLS.
fn l7_tcp(src: &str, dst: &str, port: u16) -> bool {
    let req = Request::from_pod(pod(src), TD, port);
    cluster().request_allowed(pod(dst), &req).is_allowed()
}

// ------------------------------------------------------------------ objects themselves

fn objects(kind: &str) -> Vec<&'static Value> {
    documents()
        .values()
        .flatten()
        .filter(|d| d["kind"] == kind)
        .collect()
}

#[test]
fn routes_name_existing_ports_and_subsets() {
    // docs/output.md invariant 4. Hand-read from the intents: service → (Service port, subsets).
    let expected: BTreeMap<&str, (u64, Vec<&str>)> = [
        // shop/catalog.intent:6,22-25 — route http on Service port 80, split v1/v2
        ("catalog.shop.svc.cluster.local", (80, vec!["v1", "v2"])),
        // shop/checkout.intent:4,13
        ("checkout.shop.svc.cluster.local", (8080, vec![])),
        // billing/payments.intent:6,17
        ("payments.billing.svc.cluster.local", (9090, vec![])),
    ]
    .into();
    let rules = objects("DestinationRule");
    let vss = objects("VirtualService");
    assert_eq!(vss.len(), expected.len());
    for vs in vss {
        let host = vs["spec"]["hosts"][0].as_str().unwrap();
        let (port, subsets) = expected.get(host).unwrap_or_else(|| panic!("host {host}"));
        for route in vs["spec"]["http"].as_array().unwrap() {
            assert_eq!(route["match"][0]["port"].as_u64(), Some(*port), "{host}");
            for dest in route["route"].as_array().unwrap() {
                assert_eq!(dest["destination"]["port"]["number"].as_u64(), Some(*port));
                if let Some(subset) = dest["destination"]["subset"].as_str() {
                    assert!(subsets.contains(&subset), "{host} subset {subset}");
                    let defined =
                        rules.iter().any(|dr| {
                            dr["spec"]["host"] == host
                                && dr["spec"]["subsets"].as_array().unwrap().iter().any(|s| {
                                    s["name"] == subset && s["labels"]["version"] == subset
                                })
                        });
                    assert!(defined, "{host}: subset {subset} has no DestinationRule");
                }
            }
        }
    }
    // payments.intent:19 — retries 0 is written attempts: 0
    let payments = objects("VirtualService")
        .into_iter()
        .find(|vs| vs["spec"]["hosts"][0] == "payments.billing.svc.cluster.local")
        .unwrap();
    assert_eq!(payments["spec"]["http"][0]["retries"]["attempts"], 0);
}

#[test]
fn every_object_is_labelled_and_nothing_is_left_unmodelled() {
    for (file, docs) in documents() {
        for doc in docs {
            if doc["kind"] == "Kustomization" {
                continue;
            }
            assert_eq!(
                doc["metadata"]["labels"]["app.kubernetes.io/managed-by"], "meshward",
                "{file}: {}",
                doc["metadata"]["name"]
            );
        }
    }
    // The evaluator understood every policy it was given (no CUSTOM, no `when`, ...).
    assert!(cluster().notes().is_empty(), "{:?}", cluster().notes());
}
