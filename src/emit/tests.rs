//! The quoting rule, the block layout, and the serde writer checked against the `Value`
//! writer shape for shape.

use super::document::write_yaml;
use super::place::{place_value, Place};
use super::scalar::is_plain_safe;
use serde::Serialize;
use serde_json::{json, Value};

/// YAML text of one value as a document body, through the `Value` writer.
fn yaml(value: &Value) -> String {
    let mut out = String::new();
    place_value(&mut out, Place::Root, value);
    out
}

/// YAML text of any serialisable value as a document body, through the serde writer.
fn yaml_of<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut out = String::new();
    write_yaml(&mut out, value)?;
    Ok(out)
}

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

/// The direct writer gives the text the `Value` writer gives, shape for shape.
#[test]
fn direct_writer_matches_value_writer() {
    let values = [
        json!({"a": "on", "b": [ {"c": 1, "d": ["x"]}, "/p" ], "e": {}, "f": {"g": "h"}}),
        json!({}),
        json!([]),
        json!("yes"),
        json!(null),
        json!([[], {}, [[1, 2], []], [{"a": []}], {"k": {}}]),
        json!([{"a": {"b": [{"c": {"d": []}}]}, "e": [[{"f": null}]]}]),
        json!({"x": [[["deep"]]], "y": [{}], "z": [{"only": true}], "8080": -3}),
    ];
    for v in values {
        assert_eq!(yaml_of(&v).unwrap(), yaml(&v), "{v}");
    }
    #[derive(serde::Serialize)]
    enum E {
        Unit,
        New(u8),
        Tuple(u8, &'static str),
        Struct { a: Option<u8>, b: Vec<u8> },
    }
    #[derive(serde::Serialize)]
    struct S {
        e: Vec<E>,
        n: Option<u8>,
        t: (u8, char),
        m: std::collections::BTreeMap<u16, f64>,
    }
    let s = S {
        e: vec![
            E::Unit,
            E::New(1),
            E::Tuple(2, "no"),
            E::Struct { a: None, b: vec![] },
        ],
        n: None,
        t: (7, 'x'),
        m: [(1, 0.5), (2, f64::NAN)].into(),
    };
    let via_value = yaml(&serde_json::to_value(&s).unwrap());
    assert_eq!(yaml_of(&s).unwrap(), via_value);
}
