//! Validity of the tree `meshward build` writes, checked from the outside (see
//! /work/shared/design/output.md). The real binary is run on every folder under `examples/`
//! and on a tree made to stress YAML quoting; its output must
//!
//! - validate against the strict upstream schemas vendored in `tests/schemas/`, carry the
//!   `managed-by` label and hold no `null`;
//! - build with `kubectl kustomize`, from the root and from every namespace folder;
//! - read back the same under a YAML 1.1 reader (PyYAML) as under serde_yaml (YAML 1.2);
//! - be the same, byte for byte, whatever the order, names and folders of the intent files
//!   (except the header comments naming them).
//!
//! `kubectl`, `python3` and PyYAML are required when the environment variable `CI` is set;
//! elsewhere the checks that need them print a note and pass.

use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_meshward");
const KUSTOMIZATION: &str = "kustomization.yaml";
const MANIFEST: &str = ".meshward-manifest";

/// The strict schema of every kind meshward may emit, by apiVersion and kind.
const SCHEMAS: &[(&str, &str, &str)] = &[
    (
        "networking.k8s.io/v1",
        "NetworkPolicy",
        include_str!("schemas/networkpolicy-networking-v1-strict.json"),
    ),
    (
        "security.istio.io/v1",
        "AuthorizationPolicy",
        include_str!("schemas/authorizationpolicy-security-v1-strict.json"),
    ),
    (
        "security.istio.io/v1",
        "PeerAuthentication",
        include_str!("schemas/peerauthentication-security-v1-strict.json"),
    ),
    (
        "networking.istio.io/v1",
        "VirtualService",
        include_str!("schemas/virtualservice-networking-v1-strict.json"),
    ),
    (
        "networking.istio.io/v1",
        "DestinationRule",
        include_str!("schemas/destinationrule-networking-v1-strict.json"),
    ),
];
const KUSTOMIZATION_SCHEMA: &str =
    include_str!("schemas/kustomization-kustomize-v1beta1-strict.json");

// ------------------------------------------------------------------------------ helpers

fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every folder under `examples/`, sorted.
fn examples() -> Vec<PathBuf> {
    let dir = crate_root().join("examples");
    let mut found: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("read examples/").path())
        .filter(|path| path.is_dir())
        .collect();
    found.sort();
    assert!(
        !found.is_empty(),
        "no example folders under {}",
        dir.display()
    );
    found
}

/// Run `meshward build INPUT --out OUT` from CWD; it must succeed.
fn run_build(input: &Path, out: &Path, cwd: &Path) {
    let output = Command::new(BIN)
        .env("MESHWARD_CACHE", "off")
        .current_dir(cwd)
        .arg("build")
        .arg(input)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run meshward");
    assert!(
        output.status.success(),
        "`meshward build {} --out {}` exited with {}\nstdout:\n{}\nstderr:\n{}",
        input.display(),
        out.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

/// Build EXAMPLE into a fresh temporary folder.
fn build(example: &Path) -> TempDir {
    let out = TempDir::new().expect("temporary folder");
    run_build(example, out.path(), crate_root());
    out
}

/// Every file below DIR, relative to it, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, found: &mut Vec<PathBuf>) {
        let entries =
            fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("read folder").path();
            if path.is_dir() {
                walk(root, &path, found);
            } else {
                found.push(path.strip_prefix(root).expect("below root").to_path_buf());
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, dir, &mut found);
    found.sort();
    found
}

/// Every `.yaml` file below DIR, relative to it, sorted.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    files(dir)
        .into_iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect()
}

fn is_kustomization(path: &Path) -> bool {
    path.file_name().is_some_and(|name| name == KUSTOMIZATION)
}

/// Every YAML document of the file at PATH, read by serde_yaml (YAML 1.2) as JSON.
fn parse_yaml(path: &Path) -> Vec<Value> {
    let text =
        fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_yaml::Deserializer::from_str(&text)
        .map(|document| {
            let value = serde_yaml::Value::deserialize(document)
                .unwrap_or_else(|e| panic!("{}: not valid YAML: {e}", path.display()));
            to_json(value)
        })
        .collect()
}

