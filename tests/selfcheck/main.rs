//! The self-check catches a rendered object that disagrees with the intents.
//!
//! Each test compiles examples/shop, corrupts one rendered object the way a compiler bug
//! could (a widened selector, a dropped egress rule, a changed principal, ...), and shows
//! that `selfcheck::self_check` names the pair that the corruption made wrong.

mod ambient;
mod authorization;
mod beyond;
mod cilium;
mod clusters;
mod dryrun;
mod resilience;

use meshward::render::Reading;
use meshward::selfcheck::{self_check, self_check_as};
use serde_json::{json, Value};
use std::path::Path;

/// The tree at DIR (relative to the crate root), compiled and rendered as enforced: a
/// dry-run namespace (billing in examples/shop) gets the objects enforcing it would write,
/// which is what these corruptions are about. `dryrun.rs` corrupts what is written.
fn tree(dir: &str) -> (meshward::ir::Mesh, Vec<Value>) {
    tree_as(dir, Reading::Enforced)
}

fn tree_as(dir: &str, reading: Reading) -> (meshward::ir::Mesh, Vec<Value>) {
    let compiled = meshward::pipeline::run(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir));
    assert!(compiled.faults.is_empty(), "{:?}", compiled.faults);
    let (mesh, _) = compiled.result.unwrap_or_else(|| panic!("{dir} compiles"));
    let objects = meshward::pipeline::render_objects_as(&mesh, reading).expect("render");
    (mesh, objects)
}

fn object<'a>(objects: &'a mut [Value], kind: &str, namespace: &str, name: &str) -> &'a mut Value {
    objects
        .iter_mut()
        .find(|o| {
            o["kind"] == kind
                && o["metadata"]["namespace"] == namespace
                && o["metadata"]["name"] == name
        })
        .unwrap_or_else(|| panic!("no {kind} {namespace}/{name}"))
}

/// Apply CORRUPT and return the faults, which must name every word of EXPECT.
fn caught(corrupt: impl FnOnce(&mut Vec<Value>), expect: &[&str]) -> Vec<String> {
    caught_in("examples/shop", corrupt, expect)
}

/// [`caught`] on the tree at DIR.
fn caught_in(dir: &str, corrupt: impl FnOnce(&mut Vec<Value>), expect: &[&str]) -> Vec<String> {
    caught_as(dir, Reading::Enforced, corrupt, expect)
}

/// [`caught_in`] on the tree rendered as READING.
fn caught_as(
    dir: &str,
    reading: Reading,
    corrupt: impl FnOnce(&mut Vec<Value>),
    expect: &[&str],
) -> Vec<String> {
    let (mesh, mut objects) = tree_as(dir, reading);
    corrupt(&mut objects);
    let faults: Vec<String> = self_check_as(&mesh, &objects, reading)
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert!(!faults.is_empty(), "corruption not caught");
    if std::env::var_os("SHOW_FAULTS").is_some() {
        eprintln!("{faults:#?}");
    }
    assert!(
        faults.iter().any(|f| expect.iter().all(|e| f.contains(e))),
        "no fault mentions {expect:?}: {faults:#?}"
    );
    faults
}

#[test]
fn the_examples_pass() {
    for example in ["shop", "hello"] {
        let compiled = meshward::pipeline::run(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples")
                .join(example),
        );
        let (mesh, _) = compiled.result.expect("compiles");
        let objects = meshward::pipeline::render_objects(&mesh).expect("render");
        assert_eq!(self_check(&mesh, &objects), vec![]);
        let enforced = meshward::pipeline::render_objects_as(&mesh, Reading::Enforced);
        let enforced = enforced.expect("render");
        assert_eq!(self_check_as(&mesh, &enforced, Reading::Enforced), vec![]);
    }
}

