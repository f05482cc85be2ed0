//! `calls` statements, checked once every service is resolved: each target (a service, a
//! workload with ports, or `external NAME`) must exist, have the named port, and allow
//! the caller. Calls document intent; they never widen it.

use super::draft::Draft;
use super::index::Index;
use super::ports;
use super::sink::Sink;
use crate::ast::{self, Statement};
use crate::code::Code;
use crate::ir::{self, Caller};
use crate::source::Span;
use crate::suggest;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// The destinations besides services, resolved, each with whether it had no error: calls
/// to one with errors are found but not judged, since what it left out is reported.
pub(crate) struct Destinations<'a> {
    pub workloads: &'a [(ir::Workload, bool)],
    pub externals: &'a [(ir::External, bool)],
    /// The mesh block's file, where a workload's `allow` lines go.
    pub mesh_origin: &'a str,
}

/// What a call lands on, whatever its kind.
struct Target<'a> {
    /// `payments`, `stripe`: as an `allow` is said to belong to it.
    short: &'a str,
    /// Its namespace; `None` for an external.
    namespace: Option<&'a str>,
    /// `service`, `workload` or `external`, for "has no port" messages.
    kind: &'static str,
    ports: &'a [ir::Port],
    allows: &'a [ir::Allow],
    /// Where its `allow` lines go, for the help.
    origin: &'a str,
    span: Span,
    /// False when its declaration had errors: the call is then not judged.
    clean: bool,
}

/// A `calls` must be allowed by its target: calls document intent, they never widen it.
pub(crate) fn check_calls(
    drafts: &[Draft],
    services: &[ir::Service],
    destinations: &Destinations,
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
                        if let Some(target) = target(d, t, &by_key, destinations, &mut local) {
                            call(d, t, &target, &mut local);
                        }
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

/// The target a call names, or an error saying it names nothing callable.
fn target<'a>(
    d: &Draft,
    t: &ast::CallTarget,
    by_key: &BTreeMap<(&str, &str), &'a ir::Service>,
    destinations: &Destinations<'a>,
    sink: &mut Sink,
) -> Option<Target<'a>> {
    if t.external.is_some() {
        let externals = destinations.externals;
        // Sorted by name, and a duplicate is reported and left out.
        let found = externals
            .binary_search_by(|(e, _)| e.name.as_str().cmp(&t.name.text))
            .ok()
            .map(|i| &externals[i]);
        if let Some((e, clean)) = found {
            return Some(Target {
                short: &e.name,
                namespace: None,
                kind: "external",
                ports: &e.ports,
                allows: &e.allows,
                origin: &e.origin,
                span: e.span,
                clean: *clean,
            });
        }
        let e = sink.error(
            Code::UnknownExternal,
            t.name.span,
            format!(
                "`calls` names `external {}`, which is not an external of the tree",
                t.name.text
            ),
        );
        match suggest::closest(&t.name.text, externals.iter().map(|(e, _)| e.name.as_str())) {
            Some(s) => e.help(format!("did you mean `{s}`?")),
            None => e.help(format!(
                "declare it in a file of its own: `external {} {{ host ... port ... allow ... }}`",
                t.name.text
            )),
        };
        return None;
    }
    let ns = t
        .namespace
        .as_ref()
        .map_or(d.identity.namespace.as_str(), |w| w.text.as_str());
    if let Some(s) = by_key.get(&(ns, t.name.text.as_str())) {
        return Some(Target {
            short: s.name(),
            namespace: Some(s.namespace()),
            kind: "service",
            ports: &s.ports,
            allows: &s.allows,
            origin: &s.origin,
            span: s.span,
            clean: true,
        });
    }
    let workload = destinations
        .workloads
        .iter()
        .find(|(w, _)| w.identity.namespace == ns && w.identity.name == t.name.text);
    if let Some((w, clean)) = workload {
        if !w.ports.is_empty() {
            return Some(Target {
                short: &w.identity.name,
                namespace: Some(&w.identity.namespace),
                kind: "workload",
                ports: &w.ports,
                allows: &w.allows,
                origin: destinations.mesh_origin,
                span: w.span,
                clean: *clean,
            });
        }
        sink.error(
            Code::UnknownCallTarget,
            t.name.span,
            format!("`calls` names workload `{} in {ns}`, which declares no ports, so it cannot be called", t.name.text),
        )
        .help("give the workload `port` and `allow` lines in the mesh block")
        .note(w.span, "the workload is declared here");
        return None;
    }
    let wanted = format!("{} in {ns}", t.name.text);
    let names: Vec<String> = by_key
        .keys()
        .map(|(n, s)| format!("{s} in {n}"))
        .chain(
            destinations
                .workloads
                .iter()
                .filter(|(w, _)| !w.ports.is_empty())
                .map(|(w, _)| format!("{} in {}", w.identity.name, w.identity.namespace)),
        )
        .collect();
    let e = sink.error(
        Code::UnknownCallTarget,
        t.name.span,
        format!("`calls` names `{wanted}`, which is not a service of the tree"),
    );
    if let Some(s) = suggest::closest(&wanted, names.iter().map(String::as_str)) {
        e.help(format!("did you mean `{s}`?"));
    } else if destinations
        .externals
        .iter()
        .any(|(x, _)| x.name == t.name.text)
    {
        e.help(format!(
            "to call the external, write `calls external {}`",
            t.name.text
        ));
    }
    None
}

fn call(d: &Draft, t: &ast::CallTarget, target: &Target, sink: &mut Sink) {
    if !target.clean {
        return;
    }
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
                        format!(
                            "{} `{}` has no port named `{}`",
                            target.kind, target.short, w.text
                        ),
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
    let label = match target.namespace {
        Some(ns) => format!("{} in {ns}", target.short),
        None => format!("external {}", target.short),
    };
    let place = match target.kind {
        "workload" => format!("the workload in {}", target.origin),
        _ => target.origin.to_string(),
    };
    sink.error(
        Code::CallNotAllowed,
        t.span,
        format!(
            "`{}` calls `{}`{on}, but `{}` does not allow it",
            me.name, label, target.short
        ),
    )
    .help(format!(
        "calls never widen access: add `allow {} in {}{to}` to {place}",
        me.name, me.namespace
    ))
    .note(
        target.span,
        format!(
            "`{}` is declared here; none of its `allow` lines covers this call",
            target.short
        ),
    );
}