/// Every YAML document of every `.yaml` file below DIR, with the file's relative path.
fn documents(dir: &Path) -> Vec<(PathBuf, Value)> {
    yaml_files(dir)
        .into_iter()
        .flat_map(|path| {
            parse_yaml(&dir.join(&path))
                .into_iter()
                .map(move |document| (path.clone(), document))
        })
        .collect()
}

/// The JSON form of a YAML value, as kubectl makes it: map keys become strings.
fn to_json(value: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Yaml;
    match value {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => {
            if let Some(u) = n.as_u64() {
                u.into()
            } else if let Some(i) = n.as_i64() {
                i.into()
            } else {
                let f = n.as_f64().expect("a YAML number is u64, i64 or f64");
                serde_json::Number::from_f64(f)
                    .map_or_else(|| Value::String(format!("!float {f}")), Value::Number)
            }
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Yaml::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (key_string(key), to_json(value)))
                .collect(),
        ),
        Yaml::Tagged(tagged) => {
            let mut map = Map::new();
            map.insert(format!("!{}", tagged.tag), to_json(tagged.value));
            Value::Object(map)
        }
    }
}

/// A YAML map key as a JSON object key (the Python reader below does the same).
fn key_string(key: serde_yaml::Value) -> String {
    match key {
        serde_yaml::Value::String(s) => s,
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Null => "null".to_string(),
        other => format!("!key {other:?}"),
    }
}

/// JSON pointer of KEY below POINTER.
fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// `kind name` of an object, for messages.
fn describe(document: &Value) -> String {
    let kind = document["kind"].as_str().unwrap_or("<no kind>");
    let name = document["metadata"]["name"].as_str().unwrap_or("<no name>");
    format!("{kind} {name}")
}

/// Fail with every message in FAILURES, if there is any.
fn report(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{what}: {} failure(s):\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// A tool a check needs is missing: under CI that is a failure, elsewhere a note.
fn missing(tool: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{tool} is required when CI is set, but it is not available"
    );
    eprintln!("note: {tool} is not available; skipping this check (it is required when CI is set)");
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

// ------------------------------------------------------------------- (a) strict schemas

struct Schemas {
    kinds: Vec<(&'static str, &'static str, jsonschema::Validator)>,
    kustomization: jsonschema::Validator,
}

fn validator(text: &str) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

impl Schemas {
    fn load() -> Self {
        Schemas {
            kinds: SCHEMAS
                .iter()
                .map(|(api_version, kind, text)| (*api_version, *kind, validator(text)))
                .collect(),
            kustomization: validator(KUSTOMIZATION_SCHEMA),
        }
    }

    /// Everything wrong with the tree at OUT: schema errors, missing labels, nulls, and
    /// folders without a kustomization.yaml.
    fn check(&self, out: &Path) -> Vec<String> {
        let mut failures = Vec::new();
        let all = files(out);
        let folders: BTreeSet<&Path> = all
            .iter()
            .filter_map(|path| path.parent())
            .flat_map(Path::ancestors)
            .collect();
        for folder in folders {
            if !all.contains(&folder.join(KUSTOMIZATION)) {
                failures.push(format!(
                    "folder `{}/` has no {KUSTOMIZATION}",
                    folder.display()
                ));
            }
        }
        let documents = documents(out);
        if documents.is_empty() {
            failures.push("the tree holds no YAML document".to_string());
        }
        for (path, document) in &documents {
            let file = path.display();
            if document.is_null() {
                failures.push(format!("{file}: an empty YAML document"));
                continue;
            }
            let mut nulls = Vec::new();
            find_nulls(document, String::new(), &mut nulls);
            for pointer in nulls {
                failures.push(format!(
                    "{file}: {}: null at `{pointer}`",
                    describe(document)
                ));
            }
            let validator = if is_kustomization(path) {
                Some(&self.kustomization)
            } else {
                let api_version = document["apiVersion"].as_str();
                let kind = document["kind"].as_str();
                let found = self
                    .kinds
                    .iter()
                    .find(|(v, k, _)| Some(*v) == api_version && Some(*k) == kind)
                    .map(|(_, _, validator)| validator);
                if found.is_none() {
                    failures.push(format!(
                        "{file}: {}: no schema for apiVersion {} kind {}",
                        describe(document),
                        document["apiVersion"],
                        document["kind"],
                    ));
                }
                found
            };
            if let Some(validator) = validator {
                for error in validator.iter_errors(document) {
                    failures.push(format!(
                        "{file}: {}: at `{}`: {error}",
                        describe(document),
                        error.instance_path,
                    ));
                }
            }
            if !is_kustomization(path) {
                let label = &document["metadata"]["labels"]["app.kubernetes.io/managed-by"];
                if label != "meshward" {
                    failures.push(format!(
                        "{file}: {}: label app.kubernetes.io/managed-by is {label}, not \"meshward\"",
                        describe(document),
                    ));
                }
            }
        }
        failures
    }
}

fn find_nulls(value: &Value, pointer: String, found: &mut Vec<String>) {
    match value {
        Value::Null => found.push(if pointer.is_empty() {
            "/".into()
        } else {
            pointer
        }),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                find_nulls(item, format!("{pointer}/{i}"), found);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                find_nulls(item, child(&pointer, key), found);
            }
        }
        _ => {}
    }
}

