//! Several clusters from one tree, end to end: examples/shop-multicluster built into one
//! tree per cluster, `explain` across clusters by the binary, `diff` when a service runs
//! in one more cluster, `graph` labels, and the trees read back by the evaluator.

mod common;

use common::Meshward;
use meshward::diff::{self, Change, Effect, Model};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example() -> PathBuf {
    root().join("examples/shop-multicluster")
}

/// The example's intent files as `(relative path, text)`.
fn texts() -> Vec<(String, String)> {
    common::ambient::intent_texts(&example())
}

fn files(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("read") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("inside");
                out.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out
}

#[test]
fn one_tree_per_cluster_each_with_only_what_it_runs() {
    let out = tempfile::tempdir().expect("tempdir");
    let run = Meshward::new()
        .args(["build"])
        .arg(example())
        .arg("--out")
        .arg(out.path())
        .expect_exit(0)
        .run();
    assert!(run.stderr.contains("3 clusters"), "{}", run.stderr);
    let files = files(out.path());
    let roots: Vec<&String> = files
        .iter()
        .filter(|f| f.matches('/').count() == 1 && f.ends_with("/kustomization.yaml"))
        .collect();
    assert_eq!(
        roots,
        [
            "central/kustomization.yaml",
            "east/kustomization.yaml",
            "west/kustomization.yaml"
        ]
    );
    assert!(
        !files.contains("kustomization.yaml"),
        "no root above the clusters"
    );
    // central runs only frontends: web's defaults and policies, and the routes of the
    // shop services they call (for the frontends' proxies), nothing else.
    let central: Vec<&String> = files.iter().filter(|f| f.starts_with("central/")).collect();
    assert_eq!(
        central,
        [
            "central/kustomization.yaml",
            "central/shop/catalog.yaml",
            "central/shop/checkout.yaml",
            "central/shop/kustomization.yaml",
            "central/web/_namespace.yaml",
            "central/web/frontend.yaml",
            "central/web/kustomization.yaml"
        ]
    );
    let routes = fs::read_to_string(out.path().join("central/shop/checkout.yaml")).expect("routes");
    assert!(routes.contains("kind: VirtualService") && !routes.contains("Policy"));
    assert!(files.contains("west/shop/catalog.yaml"));
    assert!(!files.contains("west/shop/orders.yaml"));
    let orders = fs::read_to_string(out.path().join("east/shop/orders.yaml")).expect("orders");
    // Principals in each caller cluster's trust domain; central's pods by range; west's
    // through the east-west gateway.
    for want in [
        "central.example.com/ns/web/sa/frontend",
        "west.example.com/ns/web/sa/frontend",
        "10.2.0.0/16",
        "istio: eastwestgateway",
    ] {
        assert!(orders.contains(want), "east/shop/orders.yaml lacks {want}");
    }
    let frontend = fs::read_to_string(out.path().join("west/web/frontend.yaml")).expect("west");
    assert!(frontend.contains("port: 15443") && frontend.contains("203.0.113.10/32"));
}

fn explain(args: &[&str], code: i32) -> String {
    Meshward::new()
        .arg("explain")
        .arg(example())
        .args(args)
        .expect_exit(code)
        .run()
        .stdout
}

#[test]
fn explain_follows_the_call_between_clusters() {
    let across = explain(
        &[
            "frontend.web@west",
            "orders.shop@east",
            "http",
            "GET",
            "/api/orders",
        ],
        0,
    );
    assert!(
        across.contains("through east's east-west gateway"),
        "{across}"
    );
    assert!(across.contains("203.0.113.10:15443"), "{across}");
    assert!(
        across.contains("west.example.com/ns/web/sa/frontend"),
        "{across}"
    );
    let direct = explain(&["frontend.web@central", "orders.shop", "http"], 0);
    assert!(direct.contains("pod to pod"), "{direct}");
    assert!(
        direct.contains("frontend.web@central → orders.shop@east"),
        "{direct}"
    );
    // Allowed on http only: grpc is refused at both layers.
    let denied = explain(&["frontend.web@central", "orders.shop@east", "grpc"], 1);
    assert!(denied.contains("DENY L4 egress"), "{denied}");
    // Within one cluster, the usual answer on that cluster's tree.
    let local = explain(&["checkout.shop", "orders.shop", "grpc"], 0);
    assert!(
        local.contains("east.example.com/ns/shop/sa/checkout"),
        "{local}"
    );
    let wrong = Meshward::new()
        .arg("explain")
        .arg(example())
        .args(["frontend.web@east", "orders.shop"])
        .expect_exit(2)
        .run();
    assert!(
        wrong.stderr.contains("does not run in cluster `east`"),
        "{}",
        wrong.stderr
    );
}