#[test]
fn widened_ingress_selector() {
    // catalog admits frontend in web; widen that peer to every pod of web... and of shop.
    caught(
        |o| {
            let np = object(o, "NetworkPolicy", "shop", "orders");
            np["spec"]["ingress"][0]["from"][0]["podSelector"] = json!({});
        },
        &[
            "L4 ingress to orders.shop",
            "NetworkPolicy allows",
            "intent denies",
        ],
    );
}

#[test]
fn ingress_open_to_everyone() {
    caught(
        |o| {
            let np = object(o, "NetworkPolicy", "data", "postgres");
            np["spec"]["ingress"][0]
                .as_object_mut()
                .expect("rule")
                .remove("from");
        },
        &["L4 ingress to postgres.data", "any source"],
    );
}

#[test]
fn dropped_egress_rule() {
    caught(
        |o| {
            let np = object(o, "NetworkPolicy", "web", "frontend");
            np["spec"]["egress"]
                .as_array_mut()
                .expect("egress")
                .remove(0);
        },
        &[
            "L4 egress from frontend.web",
            "intent allows, NetworkPolicy denies",
        ],
    );
}

#[test]
fn dropped_dns_egress() {
    caught(
        |o| {
            let np = object(o, "NetworkPolicy", "billing", "meshward.namespace-egress");
            np["spec"]["egress"]
                .as_array_mut()
                .expect("egress")
                .remove(0);
        },
        &["L4 egress", "DNS pods in kube-system:53"],
    );
}

#[test]
fn changed_principal() {
    caught(
        |o| {
            let ap = object(o, "AuthorizationPolicy", "shop", "orders");
            ap["spec"]["rules"][0]["from"][0]["source"]["principals"] =
                json!(["cluster.local/ns/shop/sa/cart"]);
        },
        &[
            "L7",
            "orders.shop:8080",
            "cluster.local/ns/web/sa/frontend",
            "intent allows",
        ],
    );
}

#[test]
fn widened_path() {
    caught(
        |o| {
            let ap = object(o, "AuthorizationPolicy", "shop", "orders");
            ap["spec"]["rules"][0]["to"][0]["operation"]["paths"] = json!(["/api/*"]);
        },
        &[
            "L7",
            "orders.shop:8080",
            "intent denies, AuthorizationPolicy allows",
        ],
    );
}

#[test]
fn dropped_method_restriction() {
    caught(
        |o| {
            let ap = object(o, "AuthorizationPolicy", "shop", "orders");
            ap["spec"]["rules"][0]["to"][0]["operation"]
                .as_object_mut()
                .expect("operation")
                .remove("methods");
        },
        &[
            "L7 DELETE /api/orders",
            "intent denies, AuthorizationPolicy allows",
        ],
    );
}

#[test]
fn permissive_service_made_strict() {
    caught(
        |o| {
            o.retain(|x| {
                !(x["kind"] == "PeerAuthentication"
                    && x["metadata"]["namespace"] == "shop"
                    && x["spec"]["selector"].is_object())
            })
        },
        &["mTLS of inventory.shop", "intent Permissive"],
    );
}

#[test]
fn route_to_a_missing_subset() {
    caught(
        |o| {
            let dr = object(o, "DestinationRule", "shop", "catalog");
            dr["spec"]["subsets"]
                .as_array_mut()
                .expect("subsets")
                .remove(1);
        },
        &["VirtualService shop/catalog names subset v2"],
    );
}

// Corruptions a check of the common cases alone would miss: empty lists that mean
// "everything", extra ports and ranges, wildcard principals, subsets, port-level mTLS,
// missing namespace defaults, a policy that cannot be read back.

#[test]
fn empty_from_admits_everyone() {
    caught(
        |o| {
            object(o, "NetworkPolicy", "data", "postgres")["spec"]["ingress"][0]["from"] = json!([])
        },
        &["L4 ingress to postgres.data", "any source"],
    );
}

