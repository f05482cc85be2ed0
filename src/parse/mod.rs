//! Text to syntax tree: the pest grammar in `grammar/intent.pest` plus one lowering
//! function per grammar rule, behind a hand-written reader ([`fast`]) that builds the same
//! tree for well-formed files several times faster and hands everything else to pest.
//!
//! Input: one [`SourceFile`]. Output: one [`ast::Item`] or the diagnostics explaining why
//! the text is not an intent file. Lowering (`lower`) never fails on a successful pest
//! parse: the grammar already fixed the shape, so its `expect`-free helpers only walk it.
//! The reserved words and keywords every stage shares are in [`keywords`].

mod errors;
pub mod fast;
mod grammar;
pub mod keywords;
mod lower;
#[cfg(test)]
mod tests;

use crate::ast;
use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceFile, Span};
use grammar::IntentParser;
use lower::Lower;
use pest::Parser as _;

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

fn parse_with(
    id: FileId,
    file: &SourceFile,
    first: impl Fn(FileId, &str) -> Option<ast::Item>,
) -> Result<ast::Item, Vec<Diagnostic>> {
    let text = file.text.as_str();
    if text.contains('\0') {
        let at = text.find('\0').unwrap_or(0);
        return Err(vec![Diagnostic::error(
            Code::BinaryFile,
            Span::new(id, at, at + 1),
            "file contains a NUL byte; intent files are UTF-8 text",
        )
        .with_help(
            "is this a binary file? only `*.intent` text files belong in the tree",
        )]);
    }
    if is_blank(text) {
        return Err(vec![Diagnostic::error(Code::EmptyFile,
            Span::new(id, text.len(), text.len()),
            "file holds no `service` or `mesh` block",
        )
        .with_help("every `.intent` file declares one `service NAME in NAMESPACE { ... }` or one `mesh { ... }`; delete the file if it is not needed")]);
    }
    if let Some(item) = first(id, text) {
        return Ok(item);
    }
    let mut pairs = match IntentParser::parse(Rule::file, text) {
        Ok(pairs) => pairs,
        Err(e) => return Err(vec![errors::to_diagnostic(id, text, e)]),
    };
    let file_pair = pairs.next().into_iter().flat_map(|p| p.into_inner());
    let lower = Lower { id };
    for pair in file_pair {
        match pair.as_rule() {
            Rule::service => return Ok(ast::Item::Service(lower.service(pair))),
            Rule::mesh => return Ok(ast::Item::Mesh(lower.mesh(pair))),
            _ => {}
        }
    }
    // Unreachable for a successful parse of `file`, but never panic on input.
    Err(vec![Diagnostic::error(
        Code::EmptyFile,
        Span::new(id, 0, 0),
        "file holds no `service` or `mesh` block",
    )])
}

/// True when the text has nothing but whitespace and comments.
fn is_blank(text: &str) -> bool {
    text.lines().all(|line| {
        let t = line.trim();
        t.is_empty() || t.starts_with('#')
    })
}
