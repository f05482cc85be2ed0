//! `dataplane ambient` against the sidecar build of the same tree (invariant 13): both
//! builds' written objects are read back by the evaluator, and every call between the
//! tree's pods (each service's, an undeclared pod per namespace, an address outside the
//! cluster), on every port, as a TCP connection and as each request its rules name, gets
//! the same verdict. The sidecar side is NetworkPolicy at both ends and the sidecar's
//! AuthorizationPolicies; the ambient side is NetworkPolicy on every hop of the path, then
//! the waypoint's and the destination ztunnel's verdicts.
//!
//! Also: what the unchanged examples need before they build under ambient, which is what
//! docs/ambient.md tells a user to expect.

mod common;

use common::ambient::{ambient_texts, intent_texts, with_dataplane};
use common::root;
use meshward::code::Code;
use meshward::evaluate::{Cluster, Endpoint, Pod, Request, ServiceInfo, Transport};
use meshward::ir::Mesh;
use meshward::render::Reading;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

const OUTSIDE: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9));

/// The model and the objects (every namespace enforced) of FILES, which must build.
fn build(files: Vec<(String, String)>) -> (Mesh, Cluster) {
    let compiled = meshward::pipeline::run_texts(files);
    assert!(compiled.faults.is_empty(), "{:#?}", compiled.faults);
    let (mesh, _) = compiled.result.expect("builds");
    let objects = meshward::pipeline::render_objects_as(&mesh, Reading::Enforced).expect("render");
    let cluster = meshward::selfcheck::environment(&mesh, Cluster::from_objects(&objects));
    (mesh, cluster)
}

/// FILES with the ambient lines taken out of mesh.intent: the same tree on sidecars.
fn on_sidecars(files: &[(String, String)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(p, t)| {
            let t = match p.as_str() {
                "mesh.intent" => t
                    .lines()
                    .filter(|l| {
                        let l = l.trim_start();
                        !l.starts_with("dataplane ") && !l.starts_with("waypoint ")
                    })
                    .map(|l| format!("{l}\n"))
                    .collect(),
                _ => t.clone(),
            };
            (p.clone(), t)
        })
        .collect()
}

/// The requests asked on a port: a TCP connection, and for each rule of the service
/// each method it names (GET when any) on each path, with a path just beside it.
fn requests(mesh: &Mesh, service: usize, port: usize) -> Vec<Option<(String, String)>> {
    let s = &mesh.services[service];
    let mut out: BTreeSet<Option<(String, String)>> = [None].into();
    if s.ports[port].protocol.is_http() {
        out.insert(Some(("GET".into(), "/".into())));
        for rule in s
            .allows
            .iter()
            .chain(&s.denies)
            .filter(|a| a.ports.contains(&port))
            .flat_map(|a| &a.rules)
        {
            let methods = match rule.methods.is_empty() {
                true => vec!["GET".to_string()],
                false => rule.methods.clone(),
            };
            for m in &methods {
                for x in &rule.paths {
                    let inside = x.replace('*', "probe");
                    for path in [inside.clone(), format!("{}x", x.trim_end_matches('*'))] {
                        out.insert(Some((m.clone(), path)));
                    }
                }
            }
        }
    }
    out.into_iter().collect()
}

/// Every source pod: each service's, and one nobody declared per namespace.
fn pods(mesh: &Mesh) -> Vec<Pod> {
    let mut pods: Vec<Pod> = mesh
        .services
        .iter()
        .map(|s| {
            let mut pod = Pod::new(s.name(), s.namespace()).account(&s.identity.account);
            for (k, v) in &s.identity.selector {
                pod = pod.label(k, v);
            }
            pod
        })
        .collect();
    let namespaces: BTreeSet<&str> = mesh.services.iter().map(|s| s.namespace()).collect();
    for ns in namespaces {
        pods.push(Pod::new("undeclared", ns).account("undeclared"));
    }
    pods
}

