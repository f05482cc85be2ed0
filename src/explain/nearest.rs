//! What to tell a person whose call is denied: the `allow` lines that come closest, and
//! how callers and rules read in an intent file.

use crate::ir::{Allow, Caller, Identity, Mtls, Port, Service};
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
        .map(|r| {
            let m = if r.methods.is_empty() {
                "*".to_string()
            } else {
                r.methods.join("|")
            };
            format!("{m} {}", r.paths.join(", "))
        })
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
