//! `network cilium`: every example and fixture builds with CiliumNetworkPolicy in place of
//! NetworkPolicy; the objects pass Cilium's strict schema and stay clear of the forms
//! whose meaning changed across Cilium versions.

#[path = "../common/mod.rs"]
mod common;

use common::{checked, root};
use serde_json::Value;
use std::path::Path;

const SCHEMA: &str = include_str!("../schemas/ciliumnetworkpolicy-cilium-v2-strict.json");

/// The intent files of DIR, with `network cilium` put at the top of the mesh block (a
/// mesh block is added when there is none).
pub fn with_cilium(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = common::files_below(dir)
        .into_iter()
        .filter(|(relative, _)| relative.ends_with(".intent"))
        .map(|(relative, path)| (relative, std::fs::read_to_string(path).expect("read")))
        .collect();
    let mut found = false;
    for (_, text) in &mut files {
        if let Some(at) = text.find("mesh {") {
            text.insert_str(at + "mesh {".len(), "\n  network cilium");
            found = true;
        }
    }
    if !found {
        files.push(("mesh.intent".into(), "mesh {\n  network cilium\n}\n".into()));
    }
    files
}

/// Every tree the Cilium tests build both ways.
pub fn trees() -> Vec<std::path::PathBuf> {
    let mut trees: Vec<_> = ["examples/shop", "examples/hello"]
        .iter()
        .map(|t| root().join(t))
        .collect();
    trees.extend(common::fixtures());
    trees
}

fn cilium_objects(dir: &Path) -> Vec<Value> {
    let (mesh, _) = checked(with_cilium(dir));
    meshward::pipeline::render_objects(&mesh).expect("render")
}

#[test]
fn every_policy_passes_the_strict_schema_and_no_network_policy_is_left() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    for dir in trees() {
        let objects = cilium_objects(&dir);
        let cilium: Vec<&Value> = objects
            .iter()
            .filter(|o| o["kind"] == "CiliumNetworkPolicy")
            .collect();
        assert!(!cilium.is_empty(), "{}", dir.display());
        assert!(
            objects.iter().all(|o| o["kind"] != "NetworkPolicy"),
            "{}",
            dir.display()
        );
        for o in cilium {
            let errors: Vec<String> = validator.iter_errors(o).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{}: {errors:#?}\n{o:#}", dir.display());
        }
    }
}

#[test]
fn no_form_whose_meaning_changed_across_versions() {
    for dir in trees() {
        for o in cilium_objects(&dir)
            .iter()
            .filter(|o| o["kind"] == "CiliumNetworkPolicy")
        {
            let name = &o["metadata"]["name"];
            for direction in ["ingress", "egress"] {
                let Some(rules) = o["spec"][direction].as_array() else {
                    continue;
                };
                // An empty list is rejected by the agent; an empty rule flipped meaning.
                assert!(!rules.is_empty(), "{name}: empty {direction}");
                for rule in rules {
                    let peers = rule
                        .as_object()
                        .expect("rule")
                        .keys()
                        .filter(|k| *k != "toPorts");
                    assert_eq!(peers.count(), 1, "{name}: one peer kind per rule: {rule}");
                }
            }
            let text = o.to_string();
            assert!(!text.contains("endPort"), "{name}");
            assert!(!text.contains("\"**."), "{name}");
            assert!(!text.contains("enableDefaultDeny"), "{name}");
            // Every endpoint selector of a peer names its namespace.
            for key in ["fromEndpoints", "toEndpoints"] {
                for rule in ["ingress", "egress"]
                    .iter()
                    .filter_map(|d| o["spec"][d].as_array())
                    .flatten()
                {
                    for selector in rule[key].as_array().into_iter().flatten() {
                        assert!(
                            selector["matchLabels"]["k8s:io.kubernetes.pod.namespace"].is_string(),
                            "{name}: {selector}"
                        );
                    }
                }
            }
        }
    }
}

// ------------------------------------------------------------------ invariant 13

use meshward::evaluate::{Cluster, Endpoint, Pod, Transport};
use meshward::ir::{Destination, Identity, Mesh, PodGroup};
use std::net::IpAddr;

/// A pod with exactly an identity's selector labels and account.
fn pod(i: &Identity) -> Pod {
    let mut p = Pod::new(&i.name, &i.namespace).account(&i.account);
    for (k, v) in &i.selector {
        p = p.label(k, v);
    }
    p
}

