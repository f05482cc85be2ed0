//! What to tell a person whose call is denied: the `allow` lines that come closest, and
//! how callers and rules read in an intent file.

use crate::ir::{Allow, Caller, Identity, Mesh, Mtls, Port, Service};
use crate::source::SourceMap;

/// The allows that come closest when nothing allows the call.
pub(crate) fn nearest(
    to: &Service,
    from: &Identity,
    port: &Port,
    sources: &SourceMap,
    applicable: &[&Allow],
) -> Vec<String> {
    let mut out = Vec::new();
    for a in applicable {
        out.push(format!(
            "{} allows {} on this port only for: {}",
            sources.location(a.span),
            callers_text(a),
            rules_text(a)
        ));
    }
    for a in to
        .allows
        .iter()
        .filter(|a| a.callers.iter().any(|c| c.covers(from)))
    {
        let others: Vec<&str> = a
            .ports
            .iter()
            .map(|&i| to.ports[i].name.as_str())
            .filter(|n| *n != port.name)
            .collect();
        if !others.is_empty() && !a.ports.iter().any(|&i| to.ports[i].target == port.target) {
            out.push(format!(
                "{} allows it on port {} instead",
                sources.location(a.span),
                others.join(", ")
            ));
        }
    }
    if out.is_empty() {
        for a in to
            .allows
            .iter()
            .filter(|a| a.ports.iter().any(|&i| to.ports[i].target == port.target))
        {
            out.push(format!(
                "{} allows other callers on this port: {}",
                sources.location(a.span),
                callers_text(a)
            ));
        }
    }
    if out.is_empty() {
        out.push(format!(
            "nothing in {} allows any caller on port {}",
            to.origin, port.name
        ));
    }
    if to.mtls == Mtls::Permissive {
        out.push(format!("{} is mtls permissive", to.name()));
    }
    out
}

pub(crate) fn rules_text(allow: &Allow) -> String {
    if allow.rules.is_empty() {
        return "any request".into();
    }
    allow
        .rules
        .iter()
        .map(crate::ir::HttpRule::text)
        .collect::<Vec<_>>()
        .join("; ")
}

pub(crate) fn callers_text(a: &Allow) -> String {
    a.callers
        .iter()
        .map(Caller::label)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether CALLER, on an external's or a workload's `allow`, grants pods of FROM: only pods
/// of managed namespaces are given egress, so `anyone` and `namespace NS` reach no further.
pub(crate) fn grants(mesh: &Mesh, caller: &Caller, from: &Identity) -> bool {
    caller.covers(from)
        && mesh
            .services
            .iter()
            .any(|s| s.namespace() == from.namespace)
}

/// The allows that come closest when none of a workload's or an external's ALLOWS grants
/// FROM on PORT. WHAT names the destination (`external stripe`), ORIGIN is its file.
#[allow(clippy::too_many_arguments)]
pub(crate) fn nearest_grant(
    mesh: &Mesh,
    what: &str,
    origin: &str,
    allows: &[Allow],
    ports: &[Port],
    from: &Identity,
    port: &Port,
    sources: &SourceMap,
) -> Vec<String> {
    let mut out = Vec::new();
    let on_port = |a: &Allow| {
        a.ports
            .iter()
            .any(|&i| ports.get(i).is_some_and(|p| p.name == port.name))
    };
    for a in allows
        .iter()
        .filter(|a| a.callers.iter().any(|c| grants(mesh, c, from)))
    {
        if on_port(a) {
            out.push(format!(
                "{} allows it on this port, yet the objects do not: a meshward bug (the self-check should have failed)",
                sources.location(a.span)
            ));
            continue;
        }
        let others: Vec<&str> = a
            .ports
            .iter()
            .filter_map(|&i| ports.get(i).map(|p| p.name.as_str()))
            .collect();
        out.push(format!(
            "{} allows it on port {} instead",
            sources.location(a.span),
            others.join(", ")
        ));
    }
    if out.is_empty() {
        for a in allows.iter().filter(|a| on_port(a)) {
            out.push(format!(
                "{} allows other callers on this port: {}",
                sources.location(a.span),
                callers_text(a)
            ));
        }
    }
    if out.is_empty() {
        out.push(format!(
            "nothing in {origin} allows any caller of {what} on port {}",
            port.name
        ));
    }
    if !from.managed {
        out.push(format!(
            "{}.{} is a workload meshward does not manage: an allow on {what} grants services of the tree, `namespace NS` or `anyone`, and only pods of managed namespaces are given egress",
            from.name, from.namespace
        ));
    }
    out
}
