//! Header routes and circuit breaking (invariant 4 extended): where a request with given
//! headers goes, by the VirtualService as a proxy applies it (`evaluate::route`), against
//! the intents' `match header` lines and split; and the DestinationRule's port-level
//! settings, read back field by field, against the intents' circuit-breaking lines.

use super::report::Report;
use crate::evaluate::{route, Hop};
use crate::ir::{Mesh, Route, Service};
use serde_json::Value;
use std::collections::BTreeMap;

/// Where the intents send a request with HEADERS on ROUTE: the first `match header` whose
/// header carries its value exactly, else the split, else the Service as a whole.
fn intended(route: &Route, headers: &[(String, String)]) -> Vec<Hop> {
    let hit = route
        .matches
        .iter()
        .find(|m| headers.iter().any(|(n, v)| *n == m.header && *v == m.value));
    match hit {
        Some(m) => vec![Hop {
            subset: Some(m.subset.clone()),
            weight: None,
        }],
        None if route.split.is_empty() => vec![Hop {
            subset: None,
            weight: None,
        }],
        None => route
            .split
            .iter()
            .map(|(s, w)| Hop {
                subset: Some(s.clone()),
                weight: Some(u64::from(*w)),
            })
            .collect(),
    }
}

fn hops_text(hops: &[Hop]) -> String {
    let parts: Vec<String> = hops
        .iter()
        .map(|h| match (&h.subset, h.weight) {
            (Some(s), Some(w)) => format!("{s} {w}%"),
            (Some(s), None) => s.clone(),
            (None, _) => "the Service".to_string(),
        })
        .collect();
    parts.join(", ")
}

/// The objects of KIND by the hosts they name (`spec.hosts` or `spec.host`), so that each
/// service looks at its own and a big tree is not read once per service.
fn by_host<'v>(objects: &[&'v Value], kind: &str) -> BTreeMap<String, Vec<&'v Value>> {
    let mut out: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for o in objects
        .iter()
        .filter(|o| o.get("kind").and_then(Value::as_str) == Some(kind))
    {
        let hosts = o.pointer("/spec/hosts").and_then(Value::as_array);
        let named = hosts
            .into_iter()
            .flatten()
            .chain(o.pointer("/spec/host"))
            .filter_map(Value::as_str);
        for h in named {
            out.entry(h.to_string()).or_default().push(o);
        }
    }
    out
}

/// Each routing route asked without headers, with each match's header at its value, just
/// off it and in another case.
pub(crate) fn header_routes(mesh: &Mesh, objects: &[&Value], report: &mut Report) {
    let cd = &mesh.settings.cluster_domain;
    let services = by_host(objects, "VirtualService");
    let none = Vec::new();
    for s in mesh
        .services
        .iter()
        .filter(|s| mesh.settings.routed_here(s))
    {
        let host = s.host(cd);
        let objects = services.get(&host).unwrap_or(&none);
        for r in s.routes.iter().filter(|r| r.routes()) {
            let port = s.ports[r.port].port;
            let mut asks: Vec<Vec<(String, String)>> = vec![Vec::new()];
            for m in &r.matches {
                for v in [
                    m.value.clone(),
                    format!("{}x", m.value),
                    m.value.to_ascii_uppercase(),
                ] {
                    asks.push(vec![(m.header.clone(), v)]);
                }
            }
            for headers in asks {
                let want = intended(r, &headers);
                let got = route(objects, &host, port, &headers).map(|(_, hops)| hops);
                if got.as_ref() != Some(&want) {
                    let shown: Vec<String> =
                        headers.iter().map(|(n, v)| format!("{n}: {v}")).collect();
                    report.push(format!(
                        "route of {}.{}:{port} for a request with [{}]: intent {}, VirtualService {}",
                        s.name(),
                        s.namespace(),
                        shown.join(", "),
                        hops_text(&want),
                        got.map_or("no route".to_string(), |g| hops_text(&g)),
                    ));
                }
            }
        }
    }
}

