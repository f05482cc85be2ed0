//! The exposure of every destination, read from the resolved model: who may reach each
//! service, external and workload (one grant per caller of each `allow`), the externals
//! and workloads each service may reach, and the totals.
//!
//! Grants come from `allow` statements, which are what the policies admit; `calls` are
//! checked against them by the checker and open nothing. The scraper's access to the
//! sidecars' metrics ports is left out: it reaches every service alike.

use super::caller;
use super::model::{self, Breadth, Grant, Reach, Report, Summary};
use super::picture;
use crate::ir::{self, Allow, Destination, Identity, Mesh, Mtls};
use crate::source::SourceMap;
use std::collections::BTreeSet;

/// The report's context for MESH; SOURCES turn spans into `file:line`.
pub fn report(mesh: &Mesh, sources: &SourceMap) -> Report {
    let location = |span| sources.location(span);
    let mut services: Vec<model::Service> = mesh
        .services
        .iter()
        .map(|s| service(mesh, s, sources))
        .collect();
    // Widest first; among equals, plain-text (permissive) before proven callers, more
    // grants before fewer, then by namespace and name so the order never depends on input.
    services.sort_by(|a, b| {
        (b.rank, b.permissive, b.grants.len())
            .cmp(&(a.rank, a.permissive, a.grants.len()))
            .then_with(|| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)))
    });
    let allow_nothing: Vec<String> = {
        let set: BTreeSet<String> = services
            .iter()
            .filter(|s| s.allows_nothing)
            .map(|s| s.id.clone())
            .collect();
        set.into_iter().collect()
    };
    let externals: Vec<model::External> = mesh
        .externals
        .iter()
        .map(|e| model::External {
            name: e.name.clone(),
            kind: match e.destination {
                Destination::Hosts(_) => "host",
                Destination::Cidrs(_) => "cidr",
            },
            addresses: match &e.destination {
                Destination::Hosts(hosts) => hosts.clone(),
                Destination::Cidrs(cidrs) => cidrs.iter().map(ToString::to_string).collect(),
            },
            ports: ports(&e.ports),
            grants: grants(&e.allows, &e.ports, sources),
            source: location(e.span),
        })
        .collect();
    let workloads: Vec<model::Workload> = mesh
        .workloads
        .iter()
        .map(|w| model::Workload {
            name: w.identity.name.clone(),
            namespace: w.identity.namespace.clone(),
            id: format!("{}.{}", w.identity.name, w.identity.namespace),
            ports: ports(&w.ports),
            grants: grants(&w.allows, &w.ports, sources),
            source: location(w.span),
        })
        .collect();
    let namespaces: BTreeSet<&str> = mesh.services.iter().map(|s| s.namespace()).collect();
    let count = |f: &dyn Fn(&model::Service) -> bool| services.iter().filter(|s| f(s)).count();
    let summary = Summary {
        services: services.len(),
        namespaces: namespaces.len(),
        externals: externals.len(),
        workloads: workloads.len(),
        anyone: count(&|s| s.breadth == Breadth::Anyone),
        namespace_wide: count(&|s| s.breadth == Breadth::NamespaceWide),
        permissive: count(&|s| s.permissive),
        dry_run: count(&|s| s.dry_run),
        allow_nothing: allow_nothing.len(),
    };
    Report {
        summary,
        services,
        allow_nothing,
        externals,
        workloads,
        graph: picture::graph(mesh),
    }
}

/// One service and what it may reach outside the tree.
fn service(mesh: &Mesh, s: &ir::Service, sources: &SourceMap) -> model::Service {
    let grants = grants(&s.allows, &s.ports, sources);
    let breadth = grants
        .iter()
        .map(|g| g.breadth)
        .max()
        .unwrap_or(Breadth::Nothing);
    model::Service {
        name: s.name().to_string(),
        namespace: s.namespace().to_string(),
        id: format!("{}.{}", s.name(), s.namespace()),
        source: sources.location(s.span),
        account: s.identity.account.clone(),
        ports: ports(&s.ports),
        breadth,
        rank: breadth.rank(),
        permissive: s.mtls == Mtls::Permissive,
        dry_run: mesh.settings.is_dry_run(s.namespace()),
        allows_nothing: s.allows.is_empty(),
        grants,
        denies: self::grants(&s.denies, &s.ports, sources),
        externals: mesh
            .externals
            .iter()
            .filter_map(|e| reach(&e.name, &s.identity, &e.allows, &e.ports))
            .collect(),
        workloads: mesh
            .workloads
            .iter()
            .filter_map(|w| {
                let id = format!("{}.{}", w.identity.name, w.identity.namespace);
                reach(&id, &s.identity, &w.allows, &w.ports)
            })
            .collect(),
    }
}

/// The ports of a destination NAME that IDENTITY's pods may use, when there is one.
fn reach(name: &str, identity: &Identity, allows: &[Allow], ports: &[ir::Port]) -> Option<Reach> {
    let open: BTreeSet<usize> = allows
        .iter()
        .filter(|a| a.callers.iter().any(|c| c.covers(identity)))
        .flat_map(|a| a.ports.iter().copied())
        .collect();
    (!open.is_empty()).then(|| Reach {
        name: name.to_string(),
        ports: port_names(&open, ports),
    })
}

/// The grants of ALLOWS, widest first, then by caller, then in statement order.
fn grants(allows: &[Allow], ports: &[ir::Port], sources: &SourceMap) -> Vec<Grant> {
    let mut grants = Vec::new();
    for allow in allows {
        let open: BTreeSet<usize> = allow.ports.iter().copied().collect();
        let requests: Vec<String> = allow.rules.iter().map(ir::HttpRule::text).collect();
        for c in &allow.callers {
            let breadth = caller::breadth(c);
            grants.push(Grant {
                caller: caller::id(c),
                kind: caller::kind(c),
                breadth,
                rank: breadth.rank(),
                ports: port_names(&open, ports),
                any_request: requests.is_empty(),
                requests: requests.clone(),
                source: sources.location(allow.span),
            });
        }
    }
    // A stable sort keeps statement order among grants of one caller and breadth.
    grants.sort_by(|a, b| b.rank.cmp(&a.rank).then_with(|| a.caller.cmp(&b.caller)));
    grants
}

/// The names of the ports at INDICES, in port order; an index out of range is skipped.
fn port_names(indices: &BTreeSet<usize>, ports: &[ir::Port]) -> Vec<String> {
    indices
        .iter()
        .filter_map(|&i| ports.get(i).map(|p| p.name.clone()))
        .collect()
}

fn ports(ports: &[ir::Port]) -> Vec<model::Port> {
    ports
        .iter()
        .map(|p| model::Port {
            name: p.name.clone(),
            port: p.port,
            target: p.target,
            protocol: p.protocol.as_str(),
        })
        .collect()
}
