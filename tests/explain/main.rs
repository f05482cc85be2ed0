//! `meshward explain` agrees with the evaluator and the intents for every pair of
//! examples/shop, and keeps the exit codes of the contract; `request` asks about requests
//! carrying headers and tokens (`--header`, `--jwt`).

#[path = "../common/mod.rs"]
mod common;
mod request;

use common::{checked, root, Meshward};
use meshward::evaluate::{Cluster, Endpoint, Pod, Transport};
use meshward::explain::{explain_observed, Question};
use meshward::ir::Caller;
use meshward::render::Reading;
use std::path::PathBuf;

fn shop() -> PathBuf {
    root().join("examples/shop")
}

#[test]
fn every_pair_of_shop_agrees_with_the_evaluator_and_the_intents() {
    let compiled = meshward::pipeline::run(&shop());
    let (mesh, _) = compiled.result.as_ref().expect("shop compiles");
    let objects = meshward::pipeline::render_objects(mesh).expect("render");
    let enforced = meshward::pipeline::render_objects_as(mesh, Reading::Enforced).expect("render");
    let cluster = Cluster::from_objects(enforced.iter().cloned());
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
                    ..Question::default()
                };
                let answer = explain_observed(mesh, &objects, &enforced, &compiled.sources, &q)
                    .expect("explain");
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
                // Across a dry-run namespace (billing), the verdict now: only the side
                // that is enforced can refuse, and it refuses what the intents do not
                // grant; a caller meshward writes no egress for refuses nothing.
                let observed = |ns: &str| mesh.settings.is_dry_run(ns);
                let now = match (observed(&from.namespace), observed(to.namespace())) {
                    (false, false) => None,
                    (true, true) => Some(true),
                    (true, false) => Some(intended),
                    (false, true) => Some(intended || !from.managed),
                };
                assert_eq!(
                    answer.allowed_now, now,
                    "{} → {} {}: the verdict now",
                    q.from, q.to, port.name
                );
                assert_eq!(answer.dry_run.is_empty(), now.is_none());
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

/// A tree whose services call outside it: two `host` externals on the same port (so
/// NetworkPolicy alone cannot tell them apart), a `cidr` external granted to a namespace,
/// and a workload that is a destination. MESH is added to the mesh block.
fn outside(mesh: &str) -> Vec<(String, String)> {
    [
        (
            "billing/payments.intent",
            "service payments in billing {\n  port grpc 9090/grpc\n  calls external stripe:https\n}\n",
        ),
        (
            "billing/ledger.intent",
            "service ledger in billing {\n  port grpc 9090/grpc\n  allow payments to grpc\n  calls external corp-db\n}\n",
        ),
        (
            "shop/orders.intent",
            "service orders in shop {\n  port http 8080/http\n  calls vault in vault:api\n}\n",
        ),
        (
            "egress/stripe.intent",
            "external stripe {\n  host api.stripe.com, *.stripe.network\n  port https 443/tls\n  allow payments in billing to https\n}\n",
        ),
        (
            "egress/github.intent",
            "external github {\n  host api.github.com\n  port https 443/tls\n  allow ledger in billing\n}\n",
        ),
        (
            "egress/corp-db.intent",
            "external corp-db {\n  cidr 10.20.0.0/16, 2001:db8::/48\n  port pg 5432\n  allow ledger in billing, namespace shop\n}\n",
        ),
        (
            "mesh.intent",
            &format!("mesh {{\n{mesh}  workload vault in vault {{\n    selector app=vault\n    port api 8200/http\n    allow orders in shop to api\n  }}\n}}\n"),
        ),
    ]
    .iter()
    .map(|(p, t)| (p.to_string(), t.to_string()))
    .collect()
}

const CIDRS: &str = "  cluster-cidrs 10.0.0.0/12, fd00::/8\n";

/// One question about a destination outside the tree: (from, to, port, whether an
/// `allow` of TO grants FROM on that port, the answer).
type Asked = (String, String, String, bool, meshward::explain::Explanation);

/// The answer for every service of the tree towards every port of every external and
/// workload with ports.
fn every_outside_answer(files: Vec<(String, String)>) -> Vec<Asked> {
    let (mesh, sources) = checked(files);
    let mesh = &mesh;
    let objects = meshward::pipeline::render_objects(mesh).expect("render");
    let enforced = meshward::pipeline::render_objects_as(mesh, Reading::Enforced).expect("render");
    type Destination<'m> = (String, &'m [meshward::ir::Port], &'m [meshward::ir::Allow]);
    let destinations: Vec<Destination> = mesh
        .externals
        .iter()
        .map(|e| (format!("external:{}", e.name), &e.ports[..], &e.allows[..]))
        .chain(
            mesh.workloads
                .iter()
                .filter(|w| !w.ports.is_empty())
                .map(|w| {
                    let name = format!("{}.{}", w.identity.name, w.identity.namespace);
                    (name, &w.ports[..], &w.allows[..])
                }),
        )
        .collect();
    let mut out = Vec::new();
    for from in &mesh.services {
        for (to, ports, allows) in &destinations {
            for (index, port) in ports.iter().enumerate() {
                let q = Question {
                    from: format!("{}.{}", from.name(), from.namespace()),
                    to: to.clone(),
                    port: Some(port.name.clone()),
                    request: None,
                    ..Question::default()
                };
                let granted = allows.iter().any(|a| {
                    a.ports.contains(&index) && a.callers.iter().any(|c| c.covers(&from.identity))
                });
                let answer =
                    explain_observed(mesh, &objects, &enforced, &sources, &q).expect("explain");
                out.push((q.from, to.clone(), port.name.clone(), granted, answer));
            }
        }
    }
    out
}

