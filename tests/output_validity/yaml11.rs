//! (c) The written YAML reads back the same under a YAML 1.1 reader (PyYAML) as under
//! serde_yaml (YAML 1.2): a bare `on`, `yes`, `0755` or `1.10` would not.

use crate::yaml::{child, parse_yaml};
use crate::{missing, over_examples, report, yaml_files};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Loads every file named on the command line with PyYAML (a YAML 1.1 reader) and prints
/// `{path: [document, ...]}` as JSON. Map keys become strings the way `key_string` makes
/// them; values JSON cannot hold (dates, binary, inf) become marker strings, so they differ.
pub const PYYAML_READER: &str = r#"
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
pub fn pyyaml_ready() -> bool {
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
pub fn yaml11_failures(out: &Path) -> Vec<String> {
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
pub fn differences(a: &Value, b: &Value, what: &str, pointer: &str, found: &mut Vec<String>) {
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
pub fn examples_read_back_under_yaml_1_1() {
    if !pyyaml_ready() {
        return;
    }
    report("YAML 1.1 read-back", &over_examples(yaml11_failures));
}