fn group_pod(name: &str, g: &PodGroup) -> Pod {
    let mut p = Pod::new(name, &g.namespace);
    for (k, v) in &g.selector {
        p = p.label(k, v);
    }
    p
}

/// Every pod worth asking about in MESH: services, workloads, DNS, istiod, a stranger in
/// each managed namespace and one in a namespace nobody manages.
fn pods(mesh: &Mesh) -> Vec<Pod> {
    let mut out: Vec<Pod> = mesh.services.iter().map(|s| pod(&s.identity)).collect();
    out.extend(mesh.workloads.iter().map(|w| pod(&w.identity)));
    out.push(group_pod("dns", &mesh.settings.dns));
    out.push(group_pod("istiod", &mesh.settings.istiod));
    let namespaces: std::collections::BTreeSet<&str> =
        mesh.services.iter().map(|s| s.namespace()).collect();
    for ns in namespaces {
        out.push(Pod::new("stranger", ns).label("app", "stranger"));
    }
    out.push(Pod::new("stranger", "nobody-manages-this").label("app", "stranger"));
    out
}

/// Every port worth asking about: targets, workload and external ports, the scrape ports,
/// DNS, istiod, and one nobody uses.
fn ports(mesh: &Mesh) -> Vec<(Transport, u16)> {
    let mut ports: std::collections::BTreeSet<u16> = [53, 15012, 15020, 15090, 4321].into();
    ports.extend(
        mesh.services
            .iter()
            .flat_map(|s| s.ports.iter().map(|p| p.target)),
    );
    ports.extend(
        mesh.workloads
            .iter()
            .flat_map(|w| w.ports.iter().map(|p| p.target)),
    );
    ports.extend(
        mesh.externals
            .iter()
            .flat_map(|e| e.ports.iter().map(|p| p.port)),
    );
    ports
        .into_iter()
        .flat_map(|p| [(Transport::Tcp, p), (Transport::Udp, p)])
        .collect()
}

/// A tree compiled and self-checked, and the cluster its written objects make.
fn built(files: Vec<(String, String)>) -> (Mesh, Cluster) {
    let compiled = meshward::pipeline::run_texts(files);
    let errors: Vec<String> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| meshward::diagnostic::render_text(d, &compiled.sources))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(
        compiled.faults.is_empty(),
        "self-check: {:#?}",
        compiled.faults
    );
    let (mesh, _) = compiled.result.expect("compiled");
    let objects = meshward::pipeline::render_objects(&mesh).expect("render");
    let cluster = Cluster::from_objects(objects);
    (mesh, cluster)
}

fn files_of(dir: &Path) -> Vec<(String, String)> {
    common::files_below(dir)
        .into_iter()
        .filter(|(relative, _)| relative.ends_with(".intent"))
        .map(|(relative, path)| (relative, std::fs::read_to_string(path).expect("read")))
        .collect()
}

