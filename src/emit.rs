//! The one place objects become YAML text.
//!
//! Objects go through `serde_json::Value` (keeping field order) into a small block-style
//! writer. A hand-written writer rather than serde_yaml, whose 0.9 line is archived and
//! writes `yes`, `no`, `on`, `off` bare: YAML 1.1 readers (Go's, so kubectl, Argo CD and
//! Flux; PyYAML) read those as booleans. Here a string is written plain only when it is
//! certainly a string to every reader; anything else is double-quoted, and a JSON string
//! literal is a valid YAML double-quoted scalar.

use crate::render::Document;
use serde::Serialize;
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

/// Where a value is written: the layout of a value depends only on this and on whether
/// it is a scalar (empty collections count as scalars: `[]`, `{}`), a sequence or a
/// mapping.
#[derive(Clone, Copy)]
enum Place {
    /// The document body.
    Root,
    /// The value of a mapping key written at indentation `level`, right after `key:`.
    Value { level: usize },
    /// An item of a sequence whose `- ` is at `level`, right after the `- `.
    Item { level: usize },
}

impl Place {
    /// Before a scalar, and after it a line break.
    fn scalar_prefix(self) -> &'static str {
        match self {
            Place::Value { .. } => " ",
            Place::Root | Place::Item { .. } => "",
        }
    }

    /// Before the first item of a non-empty sequence, and the items' indentation.
    /// Sequences under a key sit at the key's indentation, as kubectl writes them.
    fn sequence(self) -> (&'static str, usize) {
        match self {
            Place::Root => ("", 0),
            Place::Value { level } => ("\n", level),
            Place::Item { level } => ("\n", level + 2),
        }
    }

    /// Before the first key of a non-empty mapping, the keys' indentation, and whether
    /// the first key is already indented (it follows `- `).
    fn mapping(self) -> (&'static str, usize, bool) {
        match self {
            Place::Root => ("", 0, false),
            Place::Value { level } => ("\n", level + 2, false),
            Place::Item { level } => ("", level + 2, true),
        }
    }
}

/// Write any JSON value at a place.
fn place_value(out: &mut String, place: Place, value: &Value) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let (prefix, level, first_indented) = place.mapping();
            out.push_str(prefix);
            for (i, (key, value)) in map.iter().enumerate() {
                if i > 0 || !first_indented {
                    indent(out, level);
                }
                string(out, key);
                out.push(':');
                place_value(out, Place::Value { level }, value);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let (prefix, level) = place.sequence();
            out.push_str(prefix);
            for item in items {
                indent(out, level);
                out.push_str("- ");
                place_value(out, Place::Item { level }, item);
            }
        }
        other => {
            debug_assert!(is_inline(other));
            out.push_str(place.scalar_prefix());
            scalar(out, other);
            out.push('\n');
        }
    }
}

/// YAML text of one value as a document body.
pub fn yaml(value: &Value) -> String {
    let mut out = String::new();
    place_value(&mut out, Place::Root, value);
    out
}

/// YAML text of any serialisable value as a document body, written straight from its
/// `Serialize` implementation: the same text as `yaml(&serde_json::to_value(value)?)`,
/// without building the intermediate `Value` (its maps hash every key).
pub fn yaml_of<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut out = String::new();
    write_yaml(&mut out, value)?;
    Ok(out)
}

fn write_yaml<T: Serialize + ?Sized>(out: &mut String, value: &T) -> Result<(), serde_json::Error> {
    value.serialize(direct::Writer {
        out,
        place: Place::Root,
    })
}

/// The full text of one output file: header comments, then objects separated by `---`.
pub fn emit(document: &Document) -> Result<String, serde_json::Error> {
    let mut out = String::with_capacity(2048);
    for line in &document.header {
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    for (i, object) in document.objects.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        write_yaml(&mut out, object)?;
    }
    Ok(out)
}

/// A serde `Serializer` that writes the block-style YAML of [`place_value`] directly.
///
/// It mirrors `serde_json::value::Serializer` value for value: `None` and `()` are
/// `null`, unit variants are strings, integers print as integers, map keys must be strings
/// (integers, booleans and chars are turned into strings, as serde_json does). Empty
/// collections are only known to be empty at their end, so a sequence or mapping writes
/// its opening (line break) lazily at its first element and `[]`/`{}` at an empty end.
/// Rare shapes meshward never emits (floats, bytes, enum variants with data) go through a
/// `serde_json::Value` and [`place_value`], so they too come out as before. One difference
/// is by design: a map that serialises the same key twice would keep both entries, where
/// a `Value` keeps the last; derived structs and `BTreeMap`s never do that.
mod direct {
    use super::{indent, place_value, string, Place};
    use serde::ser::{self, Impossible, Serialize};
    use serde_json::{Error, Value};

