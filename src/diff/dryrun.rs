//! Enforcement changes: a namespace taken out of `dry-run` (or put in). While a namespace
//! observes, nothing there is enforced, so anyone reaches every port of its services;
//! enforcing it narrows that to what the intents grant. Each service port where that
//! removes something is one `narrows` access change from `anyone`, marked `dry_run`, read
//! at the `dry-run` line that went away; putting a namespace into dry-run is the same
//! change the other way (`widens`, at the new line). The namespace's own pods gain or
//! lose open egress with it, which the note on the line says.

use super::change::{AccessChange, Change, EdgeStatus, Effect};
use super::model::{find_service, service_label, Model};
use crate::ir::{Caller, Service};
use crate::source::SourceMap;

pub(crate) fn enforcement_changes(old: Model<'_>, new: Model<'_>, out: &mut Vec<Change>) {
    // Services observed on OLD but not NEW narrow; observed on NEW but not OLD widen.
    let sides = [(old, new, Effect::Narrows), (new, old, Effect::Widens)];
    for (observed, other, effect) in sides {
        for service in &observed.mesh.services {
            let ns = service.namespace();
            let before = observed.mesh.settings.is_dry_run(ns);
            let counterpart = find_service(other.mesh, service);
            if !before || (counterpart.is_some() && other.mesh.settings.is_dry_run(ns)) {
                continue;
            }
            let source = dry_run_line(observed.sources, ns).unwrap_or_default();
            for port in &service.ports {
                // Enforcement removes nothing where the intents already let anyone send
                // anything on the port.
                if counterpart.is_some_and(|s| open_to_anyone(s, &port.name)) {
                    continue;
                }
                out.push(Change::Access(AccessChange {
                    effect,
                    from: "anyone".into(),
                    to: service_label(service),
                    port: port.name.clone(),
                    methods: Vec::new(),
                    paths: Vec::new(),
                    source: source.clone(),
                    conditions: Vec::new(),
                    deny: false,
                    dry_run: true,
                    edge: EdgeStatus::Changed,
                }));
            }
        }
    }
}

/// Whether S lets anyone send any request on port NAME, with nothing denied there.
fn open_to_anyone(s: &Service, name: &str) -> bool {
    let on = |ports: &[usize]| ports.iter().any(|&i| s.ports[i].name == name);
    s.allows
        .iter()
        .any(|a| on(&a.ports) && a.rules.is_empty() && a.callers.contains(&Caller::Anyone))
        && !s.denies.iter().any(|d| on(&d.ports))
}

/// `file:line` of the `dry-run` line that names NS.
fn dry_run_line(sources: &SourceMap, ns: &str) -> Option<String> {
    sources.files().find_map(|(_, f)| {
        let (last, _) = f.line_col(f.text.len());
        (1..=last).find_map(|line| {
            let code = f.line_text(line).split('#').next().unwrap_or("");
            let rest = code.trim_start().strip_prefix("dry-run")?;
            rest.split(|c: char| c == ',' || c.is_whitespace())
                .any(|word| word == ns)
                .then(|| format!("{}:{line}", f.relative))
        })
    })
}
