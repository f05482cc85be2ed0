//! `meshward connectivity` on a corpus of clusters written by hand, each with the listing
//! expected of it (`expected.txt`, checked line by line when it was written: see the
//! comments at the top of each `cluster.yaml`), the JSON form of cli.md, and the exits.

mod common;

use common::{root, Meshward};
use serde_json::Value;

fn corpus() -> Vec<std::path::PathBuf> {
    let dir = root().join("tests/corpus");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/corpus")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

#[test]
fn every_cluster_of_the_corpus_gives_its_expected_listing() {
    let all = corpus();
    assert!(all.len() >= 2);
    for dir in all {
        let got = Meshward::new()
            .arg("connectivity")
            .arg(dir.join("cluster.yaml"))
            .expect_exit(0)
            .run()
            .stdout;
        let want = std::fs::read_to_string(dir.join("expected.txt")).expect("expected.txt");
        assert_eq!(got, want, "{}", dir.display());
    }
}

#[test]
fn the_json_form_is_clis_and_sorted() {
    let out = Meshward::new()
        .arg("connectivity")
        .arg(root().join("tests/corpus/k8s-docs"))
        .args(["--format", "json"])
        .expect_exit(0)
        .run()
        .stdout;
    let v: Value = serde_json::from_str(&out).expect("json");
    let list = v["connections"].as_array().expect("connections");
    let keys: Vec<(String, String)> = list
        .iter()
        .map(|c| {
            (
                c["from"].as_str().unwrap().to_string(),
                c["to"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let db = list
        .iter()
        .find(|c| c["from"] == "default/frontend" && c["to"] == "default/db")
        .expect("frontend to db");
    assert_eq!(
        db,
        &serde_json::json!({
            "from": "default/frontend", "from_kind": "Deployment",
            "to": "default/db", "to_kind": "Deployment",
            "l4": [{"protocol": "TCP", "ports": [[6379, 6379]]}],
            "l7": "all"
        })
    );
    let open = list
        .iter()
        .find(|c| c["from"] == "default/frontend" && c["to"] == "default/other")
        .expect("frontend to other");
    assert_eq!(
        open["l4"][2],
        serde_json::json!({"protocol": "SCTP", "ports": [[1, 65535]]})
    );
    assert!(list
        .iter()
        .any(|c| c["to"] == "ipBlock:10.0.0.0/24" && c["to_kind"] == "IP"));
    // A workload is never paired with itself.
    assert!(list.iter().all(|c| c["from"] != c["to"]));
}

#[test]
fn unreadable_input_is_named_and_nothing_is_listed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        "kind: Pod\nmetadata:\n  name: a\n---\nkind: [unclosed\n",
    )
    .expect("write");
    let out = Meshward::new()
        .arg("connectivity")
        .arg(&file)
        .expect_exit(2)
        .run();
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains("bad.yaml:5: error: not valid YAML"),
        "{}",
        out.stderr
    );
    let nameless = dir.path().join("nameless.json");
    std::fs::write(&nameless, r#"{"kind": "Pod", "metadata": {}}"#).expect("write");
    let out = Meshward::new()
        .arg("connectivity")
        .arg(&nameless)
        .expect_exit(2)
        .run();
    assert!(
        out.stderr
            .contains("nameless.json:1: error: an object without"),
        "{}",
        out.stderr
    );
}

#[test]
fn kinds_nothing_reads_are_noted_once_each() {
    let out = Meshward::new()
        .arg("connectivity")
        .arg(root().join("tests/corpus/mesh-l7"))
        .expect_exit(0)
        .run();
    assert!(
        out.stderr.contains("note: 1 ConfigMap object(s) skipped"),
        "{}",
        out.stderr
    );
}