/// Who the intents of `outside` grant: (from, to).
const GRANTED: [(&str, &str); 5] = [
    ("payments.billing", "external:stripe"),
    ("ledger.billing", "external:github"),
    ("ledger.billing", "external:corp-db"),
    ("orders.shop", "external:corp-db"),
    ("orders.shop", "vault.vault"),
];

#[test]
fn every_call_outside_the_tree_agrees_with_the_intents_at_both_layers() {
    let answers = every_outside_answer(outside(CIDRS));
    assert!(answers.len() >= 12, "{}", answers.len());
    for (from, to, port, intended, answer) in &answers {
        let text = meshward::explain::render_text(answer);
        let granted = GRANTED.contains(&(from.as_str(), to.as_str()));
        assert_eq!(granted, *intended, "{from} → {to}");
        assert_eq!(answer.allowed, granted, "{from} → {to} {port}:\n{text}");
        let p = &answer.ports[0];
        assert_eq!(p.allowed_by.is_empty(), !granted, "{text}");
        assert!(p.notes.is_empty(), "{text}");
        for layer in ["L4 egress", "sidecar"] {
            assert!(p.layers.iter().any(|l| l.layer == layer), "{text}");
        }
        if to.starts_with("external:") && granted {
            assert!(
                text.contains(&format!(
                    "ServiceEntry {}/external.",
                    &from[from.find('.').unwrap_or(0) + 1..]
                )),
                "{text}"
            );
            assert!(text.contains("REGISTRY_ONLY"), "{text}");
        }
    }
    // Payments reaches every outside address on 443 (for stripe), github's too at L4:
    // only its proxy keeps it from github.
    let (_, _, _, _, a) = answers
        .iter()
        .find(|(f, t, _, _, _)| f == "payments.billing" && t == "external:github")
        .expect("asked");
    let l4 = a.ports[0]
        .layers
        .iter()
        .find(|l| l.layer == "L4 egress")
        .expect("L4");
    let proxy = a.ports[0]
        .layers
        .iter()
        .find(|l| l.layer == "sidecar")
        .expect("sidecar");
    assert!(
        l4.allowed && !proxy.allowed,
        "{}",
        meshward::explain::render_text(a)
    );
}

#[test]
fn without_sidecar_scoping_an_ungranted_host_on_a_granted_port_gets_through_and_says_so() {
    let answers = every_outside_answer(outside(&format!("{CIDRS}  sidecar-scoping off\n")));
    let (_, _, _, _, a) = answers
        .iter()
        .find(|(f, t, _, _, _)| f == "payments.billing" && t == "external:github")
        .expect("asked");
    let text = meshward::explain::render_text(a);
    assert!(a.allowed, "{text}");
    assert!(a.ports[0].allowed_by.is_empty(), "{text}");
    assert!(
        text.contains("note       no allow of external github grants payments.billing"),
        "{text}"
    );
    // Granted calls still name their line.
    for (from, to, _, _, answer) in &answers {
        if GRANTED.contains(&(from.as_str(), to.as_str())) {
            assert!(
                answer.allowed && !answer.ports[0].allowed_by.is_empty(),
                "{from} → {to}"
            );
        }
    }
}

#[test]
fn every_call_of_shop_outside_the_tree_agrees_with_the_intents() {
    let compiled = meshward::pipeline::run(&shop());
    let files = compiled
        .sources
        .files()
        .map(|(_, f)| (f.relative.clone(), f.text.clone()))
        .collect();
    for (from, to, port, intended, answer) in every_outside_answer(files) {
        let text = meshward::explain::render_text(&answer);
        assert_eq!(answer.allowed, intended, "{from} → {to} {port}:\n{text}");
        assert!(answer.ports[0].notes.is_empty(), "{text}");
    }
}

/// `meshward explain` on the `outside` tree written to a folder: (exit, stdout, stderr).
fn run_outside(mesh: &str, args: &[&str], exit: i32) -> (String, String) {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (path, text) in outside(mesh) {
        let file = tmp.path().join(path);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(file, text).expect("write");
    }
    let out = Meshward::new()
        .arg("explain")
        .arg(tmp.path())
        .args(args)
        .expect_exit(exit)
        .run();
    (out.stdout, out.stderr)
}

#[test]
fn externals_on_the_command_line() {
    let (text, _) = run_outside(CIDRS, &["payments.billing", "external:stripe", "https"], 0);
    assert!(
        text.contains("payments.billing → external:stripe port https (443/tls)"),
        "{text}"
    );
    assert!(text.contains("NetworkPolicy cannot name hosts"), "{text}");
    assert!(
        text.contains("ipBlock 0.0.0.0/0 except 10.0.0.0/12"),
        "{text}"
    );
    assert!(
        text.contains("intent     egress/stripe.intent:4 (allow payments.billing)"),
        "{text}"
    );
    let (text, _) = run_outside(CIDRS, &["ledger.billing", "external:stripe"], 1);
    assert!(
        text.contains("nearest    egress/stripe.intent:4 allows other callers"),
        "{text}"
    );
    let (json, _) = run_outside(
        CIDRS,
        &["orders.shop", "vault.vault", "--format", "json"],
        0,
    );
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(
        (v["kind"].as_str(), v["allowed"].as_bool()),
        (Some("workload"), Some(true))
    );
    let (_, err) = run_outside(CIDRS, &["ledger.billing", "external:strip"], 2);
    assert!(err.contains("did you mean `external:stripe`?"), "{err}");
    // Without cluster-cidrs the L4 side admits in-cluster addresses too, and says so.
    let (text, _) = run_outside("", &["payments.billing", "external:stripe"], 0);
    assert!(
        text.contains("in-cluster ones too: cluster-cidrs is unset"),
        "{text}"
    );
}