/// Compare every call of the tree on sidecars and under ambient; the number compared.
fn same_verdicts(files: Vec<(String, String)>) -> usize {
    let (side_mesh, sidecars) = build(on_sidecars(&files));
    let (mesh, ambient) = build(files);
    assert!(!side_mesh.settings.is_ambient() && mesh.settings.is_ambient());
    let td = mesh.settings.trust_domain.clone();
    let sources = pods(&mesh);
    let mut compared = 0;
    let mut differ = Vec::new();
    for (i, d) in mesh.services.iter().enumerate() {
        let dst = &sources[i];
        let info = ServiceInfo {
            namespace: d.namespace().to_string(),
            name: d.name().to_string(),
            selector: d.identity.selector.clone(),
            labels: BTreeMap::new(),
        };
        for (p, port) in d.ports.iter().enumerate() {
            let n = port.target;
            for src in sources.iter().map(Some).chain([None]) {
                let from = src.map_or(Endpoint::Ip(OUTSIDE), Endpoint::Pod);
                let side_l4 = src.is_none_or(|s| {
                    sidecars.egress_allows(s, Endpoint::Pod(dst), n, Transport::Tcp)
                }) && sidecars.ingress_allows(dst, from, n, Transport::Tcp);
                let hops = ambient.hops(src, dst, Some(&info), n);
                let ambient_l4 = hops.iter().all(|h| {
                    let at = match &h.source {
                        Some(s) => Endpoint::Pod(s),
                        None => Endpoint::Ip(OUTSIDE),
                    };
                    h.source.as_ref().is_none_or(|s| {
                        ambient.egress_allows(s, Endpoint::Pod(&h.target), h.port, Transport::Tcp)
                    }) && ambient.ingress_allows(&h.target, at, h.port, Transport::Tcp)
                });
                for http in requests(&mesh, i, p) {
                    let mut req = match src {
                        Some(s) => Request::from_principal(
                            &format!("{td}/ns/{}/sa/{}", s.namespace, s.service_account),
                            n,
                        ),
                        None => Request::plaintext(n),
                    };
                    if let Some((m, x)) = &http {
                        req = req.http(m, x);
                    }
                    let side = side_l4 && sidecars.request_allowed(dst, &req).is_allowed();
                    let amb = ambient_l4
                        && ambient
                            .call_allowed(dst, Some(&info), &req, &td)
                            .is_allowed();
                    compared += 1;
                    if side != amb {
                        differ.push(format!(
                            "{} {:?} to {}.{}:{n}: sidecars {side}, ambient {amb}",
                            src.map_or("outside".to_string(), |s| format!(
                                "{}.{}",
                                s.name, s.namespace
                            )),
                            http,
                            d.name(),
                            d.namespace()
                        ));
                    }
                }
            }
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
    compared
}

#[test]
fn every_example_means_the_same_on_both_data_planes() {
    for example in ["hello", "shop"] {
        let (files, _) = ambient_texts(&root().join("examples").join(example));
        let compared = same_verdicts(files);
        assert!(compared > 20, "{example}: only {compared} calls compared");
    }
}

#[test]
fn every_fixture_means_the_same_on_both_data_planes() {
    for fixture in common::fixtures() {
        let (files, _) = ambient_texts(&fixture);
        same_verdicts(files);
    }
}

#[test]
fn a_namespace_without_a_waypoint_means_the_same_through_ztunnel() {
    // Callers by account, by namespace and anyone, and a denial, all at L4.
    let files = vec![
        (
            "mesh.intent".to_string(),
            "mesh {\n  dataplane ambient\n}\n".to_string(),
        ),
        (
            "data/db.intent".to_string(),
            "service db in data {\n  port sql 5432/tcp\n  port admin 9000/tcp\n  allow api in app to sql\n  allow namespace ops to admin\n  deny worker in app to sql\n}\n".to_string(),
        ),
        (
            "app/api.intent".to_string(),
            "service api in app {\n  port http 8080/http\n  allow anyone to http\n  calls db in data:sql\n}\n".to_string(),
        ),
        (
            "app/worker.intent".to_string(),
            "service worker in app {\n  port http 8080/http\n}\n".to_string(),
        ),
        (
            "ops/console.intent".to_string(),
            "service console in ops {\n  port http 8080/http\n  calls db in data:admin\n}\n".to_string(),
        ),
    ];
    assert!(same_verdicts(files) > 50);
}

#[test]
fn the_unchanged_shop_needs_waypoints_no_sidecar_scoping_and_a_strict_inventory() {
    let (_, answered) = ambient_texts(&root().join("examples/shop"));
    assert_eq!(
        answered,
        [
            Code::L7WithoutWaypoint,
            Code::SidecarScopingUnderAmbient,
            Code::PlaintextRulesUnderAmbient
        ]
        .into()
    );
    let (_, answered) = ambient_texts(&root().join("examples/hello"));
    assert_eq!(answered, [Code::L7WithoutWaypoint].into());
    // Nothing is written while an error stands.
    let out = tempfile::tempdir().expect("tempdir");
    let input = out.path().join("shop");
    for (path, text) in with_dataplane(intent_texts(&root().join("examples/shop"))) {
        let path = input.join(path);
        std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    common::Meshward::new()
        .args(["build"])
        .arg(&input)
        .arg("--out")
        .arg(out.path().join("out"))
        .expect_exit(2)
        .run();
    assert!(!out.path().join("out").exists());
}

#[test]
fn generated_trees_mean_the_same_on_both_data_planes() {
    use meshward::synth::{generate_with, Options};
    for (seed, authz, beyond) in [(1, false, false), (2, true, false), (3, false, true)] {
        let options = Options {
            ambient: true,
            authz,
            beyond,
            ..Options::default()
        };
        let compared = same_verdicts(generate_with(36, seed, options));
        assert!(
            compared > 1000,
            "seed {seed}: only {compared} calls compared"
        );
    }
}

#[test]
fn explain_follows_the_ambient_path() {
    let (files, _) = ambient_texts(&root().join("examples/shop"));
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("folder")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    let explain = |args: &[&str], exit: i32| {
        let out = common::Meshward::new()
            .arg("explain")
            .arg(dir.path())
            .args(args)
            .expect_exit(exit)
            .run();
        out.stdout
    };
    let text = explain(
        &[
            "frontend.web",
            "orders.shop",
            "http",
            "GET",
            "/api/orders/7",
        ],
        0,
    );
    for line in [
        "path       frontend.web ztunnel → waypoint shop/shop-waypoint → orders.shop ztunnel",
        "L4 hop     frontend.web → waypoint shop/shop-waypoint on 15008/TCP",
        "L4 hop     waypoint shop/shop-waypoint → orders.shop on 15008/TCP",
        "waypoint   shop/shop-waypoint (caller's identity) — GET /api/orders/7: allowed by ALLOW policy shop/orders",
        "ztunnel    GET /api/orders/7, relayed: allowed by ALLOW policy shop/orders.ztunnel",
    ] {
        assert!(text.contains(line), "{line:?} not in:\n{text}");
    }
    let text = explain(&["cart.shop", "orders.shop", "http"], 1);
    assert!(text.contains("DENY waypoint"), "{text}");
    let text = explain(&["checkout.shop", "redis.data"], 0);
    assert!(
        text.contains("no waypoint serves redis.data")
            && text.contains("allowed by ALLOW policy data/redis"),
        "{text}"
    );
}

#[test]
fn cilium_and_sync_waves_under_ambient() {
    let (mut files, _) = ambient_texts(&root().join("examples/shop"));
    let mesh = files
        .iter_mut()
        .find(|(p, _)| p == "mesh.intent")
        .expect("mesh");
    mesh.1 = mesh.1.replacen(
        "dataplane ambient",
        "dataplane ambient\n  network cilium\n  sync-waves on",
        1,
    );
    assert!(same_verdicts(files) > 100);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]
    /// Random generated trees, with every option the generator has: the ambient build
    /// proves, and gives the sidecar build's verdict on every call.
    #[test]
    fn random_trees_mean_the_same_on_both_data_planes(
        seed in 0u64..10_000,
        services in 2usize..30,
        beyond: bool,
        authz: bool,
        cilium: bool,
    ) {
        let options = meshward::synth::Options {
            ambient: true,
            beyond,
            authz,
            cilium,
            ..meshward::synth::Options::default()
        };
        same_verdicts(meshward::synth::generate_with(services, seed, options));
    }
}
