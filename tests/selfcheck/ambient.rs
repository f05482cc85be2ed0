//! Corrupted ambient objects: examples/shop moved to `dataplane ambient` (a waypoint in
//! each namespace that needs one), every namespace enforced, one object broken the way a
//! compiler bug could, and the self-check naming what it made wrong.

use super::object;
use meshward::render::Reading;
use meshward::selfcheck::self_check_as;
use serde_json::{json, Value};
use std::path::Path;

#[path = "../common/ambient.rs"]
mod variant;

/// examples/shop under ambient, rendered as READING.
fn shop(reading: Reading) -> (meshward::ir::Mesh, Vec<Value>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop");
    let (files, _) = variant::ambient_texts(&dir);
    let compiled = meshward::pipeline::run_texts(files);
    assert!(compiled.faults.is_empty(), "{:#?}", compiled.faults);
    let (mesh, _) = compiled.result.expect("compiles");
    let objects = meshward::pipeline::render_objects_as(&mesh, reading).expect("render");
    (mesh, objects)
}

fn caught(corrupt: impl FnOnce(&mut Vec<Value>), expect: &[&str]) {
    caught_as(Reading::Enforced, corrupt, expect)
}

fn caught_as(reading: Reading, corrupt: impl FnOnce(&mut Vec<Value>), expect: &[&str]) {
    let (mesh, mut objects) = shop(reading);
    corrupt(&mut objects);
    let faults: Vec<String> = self_check_as(&mesh, &objects, reading)
        .into_iter()
        .map(|f| f.0)
        .collect();
    if std::env::var_os("SHOW_FAULTS").is_some() {
        eprintln!("{faults:#?}");
    }
    assert!(
        faults.iter().any(|f| expect.iter().all(|e| f.contains(e))),
        "no fault mentions {expect:?}: {faults:#?}"
    );
}

fn policy<'a>(o: &'a mut [Value], ns: &str, name: &str) -> &'a mut Value {
    object(o, "AuthorizationPolicy", ns, name)
}

fn network<'a>(o: &'a mut [Value], ns: &str, name: &str) -> &'a mut Value {
    object(o, "NetworkPolicy", ns, name)
}

/// Bind a waypoint policy by `selector` instead, where ztunnel reads it.
fn to_selector(p: &mut Value, app: &str) {
    let spec = p["spec"].as_object_mut().expect("spec");
    spec.remove("targetRefs");
    spec.insert("selector".into(), json!({"matchLabels": {"app": app}}));
}

