//! Scalars: when a string may be written plain, and how every scalar is written.
//!
//! In: a string, or a JSON value that is written on one line (a scalar or an empty
//! collection). Out: its YAML text. A string is written plain only when every YAML 1.1 and
//! 1.2 reader reads it back as the same string; anything else is double-quoted, and a JSON
//! string literal is a valid YAML double-quoted scalar.

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

/// Write a value that fits on one line: a scalar, `[]` or `{}`.
pub(crate) fn scalar(out: &mut String, value: &Value) {
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

/// Write a string, plain when [`is_plain_safe`], else double-quoted.
pub(crate) fn string(out: &mut String, s: &str) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else {
        out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()));
    }
}

/// Whether a value is written on one line: anything but a non-empty collection.
pub(crate) fn is_inline(value: &Value) -> bool {
    match value {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => true,
    }
}
