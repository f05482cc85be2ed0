//! Text to syntax tree: the pest grammar in `grammar/intent.pest` plus one lowering
//! function per grammar rule, behind a hand-written reader ([`fast`]) that builds the same
//! tree for well-formed files several times faster and hands everything else to pest.
//!
//! Input: one [`SourceFile`]. Output: one [`ast::Item`] or the diagnostics explaining why
//! the text is not an intent file. Lowering (`lower`) never fails on a successful pest
//! parse: the grammar already fixed the shape, so its `expect`-free helpers only walk it.
//! The reserved words and keywords every stage shares are in [`keywords`]; `grammar` holds
//! the pest parser and its [`Rule`]s, and `file` takes one file through those steps.

mod errors;
pub mod fast;
mod file;
mod grammar;
pub mod keywords;
mod lower;
#[cfg(test)]
mod tests;

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceFile};
use file::parse_with;

pub(crate) use file::pairs;
pub use grammar::Rule;

/// Parse one file into its single block.
pub fn parse(id: FileId, file: &SourceFile) -> Result<ast::Item, Vec<Diagnostic>> {
    parse_with(id, file, fast::read)
}

/// [`parse`] with pest alone: the grammar of record, which the fast reader must agree with
/// (tests and the `parse_bytes` fuzz target compare the two).
pub fn parse_with_grammar(id: FileId, file: &SourceFile) -> Result<ast::Item, Vec<Diagnostic>> {
    parse_with(id, file, |_, _| None)
}
