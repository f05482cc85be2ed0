//! The tokens of a parsed file in source order, each marked with whether a line starts
//! before it. Where lines break follows from the grammar's shape (a statement, an HTTP rule
//! or a closing brace starts a line), never from the input's spacing, which is what makes
//! the layout canonical.

use crate::parse::Rule;
use pest::iterators::Pair;

/// What comes before a token in the canonical layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Break {
    /// A new line, indented this many levels.
    Line(usize),
    /// The same line, after the previous token.
    Inline,
}

/// One token: its text, its byte range in the source, its rule and its break.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Token<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
    pub rule: Rule,
    pub brk: Break,
}

/// Every token of a successful parse of `file`, in source order.
pub(crate) fn tokens<'a>(file: Pair<'a, Rule>) -> Vec<Token<'a>> {
    let mut out = Vec::new();
    for block in file.into_inner() {
        if block.as_rule() != Rule::EOI {
            walk(block, 0, Break::Line(0), &mut out);
        }
    }
    out
}

/// The tokens of PAIR, which stands at DEPTH; its first token gets FIRST.
fn walk<'a>(pair: Pair<'a, Rule>, depth: usize, first: Break, out: &mut Vec<Token<'a>>) {
    let span = pair.as_span();
    let mut inner = pair.clone().into_inner().peekable();
    if inner.peek().is_none() {
        if !span.as_str().is_empty() {
            out.push(Token {
                text: span.as_str(),
                start: span.start(),
                end: span.end(),
                rule: pair.as_rule(),
                brk: first,
            });
        }
        return;
    }
    let mut first = Some(first);
    for child in inner {
        let brk = first.take().unwrap_or(Break::Inline);
        match child.as_rule() {
            Rule::rbrace => walk(child, depth, Break::Line(depth), out),
            rule if starts_line(rule) => walk(child, depth + 1, Break::Line(depth + 1), out),
            _ => walk(child, depth, brk, out),
        }
    }
}

/// The rules that are one line each inside a block: every alternative of the grammar's
/// `*_stmt` rules, and an HTTP rule. A unit test keeps the list equal to the grammar, so a
/// new statement cannot be laid out inline by mistake.
const LINE_RULES: [Rule; 40] = [
    Rule::account,
    Rule::selector,
    Rule::port,
    Rule::mtls,
    Rule::allow,
    Rule::deny,
    Rule::jwt,
    Rule::issuer,
    Rule::jwks,
    Rule::calls,
    Rule::route,
    Rule::timeout,
    Rule::retries,
    Rule::split,
    Rule::header_route,
    Rule::connections,
    Rule::pending,
    Rule::requests,
    Rule::eject,
    Rule::trust_domain,
    Rule::cluster_domain,
    Rule::istiod,
    Rule::dns,
    Rule::scraper,
    Rule::workload,
    Rule::cluster_cidrs,
    Rule::sidecar_scoping,
    Rule::sync_waves,
    Rule::dry_run,
    Rule::network,
    Rule::dataplane,
    Rule::waypoint,
    Rule::cluster_def,
    Rule::pod_cidrs,
    Rule::gateway,
    Rule::eastwest,
    Rule::clusters,
    Rule::hosts,
    Rule::cidrs,
    Rule::http_rule,
];

fn starts_line(rule: Rule) -> bool {
    LINE_RULES.contains(&rule)
}

/// Whether a space separates two tokens on one line: none before `,` or `%`, none on either
/// side of `:`, `|` and `/`, and none around a label's `=` (`app=web`); a condition's `=`
/// stands between spaces (`header x-tenant = acme`).
pub(crate) fn spaced(before: Rule, after: Rule) -> bool {
    let glue = |r: Rule| matches!(r, Rule::colon | Rule::bar | Rule::slash);
    let label = (before == Rule::label_key && after == Rule::equals)
        || (before == Rule::equals && after == Rule::label_value);
    !(glue(before) || glue(after) || label || after == Rule::comma || after == Rule::percent)
}

#[cfg(test)]
mod tests {
    use super::LINE_RULES;
    use std::collections::BTreeSet;

    /// The alternatives of every `NAME_stmt = _{ ... }` rule of the grammar, plus
    /// `http_rule`, are exactly the rules that start a line.
    #[test]
    fn line_rules_are_the_grammars_statements() {
        let grammar = include_str!("../../grammar/intent.pest");
        let mut statements: BTreeSet<String> = BTreeSet::from(["http_rule".to_string()]);
        for (at, _) in grammar.match_indices("_stmt") {
            let rest = &grammar[at..];
            let Some(body) = rest.strip_prefix("_stmt").map(str::trim_start) else {
                continue;
            };
            let Some(body) = body.strip_prefix("= _{") else {
                continue;
            };
            let end = body.find('}').unwrap_or(body.len());
            statements.extend(body[..end].split('|').map(|s| s.trim().to_string()));
        }
        let listed: BTreeSet<String> = LINE_RULES.iter().map(|r| format!("{r:?}")).collect();
        assert_eq!(listed, statements);
    }
}
