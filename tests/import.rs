//! `meshward import`: the round trip (build, dump the cluster, import, build again, the
//! same answers) on every example, every fixture and generated meshes; the corpus of
//! hand-written clusters, which the language can only partly say (exit 1, the list, and
//! intents that build); determinism; and the exits of cli.md.

mod common;

use common::{fixtures, root, Meshward};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// The intent files below DIR, as `synth::dump` takes them.
fn intents(dir: &Path) -> Vec<(String, String)> {
    common::files_below(dir)
        .into_iter()
        .filter(|(rel, _)| rel.ends_with(".intent"))
        .map(|(rel, path)| (rel, std::fs::read_to_string(path).expect("intent file")))
        .collect()
}

/// A cluster dump of the tree at DIR (meshward's objects and a Deployment per service and
/// workload), as one multi-document YAML file in TMP.
fn dump(files: Vec<(String, String)>, tmp: &Path) -> PathBuf {
    let objects = meshward::synth::dump(files);
    assert!(!objects.is_empty(), "the tree does not build");
    let text: Vec<String> = objects
        .iter()
        .map(|o| serde_yaml::to_string(o).expect("yaml"))
        .collect();
    let path = tmp.join("cluster.yaml");
    std::fs::write(&path, text.join("---\n")).expect("write dump");
    path
}

fn import(input: &Path, out: &Path) -> common::Output {
    Meshward::new()
        .arg("import")
        .arg(input)
        .arg("--out")
        .arg(out)
        .run()
}

/// Import INPUT into a fresh folder, expect EXIT, and build what was written.
fn import_and_build(input: &Path, exit: i32) -> (common::Output, tempfile::TempDir) {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = import(input, &tmp.path().join("intents"));
    assert_eq!(out.code, Some(exit), "{}\n{}", out.stdout, out.stderr);
    common::build_fixture(&tmp.path().join("intents"), &tmp.path().join("out"));
    (out, tmp)
}

#[test]
fn every_example_and_fixture_round_trips_with_the_proof() {
    let mut trees: Vec<PathBuf> = ["hello", "shop"]
        .iter()
        .map(|e| root().join("examples").join(e))
        .collect();
    // An ambient tree is not among them: import writes intents for sidecars and lists
    // ambient workloads as not imported (tests/corpus/ambient exits 1 for it).
    trees.extend(
        fixtures()
            .into_iter()
            .filter(|f| !common::ambient::is_ambient(&common::ambient::intent_texts(f))),
    );
    assert!(trees.len() >= 3);
    for tree in trees {
        let tmp = tempfile::tempdir().expect("tmp");
        let input = dump(intents(&tree), tmp.path());
        let (out, _dir) = import_and_build(&input, 0);
        assert!(out.stdout.contains("proven:"), "{}", tree.display());
        assert!(
            !out.stderr.contains("not imported"),
            "{}: {}",
            tree.display(),
            out.stderr
        );
    }
}

#[test]
fn the_shop_import_says_what_the_shop_says() {
    let tmp = tempfile::tempdir().expect("tmp");
    let input = dump(intents(&root().join("examples/shop")), tmp.path());
    let (_, dir) = import_and_build(&input, 0);
    let read = |p: &str| std::fs::read_to_string(dir.path().join("intents").join(p)).expect(p);
    let cart = read("shop/cart.intent");
    assert!(cart.contains("allow frontend in web to p8080 {\n    GET|POST /api/cart\n    PUT|DELETE /api/cart/items/*\n  }"), "{cart}");
    assert!(cart.contains("calls redis in data:p6379"), "{cart}");
    assert!(cart.contains("# AuthorizationPolicy shop/cart ("), "{cart}");
    let frontend = read("web/frontend.intent");
    assert!(
        frontend.contains("deny anyone to p8080 {\n    * /api/internal/*\n  }"),
        "{frontend}"
    );
    assert!(
        frontend.contains("when jwt login-example-com and claim groups = admin"),
        "{frontend}"
    );
    let inventory = read("shop/inventory.intent");
    assert!(
        inventory.contains("mtls permissive") && inventory.contains("allow anyone to p8080 {"),
        "{inventory}"
    );
    let mesh = read("mesh.intent");
    assert!(mesh.contains("scraper prometheus in monitoring"), "{mesh}");
    assert!(
        mesh.contains("jwks https://login.example.com/.well-known/jwks.json"),
        "{mesh}"
    );
    // The files are in the canonical layout.
    Meshward::new()
        .arg("fmt")
        .arg("--check")
        .arg(dir.path().join("intents"))
        .expect_exit(0)
        .run();
}

