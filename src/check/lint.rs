//! Cross-layer lints: intents that compile but probably do not mean what they say.
//!
//! Warnings only; they never change the exit code. Each points at the statement to look at.

use super::denies;
use super::sink::Sink;
use crate::code::Code;
use crate::ir::{CallKind, Caller, Mesh, Mtls, Service};
use crate::source::Span;
use std::collections::BTreeSet;

pub(crate) fn lint(mesh: &Mesh, sink: &mut Sink) {
    let mut populated: BTreeSet<&str> = mesh.services.iter().map(|s| s.namespace()).collect();
    populated.extend(mesh.workloads.iter().map(|w| w.identity.namespace.as_str()));
    for service in &mesh.services {
        permissive_identities(service, sink);
        unknown_namespaces(service, &populated, sink);
        partial_calls(service, mesh, sink);
        unreachable_routes(service, sink);
        denies::lint(service, sink);
    }
}

/// Invariant 3: principals and namespaces are only proven under STRICT mTLS.
fn permissive_identities(service: &Service, sink: &mut Sink) {
    if service.mtls != Mtls::Permissive {
        return;
    }
    for allow in &service.allows {
        if allow.callers.iter().any(|c| *c != Caller::Anyone) {
            sink.warning(Code::PermissiveIdentities,
                allow.span,
                format!(
                    "`{}` is `mtls permissive`, but this `allow` names callers by identity, which plaintext callers lack",
                    service.name()
                ),
            )
            .help("plaintext requests carry no identity, so these rules refuse them; switch to `mtls strict` once every caller has a sidecar, or allow `anyone`");
        }
    }
}

/// `namespace NS` where the tree declares nothing in NS: admits pods nobody described.
fn unknown_namespaces(service: &Service, populated: &BTreeSet<&str>, sink: &mut Sink) {
    for allow in &service.allows {
        for (caller, span) in allow.callers.iter().zip(&allow.caller_spans) {
            if let Caller::Namespace(ns) = caller {
                if !populated.contains(ns.as_str()) {
                    sink.warning(
                        Code::UnknownNamespace,
                        *span,
                        format!("`namespace {ns}` names a namespace where this tree declares no service or workload"),
                    )
                    .help("check the spelling; every pod of that namespace is admitted, whatever runs there");
                }
            }
        }
    }
}

/// A `calls` without a port that the target (a service, a workload or an external) allows
/// on some of its ports only.
fn partial_calls(service: &Service, mesh: &Mesh, sink: &mut Sink) {
    for call in service.calls.iter().filter(|c| c.port.is_none()) {
        let key = (call.namespace.as_str(), call.name.as_str());
        // Services are sorted by (namespace, name) and externals by name; workloads are
        // few.
        let (name, ports, allows, written) = match call.kind {
            CallKind::Service => {
                let Ok(i) = mesh
                    .services
                    .binary_search_by(|t| (t.namespace(), t.name()).cmp(&key))
                else {
                    continue;
                };
                let t = &mesh.services[i];
                (
                    t.name(),
                    &t.ports,
                    &t.allows,
                    format!("{} in {}", t.name(), t.namespace()),
                )
            }
            CallKind::Workload => {
                let Some(w) = mesh
                    .workloads
                    .iter()
                    .find(|w| (w.identity.namespace.as_str(), w.identity.name.as_str()) == key)
                else {
                    continue;
                };
                let i = &w.identity;
                (
                    i.name.as_str(),
                    &w.ports,
                    &w.allows,
                    format!("{} in {}", i.name, i.namespace),
                )
            }
            CallKind::External => {
                let Ok(i) = mesh
                    .externals
                    .binary_search_by(|e| e.name.as_str().cmp(&call.name))
                else {
                    continue;
                };
                let e = &mesh.externals[i];
                (
                    e.name.as_str(),
                    &e.ports,
                    &e.allows,
                    format!("external {}", e.name),
                )
            }
        };
        let me = &service.identity;
        let allowed: BTreeSet<usize> = allows
            .iter()
            .filter(|a| a.callers.iter().any(|c| c.covers(me)))
            .flat_map(|a| a.ports.iter().copied())
            .collect();
        let Some(&first) = allowed.iter().next() else {
            continue;
        };
        if allowed.len() < ports.len() {
            let names: Vec<String> = allowed
                .iter()
                .map(|&i| format!("`{}`", ports[i].name))
                .collect();
            warn_at(
                sink,
                Code::PartialCall,
                call.span,
                format!(
                    "`{}` may call `{name}` only on {}, not on every port",
                    me.name,
                    names.join(", ")
                ),
                format!("name the port: `calls {written}:{}`", ports[first].name),
            );
        }
    }
}

/// A route on a port no `allow` covers shapes traffic that can never arrive.
fn unreachable_routes(service: &Service, sink: &mut Sink) {
    for route in &service.routes {
        let reachable = service
            .allows
            .iter()
            .any(|a| a.ports.contains(&route.port) && !a.callers.is_empty());
        if !reachable {
            warn_at(
                sink,
                Code::UnreachableRoute,
                route.span,
                format!(
                    "`{}` routes port `{}`, but no `allow` covers that port, so no request can reach the route",
                    service.name(),
                    service.ports[route.port].name
                ),
                "add an `allow` for that port, or remove the route".to_string(),
            );
        }
    }
}

fn warn_at(sink: &mut Sink, code: Code, span: Span, message: String, help: String) {
    sink.warning(code, span, message).help(help);
}