#[test]
fn empty_egress_to_and_ports() {
    caught(
        |o| object(o, "NetworkPolicy", "web", "frontend")["spec"]["egress"][0]["to"] = json!([]),
        &["L4 egress of frontend.web", "every destination"],
    );
    // An address range nobody asked for is asked about at its own addresses.
    caught(
        |o| {
            object(o, "NetworkPolicy", "web", "frontend")["spec"]["egress"][0]["to"] =
                json!([{"ipBlock": {"cidr": "10.99.0.0/16"}}])
        },
        &["L4 egress from frontend.web to 10.99.0.0", "intent denies"],
    );
    caught(
        |o| object(o, "NetworkPolicy", "web", "frontend")["spec"]["egress"][0]["ports"] = json!([]),
        &["L4 egress of frontend.web", "every port"],
    );
}

#[test]
fn extra_ingress_port_and_range() {
    caught(
        |o| {
            let rule = &mut object(o, "NetworkPolicy", "data", "postgres")["spec"]["ingress"][0];
            rule["ports"]
                .as_array_mut()
                .expect("ports")
                .push(json!({"port": 9999, "protocol": "TCP"}));
        },
        &[
            "L4 ingress to postgres.data:9999/Tcp",
            "intent denies, NetworkPolicy allows",
        ],
    );
    caught(
        |o| {
            let rule = &mut object(o, "NetworkPolicy", "data", "postgres")["spec"]["ingress"][0];
            rule["ports"][0]["endPort"] = json!(6000);
        },
        &[
            "L4 ingress to postgres.data:6000/Tcp",
            "intent denies, NetworkPolicy allows",
        ],
    );
}

#[test]
fn principal_widened_to_its_namespace_or_any_trust_domain() {
    caught(
        |o| {
            let ap = object(o, "AuthorizationPolicy", "shop", "orders");
            ap["spec"]["rules"][0]["from"][0]["source"] = json!({"namespaces": ["web"]});
        },
        &[
            "L7",
            "orders.shop:8080",
            "cluster.local/ns/web/sa/meshward-probe",
            "intent denies, AuthorizationPolicy allows",
        ],
    );
    caught(
        |o| {
            let ap = object(o, "AuthorizationPolicy", "shop", "orders");
            ap["spec"]["rules"][0]["from"][0]["source"]["principals"] =
                json!(["*/ns/web/sa/frontend"]);
        },
        &[
            "L7",
            "meshward-probe.example/ns/web/sa/frontend",
            "intent denies, AuthorizationPolicy allows",
        ],
    );
}

#[test]
fn subset_selecting_the_wrong_pods() {
    caught(
        |o| {
            object(o, "DestinationRule", "shop", "catalog")["spec"]["subsets"][0]["labels"] =
                json!({"version": "v2"})
        },
        &["DestinationRule shop/catalog subset v1"],
    );
}

#[test]
fn port_level_mtls_override() {
    caught(
        |o| {
            let pa = object(o, "PeerAuthentication", "shop", "inventory-mtls");
            pa["spec"]["mtls"]["mode"] = json!("STRICT");
            pa["spec"]["portLevelMtls"] = json!({"8080": {"mode": "PERMISSIVE"}});
        },
        &["mTLS of inventory.shop", "intent Permissive"],
    );
    caught(
        |o| {
            let pa = object(o, "PeerAuthentication", "shop", "inventory-mtls");
            pa["spec"]["portLevelMtls"] = json!({"8080": {"mode": "DISABLE"}});
        },
        &["mTLS of inventory.shop on port 8080"],
    );
}

#[test]
fn namespace_defaults_removed() {
    caught(
        |o| {
            o.retain(|x| {
                x["metadata"]["name"] != "meshward.default-deny"
                    && x["metadata"]["name"] != "meshward.allow-nothing"
            })
        },
        &["an undeclared pod in shop", "intent denies"],
    );
}

#[test]
fn a_policy_that_cannot_be_read_back_is_a_fault() {
    // A field of the wrong type: the evaluator does not guess what it meant.
    caught(
        |o| {
            object(o, "AuthorizationPolicy", "shop", "orders")["spec"]["rules"] = json!("all");
        },
        &["cannot be read back", "invalid type"],
    );
}
