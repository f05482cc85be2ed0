//! The token half of the fast reader: pest's implicit whitespace and comments, keywords,
//! punctuation, names, numbers and lists, each matching the grammar rule it names and
//! leaving the position untouched when it does not match.

use super::reader::{is_word_char, Reader};
use crate::ast::{self, Word};
use crate::parse::keywords::RESERVED;
use crate::source::Span;

impl<'t> Reader<'t> {
    pub(crate) fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.id, start, end)
    }

    /// Span from `start` to the end of the last token.
    pub(crate) fn span_from(&self, start: usize) -> Span {
        self.span(start, self.last_end)
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// pest's implicit `(WHITESPACE | COMMENT)*`. `NEWLINE` is `\n`, `\r\n` or `\r`, so a
    /// comment ends at either byte.
    pub(crate) fn skip(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                b'#' => {
                    while let Some(c) = self.peek() {
                        if c == b'\n' || c == b'\r' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    /// Consume the bytes from `start` to the current position as one token.
    pub(crate) fn token(&mut self, start: usize) -> Option<Word> {
        if self.pos == start {
            return None;
        }
        self.last_end = self.pos;
        Some(Word {
            text: self.text[start..self.pos].to_string(),
            span: self.span(start, self.pos),
        })
    }

    /// Longest run of bytes satisfying `class`, as one token (`None` when empty).
    pub(crate) fn run(&mut self, class: impl Fn(u8) -> bool) -> Option<Word> {
        let start = self.pos;
        while self.peek().is_some_and(&class) {
            self.pos += 1;
        }
        self.token(start)
    }

    /// `"kw" ~ !word_char` at the current position, without consuming it.
    pub(crate) fn at_keyword(&self, kw: &str) -> bool {
        self.bytes[self.pos..].starts_with(kw.as_bytes())
            && !self
                .bytes
                .get(self.pos + kw.len())
                .is_some_and(|&b| is_word_char(b))
    }

    /// Consume a keyword; its span.
    pub(crate) fn keyword(&mut self, kw: &str) -> Option<Span> {
        if !self.at_keyword(kw) {
            return None;
        }
        let start = self.pos;
        self.pos += kw.len();
        self.last_end = self.pos;
        Some(self.span(start, self.pos))
    }

    /// The items of a `{ ... }` block whose `{` and the blanks after it are read: ITEM
    /// after ITEM with blanks between, up to and including the `}`.
    pub(crate) fn block_items<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let mut items = Vec::new();
        while self.peek() != Some(b'}') {
            items.push(item(self)?);
            self.skip();
        }
        self.punct(b'}')?;
        Some(items)
    }

    /// Consume one punctuation byte; its span.
    pub(crate) fn punct(&mut self, b: u8) -> Option<Span> {
        if self.peek() != Some(b) {
            return None;
        }
        let start = self.pos;
        self.pos += 1;
        self.last_end = self.pos;
        Some(self.span(start, self.pos))
    }

    /// Skip, then consume `b` if it is next; otherwise leave the position where it was, as
    /// pest does when an optional or repeated part does not match.
    pub(crate) fn then_punct(&mut self, b: u8) -> bool {
        let save = self.pos;
        self.skip();
        if self.punct(b).is_some() {
            self.skip();
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// Skip, then consume keyword `kw` if it is next (see [`Reader::then_punct`]).
    pub(crate) fn then_keyword(&mut self, kw: &str) -> bool {
        self.then_keyword_at(kw).is_some()
    }

    /// [`then_keyword`](Self::then_keyword), giving the keyword's span.
    pub(crate) fn then_keyword_at(&mut self, kw: &str) -> Option<Span> {
        let save = self.pos;
        self.skip();
        match self.keyword(kw) {
            Some(span) => {
                self.skip();
                Some(span)
            }
            None => {
                self.pos = save;
                None
            }
        }
    }

    /// `word = @{ !reserved ~ word_char+ }`: a [`RESERVED`] word alone is not a name.
    pub(crate) fn word(&mut self) -> Option<Word> {
        let start = self.pos;
        let mut end = start;
        while self.bytes.get(end).is_some_and(|&b| is_word_char(b)) {
            end += 1;
        }
        let text = &self.text[start..end];
        if text.is_empty() || RESERVED.contains(&text) {
            return None;
        }
        self.pos = end;
        self.token(start)
    }

    /// `number = @{ ASCII_DIGIT+ ~ !word_char }`.
    pub(crate) fn number(&mut self) -> Option<Word> {
        let start = self.pos;
        let mut end = start;
        while self.bytes.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        if end == start || self.bytes.get(end).is_some_and(|&b| is_word_char(b)) {
            return None;
        }
        self.pos = end;
        self.token(start)
    }

    /// `duration = @{ ASCII_DIGIT+ ~ ASCII_ALPHA+ }`.
    pub(crate) fn duration(&mut self) -> Option<Word> {
        let start = self.pos;
        let mut end = start;
        while self.bytes.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        let digits_end = end;
        while self.bytes.get(end).is_some_and(u8::is_ascii_alphabetic) {
            end += 1;
        }
        if digits_end == start || end == digits_end {
            return None;
        }
        self.pos = end;
        self.token(start)
    }

    /// `domain = @{ (ASCII_ALPHANUMERIC | "-" | "_" | ".")+ }`; also `label_value`.
    pub(crate) fn domain(&mut self) -> Option<Word> {
        self.run(|b| is_word_char(b) || b == b'.')
    }

    /// `(!(WHITESPACE | "," | "{" | "}" | "#") ~ ANY)+`: a path, a host name or an address
    /// range, lexed loosely for the checker to judge. The stop bytes are ASCII, so no
    /// multi-byte character is split.
    pub(crate) fn loose(&mut self) -> Option<Word> {
        self.run(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b',' | b'{' | b'}' | b'#'))
    }

    /// `item ~ (comma ~ item)*`.
    pub(crate) fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Option<Vec<T>> {
        let mut items = vec![item(self)?];
        while self.then_punct(b',') {
            items.push(item(self)?);
        }
        Some(items)
    }

    /// `labels = { label ~ (comma ~ label)* }`, each `label = ${ key ~ "=" ~ value }`
    /// with nothing between.
    pub(crate) fn labels(&mut self) -> Option<Vec<ast::Label>> {
        self.list(|r| {
            let key = r.run(|b| is_word_char(b) || b == b'.' || b == b'/')?;
            r.punct(b'=')?;
            let value = r.domain()?;
            Some(ast::Label { key, value })
        })
    }
}