/// Build every example and collect what CHECK finds in its tree, prefixed with its name.
fn over_examples(check: impl Fn(&Path) -> Vec<String>) -> Vec<String> {
    let mut failures = Vec::new();
    for example in examples() {
        let out = build(&example);
        let name = example.file_name().unwrap().to_string_lossy().into_owned();
        failures.extend(
            check(out.path())
                .into_iter()
                .map(|failure| format!("examples/{name}: {failure}")),
        );
    }
    failures
}

#[test]
fn examples_match_strict_schemas() {
    let schemas = Schemas::load();
    report("strict schemas", &over_examples(|out| schemas.check(out)));
}

// ------------------------------------------------------------------ (b) kubectl kustomize

/// Whether `kubectl` can be used; when it cannot, fails under CI and otherwise notes it.
fn kubectl_ready() -> bool {
    let ready = on_path("kubectl");
    if !ready {
        missing("kubectl");
    }
    ready
}

/// `kubectl kustomize DIR`: the number of objects it builds, or why it failed.
fn kustomize(dir: &Path) -> Result<usize, String> {
    let output = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .map_err(|e| format!("cannot run kubectl: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let text = String::from_utf8(output.stdout).map_err(|e| e.to_string())?;
    let mut count = 0;
    for document in serde_yaml::Deserializer::from_str(&text) {
        let value = serde_yaml::Value::deserialize(document)
            .map_err(|e| format!("its output is not YAML: {e}"))?;
        if !value.is_null() {
            count += 1;
        }
    }
    Ok(count)
}

/// `kubectl kustomize` must build the root and every folder holding a kustomization.yaml on
/// its own, each with as many objects as the non-kustomization documents below it.
fn kustomize_failures(out: &Path) -> Vec<String> {
    let documents = documents(out);
    let mut roots: Vec<PathBuf> = files(out)
        .into_iter()
        .filter(|path| is_kustomization(path))
        .map(|path| path.parent().unwrap_or(Path::new("")).to_path_buf())
        .collect();
    if !roots.contains(&PathBuf::new()) {
        roots.insert(0, PathBuf::new());
    }
    let mut failures = Vec::new();
    for root in roots {
        let expected = documents
            .iter()
            .filter(|(path, document)| {
                !is_kustomization(path) && !document.is_null() && path.starts_with(&root)
            })
            .count();
        let shown = if root.as_os_str().is_empty() {
            ".".to_string()
        } else {
            format!("{}/", root.display())
        };
        match kustomize(&out.join(&root)) {
            Err(message) => failures.push(format!("`kubectl kustomize {shown}` {message}")),
            Ok(count) if count != expected => failures.push(format!(
                "`kubectl kustomize {shown}` built {count} objects, but the YAML files below it hold {expected}"
            )),
            Ok(_) => {}
        }
    }
    failures
}

#[test]
fn examples_build_with_kubectl_kustomize() {
    if !kubectl_ready() {
        return;
    }
    report("kubectl kustomize", &over_examples(kustomize_failures));
}

// ---------------------------------------------------------------- (c) YAML 1.1 read-back

/// Loads every file named on the command line with PyYAML (a YAML 1.1 reader) and prints
/// `{path: [document, ...]}` as JSON. Map keys become strings the way `key_string` makes
/// them; values JSON cannot hold (dates, binary, inf) become marker strings, so they differ.
const PYYAML_READER: &str = r#"
import json, math, sys, yaml

def key(k):
    if isinstance(k, str):
        return k
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, int):
        return str(k)
    if k is None:
        return "null"
    return "!key %s %r" % (type(k).__name__, k)

def conv(v):
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else "!float %r" % v
    if isinstance(v, list):
        return [conv(x) for x in v]
    if isinstance(v, dict):
        return {key(k): conv(x) for k, x in v.items()}
    return "!%s %r" % (type(v).__name__, v)

out = {}
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        out[path] = [conv(d) for d in yaml.safe_load_all(f)]
json.dump(out, sys.stdout)
"#;

/// Whether python3 with PyYAML can be used; when not, fails under CI and otherwise notes it.
fn pyyaml_ready() -> bool {
    match Command::new("python3")
        .arg("-c")
        .arg("import yaml")
        .output()
    {
        Err(_) => {
            missing("python3");
            false
        }
        Ok(output) if !output.status.success() => {
            missing("PyYAML (python3 -c 'import yaml')");
            false
        }
        Ok(_) => true,
    }
}

/// Every place where a YAML 1.1 reader (PyYAML) reads a file of OUT differently from
/// serde_yaml: a bare `on`, `yes`, `0755` or `1.10` that should have been quoted.
fn yaml11_failures(out: &Path) -> Vec<String> {
    let paths = yaml_files(out);
    let absolute: Vec<PathBuf> = paths.iter().map(|path| out.join(path)).collect();
    let output = Command::new("python3")
        .arg("-c")
        .arg(PYYAML_READER)
        .args(&absolute)
        .output()
        .expect("run python3");
    if !output.status.success() {
        return vec![format!(
            "PyYAML could not read the tree: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )];
    }
    let mut read: BTreeMap<String, Vec<Value>> =
        serde_json::from_slice(&output.stdout).expect("the PyYAML reader prints JSON");
    let mut failures = Vec::new();
    for (path, full) in paths.iter().zip(&absolute) {
        let file = path.display().to_string();
        let ours = parse_yaml(full);
        let Some(theirs) = read.remove(&full.to_string_lossy().into_owned()) else {
            failures.push(format!("{file}: PyYAML did not read it"));
            continue;
        };
        if ours.len() != theirs.len() {
            failures.push(format!(
                "{file}: {} documents under YAML 1.2, {} under YAML 1.1",
                ours.len(),
                theirs.len()
            ));
            continue;
        }
        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            differences(
                a,
                b,
                &format!("{file}: document {}", i + 1),
                "",
                &mut failures,
            );
        }
    }
    failures
}

/// Report where A (YAML 1.2) and B (YAML 1.1) differ.
fn differences(a: &Value, b: &Value, what: &str, pointer: &str, found: &mut Vec<String>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let only_x: Vec<&String> = x.keys().filter(|k| !y.contains_key(*k)).collect();
            let only_y: Vec<&String> = y.keys().filter(|k| !x.contains_key(*k)).collect();
            if !only_x.is_empty() || !only_y.is_empty() {
                found.push(format!(
                    "{what}: at `{pointer}` keys {only_x:?} under YAML 1.2 read as keys {only_y:?} under YAML 1.1 (quote them)"
                ));
            }
            for (key, value) in x {
                if let Some(other) = y.get(key) {
                    differences(value, other, what, &child(pointer, key), found);
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (value, other)) in x.iter().zip(y).enumerate() {
                differences(value, other, what, &format!("{pointer}/{i}"), found);
            }
        }
        _ => found.push(format!(
            "{what}: at `{pointer}` YAML 1.2 reads {a}, YAML 1.1 reads {b} (quote it)"
        )),
    }
}

#[test]
fn examples_read_back_under_yaml_1_1() {
    if !pyyaml_ready() {
        return;
    }
    report("YAML 1.1 read-back", &over_examples(yaml11_failures));
}

/// Values that YAML 1.1 or 1.2 readers would take for something other than a string.
const STRESS_LABELS: &[(&str, &str)] = &[
    ("app.kubernetes.io/name", "no"),
    ("a", "yes"),
    ("b", "off"),
    ("c", "true"),
    ("d", "null"),
    ("e", "1.10"),
    ("f", "0755"),
    ("g", "y"),
    ("h", "N"),
    ("i", "NULL"),
    ("j", "Yes"),
    ("k", "0x1F"),
    ("l", "1_000"),
    ("m", "0b101"),
    ("o", "1e3"),
    ("p", "0o17"),
    ("q", "012345678"),
    ("on", "off"),
    ("y", "n"),
    ("yes", "no"),
];

/// An intent tree whose names, labels and paths all need quoting in YAML 1.1.
fn stress_tree() -> TempDir {
    let selector = STRESS_LABELS
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(", ");
    let files = [
        (
            "mesh.intent",
            "mesh {\n\
             \x20 istiod true app=on\n\
             \x20 dns null k8s-app=off\n\
             \x20 scraper n in y\n\
             \x20 workload n in y {\n\
             \x20   selector app.kubernetes.io/name=n, yes=no\n\
             \x20   account null\n\
             \x20 }\n\
             }\n"
            .to_string(),
        ),
        (
            "on/no.intent",
            format!(
                "service no in on {{\n\
                 \x20 account off\n\
                 \x20 selector {selector}\n\
                 \x20 port on 8080/http\n\
                 \x20 port off 80:9090/http2\n\
                 \x20 port y 5432\n\
                 \x20 allow yes in off, namespace null, namespace y to on, off {{\n\
                 \x20   GET|HEAD /x/*, *.png, /on, /1.10, /null\n\
                 \x20   * *.yes, /a:b, /'s', /%41, /-, /on=yes, /a@b;c\n\
                 \x20 }}\n\
                 \x20 allow n in y to y\n\
                 \x20 allow anyone to on {{\n\
                 \x20   POST /0755\n\
                 \x20 }}\n\
                 \x20 route on {{\n\
                 \x20   timeout 1m\n\
                 \x20   retries 2 per-try 500ms on 5xx, reset\n\
                 \x20   split on 50, off 30, yes 20, no 0\n\
                 \x20 }}\n\
                 \x20 route off {{\n\
                 \x20   retries 0\n\
                 \x20 }}\n\
                 }}\n"
            ),
        ),
        (
            "on/off.intent",
            "service off in on {\n\
             \x20 account on\n\
             \x20 selector app=off, yes=on\n\
             \x20 port yes 443/tcp\n\
             \x20 mtls permissive\n\
             \x20 allow anyone\n\
             }\n"
            .to_string(),
        ),
        (
            "off/yes.intent",
            "service yes in off {\n\
             \x20 account y\n\
             \x20 selector app=null, true=false, version=1.10\n\
             \x20 port http 8080/http\n\
             \x20 calls no in on:on, no in on:off\n\
             \x20 allow true in off\n\
             }\n"
            .to_string(),
        ),
        (
            "off/true.intent",
            "service true in off {\n\
             \x20 selector app=true, version=0755\n\
             \x20 port http 8080/http\n\
             \x20 calls yes\n\
             }\n"
            .to_string(),
        ),
    ];
    let input = TempDir::new().expect("temporary folder");
    for (path, text) in files {
        let path = input.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).expect("create folder");
        fs::write(path, text).expect("write intent");
    }
    input
}