/// Invariant 13 on one tree: pod by pod and port by port, the two network layers admit
/// the same connections, in both directions; outside addresses the same except toward
/// `host` externals, which Cilium admits by name only.
fn same_verdicts(kubernetes: Vec<(String, String)>, cilium: Vec<(String, String)>) -> usize {
    let (mesh, k8s) = built(kubernetes);
    let (cmesh, cil) = built(cilium);
    assert_eq!(cmesh.settings.network, meshward::ir::Network::Cilium);
    let pods = pods(&mesh);
    let ports = ports(&mesh);
    let mut asked = 0;
    for dst in &pods {
        for src in &pods {
            for &(proto, port) in &ports {
                let (s, d) = (Endpoint::Pod(src), Endpoint::Pod(dst));
                assert_eq!(
                    cil.ingress_allows(dst, s, port, proto),
                    k8s.ingress_allows(dst, s, port, proto),
                    "ingress {}.{} -> {}.{}:{port}/{proto:?}",
                    src.name,
                    src.namespace,
                    dst.name,
                    dst.namespace
                );
                assert_eq!(
                    cil.egress_allows(src, d, port, proto),
                    k8s.egress_allows(src, d, port, proto),
                    "egress {}.{} -> {}.{}:{port}/{proto:?}",
                    src.name,
                    src.namespace,
                    dst.name,
                    dst.namespace
                );
                asked += 2;
            }
        }
    }
    // Outside the cluster: a cidr external's addresses the same; a host external's names
    // exactly where NetworkPolicy opens the port toward every outside address.
    let outside: IpAddr = "203.0.113.7".parse().expect("ip");
    for src in &pods {
        for &(proto, port) in &ports {
            let ip = Endpoint::Ip(outside);
            let k8s_outside = k8s.egress_allows(src, ip, port, proto);
            for e in &mesh.externals {
                match &e.destination {
                    Destination::Cidrs(cidrs) => {
                        // Never wider; NetworkPolicy may admit more on a port that a
                        // `host` external opens toward every outside address.
                        for c in cidrs {
                            let a = Endpoint::Ip(c.address);
                            assert!(
                                !cil.egress_allows(src, a, port, proto)
                                    || k8s.egress_allows(src, a, port, proto),
                                "{} -> {}:{port}: Cilium admits what NetworkPolicy denies",
                                src.name,
                                c.address
                            );
                        }
                    }
                    Destination::Hosts(hosts) => {
                        // Never wider than NetworkPolicy, which opens the port toward
                        // every outside address.
                        for h in hosts {
                            let name = h.replace('*', "probe");
                            let got =
                                cil.egress_allows(src, Endpoint::Name(&name, outside), port, proto);
                            assert!(
                                !got || k8s_outside,
                                "{} -> {name}:{port}: Cilium admits what NetworkPolicy denies",
                                src.name
                            );
                        }
                    }
                }
            }
            // An address reached by no name is never admitted for a host external.
            let cidr_external = mesh.externals.iter().any(|e| {
                matches!(&e.destination, Destination::Cidrs(c) if c.iter().any(|c| c.contains(outside)))
            });
            if !cidr_external && cil.isolated(src, meshward::evaluate::Direction::Egress) {
                assert!(
                    !cil.egress_allows(src, Endpoint::Ip(outside), port, proto),
                    "{} -> {outside}:{port}",
                    src.name
                );
            }
            asked += 1;
        }
    }
    // Exact: every service an external allows by name reaches each of its hosts (a
    // wildcard through a name one label below it) and each of its ranges on each
    // allowed port.
    for e in &cmesh.externals {
        for allow in &e.allows {
            for s in cmesh.services.iter().filter(|s| {
                allow.callers.iter().any(|c| c.covers(&s.identity))
                    && !cmesh.settings.is_dry_run(s.namespace())
            }) {
                let src = pod(&s.identity);
                for &i in &allow.ports {
                    let port = e.ports[i].port;
                    let ends: Vec<(String, Endpoint)> = match &e.destination {
                        Destination::Hosts(hosts) => hosts
                            .iter()
                            .map(|h| (h.replace('*', "probe"), outside))
                            .map(|(n, ip)| (n, Endpoint::Ip(ip)))
                            .collect(),
                        Destination::Cidrs(cidrs) => cidrs
                            .iter()
                            .map(|c| (c.to_string(), Endpoint::Ip(c.address)))
                            .collect(),
                    };
                    for (what, end) in ends {
                        let end = match (&e.destination, end) {
                            (Destination::Hosts(_), Endpoint::Ip(ip)) => Endpoint::Name(&what, ip),
                            (_, end) => end,
                        };
                        assert!(
                            cil.egress_allows(&src, end, port, Transport::Tcp),
                            "{} -> {what}:{port}: granted by external {}, refused by Cilium",
                            src.name,
                            e.name
                        );
                        asked += 1;
                    }
                }
            }
        }
    }
    asked
}

#[test]
fn every_tree_gives_the_same_verdicts_under_both_network_layers() {
    for dir in trees() {
        let asked = same_verdicts(files_of(&dir), with_cilium(&dir));
        assert!(asked > 100, "{}: {asked}", dir.display());
    }
}

#[test]
fn generated_trees_give_the_same_verdicts_under_both_network_layers() {
    use meshward::synth::{generate_with, Options};
    for (seed, beyond) in [(11, false), (12, true)] {
        let options = Options {
            beyond,
            ..Options::default()
        };
        let kubernetes = generate_with(120, seed, options);
        let cilium = generate_with(
            120,
            seed,
            Options {
                cilium: true,
                ..options
            },
        );
        assert_ne!(kubernetes, cilium);
        let asked = same_verdicts(kubernetes, cilium);
        assert!(asked > 1000, "seed {seed}: {asked}");
    }
}

