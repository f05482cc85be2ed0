//! One port of a service under `dataplane ambient`: the call's path (the caller's
//! ztunnel, the waypoint when one serves the service, the destination's ztunnel), each
//! HBONE hop as NetworkPolicy sees it, then what the waypoint and the destination's
//! ztunnel decide, and the route.

use super::answer::{layer, Layer, PortAnswer, Question};
use super::external::policy_kind;
use super::nearest::rules_text;
use super::port::{applicable, concrete, deny_layer, port_answer, reason, route};
use crate::evaluate::{
    AmbientPath, Cluster, Direction, Endpoint, MtlsMode, Pod, Request, ServiceInfo, Transport,
    GATEWAY_NAME_LABEL,
};
use crate::ir::{Allow, Extras, Identity, Mesh, Port, Service};
use crate::source::SourceMap;
use serde_json::Value;
use std::collections::BTreeMap;

#[allow(clippy::too_many_arguments)]
pub(crate) fn answer(
    mesh: &Mesh,
    objects: &[Value],
    sources: &SourceMap,
    cluster: &Cluster,
    from: &Identity,
    from_pod: &Pod,
    to: &Service,
    to_pod: &Pod,
    port: &Port,
    q: &Question,
) -> PortAnswer {
    let target = port.target;
    let td = &mesh.settings.trust_domain;
    let principal = from_pod.principal(td);
    let info = ServiceInfo {
        namespace: to.namespace().to_string(),
        name: to.name().to_string(),
        selector: to.identity.selector.clone(),
        labels: BTreeMap::new(),
    };
    let path = cluster.path(to_pod, Some(&info), Some(&principal));
    let mut layers = vec![layer(
        "path",
        true,
        match &path {
            AmbientPath::Waypoint(w) => format!(
                "{} ztunnel → waypoint {}/{} → {} ztunnel (HBONE, TCP 15008)",
                q.from, w.namespace, w.name, q.to
            ),
            AmbientPath::Ztunnel => format!(
                "{} ztunnel → {} ztunnel (HBONE, TCP 15008): no waypoint serves {}",
                q.from, q.to, q.to
            ),
            AmbientPath::Sidecar => format!("{} is not in ambient mode", q.to),
        },
    )];
    for hop in cluster.hops(Some(from_pod), to_pod, Some(&info), target) {
        let source = hop.source.as_ref().unwrap_or(from_pod);
        layers.push(hop_layer(mesh, cluster, source, &hop.target, hop.port));
    }
    let mode = match cluster.mtls_mode(to_pod) {
        MtlsMode::Strict => "STRICT",
        MtlsMode::Permissive => "PERMISSIVE",
        MtlsMode::Disable => "DISABLE (read as PERMISSIVE by ztunnel)",
    };
    layers.push(layer(
        "mTLS",
        true,
        format!("{mode} on {}; {} presents {principal}", q.to, q.from),
    ));

    let applicable = applicable(to, from, target);
    // The requests asked: the question's, else one per rule FROM may use, else any.
    let asked: Vec<Option<(String, String)>> = match (&q.request, port.protocol.is_http()) {
        (Some((m, x)), true) => vec![Some((m.clone(), x.clone()))],
        (None, true) if applicable.iter().any(|a| !a.rules.is_empty()) => applicable
            .iter()
            .flat_map(|a| a.rules.iter())
            .flat_map(|r| {
                let method = r.methods.first().cloned().unwrap_or_else(|| "GET".into());
                r.paths
                    .iter()
                    .map(move |p| Some((method.clone(), concrete(p))))
            })
            .collect(),
        (_, true) => vec![Some(("GET".into(), "/".into()))],
        (_, false) => vec![None],
    };
    let mut judged = Vec::new();
    for http in &asked {
        let mut req = Request::from_principal(&principal, target);
        if let Some((m, x)) = http {
            req = q.dress(req.http(m, x));
        }
        let what = http.as_ref().map_or(
            format!("a {} connection", port.protocol.as_str()),
            |(m, x)| format!("{m} {x}{}", q.carrying()),
        );
        let (waypoint, ztunnel) = judges(cluster, &path, to_pod, &info, &req, td);
        judged.push((what, waypoint, ztunnel));
    }
    let any = judged
        .iter()
        .any(|(_, w, z)| w.as_ref().is_none_or(|w| w.0) && z.0);
    if let AmbientPath::Waypoint(w) = &path {
        let details: Vec<String> = judged
            .iter()
            .filter_map(|(what, wp, _)| wp.as_ref().map(|(_, why)| format!("{what}: {why}")))
            .collect();
        let ok = judged
            .iter()
            .any(|(_, wp, _)| wp.as_ref().is_some_and(|w| w.0));
        layers.push(layer(
            "waypoint",
            ok,
            format!(
                "{}/{} (caller's identity) — {}",
                w.namespace,
                w.name,
                details.join("; ")
            ),
        ));
    }
    let details: Vec<String> = judged
        .iter()
        .map(|(what, _, (_, why))| match path {
            AmbientPath::Waypoint(_) => format!("{what}, relayed: {why}"),
            _ => format!("{what}: {why}"),
        })
        .collect();
    let ok = judged.iter().any(|(_, _, z)| z.0);
    layers.push(layer("ztunnel", ok, details.join("; ")));
    if !applicable.is_empty() && q.request.is_none() && asked.len() > 1 {
        let rules: Vec<String> = applicable
            .iter()
            .map(|a| format!("{} ({})", rules_text(a), sources.location(a.span)))
            .collect();
        layers.push(layer(
            "L7",
            any,
            format!("only these requests: {}", rules.join("; ")),
        ));
    }
    for deny in denies(to, from, target, q) {
        layers.push(deny_layer(sources, deny));
    }
    if let Some(route) = route(
        objects,
        &to.host(&mesh.settings.cluster_domain),
        port.port,
        &q.headers,
    ) {
        layers.push(layer("route", true, route));
    }
    let allowed = layers.iter().all(|l| l.allowed) && any;
    port_answer(sources, to, from, port, layers, allowed, &applicable)
}

