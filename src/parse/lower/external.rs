//! The `external` block and its statements, lowered from pest's pairs. Its `port` and
//! `allow` lines have the service's shapes and reuse the service's lowering.

use super::pairs::Lower;
use crate::ast;
use crate::parse::grammar::Rule;
use crate::source::Span;
use pest::iterators::Pair;

impl Lower {
    pub(crate) fn external(&self, pair: Pair<Rule>) -> ast::External {
        let span = self.span(&pair);
        let mut name = None;
        let mut statements = Vec::new();
        for p in self.meaningful(pair) {
            let pspan = self.span(&p);
            let keyword = |len: usize| Span {
                end: pspan.start + len as u32,
                ..pspan
            };
            match p.as_rule() {
                Rule::word => name = Some(self.word(&p)),
                Rule::hosts => statements.push(ast::ExternalStatement::Hosts {
                    keyword: keyword("host".len()),
                    hosts: self.all_of(p, Rule::host_name),
                }),
                Rule::cidrs => statements.push(ast::ExternalStatement::Cidrs {
                    keyword: keyword("cidr".len()),
                    cidrs: self.all_of(p, Rule::cidr_range),
                }),
                Rule::port => statements.push(ast::ExternalStatement::Port(self.port(p, pspan))),
                Rule::allow => statements.push(ast::ExternalStatement::Allow(self.allow(p, pspan))),
                _ => {}
            }
        }
        ast::External {
            span: Span {
                end: span.start + "external".len() as u32,
                ..span
            },
            name: name.unwrap_or_else(|| self.empty_word(span)),
            statements,
        }
    }
}
