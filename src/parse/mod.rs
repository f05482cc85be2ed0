//! Text to syntax tree: the pest grammar in `grammar/intent.pest` plus one lowering
//! function per grammar rule, behind a hand-written reader ([`fast`]) that builds the same
//! tree for well-formed files several times faster and hands everything else to pest.
//!
//! Input: one [`SourceFile`]. Output: one [`ast::Item`] or the diagnostics explaining why
//! the text is not an intent file. Lowering never fails on a successful pest parse: the
//! grammar already fixed the shape, so the `expect`-free helpers below only walk it.

mod errors;
pub mod fast;
#[cfg(test)]
mod tests;

use crate::ast::{self, Word};
use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceFile, Span};
use pest::iterators::Pair;
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/intent.pest"]
struct IntentParser;

/// Parse one file into its single block.
pub fn parse(id: FileId, file: &SourceFile) -> Result<ast::Item, Vec<Diagnostic>> {
    parse_with(id, file, fast::read)
}

/// [`parse`] with pest alone: the grammar of record, which the fast reader must agree with
/// (tests and the `parse_bytes` fuzz target compare the two).
pub fn parse_with_grammar(id: FileId, file: &SourceFile) -> Result<ast::Item, Vec<Diagnostic>> {
    parse_with(id, file, |_, _| None)
}

fn parse_with(
    id: FileId,
    file: &SourceFile,
    first: impl Fn(FileId, &str) -> Option<ast::Item>,
) -> Result<ast::Item, Vec<Diagnostic>> {
    let text = file.text.as_str();
    if text.contains('\0') {
        let at = text.find('\0').unwrap_or(0);
        return Err(vec![Diagnostic::error(
            Code::BinaryFile,
            Span::new(id, at, at + 1),
            "file contains a NUL byte; intent files are UTF-8 text",
        )
        .with_help(
            "is this a binary file? only `*.intent` text files belong in the tree",
        )]);
    }
    if is_blank(text) {
        return Err(vec![Diagnostic::error(Code::EmptyFile,
            Span::new(id, text.len(), text.len()),
            "file holds no `service` or `mesh` block",
        )
        .with_help("every `.intent` file declares one `service NAME in NAMESPACE { ... }` or one `mesh { ... }`; delete the file if it is not needed")]);
    }
    if let Some(item) = first(id, text) {
        return Ok(item);
    }
    let mut pairs = match IntentParser::parse(Rule::file, text) {
        Ok(pairs) => pairs,
        Err(e) => return Err(vec![errors::to_diagnostic(id, text, e)]),
    };
    let file_pair = pairs.next().into_iter().flat_map(|p| p.into_inner());
    let lower = Lower { id };
    for pair in file_pair {
        match pair.as_rule() {
            Rule::service => return Ok(ast::Item::Service(lower.service(pair))),
            Rule::mesh => return Ok(ast::Item::Mesh(lower.mesh(pair))),
            _ => {}
        }
    }
    // Unreachable for a successful parse of `file`, but never panic on input.
    Err(vec![Diagnostic::error(
        Code::EmptyFile,
        Span::new(id, 0, 0),
        "file holds no `service` or `mesh` block",
    )])
}

/// True when the text has nothing but whitespace and comments.
fn is_blank(text: &str) -> bool {
    text.lines().all(|line| {
        let t = line.trim();
        t.is_empty() || t.starts_with('#')
    })
}

struct Lower {
    id: FileId,
}

