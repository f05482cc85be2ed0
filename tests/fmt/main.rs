//! `meshward fmt`: the canonical layout, and its promises on every input the repository
//! holds and on generated ones.
//!
//! - `layout`: the layout rules on small inputs (comments, blank lines, line breaks, the
//!   byte-order mark), and a messy file against its snapshot in golden/fmt/;
//! - `inputs`: every intent file of the repository formats to itself twice and parses to
//!   the same tree, and every tree that builds builds to the same bytes once formatted;
//! - `command`: the command line (`--check` and its listing, exit codes, nothing written
//!   on a syntax error);
//! - `generated`: a proptest over sources laid out at random (spacing, line breaks,
//!   comments, CRLF, a byte-order mark): formatting keeps the tree and the comments, and is
//!   idempotent.

mod command;
#[path = "../common/mod.rs"]
mod common;
mod generated;
mod inputs;
mod layout;
