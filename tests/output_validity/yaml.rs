//! Reading the written YAML the way kubectl does: every document of a file as JSON, with
//! map keys as strings.

use crate::yaml_files;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::fs;
use std::path::{Path, PathBuf};

/// Every YAML document of the file at PATH, read by serde_yaml (YAML 1.2) as JSON.
pub fn parse_yaml(path: &Path) -> Vec<Value> {
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
pub fn documents(dir: &Path) -> Vec<(PathBuf, Value)> {
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
pub fn to_json(value: serde_yaml::Value) -> Value {
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

/// A YAML map key as a JSON object key (the PyYAML reader of `yaml11` does the same).
pub fn key_string(key: serde_yaml::Value) -> String {
    match key {
        serde_yaml::Value::String(s) => s,
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Null => "null".to_string(),
        other => format!("!key {other:?}"),
    }
}

/// JSON pointer of KEY below POINTER.
pub fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"))
}
