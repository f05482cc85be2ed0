//! (a) The strict upstream schemas vendored in `tests/schemas/` (see SOURCES.md there):
//! every object meshward writes must validate against the schema of its kind, carry the
//! `managed-by` label and hold no `null`, and every folder must have its kustomization.yaml.

use crate::yaml::{child, documents};
use crate::{describe, files, is_kustomization, over_examples, report, KUSTOMIZATION};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// The strict schema of every kind meshward may emit, by apiVersion and kind.
pub const SCHEMAS: &[(&str, &str, &str)] = &[
    (
        "networking.k8s.io/v1",
        "NetworkPolicy",
        include_str!("../schemas/networkpolicy-networking-v1-strict.json"),
    ),
    (
        "security.istio.io/v1",
        "AuthorizationPolicy",
        include_str!("../schemas/authorizationpolicy-security-v1-strict.json"),
    ),
    (
        "security.istio.io/v1",
        "PeerAuthentication",
        include_str!("../schemas/peerauthentication-security-v1-strict.json"),
    ),
    (
        "networking.istio.io/v1",
        "VirtualService",
        include_str!("../schemas/virtualservice-networking-v1-strict.json"),
    ),
    (
        "networking.istio.io/v1",
        "DestinationRule",
        include_str!("../schemas/destinationrule-networking-v1-strict.json"),
    ),
    (
        "networking.istio.io/v1",
        "ServiceEntry",
        include_str!("../schemas/serviceentry-networking-v1-strict.json"),
    ),
    (
        "networking.istio.io/v1",
        "Sidecar",
        include_str!("../schemas/sidecar-networking-v1-strict.json"),
    ),
    (
        "security.istio.io/v1",
        "RequestAuthentication",
        include_str!("../schemas/requestauthentication-security-v1-strict.json"),
    ),
    (
        "gateway.networking.k8s.io/v1",
        "Gateway",
        include_str!("../schemas/gateway-gateway-v1-strict.json"),
    ),
    (
        "cilium.io/v2",
        "CiliumNetworkPolicy",
        include_str!("../schemas/ciliumnetworkpolicy-cilium-v2-strict.json"),
    ),
];
pub const KUSTOMIZATION_SCHEMA: &str =
    include_str!("../schemas/kustomization-kustomize-v1beta1-strict.json");

pub struct Schemas {
    kinds: Vec<(&'static str, &'static str, jsonschema::Validator)>,
    kustomization: jsonschema::Validator,
}

pub fn validator(text: &str) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

impl Schemas {
    pub fn load() -> Self {
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
    pub fn check(&self, out: &Path) -> Vec<String> {
        let mut failures = Vec::new();
        let all = files(out);
        let folders: BTreeSet<&Path> = all
            .iter()
            .filter_map(|path| path.parent())
            .flat_map(Path::ancestors)
            .collect();
        // A tree of several clusters has a root per cluster and none above them.
        let per_cluster = !all.iter().any(|p| p == Path::new(KUSTOMIZATION))
            && folders.iter().any(|f| f.components().count() == 2);
        for folder in folders {
            if per_cluster && folder.as_os_str().is_empty() {
                continue;
            }
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

pub fn find_nulls(value: &Value, pointer: String, found: &mut Vec<String>) {
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

#[test]
pub fn examples_match_strict_schemas() {
    let schemas = Schemas::load();
    report("strict schemas", &over_examples(|out| schemas.check(out)));
}

/// tests/fixtures/authorization (deny, `when` conditions, two jwt issuers) is built and
/// validated by the tests above with the other fixtures; this pins that its output holds
/// what they must see: a RequestAuthentication and a DENY AuthorizationPolicy, ALLOW rules
/// with `when` values and notValues and with requestPrincipals, each valid, and that the
/// strict schema of RequestAuthentication does reject a misspelt field. `kubectl kustomize`
/// builds its root and namespace folder (when kubectl is there).
#[test]
pub fn authorization_objects_match_strict_schemas() {
    let schemas = Schemas::load();
    let fixture = crate::crate_root().join("tests/fixtures/authorization");
    let out = tempfile::TempDir::new().expect("temporary folder");
    crate::common::build_fixture(&fixture, out.path());
    report("strict schemas", &schemas.check(out.path()));
    if crate::kustomize::kubectl_ready() {
        // The root and the namespace folder shop/, each on its own.
        report(
            "kubectl kustomize",
            &crate::kustomize::kustomize_failures(out.path()),
        );
    }
    let documents = documents(out.path());
    let objects: Vec<&Value> = documents.iter().map(|(_, d)| d).collect();
    let policies = |action: &str| -> Vec<&Value> {
        objects
            .iter()
            .copied()
            .filter(|o| o["kind"] == "AuthorizationPolicy" && o["spec"]["action"] == action)
            .collect()
    };
    let deny = policies("DENY");
    assert_eq!(deny.len(), 1, "one DENY policy");
    assert_eq!(deny[0]["metadata"]["name"], "api.deny");
    let allow = policies("ALLOW")
        .into_iter()
        .find(|o| o["metadata"]["name"] == "api")
        .expect("the ALLOW policy of api")
        .to_string();
    for field in [
        "\"when\"",
        "\"notValues\"",
        "\"values\"",
        "\"requestPrincipals\"",
    ] {
        assert!(allow.contains(field), "no {field} in {allow}");
    }
    let authn: Vec<&Value> = objects
        .iter()
        .copied()
        .filter(|o| o["kind"] == "RequestAuthentication")
        .collect();
    assert_eq!(authn.len(), 1, "one RequestAuthentication");
    assert_eq!(
        authn[0]["spec"]["jwtRules"].as_array().map(Vec::len),
        Some(2)
    );
    let (_, _, validator) = schemas
        .kinds
        .iter()
        .find(|(_, k, _)| *k == "RequestAuthentication")
        .expect("schema");
    assert!(validator.is_valid(authn[0]));
    let mut misspelt = authn[0].clone();
    misspelt["spec"]["jwtRules"][0]["jwksUrl"] = misspelt["spec"]["jwtRules"][0]["jwksUri"].take();
    assert!(!validator.is_valid(&misspelt), "jwksUrl accepted");
}
