//! The newer lines of a `route` block: header routes (`match header`) and circuit breaking
//! (`connections`, `pending`, `requests`, `eject`), checked and lowered into the route;
//! and two lints on the finished route.

use super::conditions;
use super::names;
use super::sink::Sink;
use crate::ast;
use crate::code::Code;
use crate::ir::{Eject, HeaderRoute, Route};
use crate::source::Span;

/// `match header NAME = VALUE to SUBSET`; the subset is judged once the split is known.
pub(crate) fn header_route(
    name: &ast::Word,
    value: &ast::Word,
    subset: &ast::Word,
    out: &mut Route,
    spans: &mut Vec<Span>,
    sink: &mut Sink,
) {
    let before = sink.errors();
    conditions::header_name(name, sink);
    conditions::exact_value(value, sink);
    let route = HeaderRoute {
        header: name.text.clone(),
        value: value.text.clone(),
        subset: subset.text.clone(),
    };
    if let Some(i) = out
        .matches
        .iter()
        .position(|m| m.header == route.header && m.value == route.value)
    {
        sink.error(
            Code::DuplicateSetting,
            name.span,
            format!(
                "`match header {} = {}` is given twice in one route",
                route.header, route.value
            ),
        )
        .help("a request carrying this value takes the first match; remove the second")
        .note(spans[i], "first given here");
        return;
    }
    if sink.errors() == before {
        out.matches.push(route);
        spans.push(subset.span);
    }
}

/// Every match names a subset of the route's split (checked after the whole block).
pub(crate) fn match_subsets(out: &Route, spans: &[Span], sink: &mut Sink) {
    for (m, span) in out.matches.iter().zip(spans) {
        if out.split.iter().any(|(s, _)| *s == m.subset) {
            continue;
        }
        let d = sink.error(
            Code::MatchUnknownSubset,
            *span,
            format!("subset `{}` is not in this route's `split`", m.subset),
        );
        match () {
            () if out.split.is_empty() => d.help(format!(
                "a header route sends requests to a subset the route splits over: add `split ... {} WEIGHT`",
                m.subset
            )),
            () => d.help(format!(
                "a header route picks one of the subsets the route splits over: {}",
                out.split
                    .iter()
                    .map(|(s, _)| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
    }
}

/// A number from MIN to MAX, or an error at the word.
fn bounded(word: &ast::Word, what: &str, min: u32, max: u32, sink: &mut Sink) -> Option<u32> {
    match word.text.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            sink.error(
                Code::CircuitOutOfRange,
                word.span,
                format!("`{}` is out of range for {what}", word.text),
            )
            .help(format!("{what} takes a number from {min} to {max}"));
            None
        }
    }
}

/// `connections N`, `pending N` or `requests N`.
pub(crate) fn pool(keyword: &str, limit: &ast::Word, out: &mut Route, sink: &mut Sink) {
    let what = format!("`{keyword}`");
    let n = bounded(limit, &what, 1, i32::MAX as u32, sink);
    match keyword {
        "connections" => out.pool.connections = n,
        "pending" => out.pool.pending = n,
        _ => out.pool.requests = n,
    }
}

/// `eject N errors every D for D max P%`.
pub(crate) fn eject(
    (errors, every, base, max): (&ast::Word, &ast::Word, &ast::Word, &ast::Word),
    out: &mut Route,
    sink: &mut Sink,
) {
    let errors = bounded(errors, "the errors of `eject`", 1, i32::MAX as u32, sink);
    let max = bounded(max, "the percentage of `eject`", 1, 100, sink);
    let mut duration = |w: &ast::Word| match names::duration_ms(&w.text) {
        Ok(0) => {
            sink.error(
                Code::InvalidDuration,
                w.span,
                "a zero duration never judges or ejects",
            )
            .help("give a duration such as `10s`");
            None
        }
        Ok(ms) => Some(ms),
        Err((m, h)) => {
            let d = sink.error(Code::InvalidDuration, w.span, m);
            if let Some(h) = h {
                d.help(h);
            }
            None
        }
    };
    let (interval, base) = (duration(every), duration(base));
    if let (Some(errors), Some(interval_ms), Some(base_ms), Some(max)) =
        (errors, interval, base, max)
    {
        out.eject = Some(Eject {
            errors,
            interval_ms,
            base_ms,
            max_percent: max as u8,
        });
    }
}

/// W0013 and W0014 on a finished route, pointing at its `eject` and `connections` lines.
pub(crate) fn lint(route: &Route, statements: &[ast::RouteStatement], sink: &mut Sink) {
    let line = |keyword: &str| {
        statements.iter().find_map(|s| match s {
            ast::RouteStatement::Eject { span, .. } if keyword == "eject" => Some(*span),
            ast::RouteStatement::Pool {
                span, keyword: k, ..
            } if *k == keyword => Some(*span),
            _ => None,
        })
    };
    if let (Some(e), Some(span)) = (route.eject, line("eject")) {
        if e.max_percent == 100 && route.split.len() < 2 {
            sink.warning(
                Code::EjectEverything,
                span,
                "`eject ... max 100%` may eject every endpoint at once, leaving none to answer",
            )
            .help("cap ejection below 100%, such as `max 50%`, so some endpoints always serve");
        }
    }
    if let (Some(c), Some(r), Some(span)) =
        (route.pool.connections, &route.retries, line("connections"))
    {
        if c < r.attempts {
            sink.warning(
                Code::ConnectionsBelowRetries,
                span,
                format!(
                    "`connections {c}` is lower than the route's {} retries can use",
                    r.attempts
                ),
            )
            .help("each retry may need a connection of its own: allow at least as many connections as retries");
        }
    }
}
