//! A tree made to stress YAML quoting: names, labels and paths that YAML 1.1 or 1.2
//! readers would take for booleans, nulls or numbers. Its output must validate, read back
//! the same under YAML 1.1, build with kustomize, and hold those values as the very strings
//! that were written.

use crate::kustomize::kustomize_failures;
use crate::schemas::Schemas;
use crate::yaml::documents;
use crate::yaml11::{pyyaml_ready, yaml11_failures};
use crate::{on_path, report, run_build};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::fs;
use tempfile::TempDir;

/// Values that YAML 1.1 or 1.2 readers would take for something other than a string.
pub const STRESS_LABELS: &[(&str, &str)] = &[
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
pub fn stress_tree() -> TempDir {
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

pub fn strings(value: &Value, found: &mut BTreeSet<String>) {
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
pub fn quoting_stress_tree_reads_back_and_validates() {
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
