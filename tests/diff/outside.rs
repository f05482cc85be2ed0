//! Destinations outside the tree in a diff, on trees held in memory: grants on externals
//! and workloads are access changes (`"to": "external:stripe"`, `"to": "vault.vault"`),
//! and what moves an unchanged grant (an external's ranges, `cluster-cidrs`,
//! `sidecar-scoping`) is an identity change with the direction it moves access in.

use crate::common::checked;
use meshward::diff::{Change, Model};
use serde_json::{json, Value};

const SERVICES: [(&str, &str); 2] = [
    (
        "billing/payments.intent",
        "service payments in billing {\n  port grpc 9090/grpc\n}\n",
    ),
    (
        "billing/ledger.intent",
        "service ledger in billing {\n  port grpc 9090/grpc\n}\n",
    ),
];

/// The two services, a mesh block holding MESH and `external stripe` whose block ends
/// with EXTERNAL.
fn tree(mesh: &str, external: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = SERVICES
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    files.push((
        "egress/stripe.intent".into(),
        format!("external stripe {{\n  port https 443/tls\n{external}}}\n"),
    ));
    files.push(("mesh.intent".into(), format!("mesh {{\n{mesh}}}\n")));
    files
}

const HOST: &str = "  host api.stripe.com\n";
const VAULT: &str = "  workload vault in vault {\n    selector app=vault\n    port api 8200/http\n";

fn compare(old: Vec<(String, String)>, new: Vec<(String, String)>) -> Vec<Change> {
    let (old, old_sources) = checked(old);
    let (new, new_sources) = checked(new);
    meshward::diff::compare(
        Model {
            mesh: &old,
            sources: &old_sources,
        },
        Model {
            mesh: &new,
            sources: &new_sources,
        },
    )
}

fn changes(old: Vec<(String, String)>, new: Vec<(String, String)>) -> Value {
    serde_json::to_value(compare(old, new)).expect("json")
}

fn access(effect: &str, from: &str, to: &str, port: &str, source: &str) -> Value {
    json!({
        "kind": "access", "effect": effect, "from": from, "to": to, "port": port,
        "methods": [], "paths": [], "source": source,
    })
}

fn setting(effect: &str, subject: &str, field: &str, old: &str, new: &str) -> Value {
    json!({"kind": "identity", "effect": effect, "subject": subject, "field": field,
           "old": old, "new": new})
}

#[test]
fn a_new_caller_of_an_external_widens_and_its_removal_narrows() {
    let one = tree("", &format!("{HOST}  allow payments in billing\n"));
    let two = tree(
        "",
        &format!("{HOST}  allow payments in billing\n  allow ledger in billing\n"),
    );
    let widens = access(
        "widens",
        "ledger.billing",
        "external:stripe",
        "https",
        "egress/stripe.intent:5",
    );
    assert_eq!(changes(one.clone(), two.clone()), json!([widens]));
    let narrows = access(
        "narrows",
        "ledger.billing",
        "external:stripe",
        "https",
        "egress/stripe.intent:5",
    );
    assert_eq!(changes(two, one), json!([narrows]));
}

#[test]
fn a_grant_on_a_workload_names_it_like_a_service() {
    let old = tree(&format!("{VAULT}  }}\n"), HOST);
    let new = tree(&format!("{VAULT}    allow ledger in billing\n  }}\n"), HOST);
    assert_eq!(
        changes(old, new),
        json!([access(
            "widens",
            "ledger.billing",
            "vault.vault",
            "api",
            "mesh.intent:5"
        )])
    );
}

#[test]
fn external_grants_sort_after_services_and_read_in_text() {
    let old = tree("", HOST);
    let mut new = tree("", &format!("{HOST}  allow namespace billing\n"));
    new[1].1 = "service ledger in billing {\n  port grpc 9090/grpc\n  allow payments\n}\n".into();
    let found = compare(old, new);
    let text = meshward::diff::render_text(&found);
    assert_eq!(
        text,
        "+ payments.billing -> ledger.billing:grpc all traffic  (billing/ledger.intent:3)\n\
         + namespace:billing -> external:stripe:https all traffic  (egress/stripe.intent:4)\n",
    );
    let markdown = meshward::diff::render_markdown(&found);
    assert!(
        markdown.contains("| **widens** | `namespace:billing` | `external:stripe` | `https` |"),
        "{markdown}"
    );
}

#[test]
fn cluster_cidrs_move_what_host_externals_admit() {
    let with = |cidrs: &str| tree(&format!("  cluster-cidrs {cidrs}\n"), HOST);
    let unset = tree("", HOST);
    let cases = [
        // A smaller cluster leaves more addresses outside: widens.
        (with("10.0.0.0/8"), with("10.0.0.0/12"), "widens"),
        (with("10.0.0.0/12"), with("10.0.0.0/8"), "narrows"),
        (
            with("10.0.0.0/12"),
            with("10.0.0.0/13, 10.8.0.0/13"),
            "neutral",
        ),
        (with("10.0.0.0/12"), with("172.16.0.0/12"), "widens"),
        // Unset admits every address, in-cluster ones too.
        (with("10.0.0.0/12"), unset.clone(), "widens"),
        (unset, with("10.0.0.0/12"), "narrows"),
    ];
    for (old, new, effect) in cases {
        let found = changes(old, new);
        let change = &found[0];
        assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
        assert_eq!(change["field"], "cluster-cidrs", "{found}");
        assert_eq!(change["subject"], "mesh", "{found}");
        assert_eq!(change["effect"], effect, "{found}");
    }
    // Without a `host` external the ranges bound nothing.
    let cidr_only = |mesh: &str| tree(mesh, "  cidr 10.20.0.0/16\n");
    assert_eq!(
        changes(cidr_only("  cluster-cidrs 10.0.0.0/8\n"), cidr_only("")),
        json!([])
    );
    let found = changes(with("10.0.0.0/8"), tree("", HOST));
    assert_eq!(
        found,
        json!([setting(
            "widens",
            "mesh",
            "cluster-cidrs",
            "10.0.0.0/8",
            "(unset)"
        )])
    );
}

#[test]
fn sidecar_scoping_off_widens() {
    let on = tree("", HOST);
    let off = tree("  sidecar-scoping off\n", HOST);
    assert_eq!(
        changes(on.clone(), off.clone()),
        json!([setting("widens", "mesh", "sidecar-scoping", "on", "off")])
    );
    assert_eq!(
        changes(off, on),
        json!([setting("narrows", "mesh", "sidecar-scoping", "off", "on")])
    );
}

#[test]
fn an_externals_ranges_and_hosts_move_its_grants() {
    let cidr = |c: &str| tree("", &format!("  cidr {c}\n  allow payments in billing\n"));
    assert_eq!(
        changes(cidr("10.20.0.0/16"), cidr("10.0.0.0/8")),
        json!([setting(
            "widens",
            "external:stripe",
            "cidr",
            "10.20.0.0/16",
            "10.0.0.0/8"
        )])
    );
    assert_eq!(
        changes(cidr("10.0.0.0/8"), cidr("10.20.0.0/16"))[0]["effect"],
        "narrows"
    );
    let host = |h: &str| tree("", &format!("  host {h}\n  allow payments in billing\n"));
    assert_eq!(
        changes(host("api.stripe.com"), host("*.stripe.com"))[0]["effect"],
        "widens"
    );
    assert_eq!(
        changes(host("*.stripe.com"), host("api.stripe.com"))[0]["effect"],
        "narrows"
    );
}