#[test]
fn kustomize_builds_the_cilium_tree_from_the_root_and_every_namespace() {
    use std::process::Command;
    let ready = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ready {
        common::missing("kubectl");
        return;
    }
    let tree = tempfile::tempdir().expect("tempdir");
    for (relative, text) in with_cilium(&root().join("examples/shop")) {
        let path = tree.path().join(&relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    let out = tempfile::tempdir().expect("tempdir");
    common::Meshward::new()
        .arg("build")
        .arg(tree.path())
        .arg("--out")
        .arg(out.path())
        .expect_exit(0)
        .run();
    let mut folders = vec![out.path().to_path_buf()];
    for entry in std::fs::read_dir(out.path()).expect("read").flatten() {
        if entry.path().is_dir() {
            folders.push(entry.path());
        }
    }
    let mut cilium = 0;
    for folder in &folders {
        let output = Command::new("kubectl")
            .arg("kustomize")
            .arg(folder)
            .output()
            .expect("kubectl runs");
        assert!(
            output.status.success(),
            "{}: {}",
            folder.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        if folder == out.path() {
            cilium = String::from_utf8_lossy(&output.stdout)
                .matches("kind: CiliumNetworkPolicy")
                .count();
        }
    }
    assert!(cilium > 10, "{cilium} CiliumNetworkPolicies built");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 12, ..Default::default() })]

    /// Generated trees of any size and seed, with externals and workloads half the time:
    /// the same verdicts both ways.
    #[test]
    fn random_generated_trees_agree(seed in 0u64..1_000_000, services in 8usize..60, beyond: bool) {
        use meshward::synth::{generate_with, Options};
        let options = Options { beyond, ..Options::default() };
        let kubernetes = generate_with(services, seed, options);
        let cilium = generate_with(services, seed, Options { cilium: true, ..options });
        same_verdicts(kubernetes, cilium);
    }
}

#[test]
fn a_host_external_needs_no_cluster_cidrs_under_cilium() {
    let tree = |network: &str| {
        vec![
            (
                "mesh.intent".to_string(),
                format!("mesh {{\n  network {network}\n}}\n"),
            ),
            (
                "a/web.intent".to_string(),
                "service web in a {\n  port http 8080/http\n  calls external api\n}\n".to_string(),
            ),
            (
                "api.intent".to_string(),
                "external api {\n  host api.example.com\n  port https 443/tls\n  allow web in a to https\n}\n"
                    .to_string(),
            ),
        ]
    };
    let codes = |network: &str| -> Vec<String> {
        let compiled = meshward::pipeline::run_texts(tree(network));
        assert!(compiled.faults.is_empty(), "{:?}", compiled.faults);
        compiled
            .diagnostics
            .iter()
            .map(|d| d.code.as_str().to_string())
            .collect()
    };
    assert!(codes("kubernetes").contains(&"W0007".to_string()));
    assert!(!codes("cilium").contains(&"W0007".to_string()));
}

#[test]
fn explain_names_the_cilium_policy_and_asks_hosts_by_name() {
    let tree = tempfile::tempdir().expect("tempdir");
    for (relative, text) in with_cilium(&root().join("examples/shop")) {
        // Enforce billing, where the externals' callers live.
        let text = text.replace("  dry-run billing\n", "");
        let path = tree.path().join(&relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    let run = |args: &[&str], exit: i32| {
        common::Meshward::new()
            .arg("explain")
            .arg(tree.path())
            .args(args)
            .expect_exit(exit)
            .run()
            .stdout
    };
    let granted = run(&["payments.billing", "external:stripe"], 0);
    assert!(
        granted.contains(
            "api.stripe.com on 443/TCP: allowed by CiliumNetworkPolicy billing/payments (toFQDNs"
        ),
        "{granted}"
    );
    let refused = run(&["orders.shop", "external:stripe"], 1);
    assert!(
        refused.contains("no CiliumNetworkPolicy selecting orders.shop allows egress to api.stripe.com on 443/TCP"),
        "{refused}"
    );
    let pods = run(&["frontend.web", "catalog.shop"], 0);
    assert!(
        pods.contains("L4 ingress allowed by CiliumNetworkPolicy shop/catalog"),
        "{pods}"
    );
}
