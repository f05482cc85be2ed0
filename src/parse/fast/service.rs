//! The `service` block read by the fast reader, statement by statement as in
//! `grammar/intent.pest`; `None` at the first byte it does not expect.

use super::reader::Reader;
use crate::ast::{self, Word};
use crate::source::Span;

impl Reader<'_> {
    pub(crate) fn service(&mut self) -> Option<ast::Service> {
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
        let statements = self.block_items(Self::statement)?;
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
        } else if let Some(keyword) = self.keyword("deny") {
            self.skip();
            Some(ast::Statement::Deny(self.allow(keyword)?))
        } else if self.keyword("calls").is_some() {
            self.skip();
            Some(ast::Statement::Calls(self.list(Self::call_target)?))
        } else if let Some(keyword) = self.keyword("route") {
            self.skip();
            Some(ast::Statement::Route(self.route(keyword)?))
        } else if let Some(span) = self.keyword("clusters") {
            self.skip();
            Some(ast::Statement::Clusters {
                span,
                names: self.list(Self::word)?,
            })
        } else {
            None
        }
    }

    /// `port NAME [SERVICEPORT:]TARGETPORT[/PROTOCOL]`; the numbers are one compound-atomic
    /// token (no space around `:`), the protocol is not.
    pub(crate) fn port(&mut self) -> Option<ast::Port> {
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

    pub(crate) fn allow(&mut self, keyword: Span) -> Option<ast::Allow> {
        let callers = self.list(Self::caller)?;
        let ports = if self.then_keyword("to") {
            Some(self.list(Self::word)?)
        } else {
            None
        };
        let rules = if self.then_punct(b'{') {
            Some(self.block_items(Self::http_rule)?)
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

    /// `methods ~ paths ~ (when ~ conditions)?`, methods being `*` or `M (| M)*`. Once
    /// `when` (or `and`) is read the reader commits: where pest would back out and read
    /// the word as the next rule's method, giving up sends the file to pest all the same.
    fn http_rule(&mut self) -> Option<ast::HttpRule> {
        let mut rule = ast::HttpRule {
            methods: Vec::new(),
            any_method: None,
            paths: Vec::new(),
            conditions: Vec::new(),
        };
        if let Some(star) = self.punct(b'*') {
            rule.any_method = Some(star);
        } else {
            rule.methods.push(self.method()?);
            while self.then_punct(b'|') {
                rule.methods.push(self.method()?);
            }
        }
        self.skip();
        rule.paths = self.list(Self::path)?;
        if self.then_keyword("when") {
            rule.conditions.push(self.condition()?);
            while self.then_keyword("and") {
                rule.conditions.push(self.condition()?);
            }
        }
        Some(rule)
    }

    /// `method = @{ !((kw_when | kw_and) ~ !ASCII_ALPHA) ~ ASCII_ALPHA+ }`.
    fn method(&mut self) -> Option<Word> {
        let save = (self.pos, self.last_end);
        let word = self.run(|b| b.is_ascii_alphabetic())?;
        if word.text == "when" || word.text == "and" {
            (self.pos, self.last_end) = save;
            return None;
        }
        Some(word)
    }

    /// `header NAME (= | !=) VALUES`, `jwt NAME` or `claim NAME = VALUES`.
    fn condition(&mut self) -> Option<ast::Condition> {
        let start = self.pos;
        if self.keyword("header").is_some() {
            self.skip();
            let name = self.condition_name()?;
            self.skip();
            let negated = if self.peek() == Some(b'!') {
                self.pos += 1;
                self.punct(b'=')?;
                true
            } else {
                self.punct(b'=')?;
                false
            };
            self.skip();
            let values = self.list(Self::loose)?;
            Some(ast::Condition::Header {
                span: self.span_from(start),
                name,
                negated,
                values,
            })
        } else if self.keyword("jwt").is_some() {
            self.skip();
            let name = self.word()?;
            Some(ast::Condition::Jwt {
                span: self.span_from(start),
                name,
            })
        } else if self.keyword("claim").is_some() {
            self.skip();
            let name = self.condition_name()?;
            self.skip();
            self.punct(b'=')?;
            self.skip();
            let values = self.list(Self::loose)?;
            Some(ast::Condition::Claim {
                span: self.span_from(start),
                name,
                values,
            })
        } else {
            None
        }
    }

    /// `header_name = @{ (!(WHITESPACE | "," | "{" | "}" | "#" | "=" | "!") ~ ANY)+ }`.
    fn condition_name(&mut self) -> Option<Word> {
        self.run(|b| {
            !matches!(
                b,
                b' ' | b'\t' | b'\n' | b'\r' | b',' | b'{' | b'}' | b'#' | b'=' | b'!'
            )
        })
    }

    /// `path = @{ ("/" | "*") ~ (!(WHITESPACE | "," | "{" | "}" | "#") ~ ANY)* }`.
    fn path(&mut self) -> Option<Word> {
        if !matches!(self.peek(), Some(b'/' | b'*')) {
            return None;
        }
        self.loose()
    }

    /// `(kw_external ~ word | word ~ (kw_in ~ word)?) ~ (colon ~ word)?`. `external` is
    /// reserved, so a target that starts with it is never a plain name.
    fn call_target(&mut self) -> Option<ast::CallTarget> {
        let start = self.pos;
        let external = self.keyword("external");
        let (name, namespace) = if external.is_some() {
            self.skip();
            (self.word()?, None)
        } else {
            let name = self.word()?;
            let namespace = if self.then_keyword("in") {
                Some(self.word()?)
            } else {
                None
            };
            (name, namespace)
        };
        let port = if self.then_punct(b':') {
            Some(self.word()?)
        } else {
            None
        };
        Some(ast::CallTarget {
            span: self.span_from(start),
            external,
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
                let per_try = match self.then_keyword_at("per-try") {
                    Some(keyword) => Some((keyword, self.duration()?)),
                    None => None,
                };
                let on_keyword = self.then_keyword_at("on");
                let on = if on_keyword.is_some() {
                    self.list(|r| r.run(|b| b.is_ascii_alphanumeric() || b == b'-'))?
                } else {
                    Vec::new()
                };
                ast::RouteStatement::Retries {
                    span: self.span_from(start),
                    attempts,
                    per_try,
                    on_keyword,
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
            } else if self.keyword("match").is_some() {
                self.skip();
                self.keyword("header")?;
                self.skip();
                let name = self.condition_name()?;
                self.skip();
                self.punct(b'=')?;
                self.skip();
                let value = self.loose()?;
                self.skip();
                self.keyword("to")?;
                self.skip();
                let subset = self.word()?;
                ast::RouteStatement::Match {
                    span: self.span_from(start),
                    name,
                    value,
                    subset,
                }
            } else if let Some(keyword) = ["connections", "pending", "requests"]
                .into_iter()
                .find(|kw| self.at_keyword(kw))
            {
                self.keyword(keyword)?;
                self.skip();
                let limit = self.number()?;
                ast::RouteStatement::Pool {
                    span: self.span_from(start),
                    keyword,
                    limit,
                }
            } else if self.keyword("eject").is_some() {
                self.skip();
                let errors = self.number()?;
                self.skip();
                self.keyword("errors")?;
                self.skip();
                self.keyword("every")?;
                self.skip();
                let every = self.duration()?;
                self.skip();
                self.keyword("for")?;
                self.skip();
                let base = self.duration()?;
                self.skip();
                self.keyword("max")?;
                self.skip();
                let max = self.number()?;
                self.skip();
                self.punct(b'%')?;
                ast::RouteStatement::Eject {
                    span: self.span_from(start),
                    errors,
                    every,
                    base,
                    max,
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
}
