//! One file's text to its canonical layout: the byte-order mark and the line-break style
//! are the file's own and are kept, the rest comes from [`layout`].
//!
//! The result is checked before it is returned: it must parse to the same syntax tree as
//! the input. A formatter that could change what an intent means would be worse than none,
//! so a mismatch (a bug) is an error and the caller writes nothing.

use super::layout::layout;
use super::tokens::tokens;
use super::tree::syntax_tree;
use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::parse;
use crate::source::{FileId, SourceFile, Span};

const BOM: char = '\u{feff}';

/// TEXT in the canonical layout; the diagnostics of the parser when it is not an intent
/// file. A leading byte-order mark is kept.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let (bom, body) = match text.strip_prefix(BOM) {
        Some(body) => (true, body),
        None => (false, text),
    };
    let file = SourceFile::new("<input>".into(), "<input>".into(), body.to_string());
    let formatted = format_file(0, &file)?;
    Ok(if bom {
        format!("{BOM}{formatted}")
    } else {
        formatted
    })
}

/// The text of FILE (whose byte-order mark the loader has taken off) in the canonical
/// layout, with the line breaks of its first line; diagnostics point into FILE as ID.
pub fn format_file(id: FileId, file: &SourceFile) -> Result<String, Vec<Diagnostic>> {
    let text = file.text.as_str();
    let mut pairs = parse::pairs(id, file)?;
    let Some(root) = pairs.next() else {
        return Err(vec![internal(id, "the parser returned nothing")]);
    };
    let lines = layout(text, &tokens(root)).map_err(|_| {
        vec![internal(
            id,
            "text between tokens that is neither blank nor a comment",
        )]
    })?;
    let newline = if first_break_is_crlf(text) {
        "\r\n"
    } else {
        "\n"
    };
    let mut out = lines.join(newline);
    out.push_str(newline);
    if syntax_tree(&out) != syntax_tree(text) {
        return Err(vec![internal(
            id,
            "the formatted text would parse differently",
        )]);
    }
    Ok(out)
}

fn first_break_is_crlf(text: &str) -> bool {
    text.find(['\n', '\r'])
        .is_some_and(|i| text[i..].starts_with("\r\n"))
}

fn internal(id: FileId, why: &str) -> Diagnostic {
    Diagnostic::error(
        Code::Internal,
        Span::new(id, 0, 0),
        format!("cannot format this file: {why}; it is left as it is"),
    )
    .with_help("this is a bug in meshward: please report it with the file")
}