impl Lower {
    /// The pair's span, ending at its last token: pest counts the whitespace and comments
    /// skipped after an optional part as part of the pair, which would put carets on them.
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        let end = pair
            .clone()
            .into_inner()
            .last()
            .map_or(s.end(), |last| self.span(&last).end as usize);
        Span::new(self.id, s.start(), end)
    }

    fn word(&self, pair: &Pair<Rule>) -> Word {
        Word {
            text: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    /// The children that carry meaning: keywords and punctuation are named rules only so
    /// that error messages can name them.
    fn meaningful<'a>(&self, pair: Pair<'a, Rule>) -> impl Iterator<Item = Pair<'a, Rule>> {
        pair.into_inner().filter(|p| !is_punctuation(p.as_rule()))
    }

    fn service(&self, pair: Pair<Rule>) -> ast::Service {
        let span = self.span(&pair);
        let mut words = Vec::new();
        let mut statements = Vec::new();
        for p in self.meaningful(pair) {
            match p.as_rule() {
                Rule::word => words.push(self.word(&p)),
                _ => statements.extend(self.statement(p)),
            }
        }
        let mut words = words.into_iter();
        let name = words.next().unwrap_or_else(|| self.empty_word(span));
        let namespace = words.next().unwrap_or_else(|| self.empty_word(span));
        ast::Service {
            span: Span {
                end: span.start + "service".len() as u32,
                ..span
            },
            name,
            namespace,
            statements,
        }
    }

    fn empty_word(&self, span: Span) -> Word {
        Word {
            text: String::new(),
            span,
        }
    }

    fn statement(&self, pair: Pair<Rule>) -> Option<ast::Statement> {
        let span = self.span(&pair);
        Some(match pair.as_rule() {
            Rule::account => ast::Statement::Account(self.first_word(pair, span)),
            Rule::selector => ast::Statement::Selector {
                span,
                labels: self.labels_of(pair),
            },
            Rule::port => ast::Statement::Port(self.port(pair, span)),
            Rule::mtls => ast::Statement::Mtls(self.first_of(pair, Rule::mtls_mode, span)),
            Rule::allow => ast::Statement::Allow(self.allow(pair, span)),
            Rule::calls => ast::Statement::Calls(self.calls(pair)),
            Rule::route => ast::Statement::Route(self.route(pair, span)),
            _ => return None,
        })
    }

    fn first_word(&self, pair: Pair<Rule>, span: Span) -> Word {
        self.first_of(pair, Rule::word, span)
    }

    fn first_of(&self, pair: Pair<Rule>, rule: Rule, span: Span) -> Word {
        pair.into_inner()
            .find(|p| p.as_rule() == rule)
            .map(|p| self.word(&p))
            .unwrap_or_else(|| self.empty_word(span))
    }

    fn labels_of(&self, pair: Pair<Rule>) -> Vec<ast::Label> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::labels)
            .flat_map(|p| p.into_inner())
            .filter(|p| p.as_rule() == Rule::label)
            .map(|label| {
                let span = self.span(&label);
                let mut key = self.empty_word(span);
                let mut value = self.empty_word(span);
                for part in label.into_inner() {
                    match part.as_rule() {
                        Rule::label_key => key = self.word(&part),
                        Rule::label_value => value = self.word(&part),
                        _ => {}
                    }
                }
                ast::Label { key, value }
            })
            .collect()
    }

    fn port(&self, pair: Pair<Rule>, span: Span) -> ast::Port {
        let mut name = self.empty_word(span);
        let mut numbers = Vec::new();
        let mut protocol = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::word => name = self.word(&p),
                Rule::port_numbers => {
                    numbers = p
                        .into_inner()
                        .filter(|n| n.as_rule() == Rule::number)
                        .map(|n| self.word(&n))
                        .collect()
                }
                Rule::protocol => protocol = Some(self.word(&p)),
                _ => {}
            }
        }
        let (service_port, target_port) = match numbers.len() {
            2 => {
                let target = numbers.pop().unwrap_or_else(|| self.empty_word(span));
                (numbers.pop(), target)
            }
            _ => (None, numbers.pop().unwrap_or_else(|| self.empty_word(span))),
        };
        ast::Port {
            name,
            service_port,
            target_port,
            protocol,
        }
    }

    fn allow(&self, pair: Pair<Rule>, span: Span) -> ast::Allow {
        let mut allow = ast::Allow {
            span: Span {
                end: span.start + "allow".len() as u32,
                ..span
            },
            callers: Vec::new(),
            ports: None,
            rules: None,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::callers => {
                    allow.callers = p
                        .into_inner()
                        .filter(|c| c.as_rule() == Rule::caller)
                        .filter_map(|c| c.into_inner().next())
                        .map(|c| self.caller(c))
                        .collect()
                }
                Rule::port_refs => {
                    allow.ports = Some(
                        p.into_inner()
                            .filter(|w| w.as_rule() == Rule::word)
                            .map(|w| self.word(&w))
                            .collect(),
                    )
                }
                Rule::http_rules => {
                    allow.rules = Some(
                        p.into_inner()
                            .filter(|r| r.as_rule() == Rule::http_rule)
                            .map(|r| self.http_rule(r))
                            .collect(),
                    )
                }
                _ => {}
            }
        }
        allow
    }

    fn caller(&self, pair: Pair<Rule>) -> ast::Caller {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::anyone_caller => ast::Caller::Anyone { span },
            Rule::namespace_caller => ast::Caller::Namespace {
                span,
                namespace: self.first_word(pair, span),
            },
            _ => {
                let mut words = pair
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::word)
                    .map(|p| self.word(&p));
                let name = words.next().unwrap_or_else(|| self.empty_word(span));
                ast::Caller::Named {
                    span,
                    name,
                    namespace: words.next(),
                }
            }
        }
    }

    fn http_rule(&self, pair: Pair<Rule>) -> ast::HttpRule {
        let mut rule = ast::HttpRule {
            methods: Vec::new(),
            any_method: None,
            paths: Vec::new(),
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::methods => {
                    for m in p.into_inner() {
                        match m.as_rule() {
                            Rule::any_method => rule.any_method = Some(self.span(&m)),
                            Rule::method => rule.methods.push(self.word(&m)),
                            _ => {}
                        }
                    }
                }
                Rule::paths => {
                    rule.paths = p
                        .into_inner()
                        .filter(|x| x.as_rule() == Rule::path)
                        .map(|x| self.word(&x))
                        .collect()
                }
                _ => {}
            }
        }
        rule
    }

    fn calls(&self, pair: Pair<Rule>) -> Vec<ast::CallTarget> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::call_target)
            .map(|t| {
                let span = self.span(&t);
                let mut name = None;
                let mut namespace = None;
                let mut port = None;
                let mut after = Rule::call_target;
                for p in t.into_inner() {
                    match p.as_rule() {
                        Rule::word => match after {
                            Rule::kw_in => namespace = Some(self.word(&p)),
                            Rule::colon => port = Some(self.word(&p)),
                            _ => name = Some(self.word(&p)),
                        },
                        other => after = other,
                    }
                }
                ast::CallTarget {
                    span,
                    name: name.unwrap_or_else(|| self.empty_word(span)),
                    namespace,
                    port,
                }
            })
            .collect()
    }

    fn route(&self, pair: Pair<Rule>, span: Span) -> ast::Route {
        let mut port = self.empty_word(span);
        let mut statements = Vec::new();
        for p in pair.into_inner() {
            let pspan = self.span(&p);
            match p.as_rule() {
                Rule::word => port = self.word(&p),
                Rule::timeout => statements.push(ast::RouteStatement::Timeout(self.first_of(
                    p,
                    Rule::duration,
                    pspan,
                ))),
                Rule::retries => {
                    let mut attempts = self.empty_word(pspan);
                    let mut per_try = None;
                    let mut on = Vec::new();
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::number => attempts = self.word(&q),
                            Rule::duration => per_try = Some(self.word(&q)),
                            Rule::conditions => {
                                on = q
                                    .into_inner()
                                    .filter(|c| c.as_rule() == Rule::condition)
                                    .map(|c| self.word(&c))
                                    .collect()
                            }
                            _ => {}
                        }
                    }
                    statements.push(ast::RouteStatement::Retries {
                        span: pspan,
                        attempts,
                        per_try,
                        on,
                    })
                }
                Rule::split => {
                    let subsets = p
                        .into_inner()
                        .filter(|q| q.as_rule() == Rule::subset_weight)
                        .map(|q| {
                            let qspan = self.span(&q);
                            let mut parts = q.into_inner().map(|w| self.word(&w));
                            let subset = parts.next().unwrap_or_else(|| self.empty_word(qspan));
                            let weight = parts.next().unwrap_or_else(|| self.empty_word(qspan));
                            (subset, weight)
                        })
                        .collect();
                    statements.push(ast::RouteStatement::Split {
                        span: pspan,
                        subsets,
                    })
                }
                _ => {}
            }
        }
        ast::Route {
            span: Span {
                end: span.start + "route".len() as u32,
                ..span
            },
            port,
            statements,
        }
    }

    fn mesh(&self, pair: Pair<Rule>) -> ast::Mesh {
        let span = self.span(&pair);
        let mut statements = Vec::new();
        for p in pair.into_inner() {
            let pspan = self.span(&p);
            let statement = match p.as_rule() {
                Rule::trust_domain => {
                    ast::MeshStatement::TrustDomain(self.first_of(p, Rule::domain, pspan))
                }
                Rule::cluster_domain => {
                    ast::MeshStatement::ClusterDomain(self.first_of(p, Rule::domain, pspan))
                }
                Rule::istiod | Rule::dns => {
                    let is_dns = p.as_rule() == Rule::dns;
                    let namespace = p
                        .clone()
                        .into_inner()
                        .find(|q| q.as_rule() == Rule::word)
                        .map(|q| self.word(&q))
                        .unwrap_or_else(|| self.empty_word(pspan));
                    let labels = self.labels_of(p);
                    if is_dns {
                        ast::MeshStatement::Dns {
                            span: pspan,
                            namespace,
                            labels,
                        }
                    } else {
                        ast::MeshStatement::Istiod {
                            span: pspan,
                            namespace,
                            labels,
                        }
                    }
                }
                Rule::scraper => {
                    let mut words = p
                        .into_inner()
                        .filter(|q| q.as_rule() == Rule::word)
                        .map(|q| self.word(&q));
                    let name = words.next().unwrap_or_else(|| self.empty_word(pspan));
                    let namespace = words.next().unwrap_or_else(|| self.empty_word(pspan));
                    ast::MeshStatement::Scraper {
                        span: pspan,
                        name,
                        namespace,
                    }
                }
                Rule::workload => ast::MeshStatement::Workload(self.workload(p, pspan)),
                _ => continue,
            };
            statements.push(statement);
        }
        ast::Mesh {
            span: Span {
                end: span.start + "mesh".len() as u32,
                ..span
            },
            statements,
        }
    }

    fn workload(&self, pair: Pair<Rule>, span: Span) -> ast::Workload {
        let mut words = Vec::new();
        let mut account: Option<(ast::Word, Span)> = None;
        let mut selector: Option<(Vec<ast::Label>, Span)> = None;
        let mut duplicates = Vec::new();
        for p in pair.into_inner() {
            let pspan = self.span(&p);
            // Point at the keyword, as the other "given twice" errors do.
            let keyword = Span {
                end: pspan.start + p.as_str().split_whitespace().next().map_or(0, str::len) as u32,
                ..pspan
            };
            match p.as_rule() {
                Rule::word => words.push(self.word(&p)),
                Rule::account => match &account {
                    Some((_, first)) => duplicates.push(("account", keyword, *first)),
                    None => account = Some((self.first_word(p, pspan), keyword)),
                },
                Rule::selector => match &selector {
                    Some((_, first)) => duplicates.push(("selector", keyword, *first)),
                    None => selector = Some((self.labels_of(p), keyword)),
                },
                _ => {}
            }
        }
        let (account, selector) = (account.map(|(a, _)| a), selector.map(|(l, _)| l));
        let mut words = words.into_iter();
        ast::Workload {
            span: Span {
                end: span.start + "workload".len() as u32,
                ..span
            },
            name: words.next().unwrap_or_else(|| self.empty_word(span)),
            namespace: words.next().unwrap_or_else(|| self.empty_word(span)),
            account,
            selector,
            duplicates,
        }
    }
}

fn is_punctuation(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::lbrace
            | Rule::rbrace
            | Rule::comma
            | Rule::colon
            | Rule::equals
            | Rule::slash
            | Rule::bar
            | Rule::EOI
    )
}
