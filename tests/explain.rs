//! `meshward explain` agrees with the evaluator and the intents for every pair of
//! examples/shop, and keeps the exit codes of the contract.

mod common;

use common::{root, Meshward};
use meshward::evaluate::{Cluster, Endpoint, Pod, Transport};
use meshward::explain::{explain, Question};
use meshward::ir::Caller;
use std::path::PathBuf;

fn shop() -> PathBuf {
    root().join("examples/shop")
}

#[test]
fn every_pair_of_shop_agrees_with_the_evaluator_and_the_intents() {
    let compiled = meshward::pipeline::run(&shop());
    let (mesh, _) = compiled.result.as_ref().expect("shop compiles");
    let objects = meshward::pipeline::render_objects(mesh).expect("render");
    let cluster = Cluster::from_objects(objects.iter().cloned());
    let pod = |i: &meshward::ir::Identity| {
        let mut p = Pod::new(&i.name, &i.namespace).account(&i.account);
        for (k, v) in &i.selector {
            p = p.label(k, v);
        }
        p
    };
    let callers = mesh
        .services
        .iter()
        .map(|s| &s.identity)
        .chain(mesh.workloads.iter().map(|w| &w.identity));
    let mut checked = 0;
    for from in callers {
        for to in &mesh.services {
            for port in &to.ports {
                let q = Question {
                    from: format!("{}.{}", from.name, from.namespace),
                    to: format!("{}.{}", to.name(), to.namespace()),
                    port: Some(port.name.clone()),
                    request: None,
                };
                let answer = explain(mesh, &objects, &compiled.sources, &q).expect("explain");
                // The intent: some allow on TO covers FROM on this port.
                let intended = to.allows.iter().any(|a| {
                    a.ports.iter().any(|&i| to.ports[i].name == port.name)
                        && a.callers.iter().any(|c| match c {
                            Caller::Anyone => true,
                            Caller::Namespace(ns) => *ns == from.namespace,
                            Caller::Pods(i) => **i == *from,
                        })
                });
                // The evaluator, directly: the connection exists at L4 from both ends.
                let (src, dst) = (pod(from), pod(&to.identity));
                let l4 =
                    cluster.ingress_allows(&dst, Endpoint::Pod(&src), port.target, Transport::Tcp)
                        && (!from.managed
                            || cluster.egress_allows(
                                &src,
                                Endpoint::Pod(&dst),
                                port.target,
                                Transport::Tcp,
                            ));
                assert_eq!(
                    answer.allowed, intended,
                    "{} → {} {}: explain vs intent",
                    q.from, q.to, port.name
                );
                assert_eq!(
                    answer.allowed, l4,
                    "{} → {} {}: explain vs evaluator",
                    q.from, q.to, port.name
                );
                assert_eq!(answer.allowed, !answer.ports[0].allowed_by.is_empty());
                assert_eq!(answer.allowed, answer.ports[0].nearest.is_empty());
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} pairs");
}

/// `meshward explain examples/shop ARGS...`, which must exit with `exit`; its stdout.
fn run(args: &[&str], exit: i32) -> String {
    Meshward::new()
        .arg("explain")
        .arg(shop())
        .args(args)
        .expect_exit(exit)
        .run()
        .stdout
}

#[test]
fn exit_codes_and_output() {
    let text = run(
        &[
            "frontend.web",
            "catalog.shop",
            "http",
            "GET",
            "/api/products",
        ],
        0,
    );
    assert!(text.contains("shop/catalog.intent:8"), "{text}");
    assert!(
        text.contains("Service port 80 → target port 8080"),
        "{text}"
    );

    let text = run(
        &[
            "frontend.web",
            "catalog.shop",
            "http",
            "POST",
            "/api/products",
        ],
        1,
    );
    assert!(text.contains("nearest"), "{text}");

    // Without PORT: allowed when some port admits FROM.
    run(&["checkout.shop", "orders.shop"], 0);
    run(&["ingressgateway.istio-system", "orders.shop"], 1);
    // A port by Service port number.
    run(&["frontend.web", "catalog.shop", "80"], 0);
    // Errors.
    run(&["frontend.web", "nope.shop"], 2);
    run(&["frontend.web", "catalog.shop", "nope"], 2);

    let json = run(&["orders.shop", "postgres.data", "--format", "json"], 0);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["allowed"], true);
    assert_eq!(v["ports"][0]["target_port"], 5432);
}
