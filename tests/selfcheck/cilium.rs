//! Corrupted CiliumNetworkPolicies: examples/shop built with `network cilium` and every
//! namespace enforced, one object broken the way a compiler bug could, and the
//! self-check naming the pair it made wrong.

use super::object;
use meshward::render::Reading;
use meshward::selfcheck::self_check_as;
use serde_json::{json, Value};
use std::path::Path;

/// examples/shop with `network cilium`, rendered as enforced.
fn shop() -> (meshward::ir::Mesh, Vec<Value>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop");
    let mut files = Vec::new();
    for entry in walk(&dir) {
        let relative = entry
            .strip_prefix(&dir)
            .expect("below")
            .to_string_lossy()
            .replace('\\', "/");
        let mut text = std::fs::read_to_string(&entry).expect("read");
        if relative == "mesh.intent" {
            text = text.replacen("mesh {", "mesh {\n  network cilium", 1);
        }
        files.push((relative, text));
    }
    let compiled = meshward::pipeline::run_texts(files);
    assert!(compiled.faults.is_empty(), "{:#?}", compiled.faults);
    let (mesh, _) = compiled.result.expect("compiles");
    let objects = meshward::pipeline::render_objects_as(&mesh, Reading::Enforced).expect("render");
    (mesh, objects)
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "intent") {
            out.push(path);
        }
    }
    out
}

fn caught(corrupt: impl FnOnce(&mut Vec<Value>), expect: &[&str]) {
    let (mesh, mut objects) = shop();
    assert_eq!(self_check_as(&mesh, &objects, Reading::Enforced), vec![]);
    corrupt(&mut objects);
    let faults: Vec<String> = self_check_as(&mesh, &objects, Reading::Enforced)
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert!(
        faults.iter().any(|f| expect.iter().all(|e| f.contains(e))),
        "no fault mentions {expect:?}: {faults:#?}"
    );
}

fn cnp<'a>(o: &'a mut [Value], ns: &str, name: &str) -> &'a mut Value {
    object(o, "CiliumNetworkPolicy", ns, name)
}

#[test]
fn the_empty_rule_idiom_admits_everything_from_cilium_1_19() {
    caught(
        |o| cnp(o, "data", "meshward.default-deny")["spec"]["ingress"] = json!([{}]),
        &["L4 ingress to", "data", "from any source"],
    );
}

#[test]
fn a_selector_without_its_namespace_is_pinned_to_the_policy_namespace() {
    // orders admits frontend of web; without the namespace key Cilium reads `web` pods of
    // shop, so frontend is cut off (an outage).
    caught(
        |o| {
            let rule = &mut cnp(o, "shop", "orders")["spec"]["ingress"][0];
            rule["fromEndpoints"][0]["matchLabels"]
                .as_object_mut()
                .expect("labels")
                .remove("k8s:io.kubernetes.pod.namespace");
        },
        &["L4 ingress to orders.shop", "frontend", "intent allows"],
    );
}

#[test]
fn a_widened_fqdn_pattern_admits_other_hosts() {
    caught(
        |o| {
            let egress = cnp(o, "billing", "payments")["spec"]["egress"]
                .as_array_mut()
                .expect("egress");
            let rule = egress
                .iter_mut()
                .find(|r| r.get("toFQDNs").is_some())
                .expect("a toFQDNs rule");
            rule["toFQDNs"] = json!([{"matchPattern": "*.stripe.com"}]);
        },
        &["L4 egress from payments.billing to host", "intent denies"],
    );
}

#[test]
fn without_the_dns_proxy_rule_no_host_is_reached() {
    caught(
        |o| {
            let egress = cnp(o, "billing", "meshward.namespace-egress")["spec"]["egress"]
                .as_array_mut()
                .expect("egress");
            for rule in egress.iter_mut() {
                if let Some(ports) = rule["toPorts"].as_array_mut() {
                    for p in ports {
                        p.as_object_mut().expect("ports").remove("rules");
                    }
                }
            }
        },
        &[
            "L4 egress from payments.billing to host api.stripe.com:443",
            "intent allows",
        ],
    );
}

#[test]
fn a_cidr_external_without_its_except_or_widened_is_caught() {
    caught(
        |o| {
            let egress = cnp(o, "billing", "ledger")["spec"]["egress"]
                .as_array_mut()
                .expect("egress");
            let rule = egress
                .iter_mut()
                .find(|r| r.get("toCIDRSet").is_some())
                .expect("a toCIDRSet rule");
            rule["toCIDRSet"][0]["cidr"] = json!("10.0.0.0/8");
        },
        &["L4 egress from ledger.billing", "intent denies"],
    );
}

#[test]
fn a_deny_rule_refuses_a_granted_caller() {
    caught(
        |o| {
            cnp(o, "shop", "orders")["spec"]["ingressDeny"] = json!([{
                "fromEndpoints": [{"matchLabels": {
                    "k8s:io.kubernetes.pod.namespace": "web",
                    "k8s:app": "frontend"
                }}]
            }]);
        },
        &["L4 ingress to orders.shop", "frontend", "intent allows"],
    );
}

#[test]
fn protocol_any_opens_udp() {
    caught(
        |o| {
            let rule = &mut cnp(o, "shop", "orders")["spec"]["ingress"][0];
            rule["toPorts"][0]["ports"][0]["protocol"] = json!("ANY");
        },
        &["L4 ingress to orders.shop", "Udp"],
    );
}

#[test]
fn anyone_read_as_the_cluster_drops_outside_callers() {
    // inventory allows anyone on http: the entity `all`; `cluster` would leave out every
    // address outside the cluster.
    caught(
        |o| {
            let ingress = cnp(o, "shop", "inventory")["spec"]["ingress"]
                .as_array_mut()
                .expect("ingress");
            let rule = ingress
                .iter_mut()
                .find(|r| r.get("fromEntities").is_some())
                .expect("an entities rule");
            rule["fromEntities"] = json!(["cluster"]);
        },
        &[
            "L4 ingress to inventory.shop",
            "outside the cluster",
            "intent allows",
        ],
    );
}
