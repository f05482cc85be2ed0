//! Corruptions of what reaches beyond the tree (externals, workload destinations, the
//! sidecar scope), each caught by invariant 7, 8 or 9. examples/shop has payments calling
//! Stripe by host, ledger reaching corp-db by address range, and orders calling the
//! Vault workload, with `cluster-cidrs` set and sidecar scoping on.

use super::{caught, object};
use serde_json::{json, Value};

/// The egress rule of NetworkPolicy NAMESPACE/NAME whose peers include an ipBlock for CIDR.
fn block_rule<'a>(o: &'a mut [Value], namespace: &str, name: &str, cidr: &str) -> &'a mut Value {
    let np = object(o, "NetworkPolicy", namespace, name);
    np["spec"]["egress"]
        .as_array_mut()
        .expect("egress rules")
        .iter_mut()
        .find(|r| {
            r["to"]
                .as_array()
                .is_some_and(|to| to.iter().any(|p| p["ipBlock"]["cidr"] == cidr))
        })
        .unwrap_or_else(|| panic!("no egress rule to {cidr} in {namespace}/{name}"))
}

fn hosts<'a>(o: &'a mut [Value], namespace: &str, name: &str) -> &'a mut Vec<Value> {
    object(o, "Sidecar", namespace, name)["spec"]["egress"][0]["hosts"]
        .as_array_mut()
        .expect("egress hosts")
}

#[test]
fn a_host_dropped_from_a_sidecar_is_an_outage() {
    caught(
        |o| hosts(o, "billing", "payments").retain(|h| h != "./api.stripe.com"),
        &[
            "Sidecar scope of payments.billing for api.stripe.com:443",
            "intent allows",
            "drops it (an outage)",
        ],
    );
}

#[test]
fn an_extra_host_in_a_sidecar_widens() {
    caught(
        |o| hosts(o, "billing", "payments").push(json!("data/postgres.data.svc.cluster.local")),
        &[
            "Sidecar scope of payments.billing for postgres.data.svc.cluster.local",
            "intent denies",
            "forwards it",
        ],
    );
    // A whole namespace imported where one Service was meant.
    caught(
        |o| hosts(o, "billing", "payments").push(json!("data/*")),
        &[
            "Sidecar scope of payments.billing",
            "data.svc",
            "intent denies",
        ],
    );
}

#[test]
fn allow_any_passes_strangers_through() {
    caught(
        |o| {
            object(o, "Sidecar", "billing", "payments")["spec"]["outboundTrafficPolicy"]["mode"] =
                json!("ALLOW_ANY")
        },
        &[
            "Sidecar scope of payments.billing",
            "intent denies",
            "passes it through (ALLOW_ANY)",
        ],
    );
}

#[test]
fn a_missing_sidecar_falls_back_to_the_namespace_one() {
    caught(
        |o| o.retain(|x| !(x["kind"] == "Sidecar" && x["metadata"]["name"] == "payments")),
        &[
            "Sidecar scope of payments.billing for api.stripe.com",
            "(an outage)",
        ],
    );
}

#[test]
fn an_except_lost_opens_the_cluster() {
    caught(
        |o| {
            let rule = block_rule(o, "billing", "payments", "0.0.0.0/0");
            for peer in rule["to"].as_array_mut().expect("peers") {
                if let Some(block) = peer["ipBlock"].as_object_mut() {
                    block.remove("except");
                }
            }
        },
        &[
            "L4 egress from payments.billing to 10.0.0.0:443/Tcp",
            "intent denies",
            "NetworkPolicy allows",
        ],
    );
}

#[test]
fn a_widened_cidr_admits_its_neighbour() {
    caught(
        |o| {
            let rule = block_rule(o, "billing", "ledger", "10.20.0.0/16");
            for peer in rule["to"].as_array_mut().expect("peers") {
                if peer["ipBlock"]["cidr"] == "10.20.0.0/16" {
                    peer["ipBlock"]["cidr"] = json!("10.20.0.0/15");
                }
            }
        },
        &[
            "L4 egress from ledger.billing to 10.21.0.0:5432/Tcp",
            "intent denies",
        ],
    );
}

#[test]
fn a_dropped_external_rule_is_an_outage() {
    caught(
        |o| {
            let np = object(o, "NetworkPolicy", "billing", "ledger");
            np["spec"]["egress"]
                .as_array_mut()
                .expect("egress")
                .retain(|r| !r.to_string().contains("10.20.0.0/16"));
        },
        &[
            "L4 egress from ledger.billing to 10.20.0.0:5432/Tcp",
            "intent allows (external corp-db)",
            "NetworkPolicy denies",
        ],
    );
}

#[test]
fn a_service_entry_exported_everywhere() {
    caught(
        |o| {
            object(o, "ServiceEntry", "billing", "external.stripe")["spec"]["exportTo"] =
                json!(["*"])
        },
        &[
            "ServiceEntries visible in namespace shop for external:stripe",
            "make one visible",
        ],
    );
}

#[test]
fn a_missing_service_entry_is_an_outage() {
    caught(
        |o| o.retain(|x| x["kind"] != "ServiceEntry"),
        &[
            "Sidecar scope of payments.billing for api.stripe.com",
            "(an outage)",
        ],
    );
}

#[test]
fn workload_egress_dropped_or_widened() {
    caught(
        |o| {
            let np = object(o, "NetworkPolicy", "shop", "orders");
            np["spec"]["egress"]
                .as_array_mut()
                .expect("egress")
                .retain(|r| !r.to_string().contains("vault"));
        },
        &[
            "L4 egress from orders.shop to vault.vault:8200",
            "intent allows",
            "NetworkPolicy denies",
        ],
    );
    caught(
        |o| {
            let np = object(o, "NetworkPolicy", "shop", "orders");
            for rule in np["spec"]["egress"].as_array_mut().expect("egress") {
                if rule.to_string().contains("vault") {
                    for peer in rule["to"].as_array_mut().expect("peers") {
                        peer["podSelector"] = json!({});
                    }
                }
            }
        },
        &[
            "L4 egress from orders.shop to an undeclared pod in vault",
            "intent denies",
        ],
    );
}