    use serde_json::value::Serializer as ValueSerializer;

    pub(super) struct Writer<'o> {
        pub out: &'o mut String,
        pub place: Place,
    }

    impl Writer<'_> {
        fn raw_scalar(self, text: &str) -> Result<(), Error> {
            self.out.push_str(self.place.scalar_prefix());
            self.out.push_str(text);
            self.out.push('\n');
            Ok(())
        }

        fn string(self, s: &str) -> Result<(), Error> {
            self.out.push_str(self.place.scalar_prefix());
            string(self.out, s);
            self.out.push('\n');
            Ok(())
        }

        fn integer(self, n: impl std::fmt::Display) -> Result<(), Error> {
            use std::fmt::Write as _;
            self.out.push_str(self.place.scalar_prefix());
            let _ = write!(self.out, "{n}");
            self.out.push('\n');
            Ok(())
        }

        fn value(self, value: Result<Value, Error>) -> Result<(), Error> {
            place_value(self.out, self.place, &value?);
            Ok(())
        }
    }

    impl<'o> ser::Serializer for Writer<'o> {
        type Ok = ();
        type Error = Error;
        type SerializeSeq = Seq<'o>;
        type SerializeTuple = Seq<'o>;
        type SerializeTupleStruct = Seq<'o>;
        type SerializeTupleVariant =
            Fallback<'o, <ValueSerializer as ser::Serializer>::SerializeTupleVariant>;
        type SerializeMap = Map<'o>;
        type SerializeStruct = Map<'o>;
        type SerializeStructVariant =
            Fallback<'o, <ValueSerializer as ser::Serializer>::SerializeStructVariant>;

        fn serialize_bool(self, v: bool) -> Result<(), Error> {
            self.raw_scalar(if v { "true" } else { "false" })
        }
        fn serialize_i8(self, v: i8) -> Result<(), Error> {
            self.integer(v)
        }
        fn serialize_i16(self, v: i16) -> Result<(), Error> {
            self.integer(v)
        }
        fn serialize_i32(self, v: i32) -> Result<(), Error> {
            self.integer(v)
        }
        fn serialize_i64(self, v: i64) -> Result<(), Error> {
            self.integer(v)
        }
        fn serialize_i128(self, v: i128) -> Result<(), Error> {
            self.value(ser::Serializer::serialize_i128(ValueSerializer, v))
        }
        fn serialize_u8(self, v: u8) -> Result<(), Error> {
            self.integer(v)
        }
        fn serialize_u16(self, v: u16) -> Result<(), Error> {
            self.integer(v)
        }
        fn serialize_u32(self, v: u32) -> Result<(), Error> {
            self.integer(v)
        }
        fn serialize_u64(self, v: u64) -> Result<(), Error> {
            self.integer(v)
        }
        fn serialize_u128(self, v: u128) -> Result<(), Error> {
            self.value(ser::Serializer::serialize_u128(ValueSerializer, v))
        }
        fn serialize_f32(self, v: f32) -> Result<(), Error> {
            self.value(ser::Serializer::serialize_f32(ValueSerializer, v))
        }
        fn serialize_f64(self, v: f64) -> Result<(), Error> {
            self.value(ser::Serializer::serialize_f64(ValueSerializer, v))
        }
        fn serialize_char(self, v: char) -> Result<(), Error> {
            self.string(v.encode_utf8(&mut [0; 4]))
        }
        fn serialize_str(self, v: &str) -> Result<(), Error> {
            self.string(v)
        }
        fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
            self.value(ser::Serializer::serialize_bytes(ValueSerializer, v))
        }
        fn serialize_none(self) -> Result<(), Error> {
            self.raw_scalar("null")
        }
        fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
            value.serialize(self)
        }
        fn serialize_unit(self) -> Result<(), Error> {
            self.raw_scalar("null")
        }
        fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
            self.raw_scalar("null")
        }
        fn serialize_unit_variant(
            self,
            _name: &'static str,
            _index: u32,
            variant: &'static str,
        ) -> Result<(), Error> {
            self.string(variant)
        }
        fn serialize_newtype_struct<T: ?Sized + Serialize>(
            self,
            _name: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            value.serialize(self)
        }
        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            name: &'static str,
            index: u32,
            variant: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            self.value(ser::Serializer::serialize_newtype_variant(
                ValueSerializer,
                name,
                index,
                variant,
                value,
            ))
        }
        fn serialize_seq(self, _len: Option<usize>) -> Result<Seq<'o>, Error> {
            Ok(Seq {
                out: self.out,
                place: self.place,
                started: false,
            })
        }
        fn serialize_tuple(self, len: usize) -> Result<Seq<'o>, Error> {
            self.serialize_seq(Some(len))
        }
        fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Seq<'o>, Error> {
            self.serialize_seq(Some(len))
        }
        fn serialize_tuple_variant(
            self,
            name: &'static str,
            index: u32,
            variant: &'static str,
            len: usize,
        ) -> Result<Self::SerializeTupleVariant, Error> {
            Ok(Fallback {
                out: self.out,
                place: self.place,
                inner: ser::Serializer::serialize_tuple_variant(
                    ValueSerializer,
                    name,
                    index,
                    variant,
                    len,
                )?,
            })
        }
        fn serialize_map(self, _len: Option<usize>) -> Result<Map<'o>, Error> {
            Ok(Map {
                out: self.out,
                place: self.place,
                started: false,
                level: 0,
            })
        }
        fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Map<'o>, Error> {
            self.serialize_map(Some(len))
        }
        fn serialize_struct_variant(
            self,
            name: &'static str,
            index: u32,
            variant: &'static str,
            len: usize,
        ) -> Result<Self::SerializeStructVariant, Error> {
            Ok(Fallback {
                out: self.out,
                place: self.place,
                inner: ser::Serializer::serialize_struct_variant(
                    ValueSerializer,
                    name,
                    index,
                    variant,
                    len,
                )?,
            })
        }
    }

    /// A sequence being written; its opening waits for the first item.
    pub(super) struct Seq<'o> {
        out: &'o mut String,
        place: Place,
        started: bool,
    }

    impl Seq<'_> {
        fn item<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
            let (prefix, level) = self.place.sequence();
            if !self.started {
                self.out.push_str(prefix);
                self.started = true;
            }
            indent(self.out, level);
            self.out.push_str("- ");
            value.serialize(Writer {
                out: self.out,
                place: Place::Item { level },
            })
        }

        fn finish(self) -> Result<(), Error> {
            if !self.started {
                place_value(self.out, self.place, &Value::Array(Vec::new()));
            }
            Ok(())
        }
    }

    impl ser::SerializeSeq for Seq<'_> {
        type Ok = ();
        type Error = Error;
        fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
            self.item(value)
        }
        fn end(self) -> Result<(), Error> {
            self.finish()
        }
    }

    impl ser::SerializeTuple for Seq<'_> {
        type Ok = ();
        type Error = Error;
        fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
            self.item(value)
        }
        fn end(self) -> Result<(), Error> {
            self.finish()
        }
    }

    impl ser::SerializeTupleStruct for Seq<'_> {
        type Ok = ();
        type Error = Error;
        fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
            self.item(value)
        }
        fn end(self) -> Result<(), Error> {
            self.finish()
        }
    }

    /// A mapping being written; its opening waits for the first key.
    pub(super) struct Map<'o> {
        out: &'o mut String,
        place: Place,
        started: bool,
        /// Indentation of the keys, once started.
        level: usize,
    }

    impl Map<'_> {
        fn key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
            let (prefix, level, first_indented) = self.place.mapping();
            if !self.started {
                self.out.push_str(prefix);
                if !first_indented {
                    indent(self.out, level);
                }
                self.started = true;
            } else {
                indent(self.out, level);
            }
            self.level = level;
            key.serialize(Key { out: self.out })?;
            self.out.push(':');
            Ok(())
        }

        fn value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
            value.serialize(Writer {
                out: self.out,
                place: Place::Value { level: self.level },
            })
        }

        fn finish(self) -> Result<(), Error> {
            if !self.started {
                place_value(self.out, self.place, &Value::Object(serde_json::Map::new()));
            }
            Ok(())
        }
    }

    impl ser::SerializeMap for Map<'_> {
        type Ok = ();
        type Error = Error;
        fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
            self.key(key)
        }
        fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
            self.value(value)
        }
        fn end(self) -> Result<(), Error> {
            self.finish()
        }
    }

    impl ser::SerializeStruct for Map<'_> {
        type Ok = ();
        type Error = Error;
        fn serialize_field<T: ?Sized + Serialize>(
            &mut self,
            key: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            self.key(key)?;
            self.value(value)
        }
        fn end(self) -> Result<(), Error> {
            self.finish()
        }
    }

    /// Enum variants with data: built as a `Value` by serde_json, then written.
    pub(super) struct Fallback<'o, S> {
        out: &'o mut String,
        place: Place,
        inner: S,
    }

    impl<S: ser::SerializeTupleVariant<Ok = Value, Error = Error>> ser::SerializeTupleVariant
        for Fallback<'_, S>
    {
        type Ok = ();
        type Error = Error;
        fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
            self.inner.serialize_field(value)
        }
        fn end(self) -> Result<(), Error> {
            place_value(self.out, self.place, &self.inner.end()?);
            Ok(())
        }
    }

    impl<S: ser::SerializeStructVariant<Ok = Value, Error = Error>> ser::SerializeStructVariant
        for Fallback<'_, S>
    {
        type Ok = ();
        type Error = Error;
        fn serialize_field<T: ?Sized + Serialize>(
            &mut self,
            key: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            self.inner.serialize_field(key, value)
        }
        fn end(self) -> Result<(), Error> {
            place_value(self.out, self.place, &self.inner.end()?);
            Ok(())
        }
    }

    /// A mapping key: a string, or what serde_json turns into one.
    struct Key<'o> {
        out: &'o mut String,
    }

    fn key_must_be_a_string() -> Error {
        ser::Error::custom("key must be a string")
    }

    impl Key<'_> {
        fn text(self, s: &str) -> Result<(), Error> {
            string(self.out, s);
            Ok(())
        }
    }

    impl ser::Serializer for Key<'_> {
        type Ok = ();
        type Error = Error;
        type SerializeSeq = Impossible<(), Error>;
        type SerializeTuple = Impossible<(), Error>;
        type SerializeTupleStruct = Impossible<(), Error>;
        type SerializeTupleVariant = Impossible<(), Error>;
        type SerializeMap = Impossible<(), Error>;
        type SerializeStruct = Impossible<(), Error>;
        type SerializeStructVariant = Impossible<(), Error>;

        fn serialize_bool(self, v: bool) -> Result<(), Error> {
            self.text(if v { "true" } else { "false" })
        }
        fn serialize_i8(self, v: i8) -> Result<(), Error> {
            self.text(&v.to_string())
        }
        fn serialize_i16(self, v: i16) -> Result<(), Error> {
            self.text(&v.to_string())
        }
        fn serialize_i32(self, v: i32) -> Result<(), Error> {
            self.text(&v.to_string())
        }
        fn serialize_i64(self, v: i64) -> Result<(), Error> {
            self.text(&v.to_string())
        }
        fn serialize_i128(self, v: i128) -> Result<(), Error> {
            self.text(&v.to_string())
        }
        fn serialize_u8(self, v: u8) -> Result<(), Error> {
            self.text(&v.to_string())
        }
        fn serialize_u16(self, v: u16) -> Result<(), Error> {
            self.text(&v.to_string())
        }
        fn serialize_u32(self, v: u32) -> Result<(), Error> {
            self.text(&v.to_string())
        }
        fn serialize_u64(self, v: u64) -> Result<(), Error> {
            self.text(&v.to_string())
        }
        fn serialize_u128(self, v: u128) -> Result<(), Error> {
            self.text(&v.to_string())
        }
        fn serialize_f32(self, _v: f32) -> Result<(), Error> {
            Err(key_must_be_a_string())
        }
        fn serialize_f64(self, _v: f64) -> Result<(), Error> {
            Err(key_must_be_a_string())
        }
        fn serialize_char(self, v: char) -> Result<(), Error> {
            self.text(v.encode_utf8(&mut [0; 4]))
        }
        fn serialize_str(self, v: &str) -> Result<(), Error> {
            self.text(v)
        }
        fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
            Err(key_must_be_a_string())
        }
        fn serialize_none(self) -> Result<(), Error> {
            Err(key_must_be_a_string())
        }
        fn serialize_some<T: ?Sized + Serialize>(self, _value: &T) -> Result<(), Error> {
            Err(key_must_be_a_string())
        }
        fn serialize_unit(self) -> Result<(), Error> {
            Err(key_must_be_a_string())
        }
        fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
            Err(key_must_be_a_string())
        }
        fn serialize_unit_variant(
            self,
            _name: &'static str,
            _index: u32,
            variant: &'static str,
        ) -> Result<(), Error> {
            self.text(variant)
        }
        fn serialize_newtype_struct<T: ?Sized + Serialize>(
            self,
            _name: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            value.serialize(self)
        }
        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _name: &'static str,
            _index: u32,
            _variant: &'static str,
            _value: &T,
        ) -> Result<(), Error> {
            Err(key_must_be_a_string())
        }
        fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
            Err(key_must_be_a_string())
        }
        fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
            Err(key_must_be_a_string())
        }
        fn serialize_tuple_struct(
            self,
            _name: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeTupleStruct, Error> {
            Err(key_must_be_a_string())
        }
        fn serialize_tuple_variant(
            self,
            _name: &'static str,
            _index: u32,
            _variant: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeTupleVariant, Error> {
            Err(key_must_be_a_string())
        }
        fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
            Err(key_must_be_a_string())
        }
        fn serialize_struct(
            self,
            _name: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeStruct, Error> {
            Err(key_must_be_a_string())
        }
        fn serialize_struct_variant(
            self,
            _name: &'static str,
            _index: u32,
            _variant: &'static str,
            _len: usize,
        ) -> Result<Self::SerializeStructVariant, Error> {
            Err(key_must_be_a_string())
        }
    }
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
}
