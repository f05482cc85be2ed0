//! The serde `Serializer` that writes the block layout of `place` straight from a
//! `Serialize` implementation, without building a `serde_json::Value` (whose maps hash
//! every key) for every object of every document.
//!
//! It mirrors `serde_json::value::Serializer` value for value: `None` and `()` are
//! `null`, unit variants are strings, integers print as integers, map keys must be strings
//! (integers, booleans and chars are turned into strings, as serde_json does; see `key`).
//! Empty collections are only known to be empty at their end, so a sequence or mapping
//! writes its opening (line break) lazily at its first element and `[]`/`{}` at an empty
//! end. Rare shapes meshward never emits (floats, bytes, enum variants with data) go
//! through a `serde_json::Value` and [`place_value`], so they come out exactly as the
//! `Value` writer writes them. One difference is by design: a map that serialises the
//! same key twice keeps both entries, where a `Value` keeps the last; derived structs and
//! `BTreeMap`s never do that.

use super::key::Key;
use super::place::{indent, place_value, Place};
use super::scalar::string;
use serde::ser::{self, Serialize};
use serde_json::value::Serializer as ValueSerializer;
use serde_json::{Error, Value};

/// Writes one value at a place.
pub(crate) struct Writer<'o> {
    pub(crate) out: &'o mut String,
    pub(crate) place: Place,
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
pub(crate) struct Seq<'o> {
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
pub(crate) struct Map<'o> {
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
pub(crate) struct Fallback<'o, S> {
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
