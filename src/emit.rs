//! The one place objects become YAML text.
//!
//! Objects go through `serde_json::Value` (keeping field order) into a small block-style
//! writer. A hand-written writer rather than serde_yaml, whose 0.9 line is archived and
//! writes `yes`, `no`, `on`, `off` bare: YAML 1.1 readers (Go's, so kubectl, Argo CD and
//! Flux; PyYAML) read those as booleans. Here a string is written plain only when it is
//! certainly a string to every reader; anything else is double-quoted, and a JSON string
//! literal is a valid YAML double-quoted scalar.

use crate::render::Document;
use serde_json::Value;
use std::fmt::Write as _;

/// Words YAML 1.1 or 1.2 resolves to booleans or null, compared case-insensitively.
const SPECIAL_WORDS: [&str; 11] = [
    "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", "",
];

/// True when `s` can be written without quotes and reads back as the same string under
/// any YAML 1.1 or 1.2 reader: it starts with a letter or `/`, holds only letters, digits
/// and `.`, `_`, `/`, `-`, and is not one of the boolean or null words.
pub fn is_plain_safe(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == '/') {
        return false;
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-'))
    {
        return false;
    }
    !SPECIAL_WORDS.iter().any(|w| w.eq_ignore_ascii_case(s))
}

fn scalar(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => string(out, s),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn string(out: &mut String, s: &str) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else {
        out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()));
    }
}

fn is_inline(value: &Value) -> bool {
    match value {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => true,
    }
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// A mapping whose first line is already indented (it may follow `- `).
fn mapping(
    out: &mut String,
    map: &serde_json::Map<String, Value>,
    level: usize,
    first_indented: bool,
) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !first_indented {
            indent(out, level);
        }
        string(out, key);
        out.push(':');
        if is_inline(value) {
            out.push(' ');
            scalar(out, value);
            out.push('\n');
        } else {
            out.push('\n');
            match value {
                // Sequences under a key sit at the key's indentation, as kubectl writes them.
                Value::Array(items) => sequence(out, items, level),
                Value::Object(inner) => mapping(out, inner, level + 2, false),
                _ => {}
            }
        }
    }
}

fn sequence(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push_str("- ");
        match item {
            Value::Object(map) if !map.is_empty() => mapping(out, map, level + 2, true),
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                sequence(out, inner, level + 2);
            }
            other => {
                scalar(out, other);
                out.push('\n');
            }
        }
    }
}

/// YAML text of one value as a document body.
pub fn yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(&mut out, map, 0, false),
        Value::Array(items) if !items.is_empty() => sequence(&mut out, items, 0),
        other => {
            scalar(&mut out, other);
            out.push('\n');
        }
    }
    out
}

/// The full text of one output file: header comments, then objects separated by `---`.
pub fn emit(document: &Document) -> Result<String, serde_json::Error> {
    let mut out = String::new();
    for line in &document.header {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    for (i, object) in document.objects.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&yaml(&serde_json::to_value(object)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quotes_what_yaml_1_1_would_misread() {
        for s in [
            "yes",
            "No",
            "ON",
            "off",
            "y",
            "n",
            "true",
            "null",
            "~",
            "",
            "0755",
            "1.10",
            "8080",
            "*.png",
            "/api/*",
            "1e3",
            ".inf",
            "a: b",
            "-x",
            "a b",
            "5xx,reset",
            "#x",
            "@x",
        ] {
            assert!(!is_plain_safe(s), "{s:?} must be quoted");
        }
        for s in [
            "orders",
            "app.kubernetes.io/managed-by",
            "/api/orders",
            "cluster.local/ns/a/sa/b",
            "k8s-app",
        ] {
            assert!(is_plain_safe(s), "{s:?} may be plain");
        }
    }

    #[test]
    fn writes_block_style() {
        let v = json!({"a": "on", "b": [ {"c": 1, "d": ["x"]}, "/p" ], "e": {}, "f": {"g": "h"}});
        assert_eq!(
            yaml(&v),
            "a: \"on\"\nb:\n- c: 1\n  d:\n  - x\n- /p\ne: {}\nf:\n  g: h\n"
        );
    }
}