#[test]
fn the_same_input_in_any_order_imports_the_same_files() {
    let tmp = tempfile::tempdir().expect("tmp");
    let files = meshward::synth::generate_with(
        14,
        3,
        meshward::synth::Options {
            beyond: true,
            authz: true,
            ..Default::default()
        },
    );
    let forward = dump(files, tmp.path());
    let text = std::fs::read_to_string(&forward).expect("dump");
    let mut docs: Vec<&str> = text.split("---\n").collect();
    docs.reverse();
    let backward = tmp.path().join("reversed.yaml");
    std::fs::write(&backward, docs.join("---\n")).expect("write");
    let (_, a) = import_and_build(&forward, 0);
    let (_, b) = import_and_build(&backward, 0);
    let read_all = |d: &Path| -> Vec<(String, String)> {
        common::files_below(&d.join("intents"))
            .into_iter()
            .map(|(rel, p)| (rel, std::fs::read_to_string(p).expect("read")))
            .collect()
    };
    // Only the comments naming file:line differ (the objects moved in the file).
    let strip = |files: Vec<(String, String)>| -> Vec<(String, String)> {
        files
            .into_iter()
            .map(|(p, t)| {
                (
                    p,
                    t.lines()
                        .filter(|l| !l.trim_start().starts_with('#'))
                        .collect::<Vec<_>>()
                        .join("\n"),
                )
            })
            .collect()
    };
    assert_eq!(strip(read_all(a.path())), strip(read_all(b.path())));
}

#[test]
fn the_corpus_imports_in_part_with_the_list_and_intents_that_build() {
    let corpus = root().join("tests/corpus");
    // Per cluster, lines the list must hold: what a hand reading of cluster.yaml says the
    // language cannot write.
    let expected: [(&str, &[&str]); 5] = [
        ("bookinfo", &["bookinfo/reviews-v1 runs as service account `bookinfo-reviews` like"]),
        ("boutique", &["boutique/checkoutservice reaches the addresses 0.0.0.0/0 on every port of every protocol"]),
        ("k8s-docs", &["runs as service account `default` like"]),
        ("legacy", &["legacy/worker reaches the addresses 192.168.0.0/16 over UDP"]),
        ("mesh-l7", &["shop/batch reaches shop/api at L4 on [8080] but no AuthorizationPolicy admits any request"]),
    ];
    for (name, lines) in expected {
        let input = corpus.join(name).join("cluster.yaml");
        let (out, _dir) = import_and_build(&input, 1);
        for line in lines {
            assert!(
                out.stderr.contains(line),
                "{name}: missing {line:?} in\n{}",
                out.stderr
            );
        }
        // Every listed item names the file and line of what it concerns.
        for l in out.stderr.lines().filter(|l| l.contains("not imported:")) {
            assert!(l.starts_with(&format!("{}:", input.display())), "{l}");
        }
        assert!(out.stdout.contains("proven:"), "{name}");
    }
}

#[test]
fn a_partial_import_writes_only_what_it_proved() {
    // mesh-l7: api's AuthorizationPolicy admits web on GET /api/*; batch reaches api at L4
    // without any request admitted, which the list names, so no line grants batch.
    let input = root().join("tests/corpus/mesh-l7/cluster.yaml");
    let (_, dir) = import_and_build(&input, 1);
    let api = std::fs::read_to_string(dir.path().join("intents/shop/api.intent")).expect("api");
    assert!(
        api.contains("allow web-5b8c in shop to http {\n    GET /api/*\n  }"),
        "{api}"
    );
    assert!(!api.contains("batch"), "{api}");
}

