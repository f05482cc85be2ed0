//! `route` blocks: the port they shape must exist and speak HTTP, and each `timeout`,
//! `retries` and `split` is checked and lowered into an [`ir::Route`]; header routes and
//! circuit breaking are checked in `resilience`.

use super::names;
use super::ports;
use super::resilience;
use super::sink::Sink;
use crate::ast::{self, RouteStatement};
use crate::code::Code;
use crate::ir;
use crate::source::Span;
use crate::suggest;

fn duration(word: &ast::Word, sink: &mut Sink) -> Option<u64> {
    match names::duration_ms(&word.text) {
        Ok(ms) => Some(ms),
        Err((m, h)) => {
            let d = sink.error(Code::InvalidDuration, word.span, m);
            if let Some(h) = h {
                d.help(h);
            }
            None
        }
    }
}

pub(crate) fn route(
    r: &ast::Route,
    service_name: &str,
    ports: &[ir::Port],
    seen: &[(usize, Span)],
    split_seen: &mut Option<Span>,
    sink: &mut Sink,
) -> Option<ir::Route> {
    let port = ports::port_index(
        ports,
        &r.port,
        format_args!("service `{service_name}`"),
        sink,
    );
    if let Some(i) = port {
        if !ports[i].protocol.is_http() {
            sink.error(
                Code::RouteOnNonHttpPort,
                r.port.span,
                format!(
                    "port `{}` is {}; routes apply only to `http`, `http2` and `grpc` ports",
                    ports[i].name,
                    ports[i].protocol.as_str()
                ),
            )
            .help("the sidecar routes only traffic it parses as HTTP; remove the route, or declare the port's real protocol");
        }
        if let Some((_, first)) = seen.iter().find(|(p, _)| *p == i) {
            sink.error(
                Code::DuplicateRoute,
                r.port.span,
                format!("a second route for port `{}`", ports[i].name),
            )
            .help("put every setting for one port in one `route` block")
            .note(*first, "the first route for this port");
        }
    }
    if r.statements.is_empty() {
        sink.error(Code::EmptyRoute, r.span, "empty route")
            .help("give it a `timeout`, `retries`, `split`, `match header` or circuit-breaking lines (`connections`, `pending`, `requests`, `eject`), or delete it");
    }
    let mut out = ir::Route {
        port: port.unwrap_or(0),
        timeout_ms: None,
        retries: None,
        split: Vec::new(),
        matches: Vec::new(),
        pool: ir::Pool::default(),
        eject: None,
        span: r.port.span,
    };
    let mut match_spans = Vec::new();
    let mut once: Vec<(&str, Span)> = Vec::new();
    let mut first = |what: &'static str, span: Span, sink: &mut Sink| {
        if let Some((_, f)) = once.iter().find(|(w, _)| *w == what) {
            sink.error(
                Code::DuplicateSetting,
                span,
                format!("`{what}` is given twice in one route"),
            )
            .note(*f, "first given here");
            return false;
        }
        once.push((what, span));
        true
    };
    for statement in &r.statements {
        match statement {
            RouteStatement::Timeout(w) => {
                if first("timeout", w.span, sink) {
                    out.timeout_ms = duration(w, sink);
                }
            }
            RouteStatement::Retries {
                span,
                attempts,
                per_try,
                on_keyword,
                on,
            } => {
                if !first("retries", *span, sink) {
                    continue;
                }
                let n = match attempts.text.parse::<u32>() {
                    Ok(n) if n <= 10 => Some(n),
                    _ => {
                        sink.error(
                            Code::RetriesOutOfRange,
                            attempts.span,
                            format!("`{}` retries is out of range", attempts.text),
                        )
                        .help("retries take a number from 0 to 10");
                        None
                    }
                };
                let per_try_keyword = per_try.as_ref().map(|(keyword, _)| *keyword);
                if let (Some(0), Some(at)) = (n, per_try_keyword.or(*on_keyword)) {
                    sink.error(
                        Code::RetriesZeroWithOptions,
                        at,
                        "`retries 0` turns retries off and takes no `per-try` or `on`",
                    )
                    .help("remove this part, or retry at least once");
                }
                let per_try_ms = per_try.as_ref().and_then(|(_, w)| duration(w, sink));
                let mut conditions: Vec<String> = Vec::new();
                for c in on {
                    if !names::RETRY_CONDITIONS.contains(&c.text.as_str()) {
                        let d = sink.error(
                            Code::UnknownRetryCondition,
                            c.span,
                            format!("unknown retry condition `{}`", c.text),
                        );
                        match suggest::closest(&c.text, names::RETRY_CONDITIONS) {
                            Some(s) => d.help(format!("did you mean `{s}`?")),
                            None => d.help(format!(
                                "Istio's conditions are {}",
                                names::RETRY_CONDITIONS.join(", ")
                            )),
                        };
                    } else if !conditions.contains(&c.text) {
                        conditions.push(c.text.clone());
                    }
                }
                out.retries = Some(ir::Retries {
                    attempts: n.unwrap_or(0),
                    per_try_ms,
                    on: conditions,
                });
            }
            RouteStatement::Match {
                name,
                value,
                subset,
                ..
            } => resilience::header_route(name, value, subset, &mut out, &mut match_spans, sink),
            RouteStatement::Pool {
                span,
                keyword,
                limit,
            } => {
                if first(keyword, *span, sink) {
                    resilience::pool(keyword, limit, &mut out, sink);
                }
            }
            RouteStatement::Eject {
                span,
                errors,
                every,
                base,
                max,
            } => {
                if first("eject", *span, sink) {
                    resilience::eject((errors, every, base, max), &mut out, sink);
                }
            }
            RouteStatement::Split { span, subsets } => {
                if !first("split", *span, sink) {
                    continue;
                }
                split_seen.get_or_insert(*span);
                let mut total: u32 = 0;
                for (subset, weight) in subsets {
                    sink.ok(
                        Code::InvalidName,
                        subset.span,
                        names::dns_label("subset", &subset.text),
                    );
                    let earlier = subsets
                        .iter()
                        .take_while(|(s, _)| s.span != subset.span)
                        .find(|(s, _)| s.text == subset.text);
                    if let Some((first, _)) = earlier {
                        sink.error(
                            Code::DuplicateSubset,
                            subset.span,
                            format!("subset `{}` is named twice", subset.text),
                        )
                        .help("name each subset once, with its total weight")
                        .note(first.span, "first named here");
                    }
                    let w = match weight.text.parse::<u32>() {
                        Ok(w) if w <= 100 => w,
                        _ => {
                            sink.error(
                                Code::WeightOutOfRange,
                                weight.span,
                                format!("weight `{}` is out of range", weight.text),
                            )
                            .help("weights are numbers from 0 to 100 that add up to 100");
                            continue;
                        }
                    };
                    total += w;
                    out.split.push((subset.text.clone(), w as u8));
                }
                if total != 100 && out.split.len() == subsets.len() {
                    sink.error(
                        Code::WeightsNot100,
                        *span,
                        format!("split weights add up to {total}, not 100"),
                    )
                    .help("give the subsets weights that sum to exactly 100");
                }
            }
        }
    }
    resilience::match_subsets(&out, &match_spans, sink);
    resilience::lint(&out, &r.statements, sink);
    port.map(|_| out)
}