#[test]
fn running_a_service_in_one_more_cluster_widens_for_its_callers_there() {
    let old = texts();
    let new: Vec<(String, String)> = old
        .iter()
        .map(|(p, t)| {
            let t = if p == "shop/orders.intent" {
                t.replace("  clusters east\n", "  clusters east, central\n")
            } else {
                t.clone()
            };
            (p.clone(), t)
        })
        .collect();
    assert_ne!(old, new);
    let (a, b) = (
        meshward::pipeline::run_texts(old),
        meshward::pipeline::run_texts(new),
    );
    let mesh = |o: &meshward::pipeline::Outcome| o.result.as_ref().expect("builds").0.clone();
    let (old_mesh, new_mesh) = (mesh(&a), mesh(&b));
    let changes = diff::compare(
        Model {
            mesh: &old_mesh,
            sources: &a.sources,
        },
        Model {
            mesh: &new_mesh,
            sources: &b.sources,
        },
    );
    let access: Vec<(Effect, String, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Access(a) => Some((a.effect, a.from.clone(), a.to.clone())),
            _ => None,
        })
        .collect();
    assert!(
        access.contains(&(
            Effect::Widens,
            "frontend.web@central".into(),
            "orders.shop@central".into()
        )),
        "{access:#?}"
    );
    assert!(
        access.iter().all(|(e, _, _)| *e == Effect::Widens),
        "{access:#?}"
    );
}

#[test]
fn graph_names_where_each_service_runs() {
    let out = Meshward::new()
        .arg("graph")
        .arg(example())
        .expect_exit(0)
        .run()
        .stdout;
    assert!(out.contains("catalog @ east, west"), "{out}");
    assert!(out.contains("frontend @ central, west"), "{out}");
}

#[test]
fn ambient_with_clusters_is_refused() {
    let files: Vec<(String, String)> = texts()
        .into_iter()
        .map(|(p, t)| {
            let t = if p == "mesh.intent" {
                t.replacen("mesh {", "mesh {\n  dataplane ambient", 1)
            } else {
                t
            };
            (p, t)
        })
        .collect();
    let run = meshward::pipeline::run_texts(files);
    assert!(run
        .diagnostics
        .iter()
        .any(|d| d.code == meshward::code::Code::ClustersUnderAmbient));
    assert!(run.result.is_none());
}

#[test]
fn cilium_sync_waves_and_dry_run_combine_with_clusters() {
    let files: Vec<(String, String)> = texts()
        .into_iter()
        .map(|(p, t)| {
            let t = if p == "mesh.intent" {
                t.replacen(
                    "mesh {",
                    "mesh {\n  network cilium\n  sync-waves on\n  dry-run billing",
                    1,
                )
            } else {
                t
            };
            (p, t)
        })
        .collect();
    let run = meshward::pipeline::run_texts(files);
    assert!(run.faults.is_empty(), "{:#?}", run.faults);
    let (_, tree) = run.result.expect("builds");
    let orders = &tree.files["east/shop/orders.yaml"];
    assert!(orders.contains("CiliumNetworkPolicy"), "{orders}");
    assert!(orders.contains("10.2.0.0/16"), "{orders}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 8, ..proptest::prelude::ProptestConfig::default() })]
    /// Random generated trees over three clusters on two networks, with every option the
    /// generator has that combines with them: each builds, one tree per cluster, and
    /// proves (invariant 14 included).
    #[test]
    fn random_trees_of_several_clusters_prove(
        seed in 0u64..10_000,
        services in 2usize..30,
        beyond: bool,
        authz: bool,
        cilium: bool,
    ) {
        let options = meshward::synth::Options {
            clusters: true,
            beyond,
            authz,
            cilium,
            ..meshward::synth::Options::default()
        };
        let run = meshward::pipeline::run_texts(meshward::synth::generate_with(services, seed, options));
        proptest::prop_assert!(!run.has_errors(), "{:?}", run.diagnostics);
        proptest::prop_assert!(run.faults.is_empty(), "{:#?}", run.faults);
        proptest::prop_assert!(run.result.is_some());
    }
}

#[test]
fn a_small_pod_range_holds_every_probe_of_its_cluster() {
    // central's range holds 8 addresses and the proof places more pods than that there:
    // their stand-in addresses wrap inside the range instead of leaving it.
    let files: Vec<(String, String)> = texts()
        .into_iter()
        .map(|(p, t)| {
            let t = if p == "mesh.intent" {
                t.replace("pod-cidrs 10.2.0.0/16", "pod-cidrs 10.2.0.0/29")
            } else {
                t
            };
            (p, t)
        })
        .collect();
    let run = meshward::pipeline::run_texts(files);
    assert!(!run.has_errors(), "{:?}", run.diagnostics);
    assert!(run.faults.is_empty(), "{:#?}", run.faults);
}
