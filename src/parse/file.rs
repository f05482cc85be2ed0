//! One file's text to its single block: refuses binary and blank files, tries the reader it
//! is given (the fast reader, or none), and on anything that reader does not accept runs
//! pest, whose failure becomes the diagnostic; the pairs of a success are lowered.

use super::errors;
use super::grammar::{IntentParser, Rule};
use super::lower::Lower;
use crate::ast;
use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceFile, Span};
use pest::iterators::Pairs;
use pest::Parser as _;

pub(crate) fn parse_with(
    id: FileId,
    file: &SourceFile,
    first: impl Fn(FileId, &str) -> Option<ast::Item>,
) -> Result<ast::Item, Vec<Diagnostic>> {
    let text = file.text.as_str();
    refuse_non_text(id, text)?;
    if let Some(item) = first(id, text) {
        return Ok(item);
    }
    let mut pairs = pest_pairs(id, text)?;
    let file_pair = pairs.next().into_iter().flat_map(|p| p.into_inner());
    let lower = Lower { id };
    for pair in file_pair {
        match pair.as_rule() {
            Rule::service => return Ok(ast::Item::Service(lower.service(pair))),
            Rule::external => return Ok(ast::Item::External(lower.external(pair))),
            Rule::mesh => return Ok(ast::Item::Mesh(lower.mesh(pair))),
            _ => {}
        }
    }
    // Unreachable for a successful parse of `file`, but never panic on input.
    Err(vec![Diagnostic::error(
        Code::EmptyFile,
        Span::new(id, 0, 0),
        "file holds no `service`, `external` or `mesh` block",
    )])
}

/// The pest parse of one file, with the same refusals and diagnostics as [`parse_with`]:
/// the formatter lays out these pairs, whose spans also locate the comments between them.
pub(crate) fn pairs(id: FileId, file: &SourceFile) -> Result<Pairs<'_, Rule>, Vec<Diagnostic>> {
    let text = file.text.as_str();
    refuse_non_text(id, text)?;
    pest_pairs(id, text)
}

fn pest_pairs(id: FileId, text: &str) -> Result<Pairs<'_, Rule>, Vec<Diagnostic>> {
    IntentParser::parse(Rule::file, text).map_err(|e| vec![errors::to_diagnostic(id, text, e)])
}

/// Binary and blank files, refused before any reader runs.
fn refuse_non_text(id: FileId, text: &str) -> Result<(), Vec<Diagnostic>> {
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
            "file holds no `service`, `external` or `mesh` block",
        )
        .with_help("every `.intent` file declares one `service NAME in NAMESPACE { ... }`, one `external NAME { ... }` or one `mesh { ... }`; delete the file if it is not needed")]);
    }
    Ok(())
}

/// True when the text has nothing but whitespace and comments.
pub(crate) fn is_blank(text: &str) -> bool {
    text.lines().all(|line| {
        let t = line.trim();
        t.is_empty() || t.starts_with('#')
    })
}
