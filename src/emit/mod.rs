//! The one place objects become YAML text.
//!
//! Objects go through their `Serialize` implementations (keeping field order) into a
//! small block-style writer. A hand-written writer rather than serde_yaml, whose 0.9 line
//! is archived and writes `yes`, `no`, `on`, `off` bare: YAML 1.1 readers (Go's, so
//! kubectl, Argo CD and Flux; PyYAML) read those as booleans. Here a string is written
//! plain only when it is certainly a string to every reader; anything else is
//! double-quoted.
//!
//! - `scalar`: when a string may be plain, and how scalars are written;
//! - `place`: the block layout, and writing a `serde_json::Value` in it;
//! - `serializer`: the serde `Serializer` writing that layout directly;
//! - `key`: mapping keys;
//! - `document`: a whole file, its header comments and its objects.

mod document;
mod key;
mod place;
mod scalar;
mod serializer;
#[cfg(test)]
mod tests;

pub use document::emit;
pub use scalar::is_plain_safe;