#[test]
fn the_ambient_shop_passes_and_has_its_waypoints() {
    let (mesh, objects) = shop(Reading::Enforced);
    assert_eq!(self_check_as(&mesh, &objects, Reading::Enforced), vec![]);
    let (mesh, objects) = shop(Reading::Written);
    assert_eq!(self_check_as(&mesh, &objects, Reading::Written), vec![]);
    let gateways: Vec<&str> = objects
        .iter()
        .filter(|o| o["kind"] == "Gateway")
        .map(|o| o["metadata"]["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        gateways,
        ["billing-waypoint", "shop-waypoint", "web-waypoint"]
    );
    assert!(!objects.iter().any(|o| o["kind"] == "Sidecar"));
}

#[test]
fn an_allow_bound_by_selector_loses_its_http_rules_at_ztunnel() {
    caught(
        |o| to_selector(policy(o, "shop", "orders"), "orders"),
        &["orders.shop", "intent allows", "denies"],
    );
}

#[test]
fn a_deny_bound_by_selector_refuses_nothing_at_ztunnel() {
    caught(
        |o| to_selector(policy(o, "web", "frontend.deny"), "frontend"),
        &["frontend.web", "intent denies", "allows"],
    );
}

#[test]
fn ztunnel_without_the_waypoint_rule_refuses_every_relayed_call() {
    caught(
        |o| {
            let rules = policy(o, "shop", "orders.ztunnel")["spec"]["rules"]
                .as_array_mut()
                .expect("rules");
            rules.retain(|r| !r.to_string().contains("shop-waypoint"));
        },
        &[
            "orders.shop",
            "from its waypoint",
            "intent allows, ztunnel denies",
        ],
    );
}

#[test]
fn ztunnel_admitting_a_caller_directly_skips_the_waypoints_rules() {
    caught(
        |o| {
            let p = policy(o, "shop", "orders.ztunnel");
            p["spec"]["rules"][0]["from"][0]["source"]["principals"]
                .as_array_mut()
                .expect("principals")
                .push(json!("cluster.local/ns/web/sa/frontend"));
        },
        &[
            "orders.shop",
            "cluster.local/ns/web/sa/frontend",
            "skipping the waypoint",
        ],
    );
}

#[test]
fn a_network_policy_admitting_callers_around_the_waypoint() {
    caught(
        |o| {
            let np = network(o, "shop", "orders");
            np["spec"]["ingress"].as_array_mut().expect("ingress").push(json!({
                "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "web"}}}],
                "ports": [{"port": 15008, "protocol": "TCP"}]
            }));
        },
        &["L4 ingress to orders.shop:15008", "intent denies"],
    );
}

#[test]
fn a_widened_waypoint_network_policy() {
    caught(
        |o| {
            let np = network(o, "billing", "meshward.waypoint");
            np["spec"]["ingress"][0]["from"] = json!([{"namespaceSelector": {}}]);
        },
        &["waypoint billing-waypoint in billing", "intent denies"],
    );
}

#[test]
fn a_missing_gateway_leaves_the_services_without_their_waypoint() {
    caught(
        |o| o.retain(|x| !(x["kind"] == "Gateway" && x["metadata"]["name"] == "shop-waypoint")),
        &["waypoint of orders.shop", "shop-waypoint"],
    );
}

#[test]
fn kubelet_probes_not_admitted_keep_pods_unready() {
    caught(
        |o| {
            let np = network(o, "data", "redis");
            np["spec"]["ingress"]
                .as_array_mut()
                .expect("ingress")
                .retain(|r| !r.to_string().contains("169.254.7.127"));
        },
        &[
            "redis.data:6379",
            "kubelet's probes",
            "ambient needs allows, NetworkPolicy denies",
        ],
    );
}

#[test]
fn a_caller_without_egress_to_the_waypoint_is_cut_off() {
    caught(
        |o| {
            let np = network(o, "shop", "checkout");
            np["spec"]["egress"]
                .as_array_mut()
                .expect("egress")
                .retain(|r| !r.to_string().contains("shop-waypoint"));
        },
        &[
            "L4 egress from checkout.shop to waypoint",
            ":15008",
            "intent allows",
        ],
    );
}

#[test]
fn a_request_authentication_bound_by_selector_is_not_read_at_the_waypoint() {
    caught(
        |o| {
            let ra = object(o, "RequestAuthentication", "web", "frontend");
            to_selector(ra, "frontend");
        },
        &["frontend.web"],
    );
}

#[test]
fn a_service_without_a_waypoint_admits_its_callers_on_hbone_only() {
    caught(
        |o| {
            let np = network(o, "data", "redis");
            for rule in np["spec"]["ingress"].as_array_mut().expect("ingress") {
                if rule.to_string().contains("15008") {
                    rule["ports"] = json!([{"port": 6379, "protocol": "TCP"}]);
                }
            }
        },
        &["redis.data", "intent allows"],
    );
}

#[test]
fn a_scraper_rule_dropped_at_ztunnel_without_a_waypoint() {
    caught(
        |o| {
            o.retain(|x| {
                !(x["kind"] == "AuthorizationPolicy" && x["metadata"]["name"] == "redis.ztunnel")
            })
        },
        &[
            "redis.data:15020",
            "prometheus-k8s",
            "intent allows, ztunnel denies",
        ],
    );
}

#[test]
fn a_waypoint_policy_of_a_dry_run_namespace_without_its_annotation_enforces() {
    caught_as(
        Reading::Written,
        |o| {
            let ap = policy(o, "billing", "payments");
            ap["metadata"]
                .as_object_mut()
                .expect("metadata")
                .remove("annotations");
        },
        &["payments.billing"],
    );
}
