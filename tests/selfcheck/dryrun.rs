//! Invariant 11: in examples/shop billing is in dry-run. Each test corrupts an object
//! `build` writes there so that it restricts after all, or no longer reports what
//! enforcement would decide, and the self-check names it.

use super::{caught_as, object};
use meshward::render::Reading;
use serde_json::{json, Value};

fn caught(corrupt: impl FnOnce(&mut Vec<Value>), expect: &[&str]) {
    caught_as("examples/shop", Reading::Written, corrupt, expect);
}

#[test]
fn a_policy_without_the_annotation_enforces() {
    caught(
        |o| {
            let ap = object(o, "AuthorizationPolicy", "billing", "payments");
            ap["metadata"]
                .as_object_mut()
                .expect("metadata")
                .remove("annotations");
        },
        &[
            "dry-run payments.billing:9090",
            "refused by an AuthorizationPolicy",
        ],
    );
}

#[test]
fn allow_nothing_without_the_annotation_enforces() {
    caught(
        |o| {
            let ap = object(
                o,
                "AuthorizationPolicy",
                "billing",
                "meshward.allow-nothing",
            );
            ap["metadata"]["annotations"]["istio.io/dry-run"] = json!("false");
        },
        &["dry-run", "billing", "refused by an AuthorizationPolicy"],
    );
}

#[test]
fn a_dry_run_policy_that_lost_a_rule_reports_the_wrong_verdict() {
    // The proxies would report denials the intents do not mean: proven as enforced.
    caught(
        |o| {
            let ap = object(o, "AuthorizationPolicy", "billing", "payments");
            ap["spec"]["rules"].as_array_mut().expect("rules").remove(0);
        },
        &[
            "L7",
            "payments.billing:9090",
            "intent allows, AuthorizationPolicy denies",
        ],
    );
}

#[test]
fn a_network_policy_in_billing_restricts() {
    caught(
        |o| {
            o.push(json!({
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": "meshward.default-deny", "namespace": "billing"},
                "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
            }));
        },
        &[
            "dry-run ledger.billing",
            "NetworkPolicy billing/meshward.default-deny isolates it",
        ],
    );
}

#[test]
fn strict_mtls_refuses_plaintext() {
    caught(
        |o| {
            let pa = object(o, "PeerAuthentication", "billing", "default");
            pa["spec"]["mtls"]["mode"] = json!("STRICT");
        },
        &["dry-run", "billing", "mTLS is STRICT"],
    );
}

#[test]
fn a_registry_only_sidecar_drops_hosts() {
    caught(
        |o| {
            let sc = object(o, "Sidecar", "billing", "ledger");
            sc["spec"]["outboundTrafficPolicy"]["mode"] = json!("REGISTRY_ONLY");
            sc["spec"]["egress"][0]["hosts"] = json!(["./*"]);
        },
        &[
            "dry-run ledger.billing",
            "its proxy drops",
            "Sidecar billing/ledger",
        ],
    );
}

#[test]
fn the_enforced_rendering_is_proven_too() {
    // What `explain` calls "once enforced" is self-checked at every build: the same
    // corruption of the enforced objects is caught.
    caught_as(
        "examples/shop",
        Reading::Enforced,
        |o| {
            let np = object(o, "NetworkPolicy", "billing", "ledger");
            np["spec"]["ingress"][0]["from"][0]["podSelector"] = json!({});
        },
        &["L4 ingress to ledger.billing", "NetworkPolicy allows"],
    );
}
