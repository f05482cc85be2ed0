//! The pest parser of `grammar/intent.pest`, the grammar of record.
//!
//! pest generates the [`Rule`] enum next to the parser struct, so this file holds nothing
//! else: the lowering, the error messages and the keyword table all import `Rule` from
//! here, and only `file` runs the parser.

#[derive(pest_derive::Parser)]
#[grammar = "grammar/intent.pest"]
pub(crate) struct IntentParser;
