//! One output file as text: its header as `# ` comment lines, then its objects in order,
//! separated by `---`, each written by the serde writer of `serializer`.

use super::place::Place;
use super::serializer;
use crate::render::Document;
use serde::Serialize;

/// Write any serialisable value as a document body: the same text as
/// `place_value(out, Place::Root, &serde_json::to_value(value)?)`, without building the
/// intermediate `Value`.
pub(crate) fn write_yaml<T: Serialize + ?Sized>(
    out: &mut String,
    value: &T,
) -> Result<(), serde_json::Error> {
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
