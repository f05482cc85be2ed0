//! The block layout: where a value is written, and what goes before and around it there.
//!
//! In: a position in the text ([`Place`]) and a `serde_json::Value`. Out: its block-style
//! YAML, mappings and sequences one entry per line, with sequences under a key at the
//! key's indentation, as kubectl writes them. The serde writer in `serializer` follows the
//! same rules through [`Place`], and falls back to [`place_value`] for shapes it does not
//! write itself.

use super::scalar::{is_inline, scalar, string};
use serde_json::Value;

pub(crate) fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// Where a value is written: the layout of a value depends only on this and on whether
/// it is a scalar (empty collections count as scalars: `[]`, `{}`), a sequence or a
/// mapping.
#[derive(Clone, Copy)]
pub(crate) enum Place {
    /// The document body.
    Root,
    /// The value of a mapping key written at indentation `level`, right after `key:`.
    Value { level: usize },
    /// An item of a sequence whose `- ` is at `level`, right after the `- `.
    Item { level: usize },
}

impl Place {
    /// Before a scalar, and after it a line break.
    pub(crate) fn scalar_prefix(self) -> &'static str {
        match self {
            Place::Value { .. } => " ",
            Place::Root | Place::Item { .. } => "",
        }
    }

    /// Before the first item of a non-empty sequence, and the items' indentation.
    /// Sequences under a key sit at the key's indentation, as kubectl writes them.
    pub(crate) fn sequence(self) -> (&'static str, usize) {
        match self {
            Place::Root => ("", 0),
            Place::Value { level } => ("\n", level),
            Place::Item { level } => ("\n", level + 2),
        }
    }

    /// Before the first key of a non-empty mapping, the keys' indentation, and whether
    /// the first key is already indented (it follows `- `).
    pub(crate) fn mapping(self) -> (&'static str, usize, bool) {
        match self {
            Place::Root => ("", 0, false),
            Place::Value { level } => ("\n", level + 2, false),
            Place::Item { level } => ("", level + 2, true),
        }
    }
}

/// Write any JSON value at a place.
pub(crate) fn place_value(out: &mut String, place: Place, value: &Value) {
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
