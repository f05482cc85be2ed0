//! The one place objects become YAML text.
//!
//! Objects go through their `Serialize` implementations (keeping field order) into a
//! small block-style writer. A hand-written writer rather than serde_yaml, whose 0.9 line
//! is archived and writes `yes`, `no`, `on`, `off` bare: YAML 1.1 readers (Go's, so
//! kubectl, Argo CD and Flux; PyYAML) read those as booleans. Here a string is written
//! plain only when it is certainly a string to every reader; anything else is
//! double-quoted.
//!
//! - `scalar`: when a string may be plain, and how scalars are written;
//! - `place`: the block layout, and writing a `serde_json::Value` in it;
//! - `serializer`: the serde `Serializer` writing that layout directly;
//! - `key`: mapping keys.

mod key;
mod place;
mod scalar;
mod serializer;
#[cfg(test)]
mod tests;

pub use scalar::is_plain_safe;

use crate::render::Document;
use place::Place;
use serde::Serialize;

/// Write any serialisable value as a document body: the same text as
/// `place_value(out, Place::Root, &serde_json::to_value(value)?)`, without building the
/// intermediate `Value`.
fn write_yaml<T: Serialize + ?Sized>(out: &mut String, value: &T) -> Result<(), serde_json::Error> {
    value.serialize(serializer::Writer {
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