/// A protobuf Duration string (`0.5s`, `10s`) in milliseconds.
fn millis(text: &str) -> Option<u64> {
    let seconds: f64 = text.strip_suffix('s')?.parse().ok()?;
    Some((seconds * 1000.0).round() as u64)
}

/// The port-level settings of each service's DestinationRule, field by field.
pub(crate) fn port_settings(mesh: &Mesh, objects: &[&Value], report: &mut Report) {
    let cd = &mesh.settings.cluster_domain;
    let rules = by_host(objects, "DestinationRule");
    let none = Vec::new();
    for s in mesh
        .services
        .iter()
        .filter(|s| mesh.settings.routed_here(s))
    {
        let host = s.host(cd);
        let settings: Vec<&Value> = rules
            .get(&host)
            .unwrap_or(&none)
            .iter()
            .flat_map(|o| {
                o.pointer("/spec/trafficPolicy/portLevelSettings")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .collect();
        for p in &s.ports {
            let got: Vec<&&Value> = settings
                .iter()
                .filter(|v| {
                    v.pointer("/port/number").and_then(Value::as_u64) == Some(u64::from(p.port))
                })
                .collect();
            let route = s.routes.iter().find(|r| s.ports[r.port].port == p.port);
            let want = route.filter(|r| r.breaks_circuits());
            match (want, got.as_slice()) {
                (None, []) => {}
                (None, _) => report.push(format!(
                    "DestinationRule for {host} sets port {} though no route of {}.{} breaks circuits there",
                    p.port,
                    s.name(),
                    s.namespace()
                )),
                (Some(_), []) => report.push(format!(
                    "DestinationRule for {host} has no settings for port {}: the intents' circuit breaking is lost",
                    p.port
                )),
                (Some(r), [one]) => compare(s, p.port, r, one, report),
                (Some(_), _) => report.push(format!(
                    "DestinationRule for {host} sets port {} more than once",
                    p.port
                )),
            }
        }
    }
}

fn compare(s: &Service, port: u16, r: &Route, v: &Value, report: &mut Report) {
    let number = |path: &str| v.pointer(path).and_then(Value::as_u64);
    let duration = |path: &str| v.pointer(path).and_then(Value::as_str).and_then(millis);
    let fields: [(&str, Option<u64>, Option<u64>); 7] = [
        (
            "connectionPool.tcp.maxConnections",
            r.pool.connections.map(u64::from),
            number("/connectionPool/tcp/maxConnections"),
        ),
        (
            "connectionPool.http.http1MaxPendingRequests",
            r.pool.pending.map(u64::from),
            number("/connectionPool/http/http1MaxPendingRequests"),
        ),
        (
            "connectionPool.http.http2MaxRequests",
            r.pool.requests.map(u64::from),
            number("/connectionPool/http/http2MaxRequests"),
        ),
        (
            "outlierDetection.consecutive5xxErrors",
            r.eject.map(|e| u64::from(e.errors)),
            number("/outlierDetection/consecutive5xxErrors"),
        ),
        (
            "outlierDetection.interval",
            r.eject.map(|e| e.interval_ms),
            duration("/outlierDetection/interval"),
        ),
        (
            "outlierDetection.baseEjectionTime",
            r.eject.map(|e| e.base_ms),
            duration("/outlierDetection/baseEjectionTime"),
        ),
        (
            "outlierDetection.maxEjectionPercent",
            r.eject.map(|e| u64::from(e.max_percent)),
            number("/outlierDetection/maxEjectionPercent"),
        ),
    ];
    for (field, want, got) in fields {
        if want != got {
            let show = |x: Option<u64>| x.map_or("unset".to_string(), |n| n.to_string());
            report.push(format!(
                "DestinationRule of {}.{} port {port} {field}: intent {}, object {}",
                s.name(),
                s.namespace(),
                show(want),
                show(got)
            ));
        }
    }
}