fn strings(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            found.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|item| strings(item, found)),
        Value::Object(map) => map.iter().for_each(|(key, item)| {
            found.insert(key.clone());
            strings(item, found);
        }),
        _ => {}
    }
}

#[test]
fn quoting_stress_tree_reads_back_and_validates() {
    let input = stress_tree();
    let out = TempDir::new().expect("temporary folder");
    run_build(input.path(), out.path(), input.path());

    let mut failures = Schemas::load().check(out.path());

    // The stress values must reach the output as the very strings that were written.
    let documents = documents(out.path());
    let labels: Map<String, Value> = STRESS_LABELS
        .iter()
        .map(|(key, value)| (key.to_string(), Value::from(*value)))
        .collect();
    for (kind, pointer) in [
        ("NetworkPolicy", "/spec/podSelector/matchLabels"),
        ("AuthorizationPolicy", "/spec/selector/matchLabels"),
    ] {
        let found = documents.iter().find(|(_, document)| {
            document["kind"] == kind
                && document["metadata"]["name"] == "no"
                && document["metadata"]["namespace"] == "on"
        });
        match found {
            None => failures.push(format!("no {kind} named \"no\" in namespace \"on\"")),
            Some((path, document)) => {
                if document.pointer(pointer) != Some(&Value::Object(labels.clone())) {
                    failures.push(format!(
                        "{}: {kind} no: `{pointer}` is {}, expected {}",
                        path.display(),
                        document.pointer(pointer).unwrap_or(&Value::Null),
                        Value::Object(labels.clone()),
                    ));
                }
            }
        }
    }
    let mut seen = BTreeSet::new();
    documents
        .iter()
        .for_each(|(_, document)| strings(document, &mut seen));
    for wanted in [
        "no", "on", "off", "yes", "true", "null", "y", "n", "1.10", "0755", "*.png", "/x/*",
        "*.yes", "/a:b", "/'s'", "/on=yes", "/a@b;c", "/0755",
    ] {
        if !seen.contains(wanted) {
            failures.push(format!(
                "no string in the output equals {wanted:?}, which the stress tree was meant to exercise"
            ));
        }
    }

    if pyyaml_ready() {
        failures.extend(yaml11_failures(out.path()));
    }
    // kubectl is required under CI by `examples_build_with_kubectl_kustomize`.
    if on_path("kubectl") {
        failures.extend(kustomize_failures(out.path()));
    }
    report("quoting stress tree", &failures);
}

