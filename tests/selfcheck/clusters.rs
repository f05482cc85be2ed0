//! Corrupted trees of a mesh of several clusters: examples/shop-multicluster (east and
//! central on one network, west on another), one cluster's objects broken the way a
//! compiler bug could, and the self-check naming what it made wrong (invariant 14).

use super::object;
use meshward::pipeline::clusters::{objects, self_check};
use serde_json::{json, Value};
use std::path::Path;

type Trees = Vec<(String, Vec<Value>)>;

fn shop() -> (meshward::ir::Mesh, Trees) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop-multicluster");
    let compiled = meshward::pipeline::run(&dir);
    assert!(compiled.faults.is_empty(), "{:#?}", compiled.faults);
    let (mesh, _) = compiled.result.expect("compiles");
    let trees = objects(&mesh).expect("render");
    (mesh, trees)
}

fn tree<'a>(trees: &'a mut Trees, cluster: &str) -> &'a mut Vec<Value> {
    &mut trees
        .iter_mut()
        .find(|(name, _)| name == cluster)
        .unwrap_or_else(|| panic!("no cluster {cluster}"))
        .1
}

fn caught(corrupt: impl FnOnce(&mut Trees), expect: &[&str]) {
    let (mesh, mut trees) = shop();
    corrupt(&mut trees);
    let faults: Vec<String> = self_check(&mesh, &trees).into_iter().map(|f| f.0).collect();
    if std::env::var_os("SHOW_FAULTS").is_some() {
        eprintln!("{faults:#?}");
    }
    assert!(
        faults.iter().any(|f| expect.iter().all(|e| f.contains(e))),
        "no fault mentions {expect:?}: {faults:#?}"
    );
}

/// The rules of a NetworkPolicy in DIRECTION (`ingress`, `egress`).
fn rules<'a>(o: &'a mut Value, direction: &str) -> &'a mut Vec<Value> {
    o["spec"][direction].as_array_mut().expect("rules")
}

#[test]
fn the_multicluster_shop_passes_and_each_tree_holds_what_its_cluster_runs() {
    let (mesh, trees) = shop();
    assert_eq!(self_check(&mesh, &trees), vec![]);
    let names: Vec<&str> = trees.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["central", "east", "west"]);
    let services = |cluster: &str| -> Vec<String> {
        let (_, objects) = trees.iter().find(|(n, _)| n == cluster).expect("tree");
        let mut out: Vec<String> = objects
            .iter()
            .filter(|o| o["kind"] == "AuthorizationPolicy" && o["spec"]["selector"].is_object())
            .map(|o| format!("{}.{}", o["metadata"]["name"], o["metadata"]["namespace"]))
            .map(|s| s.replace('"', ""))
            .collect();
        out.sort();
        out
    };
    assert_eq!(services("central"), ["frontend.deny.web", "frontend.web"]);
    assert_eq!(
        services("west"),
        ["catalog.shop", "frontend.deny.web", "frontend.web"]
    );
    assert!(services("east").contains(&"orders.shop".to_string()));
    assert!(!services("east").iter().any(|s| s.contains(".web")));
}

#[test]
fn a_principal_in_the_wrong_trust_domain_is_an_outage_for_that_cluster() {
    caught(
        |t| {
            let p = object(tree(t, "east"), "AuthorizationPolicy", "shop", "orders");
            let text = p.to_string().replace(
                "central.example.com/ns/web/sa/frontend",
                "east.example.com/ns/web/sa/frontend",
            );
            *p = serde_json::from_str(&text).expect("json");
        },
        &["frontend.web@central", "orders.shop@east", "intent allows"],
    );
}

#[test]
fn a_missing_gateway_leg_is_an_outage_across_networks() {
    // Every pod of web may call catalog (`allow namespace web`), which also runs in east:
    // the namespace's egress reaches east's gateway too. Both rules go.
    caught(
        |t| {
            let west = tree(t, "west");
            for name in ["frontend", "meshward.namespace-egress"] {
                let np = object(west, "NetworkPolicy", "web", name);
                let before = rules(np, "egress").len();
                rules(np, "egress").retain(|r| !r.to_string().contains("15443"));
                assert_eq!(rules(np, "egress").len(), before - 1, "{name}");
            }
        },
        &[
            "frontend.web@west",
            "orders.shop@east",
            "15443",
            "intent allows",
        ],
    );
}

#[test]
fn a_widened_pod_range_admits_a_third_cluster() {
    caught(
        |t| {
            let np = object(tree(t, "east"), "NetworkPolicy", "shop", "orders");
            let text = np.to_string().replace("10.2.0.0/16", "10.0.0.0/8");
            *np = serde_json::from_str(&text).expect("json");
        },
        &["orders.shop@east", "10.3.0.0", "intent denies"],
    );
}

#[test]
fn the_east_west_pods_admitted_where_no_caller_crosses_networks() {
    caught(
        |t| {
            let np = object(tree(t, "east"), "NetworkPolicy", "billing", "ledger");
            rules(np, "ingress").push(json!({
                "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-system"}},
                          "podSelector": {"matchLabels": {"istio": "eastwestgateway"}}}],
                "ports": [{"port": 9090, "protocol": "TCP"}]
            }));
        },
        &["ledger.billing@east", "east-west gateway", "intent denies"],
    );
}

#[test]
fn a_service_in_the_tree_of_a_cluster_that_does_not_run_it() {
    caught(
        |t| {
            let orders: Vec<Value> = tree(t, "east")
                .iter()
                .filter(|o| {
                    o["metadata"]["namespace"] == "shop" && o["metadata"]["name"] == "orders"
                })
                .cloned()
                .collect();
            tree(t, "west").extend(orders);
        },
        &["cluster west", "orders.shop does not run there"],
    );
}

#[test]
fn a_caller_egress_to_the_wrong_pod_range() {
    caught(
        |t| {
            let np = object(tree(t, "central"), "NetworkPolicy", "web", "frontend");
            let text = np.to_string().replace("10.1.0.0/16", "10.3.0.0/16");
            *np = serde_json::from_str(&text).expect("json");
        },
        &["frontend.web@central", "10.3.0.0", "intent denies"],
    );
}

#[test]
fn an_impostor_principal_admitted_from_a_cluster_the_caller_does_not_run_in() {
    caught(
        |t| {
            let p = object(tree(t, "east"), "AuthorizationPolicy", "shop", "orders");
            let text = p.to_string().replace(
                "\"west.example.com/ns/web/sa/frontend\"",
                "\"west.example.com/ns/web/sa/frontend\",\"east.example.com/ns/web/sa/frontend\"",
            );
            *p = serde_json::from_str(&text).expect("json");
        },
        &["east.example.com/ns/web/sa/frontend", "intent denies"],
    );
}
