//! `dataplane ambient` and `waypoint NAME in NS`: what Istio's ambient mode can enforce.
//!
//! Under ambient, a node's ztunnel sees only connections (the peer's identity and the
//! port); a namespace's waypoint sees requests. An intent that needs requests judged
//! (HTTP rules, conditions, tokens, denies with rules, routes) therefore needs a waypoint,
//! and a few settings stop meaning anything. Each such case is an error rather than a
//! quiet change of meaning: an ALLOW rule with HTTP fields at ztunnel admits nothing, a
//! DENY rule with them refuses nothing, and a plain-text caller never reaches a waypoint.

use super::index::Index;
use super::mesh::Settings;
use super::names;
use super::sink::Sink;
use crate::code::Code;
use crate::ir::{self, Caller, Mtls, Service};
use crate::source::Span;
use crate::suggest;
use std::collections::BTreeMap;

/// The waypoint of each namespace (keyed by namespace), each `waypoint` line
/// checked; the `sidecar-scoping` setting checked against the data plane.
pub(crate) fn resolve(
    settings: &Settings,
    index: &Index,
    sink: &mut Sink,
) -> BTreeMap<String, ir::Waypoint> {
    let mut out = BTreeMap::new();
    if settings.dataplane != ir::Dataplane::Ambient {
        for (_, _, span) in &settings.waypoints {
            sink.error(
                Code::WaypointWithoutAmbient,
                *span,
                "a waypoint serves only Istio's ambient mode, and this mesh runs sidecars",
            )
            .help("add `dataplane ambient` to the mesh block, or remove this line");
        }
        return out;
    }
    if let Some((true, span)) = settings.sidecar_scoping_written {
        sink.error(
            Code::SidecarScopingUnderAmbient,
            span,
            "`sidecar-scoping on` has no meaning under `dataplane ambient`: there are no sidecars to scope",
        )
        .help("remove the line (under ambient it is off), or write `dataplane sidecar`");
    }
    let managed: Vec<&str> = index.service_namespaces().collect();
    let mut first: BTreeMap<&str, Span> = BTreeMap::new();
    for (name, namespace, span) in &settings.waypoints {
        let named = sink.ok(
            Code::InvalidName,
            name.span,
            names::dns_label("waypoint", &name.text),
        );
        let in_named = sink.ok(
            Code::InvalidName,
            namespace.span,
            names::dns_label("namespace", &namespace.text),
        );
        if !named || !in_named {
            continue;
        }
        if let Some(earlier) = first.get(namespace.text.as_str()) {
            sink.error(
                Code::SecondWaypoint,
                *span,
                format!("namespace `{}` already has a waypoint", namespace.text),
            )
            .note(*earlier, "first declared here")
            .help("one waypoint serves every service of its namespace; remove one line");
            continue;
        }
        first.insert(&namespace.text, *span);
        if managed.binary_search(&namespace.text.as_str()).is_err() {
            let d = sink.error(
                Code::WaypointUnmanaged,
                namespace.span,
                format!(
                    "`waypoint` names namespace `{}`, where this tree declares no service",
                    namespace.text
                ),
            );
            match suggest::closest(&namespace.text, managed.iter().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help("a waypoint serves the services of its own namespace; remove the line or add the service"),
            };
            continue;
        }
        out.insert(
            namespace.text.clone(),
            ir::Waypoint::new(&name.text, &namespace.text),
        );
    }
    out
}

/// The first line of SERVICE that needs requests judged, and what it is.
fn l7_need(service: &Service) -> Option<(Span, &'static str)> {
    if let Some(a) = service.allows.iter().find(|a| !a.rules.is_empty()) {
        return Some((a.span, "an `allow` with HTTP rules"));
    }
    if let Some(d) = service.denies.iter().find(|d| !d.rules.is_empty()) {
        return Some((d.span, "a `deny` with HTTP rules"));
    }
    service.routes.first().map(|r| (r.span, "a `route`"))
}

/// Under ambient: SERVICE's L7 needs a waypoint in its namespace, and a `mtls permissive`
/// port open to `anyone` cannot carry HTTP rules (its plain-text callers would skip them).
pub(crate) fn check_service(
    service: &Service,
    waypoints: &BTreeMap<String, ir::Waypoint>,
    sink: &mut Sink,
) {
    if let (Some((span, what)), None) = (l7_need(service), waypoints.get(service.namespace())) {
        sink.error(
            Code::L7WithoutWaypoint,
            span,
            format!(
                "{what} needs a waypoint under `dataplane ambient`, and namespace `{}` has none",
                service.namespace()
            ),
        )
        .help(format!(
            "add `waypoint {ns}-waypoint in {ns}` to the mesh block: ztunnel alone judges only identities and ports",
            ns = service.namespace()
        ));
    }
    if service.mtls != Mtls::Permissive {
        return;
    }
    let open = |a: &ir::Allow| a.callers.contains(&Caller::Anyone);
    let plain_ports: Vec<usize> = service
        .allows
        .iter()
        .filter(|a| open(a))
        .flat_map(|a| a.ports.iter().copied())
        .collect();
    let ruled = service
        .allows
        .iter()
        .filter(|a| open(a) && !a.rules.is_empty())
        .chain(service.denies.iter().filter(|d| {
            open(d) && !d.rules.is_empty() && d.ports.iter().any(|p| plain_ports.contains(p))
        }));
    for statement in ruled {
        sink.error(
            Code::PlaintextRulesUnderAmbient,
            statement.span,
            "under `dataplane ambient`, plain-text callers of this `mtls permissive` service never pass a waypoint, so these HTTP rules cannot be enforced for them",
        )
        .help("make the service `mtls strict` (outside callers then come through an ingress gateway), or open the port to `anyone` without rules");
    }
}