// ------------------------------------------------------------------------ (d) determinism

fn slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The leading comment lines of TEXT, and the rest.
fn split_header(text: &str) -> (&str, &str) {
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        if !line.starts_with('#') {
            break;
        }
        end += line.len();
    }
    text.split_at(end)
}

/// Differences between the trees A and B: the same files, with the same bytes; with
/// IGNORE_HEADERS, the leading comment lines of `.yaml` files may differ.
fn compare_trees(a: &Path, b: &Path, ignore_headers: bool, what: &str) -> Vec<String> {
    let mut failures = Vec::new();
    let (files_a, files_b) = (files(a), files(b));
    let only = |x: &[PathBuf], y: &[PathBuf]| -> Vec<String> {
        x.iter()
            .filter(|p| !y.contains(p))
            .map(|p| slash(p))
            .collect()
    };
    let (only_a, only_b) = (only(&files_a, &files_b), only(&files_b, &files_a));
    if !only_a.is_empty() || !only_b.is_empty() {
        failures.push(format!(
            "{what}: the trees hold different files: only in the first {only_a:?}, only in the second {only_b:?}"
        ));
    }
    for path in files_a.iter().filter(|path| files_b.contains(path)) {
        let text_a = fs::read_to_string(a.join(path)).expect("read output");
        let text_b = fs::read_to_string(b.join(path)).expect("read output");
        let strip = ignore_headers && path.extension().is_some_and(|ext| ext == "yaml");
        let (body_a, body_b) = if strip {
            (split_header(&text_a).1, split_header(&text_b).1)
        } else {
            (text_a.as_str(), text_b.as_str())
        };
        if body_a != body_b {
            let line = body_a
                .lines()
                .zip(body_b.lines())
                .position(|(x, y)| x != y)
                .map_or_else(|| "at the end".to_string(), |i| format!("line {}", i + 1));
            failures.push(format!(
                "{what}: {} differs ({line}{})",
                slash(path),
                if strip { " after the header" } else { "" }
            ));
        }
    }
    failures
}

