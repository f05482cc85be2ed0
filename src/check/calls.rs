//! `calls` statements, checked once every service is resolved: each target must exist,
//! have the named port, and allow the caller. Calls document intent; they never widen it.

use super::draft::Draft;
use super::index::Index;
use super::ports;
use super::sink::Sink;
use crate::ast::{self, Statement};
use crate::code::Code;
use crate::ir::{self, Caller};
use crate::suggest;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// A `calls` must be allowed by its target: calls document intent, they never widen it.
pub(crate) fn check_calls(
    drafts: &[Draft],
    services: &[ir::Service],
    index: &Index,
    sink: &mut Sink,
) {
    let by_key: BTreeMap<(&str, &str), &ir::Service> = services
        .iter()
        .map(|s| ((s.namespace(), s.name()), s))
        .collect();
    let found: Vec<Sink> = drafts
        .par_iter()
        .filter(|d| index.is_canonical(d))
        .map(|d| {
            let mut local = Sink::default();
            for statement in &d.ast.statements {
                if let Statement::Calls(targets) = statement {
                    for t in targets {
                        call(d, t, &by_key, &mut local);
                    }
                }
            }
            local
        })
        .collect();
    for local in found {
        sink.diagnostics.extend(local.diagnostics);
    }
}

fn call(
    d: &Draft,
    t: &ast::CallTarget,
    by_key: &BTreeMap<(&str, &str), &ir::Service>,
    sink: &mut Sink,
) {
    let ns = t
        .namespace
        .as_ref()
        .map_or(d.identity.namespace.as_str(), |w| w.text.as_str());
    let Some(target) = by_key.get(&(ns, t.name.text.as_str())) else {
        let wanted = format!("{} in {ns}", t.name.text);
        let names: Vec<String> = by_key.keys().map(|(n, s)| format!("{s} in {n}")).collect();
        let e = sink.error(
            Code::UnknownCallTarget,
            t.name.span,
            format!("`calls` names `{wanted}`, which is not a service of the tree"),
        );
        if let Some(s) = suggest::closest(&wanted, names.iter().map(String::as_str)) {
            e.help(format!("did you mean `{s}`?"));
        }
        return;
    };
    let port = match &t.port {
        None => None,
        Some(w) => {
            if !target.ports.iter().any(|p| p.name == w.text) && ports::leading_zeros(w, sink) {
                return;
            }
            let found = target
                .ports
                .iter()
                .position(|p| p.name == w.text)
                .or_else(|| {
                    let n: u16 = w.text.parse().ok()?;
                    target
                        .ports
                        .iter()
                        .position(|p| p.port == n)
                        .or_else(|| target.ports.iter().position(|p| p.target == n))
                });
            match found {
                Some(i) => Some(i),
                None => {
                    let e = sink.error(
                        Code::UnknownPort,
                        w.span,
                        format!("service `{}` has no port named `{}`", target.name(), w.text),
                    );
                    match suggest::closest(&w.text, target.ports.iter().map(|p| p.name.as_str())) {
                        Some(s) => e.help(format!("did you mean `{s}`?")),
                        None => e.help(format!(
                            "its ports are {}",
                            target
                                .ports
                                .iter()
                                .map(|p| format!("`{}`", p.name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    };
                    return;
                }
            }
        }
    };
    let me = &d.identity;
    let covers = |c: &Caller| c.covers(me);
    let allowed = target
        .allows
        .iter()
        .any(|a| a.callers.iter().any(covers) && port.is_none_or(|p| a.ports.contains(&p)));
    if allowed {
        return;
    }
    let on = port.map_or(String::new(), |p| {
        format!(" on port `{}`", target.ports[p].name)
    });
    let to = port.map_or(String::new(), |p| format!(" to {}", target.ports[p].name));
    sink.error(
        Code::CallNotAllowed,
        t.span,
        format!(
            "`{}` calls `{} in {}`{on}, but `{}` does not allow it",
            me.name,
            target.name(),
            target.namespace(),
            target.name()
        ),
    )
    .help(format!(
        "calls never widen access: add `allow {} in {}{to}` to {}",
        me.name, me.namespace, target.origin
    ))
    .note(
        target.span,
        format!(
            "`{}` is declared here; none of its `allow` lines covers this call",
            target.name()
        ),
    );
}
