//! No AuthorizationPolicy meshward writes, ALLOW or DENY, carries HTTP fields (methods,
//! paths, `request.headers`/`request.auth.claims` conditions, request principals) on a
//! rule that also covers a `tcp` or `tls` port (see `common/http_fields.rs` for why that is an outage or a hole),
//! over every tree the repository holds: the examples, the test fixtures, the fuzzing
//! seeds and regressions, and the warning cases of the golden tests. proptest checks the
//! same on random trees (`tests/properties`).

mod common;

use common::{files_below, http_rules_on_plain_ports, root};
use serde_json::Value;
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
    let mut deny_http = 0;
    let mut conditioned = 0;
    let mut principals = 0;
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
        for (action, rule) in policy_rules(&objects) {
            let text = rule.to_string();
            if action == "DENY" && (text.contains("\"paths\"") || text.contains("\"when\"")) {
                deny_http += 1;
            }
            conditioned += usize::from(text.contains("\"when\""));
            principals += usize::from(text.contains("requestPrincipals"));
        }
        let (n, bad) = http_rules_on_plain_ports(mesh, &objects);
        checked += n;
        wrong.extend(bad.into_iter().map(|b| format!("{name}: {b}")));
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The corpus must exercise the property: trees that build, with HTTP rules, and with
    // tcp ports beside them (examples/shop has both).
    assert!(built >= 10, "only {built} trees built");
    assert!(checked >= 10, "only {checked} HTTP rules checked");
    // ... and DENY policies with HTTP rules, `when` conditions and request principals
    // (tests/fixtures/authorization, fuzz/seeds/parse_bytes/deny-conditions.intent).
    assert!(
        deny_http >= 2,
        "only {deny_http} DENY rules with HTTP fields"
    );
    assert!(conditioned >= 4, "only {conditioned} rules with `when`");
    assert!(
        principals >= 1,
        "only {principals} rules with requestPrincipals"
    );
}

/// `(action, rule)` of every AuthorizationPolicy rule in OBJECTS.
fn policy_rules(objects: &[Value]) -> Vec<(String, &Value)> {
    objects
        .iter()
        .filter(|o| o["kind"] == "AuthorizationPolicy")
        .flat_map(|o| {
            let action = o["spec"]["action"].as_str().unwrap_or("ALLOW").to_string();
            o["spec"]["rules"]
                .as_array()
                .into_iter()
                .flatten()
                .map(move |r| (action.clone(), r))
        })
        .collect()
}

/// The check sees HTTP fields of DENY rules and of `when` conditions too: on
/// tests/fixtures/authorization, where `db` (5432) is tcp, adding that port to the rule of
/// `deny anyone to http { * /admin/debug/* }`, to a rule whose only HTTP field is a header
/// condition, or to one whose only HTTP field is a request principal is flagged, each.
#[test]
fn the_check_catches_deny_and_condition_fields_on_a_tcp_port() {
    let compiled =
        meshward::pipeline::run_texts(inputs(&root().join("tests/fixtures/authorization")));
    let (mesh, _) = compiled.result.as_ref().expect("the fixture builds");
    let objects = meshward::pipeline::render_objects(mesh).expect("render");
    assert!(http_rules_on_plain_ports(mesh, &objects).1.is_empty());
    let corrupt = |name: &str, needle: &str, edit: &dyn Fn(&mut Value)| {
        let mut objects = objects.clone();
        let policy = objects
            .iter_mut()
            .find(|o| o["kind"] == "AuthorizationPolicy" && o["metadata"]["name"] == name)
            .expect("policy");
        let rule = policy["spec"]["rules"]
            .as_array_mut()
            .expect("rules")
            .iter_mut()
            .find(|r| r.to_string().contains(needle))
            .unwrap_or_else(|| panic!("no rule of {name} holds {needle}"));
        edit(rule);
        let (_, wrong) = http_rules_on_plain_ports(mesh, &objects);
        assert_eq!(wrong.len(), 1, "{name} {needle}: {wrong:?}");
        assert!(
            wrong[0].contains(&format!("shop/{name} ")) && wrong[0].contains("tcp/tls port 5432"),
            "{wrong:?}"
        );
    };
    let add_db = |rule: &mut Value| {
        rule["to"][0]["operation"]["ports"]
            .as_array_mut()
            .expect("ports")
            .push(serde_json::json!("5432"))
    };
    corrupt("api.deny", "/admin/debug/*", &add_db);
    corrupt("api", "request.headers[x-tenant]", &|rule| {
        add_db(rule);
        rule["to"][0]["operation"]
            .as_object_mut()
            .expect("operation")
            .retain(|k, _| k == "ports");
    });
    corrupt("api", "\"/api/orders\"", &|rule| {
        add_db(rule);
        rule["to"][0]["operation"]
            .as_object_mut()
            .expect("operation")
            .retain(|k, _| k == "ports");
        rule.as_object_mut().expect("rule").remove("when");
    });
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