/// A copy of EXAMPLE whose files are copied in reverse order and whose intent files are
/// renamed and moved to other folders; returns it and the (old, new) intent paths.
fn shuffled_copy(example: &Path) -> (TempDir, Vec<(String, String)>) {
    let copy = TempDir::new().expect("temporary folder");
    let mut moves = Vec::new();
    let mut sources = files(example);
    sources.reverse();
    for (i, path) in sources.iter().enumerate() {
        let target = if path.extension().is_some_and(|ext| ext == "intent") {
            let stem = path.file_stem().unwrap().to_string_lossy();
            let moved = PathBuf::from(format!("moved-{}", i % 2))
                .join(format!("level-{i}"))
                .join(format!("{i:02}-{stem}-renamed.intent"));
            moves.push((slash(path), slash(&moved)));
            moved
        } else {
            path.clone()
        };
        let target = copy.path().join(target);
        fs::create_dir_all(target.parent().unwrap()).expect("create folder");
        fs::copy(example.join(path), target).expect("copy intent");
    }
    (copy, moves)
}

/// The words of the header comment of TEXT that look like paths, without trailing
/// punctuation.
fn header_words(text: &str) -> BTreeSet<&str> {
    split_header(text)
        .0
        .split_whitespace()
        .map(|word| word.trim_matches(|c: char| "`'\"()[],;:.".contains(c)))
        .collect()
}

