//! The checker's entry: every parsed item in, the resolved model and every diagnostic out.
//! It runs the passes in order, each over the whole tree, and stops before building the
//! model when any pass reported an error.

use super::allows;
use super::ambient;
use super::calls;
use super::clusters;
use super::denies;
use super::draft;
use super::dryrun;
use super::externals;
use super::index;
use super::jwts;
use super::lint;
use super::mesh;
use super::namespaces;
use super::paths;
use super::sink::Sink;
use crate::ast;
use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::ir;
use crate::source::FileId;
use rayon::prelude::*;

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
    let mut external_blocks = Vec::new();
    for (id, origin, item) in parsed.items {
        match item {
            ast::Item::Mesh(m) => mesh_blocks.push((origin, m)),
            ast::Item::Service(s) => services.push((id, origin, s)),
            ast::Item::External(e) => external_blocks.push(externals::Parsed { origin, ast: e }),
        }
    }
    let mesh_origin = mesh_blocks
        .first()
        .map_or_else(String::new, |(o, _)| o.clone());
    let mesh_blocks: Vec<ast::Mesh> = mesh_blocks.into_iter().map(|(_, m)| m).collect();
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
    let jwts = jwts::jwts(mesh_blocks.first(), &mut sink);
    let is_ambient = settings.dataplane == ir::Dataplane::Ambient;
    let declared = clusters::declared(
        mesh_blocks.first(),
        &settings.trust_domain,
        is_ambient,
        &mut sink,
    );
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
    let workloads = mesh::resolve_workloads(&mut settings, &index, &mut sink);
    let cluster = externals::ClusterCidrs {
        cidrs: &settings.cluster_cidrs,
        statement: settings.cluster_cidrs_statement,
        exact_hosts: settings.network == ir::Network::Cilium,
    };
    let externals = externals::resolve(&external_blocks, &index, &cluster, &mut sink);
    let system = [
        (settings.dns.namespace.as_str(), "DNS"),
        (settings.istiod.namespace.as_str(), "istiod"),
        ("istio-system", "Istio's control plane (its root namespace)"),
    ];
    namespaces::check_system_namespaces(&drafts, &index, &system, &mut sink);
    namespaces::check_namespaces(&drafts, &index, &mut sink);
    let dry_run = dryrun::resolve(&settings.dry_run, &index, &mut sink);
    let waypoints = ambient::resolve(&settings, &index, &mut sink);
    let canonical: Vec<&ast::Service> = drafts
        .iter()
        .filter(|d| index.is_canonical(d))
        .map(|d| &d.ast)
        .collect();
    let placements = clusters::placements(&canonical, &declared, &mut sink);
    // Each service resolves on its own: spread them over the cores, each with its own
    // sink, and take the diagnostics back in file order.
    let scope = allows::Scope {
        index: &index,
        jwts: &jwts,
    };
    let results: Vec<(ir::Service, Sink)> = drafts
        .par_iter()
        .filter(|d| index.is_canonical(d))
        .map(|d| {
            let mut local = Sink::default();
            let service = allows::resolve(d, &scope, &mut local);
            denies::identical(&service, &mut local);
            if is_ambient {
                ambient::check_service(&service, &waypoints, &mut local);
            }
            paths::normalization(d, &mut local);
            (service, local)
        })
        .collect();
    let mut resolved = Vec::with_capacity(results.len());
    for (service, local) in results {
        resolved.push(service);
        sink.diagnostics.extend(local.diagnostics);
    }
    let destinations = calls::Destinations {
        workloads: &workloads,
        externals: &externals,
        mesh_origin: &mesh_origin,
    };
    calls::check_calls(&drafts, &resolved, &destinations, &index, &mut sink);
    let workloads: Vec<ir::Workload> = workloads.into_iter().map(|(w, _)| w).collect();
    let externals: Vec<ir::External> = externals.into_iter().map(|(e, _)| e).collect();

    let settings = ir::Settings {
        trust_domain: settings.trust_domain,
        cluster_domain: settings.cluster_domain,
        istiod: settings.istiod,
        dns: settings.dns,
        scraper,
        cluster_cidrs: clusters::inside(&settings.cluster_cidrs, &declared),
        // Ambient has no sidecars to scope (`sidecar-scoping on` is refused there).
        sidecar_scoping: settings.sidecar_scoping && !is_ambient,
        jwts: jwts.into_iter().map(|(j, _)| j).collect(),
        sync_waves: settings.sync_waves,
        dry_run,
        network: settings.network,
        dataplane: settings.dataplane,
        waypoints,
        clusters: declared.sorted(),
        eastwest: declared.eastwest.clone(),
        placements,
        site: None,
    };
    clusters::paths(&resolved, &settings, &declared, &mut sink);
    if sink.diagnostics.iter().any(|d| d.is_error()) {
        return (None, sink.diagnostics);
    }
    resolved.sort_by(|a, b| (a.namespace(), a.name()).cmp(&(b.namespace(), b.name())));
    let model = ir::Mesh {
        settings,
        services: resolved,
        workloads,
        externals,
    };
    lint::lint(&model, &mut sink);
    (Some(model), sink.diagnostics)
}
