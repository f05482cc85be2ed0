//! Pest's pairs to syntax tree, one function per grammar rule.
//!
//! Lowering never fails on a successful pest parse: the grammar already fixed the shape,
//! so the helpers only walk it, and a part that is somehow missing becomes an empty word
//! at the enclosing rule's span rather than a panic. Spans end at a rule's last token
//! ([`Lower::span`]); the fast reader builds the same spans.

mod external;
mod mesh;
mod pairs;
mod service;

pub(crate) use pairs::Lower;