/// A verdict and its reason.
type Verdict = (bool, String);

/// What the waypoint (on PATH through one) and the destination's ztunnel say of REQ.
fn judges(
    cluster: &Cluster,
    path: &AmbientPath,
    to_pod: &Pod,
    info: &ServiceInfo,
    req: &Request,
    td: &str,
) -> (Option<Verdict>, Verdict) {
    let verdict = |d: crate::evaluate::Decision| (d.is_allowed(), reason(&d));
    match path {
        AmbientPath::Waypoint(w) => {
            let at = cluster.waypoint_authorize(w, info, req);
            let relayed = Request::from_principal(&w.principal(td), req.port);
            let z = cluster.ztunnel_allowed(to_pod, &relayed);
            (Some(verdict(at)), verdict(z))
        }
        _ => (
            None,
            verdict(cluster.call_allowed(to_pod, Some(info), req, td)),
        ),
    }
}

/// One HBONE (or plain) hop, as NetworkPolicy admits it at both ends.
fn hop_layer(mesh: &Mesh, cluster: &Cluster, from: &Pod, to: &Pod, port: u16) -> Layer {
    let kind = policy_kind(mesh);
    let out =
        cluster
            .view(from)
            .admitting(Direction::Egress, Endpoint::Pod(to), port, Transport::Tcp);
    let out_ok = !cluster.isolated(from, Direction::Egress) || !out.is_empty();
    let into = cluster.view(to).admitting(
        Direction::Ingress,
        Endpoint::Pod(from),
        port,
        Transport::Tcp,
    );
    let in_ok = !cluster.isolated(to, Direction::Ingress) || !into.is_empty();
    let side = |ok: bool, names: &[String], isolated: bool| match (ok, isolated) {
        (_, false) => "nothing isolates it".to_string(),
        (true, true) => format!("{kind} {}", names.join(", ")),
        (false, true) => format!("no {kind} admits it"),
    };
    // Service pods are named `NAME.NAMESPACE` here; a waypoint's pod by its Gateway.
    let who = |pod: &Pod| match pod.labels.contains_key(GATEWAY_NAME_LABEL) {
        true => format!("waypoint {}/{}", pod.namespace, pod.name),
        false => pod.name.clone(),
    };
    layer(
        "L4 hop",
        out_ok && in_ok,
        format!(
            "{} → {} on {port}/TCP: egress {}, ingress {}",
            who(from),
            who(to),
            side(out_ok, &out, cluster.isolated(from, Direction::Egress)),
            side(in_ok, &into, cluster.isolated(to, Direction::Ingress)),
        ),
    )
}

/// The `deny` lines of TO that refuse FROM's asked request on TARGET.
fn denies<'s>(to: &'s Service, from: &Identity, target: u16, q: &Question) -> Vec<&'s Allow> {
    let Some((m, x)) = &q.request else {
        return Vec::new();
    };
    let none = Extras::default();
    to.denies
        .iter()
        .filter(|d| {
            d.ports.iter().any(|&i| to.ports[i].target == target)
                && d.callers.iter().any(|c| c.covers(from))
                && d.covers_with(m, x, &none)
        })
        .collect()
}
