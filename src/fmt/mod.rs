//! `meshward fmt`: intent files in one canonical layout, comments kept.
//!
//! The layout comes from the grammar's shape, not from the input's spacing: [`tokens`]
//! walks pest's parse of the file (`parse::pairs`) and marks where lines start,
//! [`comments`] recovers what the syntax tree drops (comments and blank lines) from the
//! source between tokens, and [`layout`] prints both. [`text`] keeps each file's
//! byte-order mark and line breaks and refuses any result that would not parse to the same
//! syntax tree ([`tree`]). [`invariants`] states the promises the tests and the fuzz target
//! check. docs/language.md describes the layout.

mod comments;
mod invariants;
mod layout;
mod text;
mod tokens;
mod tree;

pub use invariants::check_invariants;
pub use text::{format, format_file};
pub use tree::syntax_tree;
