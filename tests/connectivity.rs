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

/// `meshward explain --cluster ARGS...`: (stdout, stderr).
fn explain(args: &[&str], exit: i32) -> (String, String) {
    let out = Meshward::new()
        .arg("explain")
        .arg("--cluster")
        .args(args)
        .expect_exit(exit)
        .run();
    (out.stdout, out.stderr)
}

#[test]
fn explain_cluster_names_the_policies_and_where_they_are() {
    let corpus = root().join("tests/corpus/mesh-l7");
    let dir = corpus.to_str().expect("utf-8");
    let (out, _) = explain(
        &[
            dir,
            "web-5b8c.shop",
            "api.shop",
            "http",
            "GET",
            "/api/orders",
        ],
        0,
    );
    assert!(
        out.contains("ok   L4 ingress allowed by NetworkPolicy shop/api ("),
        "{out}"
    );
    assert!(out.contains("cluster.yaml:61)"), "{out}");
    assert!(out.contains("ok   L7         GET /api/orders: ALLOW policy shop/api rule 0; AuthorizationPolicy shop/api ("), "{out}");
    assert!(out.ends_with("ALLOWED\n"), "{out}");
    // A path the policy does not grant, and a caller it does not name: denied at L7.
    let (out, _) = explain(
        &[
            dir,
            "web-5b8c.shop",
            "api.shop",
            "8080",
            "POST",
            "/api/orders",
        ],
        1,
    );
    assert!(out.contains("DENY L7"), "{out}");
    let (out, _) = explain(&[dir, "batch.shop", "api.shop"], 1);
    assert!(out.contains("DENY L7         a TCP connection"), "{out}");
    // The documentation example: db admits frontend only.
    let docs = root().join("tests/corpus/k8s-docs/cluster.yaml");
    let docs = docs.to_str().expect("utf-8");
    let (out, _) = explain(&[docs, "other.default", "db.default", "6379"], 1);
    assert!(
        out.contains("DENY L4 ingress no rule admits it on 6379/TCP; isolated by NetworkPolicy default/test-network-policy (")
            && out.contains("cluster.yaml:51)"),
        "{out}"
    );
    let (out, _) = explain(
        &[
            docs,
            "frontend.default",
            "db.default",
            "6379",
            "--format",
            "json",
        ],
        0,
    );
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["allowed"], true);
    assert_eq!(v["kind"], "workload");
}

#[test]
fn explain_cluster_errors_say_what_to_do() {
    let corpus = root().join("tests/corpus/mesh-l7");
    let dir = corpus.to_str().expect("utf-8");
    let (_, err) = explain(&[dir, "nobody.shop", "api.shop"], 2);
    assert!(
        err.contains("no workload `nobody.shop` in the input; it holds api.shop"),
        "{err}"
    );
    let (_, err) = explain(&["no-such-file.yaml", "a.b", "c.d"], 2);
    assert!(
        err.contains("usage: meshward explain --cluster PATH... FROM TO"),
        "{err}"
    );
    let (_, err) = explain(&[dir, "web-5b8c.shop", "api.shop", "grpc"], 2);
    assert!(
        err.contains("`grpc` is neither a port number nor a named container port of api.shop"),
        "{err}"
    );
}

#[test]
fn explain_cluster_follows_the_ambient_path() {
    let dir = "tests/corpus/ambient/cluster.yaml";
    // Through the waypoint: two HBONE hops, the waypoint judges the request with the
    // caller's identity, the destination's ztunnel the waypoint's.
    let (out, _) = explain(
        &[dir, "frontend.web", "orders.shop", "8080", "GET", "/api/x"],
        0,
    );
    assert!(
        out.contains("-> waypoint shop/shop-waypoint -> orders.shop's ztunnel"),
        "{out}"
    );
    assert!(out.contains("hop 1: shop-waypoint.shop ingress on 15008/TCP allowed by NetworkPolicy shop/waypoint-in (tests/corpus/ambient/cluster.yaml:"), "{out}");
    assert!(
        out.contains(
            "hop 2: orders.shop ingress on 15008/TCP allowed by NetworkPolicy shop/orders-hbone"
        ),
        "{out}"
    );
    assert!(out.contains("L7 waypoint GET /api/x from cluster.local/ns/web/sa/frontend: ALLOW policy shop/orders-l7 rule 0"), "{out}");
    assert!(out.contains("as cluster.local/ns/shop/sa/shop-waypoint: ALLOW policy shop/orders-l4 rule 0 (ztunnel)"), "{out}");
    let (out, _) = explain(
        &[dir, "frontend.web", "orders.shop", "8080", "POST", "/api/x"],
        1,
    );
    assert!(out.contains("DENY L7 waypoint"), "{out}");
    // A namespace the waypoint does not admit HBONE from is refused on hop 1.
    let (out, _) = explain(&[dir, "debug.tools", "orders.shop", "8080"], 1);
    assert!(out.contains("DENY L4 ingress (HBONE) hop 1"), "{out}");
    // cart opts out of the waypoint: ztunnel alone, which keeps rule 0 (frontend on
    // 9090) and drops rule 1 (it holds a method).
    let (out, _) = explain(&[dir, "frontend.web", "cart.shop", "9090"], 0);
    assert!(
        out.contains("no waypoint serves Service shop/cart"),
        "{out}"
    );
    let (out, _) = explain(&[dir, "debug.tools", "cart.shop", "9090", "GET", "/"], 1);
    assert!(out.contains("DENY L4 ztunnel"), "{out}");
}

#[test]
fn principals_are_in_the_trust_domain_given() {
    let dir = "tests/corpus/mesh-l7/cluster.yaml";
    let listing = |extra: &[&str]| {
        Meshward::new()
            .arg("connectivity")
            .arg(dir)
            .args(extra)
            .expect_exit(0)
            .run()
            .stdout
    };
    let line = |text: &str| {
        text.lines()
            .find(|l| l.starts_with("shop/web-5b8c[ReplicaSet] => shop/api[Deployment]"))
            .map(str::to_string)
            .unwrap_or_default()
    };
    // api's AuthorizationPolicy names cluster.local/ns/shop/sa/web.
    assert!(line(&listing(&[])).ends_with("(l7 partial)"));
    assert!(line(&listing(&["--trust-domain", "prod.example"])).ends_with("(l7 none)"));
    let (out, _) = explain(
        &[
            dir,
            "web-5b8c.shop",
            "api.shop",
            "8080",
            "GET",
            "/api/x",
            "--trust-domain",
            "prod.example",
        ],
        1,
    );
    assert!(out.contains("prod.example/ns/shop/sa/web"), "{out}");
}
