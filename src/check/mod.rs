//! Name resolution and semantic checks: syntax trees in, resolved [`ir::Mesh`] out.
//!
//! Every rule of the language contract that is not grammar lives here: names are DNS
//! labels, ports exist and are unique, callers resolve, rules sit only on HTTP ports,
//! calls are allowed by their targets, routes are well formed. The checker never stops at
//! the first problem: each helper reports with a span and the walk goes on, so a run shows
//! every error at once. Errors about two declarations point at the later one in path
//! order, with a note at the other.
//!
//! The passes, in the order [`check`] runs them:
//!
//! - `mesh`: the `mesh` block's settings and declared workloads (checked against the
//!   index once it exists, with the scraper);
//! - `draft`: each `service` block on its own (with `ports`, `routes`, `labels`), in parallel;
//! - `index`: every service and workload by namespace and name; services defined twice;
//! - `namespaces`: rules between the services of one namespace, and system namespaces;
//! - `allows`: callers and ports resolved, HTTP rules checked, in parallel;
//! - `calls`: every `calls` allowed by its target;
//! - `lint`: warnings on the finished model.
//!
//! `names` validates single tokens; `sink` collects what every pass reports.

mod allows;
mod calls;
mod draft;
mod index;
mod labels;
mod lint;
mod mesh;
mod names;
mod namespaces;
mod ports;
mod routes;
mod sink;

pub use names::{METHODS, RETRY_CONDITIONS};

use crate::ast;
use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::ir;
use crate::source::FileId;
use rayon::prelude::*;
use sink::Sink;

/// Items of every parsed file, in path order.
pub struct Parsed {
    pub items: Vec<(FileId, String, ast::Item)>,
}

/// Check every item; returns the model when there are no errors, and all diagnostics
/// (warnings included) either way.
pub fn check(parsed: Parsed) -> (Option<ir::Mesh>, Vec<Diagnostic>) {
    let mut sink = Sink::default();
    let mut mesh_blocks = Vec::new();
    let mut services = Vec::new();
    for (id, origin, item) in parsed.items {
        match item {
            ast::Item::Mesh(m) => mesh_blocks.push(m),
            ast::Item::Service(s) => services.push((id, origin, s)),
        }
    }
    if let Some(first) = mesh_blocks.first() {
        for extra in mesh_blocks.iter().skip(1) {
            sink.error(
                Code::SecondMesh,
                extra.span,
                "a second `mesh` block; a tree has at most one",
            )
            .note(first.span, "the first `mesh` block is here");
        }
    }
    let mut settings = mesh::settings(mesh_blocks.first(), &mut sink);
    let lowered: Vec<(draft::Draft, Sink)> = services
        .into_par_iter()
        .map(|(id, origin, s)| {
            let mut local = Sink::default();
            (draft::lower(id, origin, s, &mut local), local)
        })
        .collect();
    let mut drafts = Vec::with_capacity(lowered.len());
    for (draft, local) in lowered {
        drafts.push(draft);
        sink.diagnostics.extend(local.diagnostics);
    }
    let workloads = settings.workloads.iter().map(|w| (&w.identity, w.span));
    let index = index::Index::new(&drafts, workloads, &mut sink);
    mesh::check_workloads(&settings, &index, &mut sink);
    let scraper = mesh::resolve_scraper(&settings, &index, &mut sink);
    let system = [
        (settings.dns.namespace.as_str(), "DNS"),
        (settings.istiod.namespace.as_str(), "istiod"),
        ("istio-system", "Istio's control plane (its root namespace)"),
    ];
    namespaces::check_system_namespaces(&drafts, &index, &system, &mut sink);
    namespaces::check_namespaces(&drafts, &index, &mut sink);
    // Each service resolves on its own: spread them over the cores, each with its own
    // sink, and take the diagnostics back in file order.
    let results: Vec<(ir::Service, Sink)> = drafts
        .par_iter()
        .filter(|d| index.is_canonical(d))
        .map(|d| {
            let mut local = Sink::default();
            (allows::resolve(d, &index, &mut local), local)
        })
        .collect();
    let mut resolved = Vec::with_capacity(results.len());
    for (service, local) in results {
        resolved.push(service);
        sink.diagnostics.extend(local.diagnostics);
    }
    calls::check_calls(&drafts, &resolved, &index, &mut sink);

    if sink.diagnostics.iter().any(|d| d.is_error()) {
        return (None, sink.diagnostics);
    }
    resolved.sort_by(|a, b| (a.namespace(), a.name()).cmp(&(b.namespace(), b.name())));
    let mut workloads: Vec<ir::Workload> = std::mem::take(&mut settings.workloads)
        .into_iter()
        .map(|w| ir::Workload {
            identity: w.identity,
        })
        .collect();
    workloads.sort_by(|a, b| a.identity.cmp(&b.identity));
    let model = ir::Mesh {
        settings: ir::Settings {
            trust_domain: settings.trust_domain,
            cluster_domain: settings.cluster_domain,
            istiod: settings.istiod,
            dns: settings.dns,
            scraper,
        },
        services: resolved,
        workloads,
    };
    lint::lint(&model, &mut sink);
    (Some(model), sink.diagnostics)
}
