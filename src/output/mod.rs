//! The output tree on disk: plan it, write it, prune what meshward wrote before, or
//! compare it with what is there (`check`).
//!
//! meshward recognises its own files by the generated-file header and by the manifest it
//! writes at the root; it never overwrites or deletes a file that has neither. A write
//! builds the whole new tree beside OUT and swaps it in (see `swap`), so a failure or a
//! kill at any point leaves the previous tree whole; where OUT cannot be swapped (a mount
//! point), files are written in two phases in place instead (all temporaries first, then
//! the renames).
//!
//! - `tree`: the text of every file, manifest included;
//! - `write`: writing it to OUT, through `swap` or in place; `report`: what a write says;
//! - `diff`: how OUT differs from it; `record`: the same comparison against hashes;
//! - `manifest`: how meshward recognises the files it wrote.

mod diff;
mod manifest;
mod record;
mod report;
mod swap;
mod tree;
mod write;

pub use diff::diff;
pub use manifest::MANIFEST;
pub use record::{matches_record, sha256, Hash, Record};
pub use report::{WriteError, WriteReport};
pub use tree::Tree;
pub use write::write;