#[test]
fn output_is_deterministic() {
    let mut failures = Vec::new();
    for example in examples() {
        let name = example.file_name().unwrap().to_string_lossy().into_owned();

        // Twice, once with the absolute path and once with the path a user would type:
        // byte-identical, headers included.
        let first = build(&example);
        if !first.path().join(MANIFEST).is_file() {
            failures.push(format!("examples/{name}: the tree has no {MANIFEST}"));
        }
        let second = TempDir::new().expect("temporary folder");
        let relative = example
            .strip_prefix(crate_root())
            .expect("example below the crate");
        run_build(relative, second.path(), crate_root());
        failures.extend(compare_trees(
            first.path(),
            second.path(),
            false,
            &format!("examples/{name} built twice"),
        ));

        // From a shuffled copy: identical but for the header comments naming intent files.
        let (copy, moves) = shuffled_copy(&example);
        let third = TempDir::new().expect("temporary folder");
        run_build(copy.path(), third.path(), copy.path());
        let what = format!("examples/{name} with its intent files moved and renamed");
        failures.extend(compare_trees(first.path(), third.path(), true, &what));

        for path in yaml_files(first.path()) {
            let (Ok(before), Ok(after)) = (
                fs::read_to_string(first.path().join(&path)),
                fs::read_to_string(third.path().join(&path)),
            ) else {
                continue;
            };
            let (before, after) = (header_words(&before), header_words(&after));
            for (old, new) in &moves {
                if before.contains(old.as_str()) && !after.contains(new.as_str()) {
                    failures.push(format!(
                        "{what}: the header of {} named {old} but does not name its new path {new}",
                        slash(&path)
                    ));
                }
            }
        }

        // No absolute path of the input or the output may leak into the tree.
        for (out, input) in [
            (first.path(), example.as_path()),
            (third.path(), copy.path()),
        ] {
            for path in files(out) {
                let text = fs::read_to_string(out.join(&path)).expect("read output");
                for leaked in [input, out] {
                    if text.contains(&*leaked.to_string_lossy()) {
                        failures.push(format!(
                            "examples/{name}: {} contains the absolute path {}",
                            slash(&path),
                            leaked.display()
                        ));
                    }
                }
            }
        }
    }
    report("determinism", &failures);
}
