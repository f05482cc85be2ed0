//! No AuthorizationPolicy meshward writes carries HTTP fields on a rule that also covers a
//! `tcp` or `tls` port (see `common/http_fields.rs` for why that is an outage or a hole),
//! over every tree the repository holds: the examples, the test fixtures, the fuzzing
//! seeds and regressions, and the warning cases of the golden tests. proptest checks the
//! same on random trees (`tests/properties`).

mod common;

use common::{files_below, http_rules_on_plain_ports, root};
use std::fs;
use std::path::Path;

/// One tree: every `*.intent` file below DIR, or the single file DIR.
fn inputs(path: &Path) -> Vec<(String, String)> {
    let read = |p: &Path| String::from_utf8_lossy(&fs::read(p).expect("read input")).into_owned();
    if path.is_file() {
        return vec![("a.intent".to_string(), read(path))];
    }
    files_below(path)
        .into_iter()
        .filter(|(rel, _)| rel.ends_with(".intent"))
        .map(|(rel, p)| (rel, read(&p)))
        .collect()
}

/// Each tree of the corpus: every child of each folder.
fn corpus() -> Vec<(String, std::path::PathBuf)> {
    let mut trees = Vec::new();
    for folder in [
        "examples",
        "tests/fixtures",
        "fuzz/seeds/parse_bytes",
        "fuzz/regressions",
        "golden/warnings/inputs",
    ] {
        let dir = root().join(folder);
        let mut children: Vec<_> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "intent"))
            .collect();
        children.sort();
        trees.extend(children.into_iter().map(|p| {
            let name = p.strip_prefix(root()).unwrap().display().to_string();
            (name, p)
        }));
    }
    trees
}

#[test]
fn http_fields_never_cover_a_tcp_or_tls_port() {
    let mut built = 0;
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (name, path) in corpus() {
        let files = inputs(&path);
        if files.is_empty() {
            continue;
        }
        let compiled = meshward::pipeline::run_texts(files);
        let Some((mesh, _)) = compiled.result.as_ref() else {
            continue;
        };
        let objects = meshward::pipeline::render_objects(mesh).expect("render");
        built += 1;
        let (n, bad) = http_rules_on_plain_ports(mesh, &objects);
        checked += n;
        wrong.extend(bad.into_iter().map(|b| format!("{name}: {b}")));
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The corpus must exercise the property: trees that build, with HTTP rules, and with
    // tcp ports beside them (examples/shop has both).
    assert!(built >= 10, "only {built} trees built");
    assert!(checked >= 10, "only {checked} HTTP rules checked");
}

/// The check itself sees the fault: examples/shop with `methods` added to the rule of a
/// tcp port (ledger's postgres) is flagged, and without the change it is not.
#[test]
fn the_check_catches_http_fields_on_a_tcp_rule() {
    let compiled = meshward::pipeline::run_texts(inputs(&root().join("examples/shop")));
    let (mesh, _) = compiled.result.as_ref().expect("examples/shop builds");
    let mut objects = meshward::pipeline::render_objects(mesh).expect("render");
    assert!(http_rules_on_plain_ports(mesh, &objects).1.is_empty());
    let plain: Vec<String> = mesh
        .services
        .iter()
        .flat_map(|s| s.ports.iter())
        .filter(|p| !p.protocol.is_http())
        .map(|p| p.target.to_string())
        .collect();
    let rule = objects
        .iter_mut()
        .filter(|o| o["kind"] == "AuthorizationPolicy")
        .flat_map(|o| o["spec"]["rules"].as_array_mut().into_iter().flatten())
        .flat_map(|r| r["to"].as_array_mut().into_iter().flatten())
        .find(|op| {
            op["operation"]["ports"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| plain.iter().any(|t| p == t)))
        })
        .expect("a rule on a tcp port in examples/shop");
    rule["operation"]["methods"] = serde_json::json!(["GET"]);
    let (checked, wrong) = http_rules_on_plain_ports(mesh, &objects);
    assert!(checked >= 1);
    assert_eq!(wrong.len(), 1, "{wrong:?}");
}
