//! A hand-written reader for well-formed intent files, tried before pest.
//!
//! pest stays the grammar of record: its rule lists are what `errors.rs` turns into English,
//! and every file this reader does not accept goes to pest. But on a well-formed file pest
//! spends most of its time in generic machinery (a stack-depth guard on every rule call,
//! snapshots for backtracking, a tree of pairs that `Lower` then walks), enough to make
//! parsing with pest alone the largest stage of a 10,000-service build (docs/performance.md
//! has the figures). This reader follows `grammar/intent.pest` rule by rule, builds the
//! same [`ast::Item`] directly, and gives up (`None`) at the first byte it does not expect.
//! `tokens` reads single tokens, `service`, `external` and `mesh` the three kinds of block.
//!
//! Giving up is always safe (pest re-reads the file and explains the error), so the reader
//! only has to be exactly right on what it accepts. Where pest would backtrack out of an
//! optional part whose first token matched (`in` not followed by a name, a `,` not followed
//! by another item), the rest of the file cannot parse either: no statement, list item or
//! closing brace starts with those tokens. So the reader accepts exactly the files pest
//! accepts, with identical trees and spans; `parse::tests` checks this on every bundled
//! intent, a synthetic mesh and random edits of them, and the `parse_bytes` fuzz target
//! checks it on arbitrary bytes.
//!
//! Spans follow `Lower::span`: a rule's span runs from its first token to the end of its
//! last token, never over the whitespace or comments pest skips after an optional part.

mod external;
mod mesh;
mod reader;
mod service;
mod tokens;

use crate::ast;
use crate::source::FileId;
use reader::Reader;

/// Parse a whole file, or `None` when it is not well-formed (or uses anything this reader
/// does not know), so that pest reads it and reports why.
pub fn read(id: FileId, text: &str) -> Option<ast::Item> {
    let mut r = Reader {
        id,
        text,
        bytes: text.as_bytes(),
        pos: 0,
        last_end: 0,
    };
    r.skip();
    let item = if r.at_keyword("service") {
        ast::Item::Service(r.service()?)
    } else if r.at_keyword("external") {
        ast::Item::External(r.external()?)
    } else if r.at_keyword("mesh") {
        ast::Item::Mesh(r.mesh()?)
    } else {
        return None;
    };
    r.skip();
    (r.pos == r.bytes.len()).then_some(item)
}