#[test]
fn exits_follow_cli_md() {
    let tmp = tempfile::tempdir().expect("tmp");
    // Unreadable input: 2, nothing written.
    let bad = tmp.path().join("bad.yaml");
    std::fs::write(&bad, "kind: [\n").expect("write");
    let out = import(&bad, &tmp.path().join("a"));
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(!tmp.path().join("a").exists());
    // OUT not empty: 2, nothing touched.
    let full = tmp.path().join("full");
    std::fs::create_dir_all(&full).expect("mkdir");
    std::fs::write(full.join("keep.intent"), "# mine\n").expect("write");
    let input = root().join("tests/corpus/legacy/cluster.yaml");
    let out = import(&input, &full);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("is not empty"), "{}", out.stderr);
    assert_eq!(std::fs::read_dir(&full).expect("dir").count(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// build, dump, import, build: the imported build answers every question as the
    /// original did (the proof inside `import`), and nothing is left out.
    #[test]
    fn generated_meshes_round_trip(
        seed in 0u64..10_000,
        services in 2usize..24,
        beyond: bool,
        authz: bool,
        cilium: bool,
        sidecar_scoping: bool,
    ) {
        let options = meshward::synth::Options { beyond, authz, cilium, sidecar_scoping, ambient: false, clusters: false };
        let objects = meshward::synth::dump(meshward::synth::generate_with(services, seed, options));
        let (inv, problems) = meshward::inventory::inventory(meshward::inventory::objects(objects, "dump.yaml"));
        prop_assert!(problems.is_empty());
        let out = meshward::import::import(&inv);
        prop_assert!(out.mismatches.is_empty(), "{:#?}", out.mismatches);
        prop_assert!(out.unexpressed.is_empty(), "{:#?}", out.unexpressed);
        prop_assert!(!out.files.is_empty());
    }
}

/// Found by the round trip: an external whose callers in two namespaces may use different
/// ports. Each namespace's ServiceEntry used to list every port of the external, which the
/// self-check (rightly) refused, so such a tree could not be built at all (exit 3).
#[test]
fn an_external_entry_lists_the_ports_its_namespace_may_call() {
    let files = [
        ("x/db.intent", "external db {\n  cidr 10.20.0.0/16\n  port web 80\n  port pg 5432\n  allow one in a to web, pg\n  allow two in b to pg\n}\n"),
        ("a/one.intent", "service one in a {\n  calls external db:web, external db:pg\n}\n"),
        ("b/two.intent", "service two in b {\n  calls external db:pg\n}\n"),
    ];
    let outcome = meshward::pipeline::run_texts(files.map(|(p, t)| (p.to_string(), t.to_string())));
    assert!(outcome.faults.is_empty(), "{:?}", outcome.faults);
    let (mesh, _) = outcome.result.expect("builds");
    let objects = meshward::pipeline::render_objects(&mesh).expect("renders");
    let ports = |ns: &str| -> Vec<u64> {
        let entry = objects
            .iter()
            .find(|o| o["kind"] == "ServiceEntry" && o["metadata"]["namespace"] == ns)
            .expect("an entry");
        entry["spec"]["ports"]
            .as_array()
            .expect("ports")
            .iter()
            .map(|p| p["number"].as_u64().expect("n"))
            .collect()
    };
    assert_eq!(ports("a"), vec![80, 5432]);
    assert_eq!(ports("b"), vec![5432]);
}

#[test]
fn the_trust_domain_is_the_meshs() {
    let tmp = tempfile::tempdir().expect("tmp");
    let files: Vec<(String, String)> = intents(&root().join("examples/shop"))
        .into_iter()
        .map(|(p, t)| {
            (
                p,
                t.replace("trust-domain cluster.local", "trust-domain prod.example"),
            )
        })
        .collect();
    assert!(files
        .iter()
        .any(|(_, t)| t.contains("trust-domain prod.example")));
    let input = dump(files, tmp.path());
    // Read with the mesh's trust domain, the shop imports exactly, and says so.
    let out_dir = tmp.path().join("intents");
    let out = Meshward::new()
        .args(["import", "--trust-domain", "prod.example", "--out"])
        .arg(&out_dir)
        .arg(&input)
        .run();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let mesh = std::fs::read_to_string(out_dir.join("mesh.intent")).expect("mesh.intent");
    assert!(mesh.contains("trust-domain prod.example"), "{mesh}");
    // Read as cluster.local, no principal of its policies names a workload: the calls
    // the network admits have no request admitted, and are listed, not written.
    let out = import(&input, &tmp.path().join("wrong"));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("no AuthorizationPolicy admits any request"),
        "{}",
        out.stderr
    );
    // A trust domain that is not one is refused before anything is read.
    let out = Meshward::new()
        .args(["import", "--trust-domain", "Prod_Example", "--out"])
        .arg(tmp.path().join("bad"))
        .arg(&input)
        .run();
    assert_eq!(out.code, Some(2), "{}", out.stderr);
}
