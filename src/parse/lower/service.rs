//! The `service` block and its statements, lowered from pest's pairs.

use super::pairs::Lower;
use crate::ast;
use crate::parse::grammar::Rule;
use crate::source::Span;
use pest::iterators::Pair;

impl Lower {
    pub(crate) fn service(&self, pair: Pair<Rule>) -> ast::Service {
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
            Rule::deny => ast::Statement::Deny(self.allow(pair, span)),
            Rule::calls => ast::Statement::Calls(self.calls(pair)),
            Rule::route => ast::Statement::Route(self.route(pair, span)),
            Rule::clusters => ast::Statement::Clusters {
                span: Span {
                    end: span.start + "clusters".len() as u32,
                    ..span
                },
                names: self.all_of(pair, Rule::word),
            },
            _ => return None,
        })
    }

    pub(crate) fn port(&self, pair: Pair<Rule>, span: Span) -> ast::Port {
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

    pub(crate) fn allow(&self, pair: Pair<Rule>, span: Span) -> ast::Allow {
        // `allow` and `deny` have one shape; the span is the keyword's.
        let keyword = if pair.as_rule() == Rule::deny {
            "deny"
        } else {
            "allow"
        };
        let mut allow = ast::Allow {
            span: Span {
                end: span.start + keyword.len() as u32,
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
            conditions: Vec::new(),
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
                Rule::rule_conditions => {
                    rule.conditions = p
                        .into_inner()
                        .filter(|c| c.as_rule() == Rule::rule_condition)
                        .filter_map(|c| c.into_inner().next())
                        .map(|c| self.condition(c))
                        .collect()
                }
                _ => {}
            }
        }
        rule
    }

    fn condition(&self, pair: Pair<Rule>) -> ast::Condition {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut name = self.empty_word(span);
        let mut negated = false;
        let mut values = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::header_name | Rule::word => name = self.word(&p),
                Rule::not_equals => negated = true,
                Rule::condition_values => values = self.all_of(p, Rule::condition_value),
                _ => {}
            }
        }
        match rule {
            Rule::jwt_condition => ast::Condition::Jwt { span, name },
            Rule::claim_condition => ast::Condition::Claim { span, name, values },
            _ => ast::Condition::Header {
                span,
                name,
                negated,
                values,
            },
        }
    }

    fn calls(&self, pair: Pair<Rule>) -> Vec<ast::CallTarget> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::call_target)
            .map(|t| {
                let span = self.span(&t);
                let mut name = None;
                let mut namespace = None;
                let mut port = None;
                let mut external = None;
                let mut after = Rule::call_target;
                for p in t.into_inner() {
                    match p.as_rule() {
                        Rule::kw_external => {
                            external = Some(self.span(&p));
                            after = Rule::kw_external;
                        }
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
                    external,
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
                    let mut per_try_keyword = pspan;
                    let mut on_keyword = None;
                    let mut on = Vec::new();
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::number => attempts = self.word(&q),
                            Rule::kw_per_try => per_try_keyword = self.span(&q),
                            Rule::duration => per_try = Some((per_try_keyword, self.word(&q))),
                            Rule::kw_on => on_keyword = Some(self.span(&q)),
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
                        on_keyword,
                        on,
                    })
                }
                Rule::header_route => {
                    let mut name = self.empty_word(pspan);
                    let mut value = self.empty_word(pspan);
                    let mut subset = self.empty_word(pspan);
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::header_name => name = self.word(&q),
                            Rule::condition_value => value = self.word(&q),
                            Rule::word => subset = self.word(&q),
                            _ => {}
                        }
                    }
                    statements.push(ast::RouteStatement::Match {
                        span: pspan,
                        name,
                        value,
                        subset,
                    })
                }
                Rule::connections | Rule::pending | Rule::requests => {
                    let keyword = match p.as_rule() {
                        Rule::connections => "connections",
                        Rule::pending => "pending",
                        _ => "requests",
                    };
                    statements.push(ast::RouteStatement::Pool {
                        span: pspan,
                        keyword,
                        limit: self.first_of(p, Rule::number, pspan),
                    })
                }
                Rule::eject => {
                    let mut numbers = Vec::new();
                    let mut durations = Vec::new();
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::number => numbers.push(self.word(&q)),
                            Rule::duration => durations.push(self.word(&q)),
                            _ => {}
                        }
                    }
                    let mut numbers = numbers.into_iter();
                    let mut durations = durations.into_iter();
                    let next = |it: &mut std::vec::IntoIter<ast::Word>| {
                        it.next().unwrap_or_else(|| self.empty_word(pspan))
                    };
                    statements.push(ast::RouteStatement::Eject {
                        span: pspan,
                        errors: next(&mut numbers),
                        every: next(&mut durations),
                        base: next(&mut durations),
                        max: next(&mut numbers),
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
}
