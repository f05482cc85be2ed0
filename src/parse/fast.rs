//! A hand-written reader for well-formed intent files, tried before pest.
//!
//! pest stays the grammar of record: its rule lists are what `errors.rs` turns into English,
//! and every file this reader does not accept goes to pest. But on a well-formed file pest
//! spends most of its time in generic machinery (a stack-depth guard on every rule call,
//! snapshots for backtracking, a tree of pairs that `Lower` then walks), which made parsing
//! the largest stage of a 10,000-service build. This reader follows `grammar/intent.pest`
//! rule by rule, builds the same [`ast::Item`] directly, and gives up (`None`) at the first
//! byte it does not expect.
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

use crate::ast::{self, Word};
use crate::source::{FileId, Span};

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
    } else if r.at_keyword("mesh") {
        ast::Item::Mesh(r.mesh()?)
    } else {
        return None;
    };
    r.skip();
    (r.pos == r.bytes.len()).then_some(item)
}

/// `word_char` of the grammar.
fn is_word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

struct Reader<'t> {
    id: FileId,
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    /// End of the last token read: where the span of the rule being read ends.
    last_end: usize,
}

impl<'t> Reader<'t> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.id, start, end)
    }

    /// Span from `start` to the end of the last token.
    fn span_from(&self, start: usize) -> Span {
        self.span(start, self.last_end)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// pest's implicit `(WHITESPACE | COMMENT)*`. `NEWLINE` is `\n`, `\r\n` or `\r`, so a
    /// comment ends at either byte.
    fn skip(&mut self) {
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
    fn token(&mut self, start: usize) -> Option<Word> {
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
    fn run(&mut self, class: impl Fn(u8) -> bool) -> Option<Word> {
        let start = self.pos;
        while self.peek().is_some_and(&class) {
            self.pos += 1;
        }
        self.token(start)
    }

    /// `"kw" ~ !word_char` at the current position, without consuming it.
    fn at_keyword(&self, kw: &str) -> bool {
        self.bytes[self.pos..].starts_with(kw.as_bytes())
            && !self
                .bytes
                .get(self.pos + kw.len())
                .is_some_and(|&b| is_word_char(b))
    }

    /// Consume a keyword; its span.
    fn keyword(&mut self, kw: &str) -> Option<Span> {
        if !self.at_keyword(kw) {
            return None;
        }
        let start = self.pos;
        self.pos += kw.len();
        self.last_end = self.pos;
        Some(self.span(start, self.pos))
    }

    /// Consume one punctuation byte; its span.
    fn punct(&mut self, b: u8) -> Option<Span> {
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
    fn then_punct(&mut self, b: u8) -> bool {
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
    fn then_keyword(&mut self, kw: &str) -> bool {
        let save = self.pos;
        self.skip();
        if self.keyword(kw).is_some() {
            self.skip();
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// `word = @{ !reserved ~ word_char+ }`: `in`, `to`, `namespace` and `anyone` alone
    /// are not names.
    fn word(&mut self) -> Option<Word> {
        let start = self.pos;
        let mut end = start;
        while self.bytes.get(end).is_some_and(|&b| is_word_char(b)) {
            end += 1;
        }
        if matches!(
            &self.text[start..end],
            "" | "in" | "to" | "namespace" | "anyone"
        ) {
            return None;
        }
        self.pos = end;
        self.token(start)
    }

    /// `number = @{ ASCII_DIGIT+ ~ !word_char }`.
    fn number(&mut self) -> Option<Word> {
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
    fn duration(&mut self) -> Option<Word> {
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
    fn domain(&mut self) -> Option<Word> {
        self.run(|b| is_word_char(b) || b == b'.')
    }

    /// `item ~ (comma ~ item)*`.
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let mut items = vec![item(self)?];
        while self.then_punct(b',') {
            items.push(item(self)?);
        }
        Some(items)
    }

    /// `labels = { label ~ (comma ~ label)* }`, each `label = ${ key ~ "=" ~ value }`
    /// with nothing between.
    fn labels(&mut self) -> Option<Vec<ast::Label>> {
        self.list(|r| {
            let key = r.run(|b| is_word_char(b) || b == b'.' || b == b'/')?;
            r.punct(b'=')?;
            let value = r.domain()?;
            Some(ast::Label { key, value })
        })
    }

    // ------------------------------------------------------------------ service

    fn service(&mut self) -> Option<ast::Service> {
        let keyword = self.keyword("service")?;
        self.skip();
        let name = self.word()?;
        self.skip();
        self.keyword("in")?;
        self.skip();
        let namespace = self.word()?;
        self.skip();
        self.punct(b'{')?;
        self.skip();
        let mut statements = Vec::new();
        while self.peek() != Some(b'}') {
            statements.push(self.statement()?);
            self.skip();
        }
        self.punct(b'}')?;
        Some(ast::Service {
            span: keyword,
            name,
            namespace,
            statements,
        })
    }

    fn statement(&mut self) -> Option<ast::Statement> {
        let start = self.pos;
        if self.keyword("account").is_some() {
            self.skip();
            Some(ast::Statement::Account(self.word()?))
        } else if self.keyword("selector").is_some() {
            self.skip();
            let labels = self.labels()?;
            Some(ast::Statement::Selector {
                span: self.span_from(start),
                labels,
            })
        } else if self.keyword("port").is_some() {
            self.skip();
            Some(ast::Statement::Port(self.port()?))
        } else if self.keyword("mtls").is_some() {
            self.skip();
            Some(ast::Statement::Mtls(self.run(|b| b.is_ascii_alphabetic())?))
        } else if let Some(keyword) = self.keyword("allow") {
            self.skip();
            Some(ast::Statement::Allow(self.allow(keyword)?))
        } else if self.keyword("calls").is_some() {
            self.skip();
            Some(ast::Statement::Calls(self.list(Self::call_target)?))
        } else if let Some(keyword) = self.keyword("route") {
            self.skip();
            Some(ast::Statement::Route(self.route(keyword)?))
        } else {
            None
        }
    }

    /// `port NAME [SERVICEPORT:]TARGETPORT[/PROTOCOL]`; the numbers are one compound-atomic
    /// token (no space around `:`), the protocol is not.
    fn port(&mut self) -> Option<ast::Port> {
        let name = self.word()?;
        self.skip();
        let first = self.number()?;
        let (service_port, target_port) = if self.peek() == Some(b':') {
            let save = (self.pos, self.last_end);
            self.pos += 1;
            match self.number() {
                Some(target) => (Some(first), target),
                None => {
                    (self.pos, self.last_end) = save;
                    (None, first)
                }
            }
        } else {
            (None, first)
        };
        let protocol = if self.then_punct(b'/') {
            Some(self.run(|b| b.is_ascii_alphanumeric())?)
        } else {
            None
        };
        Some(ast::Port {
            name,
            service_port,
            target_port,
            protocol,
        })
    }

    fn allow(&mut self, keyword: Span) -> Option<ast::Allow> {
        let callers = self.list(Self::caller)?;
        let ports = if self.then_keyword("to") {
            Some(self.list(Self::word)?)
        } else {
            None
        };
        let rules = if self.then_punct(b'{') {
            let mut rules = Vec::new();
            while self.peek() != Some(b'}') {
                rules.push(self.http_rule()?);
                self.skip();
            }
            self.punct(b'}')?;
            Some(rules)
        } else {
            None
        };
        Some(ast::Allow {
            span: keyword,
            callers,
            ports,
            rules,
        })
    }

    fn caller(&mut self) -> Option<ast::Caller> {
        let start = self.pos;
        if self.keyword("namespace").is_some() {
            self.skip();
            let namespace = self.word()?;
            Some(ast::Caller::Namespace {
                span: self.span_from(start),
                namespace,
            })
        } else if self.keyword("anyone").is_some() {
            Some(ast::Caller::Anyone {
                span: self.span_from(start),
            })
        } else {
            let name = self.word()?;
            let namespace = if self.then_keyword("in") {
                Some(self.word()?)
            } else {
                None
            };
            Some(ast::Caller::Named {
                span: self.span_from(start),
                name,
                namespace,
            })
        }
    }

    /// `methods ~ paths`, methods being `*` or `M (| M)*`.
    fn http_rule(&mut self) -> Option<ast::HttpRule> {
        let mut rule = ast::HttpRule {
            methods: Vec::new(),
            any_method: None,
            paths: Vec::new(),
        };
        if let Some(star) = self.punct(b'*') {
            rule.any_method = Some(star);
        } else {
            rule.methods.push(self.run(|b| b.is_ascii_alphabetic())?);
            while self.then_punct(b'|') {
                rule.methods.push(self.run(|b| b.is_ascii_alphabetic())?);
            }
        }
        self.skip();
        rule.paths = self.list(Self::path)?;
        Some(rule)
    }

    /// `path = @{ ("/" | "*") ~ (!(WHITESPACE | "," | "{" | "}" | "#") ~ ANY)* }`. The
    /// stop bytes are ASCII, so no multi-byte character is split.
    fn path(&mut self) -> Option<Word> {
        if !matches!(self.peek(), Some(b'/' | b'*')) {
            return None;
        }
        let start = self.pos;
        self.pos += 1;
        while self
            .peek()
            .is_some_and(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b',' | b'{' | b'}' | b'#'))
        {
            self.pos += 1;
        }
        self.token(start)
    }

    /// `word ~ (kw_in ~ word)? ~ (colon ~ word)?`.
    fn call_target(&mut self) -> Option<ast::CallTarget> {
        let start = self.pos;
        let name = self.word()?;
        let namespace = if self.then_keyword("in") {
            Some(self.word()?)
        } else {
            None
        };
        let port = if self.then_punct(b':') {
            Some(self.word()?)
        } else {
            None
        };
        Some(ast::CallTarget {
            span: self.span_from(start),
            name,
            namespace,
            port,
        })
    }

    fn route(&mut self, keyword: Span) -> Option<ast::Route> {
        let port = self.word()?;
        self.skip();
        self.punct(b'{')?;
        self.skip();
        let mut statements = Vec::new();
        while self.peek() != Some(b'}') {
            let start = self.pos;
            let statement = if self.keyword("timeout").is_some() {
                self.skip();
                ast::RouteStatement::Timeout(self.duration()?)
            } else if self.keyword("retries").is_some() {
                self.skip();
                let attempts = self.number()?;
                let per_try = if self.then_keyword("per-try") {
                    Some(self.duration()?)
                } else {
                    None
                };
                let on = if self.then_keyword("on") {
                    self.list(|r| r.run(|b| b.is_ascii_alphanumeric() || b == b'-'))?
                } else {
                    Vec::new()
                };
                ast::RouteStatement::Retries {
                    span: self.span_from(start),
                    attempts,
                    per_try,
                    on,
                }
            } else if self.keyword("split").is_some() {
                self.skip();
                let subsets = self.list(|r| {
                    let subset = r.word()?;
                    r.skip();
                    Some((subset, r.number()?))
                })?;
                ast::RouteStatement::Split {
                    span: self.span_from(start),
                    subsets,
                }
            } else {
                return None;
            };
            statements.push(statement);
            self.skip();
        }
        self.punct(b'}')?;
        Some(ast::Route {
            span: keyword,
            port,
            statements,
        })
    }

    // ------------------------------------------------------------------ mesh

    fn mesh(&mut self) -> Option<ast::Mesh> {
        let keyword = self.keyword("mesh")?;
        self.skip();
        self.punct(b'{')?;
        self.skip();
        let mut statements = Vec::new();
        while self.peek() != Some(b'}') {
            statements.push(self.mesh_statement()?);
            self.skip();
        }
        self.punct(b'}')?;
        Some(ast::Mesh {
            span: keyword,
            statements,
        })
    }

    fn mesh_statement(&mut self) -> Option<ast::MeshStatement> {
        let start = self.pos;
        if self.keyword("trust-domain").is_some() {
            self.skip();
            Some(ast::MeshStatement::TrustDomain(self.domain()?))
        } else if self.keyword("cluster-domain").is_some() {
            self.skip();
            Some(ast::MeshStatement::ClusterDomain(self.domain()?))
        } else if let Some(kw) = ["istiod", "dns"]
            .into_iter()
            .find(|kw| self.keyword(kw).is_some())
        {
            // `istiod NS LABELS` and `dns NS LABELS` have one shape.
            self.skip();
            let namespace = self.word()?;
            self.skip();
            let labels = self.labels()?;
            let span = self.span_from(start);
            Some(if kw == "dns" {
                ast::MeshStatement::Dns {
                    span,
                    namespace,
                    labels,
                }
            } else {
                ast::MeshStatement::Istiod {
                    span,
                    namespace,
                    labels,
                }
            })
        } else if self.keyword("scraper").is_some() {
            self.skip();
            let name = self.word()?;
            self.skip();
            self.keyword("in")?;
            self.skip();
            let namespace = self.word()?;
            Some(ast::MeshStatement::Scraper {
                span: self.span_from(start),
                name,
                namespace,
            })
        } else if let Some(keyword) = self.keyword("workload") {
            self.skip();
            Some(ast::MeshStatement::Workload(self.workload(keyword)?))
        } else {
            None
        }
    }

    fn workload(&mut self, keyword: Span) -> Option<ast::Workload> {
        let name = self.word()?;
        self.skip();
        self.keyword("in")?;
        self.skip();
        let namespace = self.word()?;
        let mut account: Option<(Word, Span)> = None;
        let mut selector: Option<(Vec<ast::Label>, Span)> = None;
        let mut duplicates = Vec::new();
        if self.then_punct(b'{') {
            while self.peek() != Some(b'}') {
                let start = self.pos;
                if self.keyword("account").is_some() {
                    self.skip();
                    let word = self.word()?;
                    let at = self.statement_keyword(start);
                    match &account {
                        Some((_, first)) => duplicates.push(("account", at, *first)),
                        None => account = Some((word, at)),
                    }
                } else if self.keyword("selector").is_some() {
                    self.skip();
                    let labels = self.labels()?;
                    let at = self.statement_keyword(start);
                    match &selector {
                        Some((_, first)) => duplicates.push(("selector", at, *first)),
                        None => selector = Some((labels, at)),
                    }
                } else {
                    return None;
                }
                self.skip();
            }
            self.punct(b'}')?;
        }
        Some(ast::Workload {
            span: keyword,
            name,
            namespace,
            account: account.map(|(a, _)| a),
            selector: selector.map(|(l, _)| l),
            duplicates,
        })
    }

    /// The span `Lower::workload` gives a repeated statement: its first whitespace-separated
    /// chunk, which is the keyword (and any comment glued to it).
    fn statement_keyword(&self, start: usize) -> Span {
        let chunk = self.text[start..self.last_end]
            .split_whitespace()
            .next()
            .map_or(0, str::len);
        self.span(start, start + chunk)
    }
}
