//! The fast reader's state and the one byte class every token reader needs. The state is
//! its own file so that `tokens`, `service` and `mesh` each add their methods to it
//! without importing the folder's top, which starts a reader on a whole file (`read`).

use crate::source::FileId;

/// `word_char` of the grammar.
pub(crate) fn is_word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// A position in one file's text; the methods that read each grammar rule are in
/// `tokens`, `service` and `mesh`.
pub(crate) struct Reader<'t> {
    pub(crate) id: FileId,
    pub(crate) text: &'t str,
    pub(crate) bytes: &'t [u8],
    pub(crate) pos: usize,
    /// End of the last token read: where the span of the rule being read ends.
    pub(crate) last_end: usize,
}
