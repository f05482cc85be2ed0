//! Changes to settings rather than `allow` lines: a service's mTLS mode, its routes'
//! timeout, retries and split, the mesh's scraper, and who a name stands for (selectors,
//! accounts, target ports, mesh-wide settings).

use super::change::{Change, Effect, IdentityChange, MtlsChange, RouteChange, ScraperChange};
use super::model::{find_service, service_label, Model};
use crate::ir::{self, Mesh, Mtls, Service};
use crate::source::{FileId, SourceMap};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

fn mtls_name(m: Mtls) -> &'static str {
    match m {
        Mtls::Strict => "strict",
        Mtls::Permissive => "permissive",
    }
}

pub(crate) fn mtls_changes(old: Model<'_>, new: Model<'_>, out: &mut Vec<Change>) {
    for service in &new.mesh.services {
        let before = find_service(old.mesh, service);
        let was = before.map(|s| s.mtls);
        let (effect, side, at) = match (was, service.mtls) {
            (Some(Mtls::Strict) | None, Mtls::Permissive) => (Effect::Widens, new, service),
            (Some(Mtls::Permissive), Mtls::Strict) => match before {
                Some(b) => (Effect::Narrows, old, b),
                None => continue,
            },
            _ => continue,
        };
        out.push(Change::Mtls(MtlsChange {
            effect,
            to: service_label(service),
            old: was.map(|m| mtls_name(m).to_string()),
            new: mtls_name(service.mtls).to_string(),
            source: statement_location(side.sources, at.span.file, &["mtls"])
                .unwrap_or_else(|| side.sources.location(at.span)),
        }));
    }
}

fn duration(ms: u64) -> String {
    if ms != 0 && ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms != 0 && ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// The settings of a route as intent text, for comparison and display.
fn route_fields(route: Option<&ir::Route>) -> [(&'static str, Option<String>); 8] {
    let timeout = route.and_then(|r| r.timeout_ms).map(duration);
    let retries = route.and_then(|r| r.retries.as_ref()).map(|r| {
        let mut s = r.attempts.to_string();
        if let Some(ms) = r.per_try_ms {
            let _ = write!(s, " per-try {}", duration(ms));
        }
        if !r.on.is_empty() {
            let _ = write!(s, " on {}", r.on.join(", "));
        }
        s
    });
    let split = route.filter(|r| !r.split.is_empty()).map(|r| {
        r.split
            .iter()
            .map(|(subset, weight)| format!("{subset} {weight}"))
            .collect::<Vec<_>>()
            .join(", ")
    });
    let matches = route.filter(|r| !r.matches.is_empty()).map(|r| {
        r.matches
            .iter()
            .map(|m| format!("header {} = {} to {}", m.header, m.value, m.subset))
            .collect::<Vec<_>>()
            .join("; ")
    });
    let pool =
        |f: fn(&ir::Pool) -> Option<u32>| route.and_then(|r| f(&r.pool)).map(|n| n.to_string());
    let eject = route.and_then(|r| r.eject).map(|e| {
        format!(
            "{} errors every {} for {} max {}%",
            e.errors,
            duration(e.interval_ms),
            duration(e.base_ms),
            e.max_percent
        )
    });
    [
        ("timeout", timeout),
        ("retries", retries),
        ("split", split),
        ("match", matches),
        ("connections", pool(|p| p.connections)),
        ("pending", pool(|p| p.pending)),
        ("requests", pool(|p| p.requests)),
        ("eject", eject),
    ]
}

pub(crate) fn route_changes(old: Model<'_>, new: Model<'_>, out: &mut Vec<Change>) {
    for service in &new.mesh.services {
        let Some(before) = find_service(old.mesh, service) else {
            continue;
        };
        let by_port = |s: &'_ Service| -> BTreeMap<String, ir::Route> {
            s.routes
                .iter()
                .filter_map(|r| Some((s.ports.get(r.port)?.name.clone(), r.clone())))
                .collect()
        };
        let was = by_port(before);
        let is = by_port(service);
        let ports: BTreeSet<&String> = was.keys().chain(is.keys()).collect();
        for port in ports {
            let (side, at) = if is.contains_key(port) {
                (new, service)
            } else {
                (old, before)
            };
            let source = statement_location(side.sources, at.span.file, &["route", port])
                .unwrap_or_else(|| side.sources.location(at.span));
            let pairs = route_fields(was.get(port))
                .into_iter()
                .zip(route_fields(is.get(port)));
            for ((field, old_value), (_, new_value)) in pairs {
                if old_value != new_value {
                    out.push(Change::Route(RouteChange {
                        effect: Effect::Neutral,
                        to: service_label(service),
                        port: port.clone(),
                        field: field.to_string(),
                        old: old_value,
                        new: new_value,
                        source: source.clone(),
                    }));
                }
            }
        }
    }
}

pub(crate) fn scraper_changes(old: Model<'_>, new: Model<'_>, out: &mut Vec<Change>) {
    let label = |m: &Mesh| {
        m.settings
            .scraper
            .as_ref()
            .map(|id| format!("{}.{}", id.name, id.namespace))
    };
    let (was, is) = (label(old.mesh), label(new.mesh));
    if was == is {
        return;
    }
    let find = |side: Model<'_>| {
        side.sources
            .files()
            .find_map(|(id, _)| statement_location(side.sources, id, &["scraper"]))
    };
    if let Some(from) = was {
        out.push(Change::Scraper(ScraperChange {
            effect: Effect::Narrows,
            from,
            source: find(old),
        }));
    }
    if let Some(from) = is {
        out.push(Change::Scraper(ScraperChange {
            effect: Effect::Widens,
            from,
            source: find(new),
        }));
    }
}

fn labels_text(labels: &crate::ir::Labels) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Selectors, accounts, target ports and mesh settings: changes that move what an
/// unchanged `allow` line admits.
pub(crate) fn identity_changes(old: Model<'_>, new: Model<'_>, out: &mut Vec<Change>) {
    let identities = |m: &Mesh| -> BTreeMap<String, crate::ir::Identity> {
        m.services
            .iter()
            .map(|s| &s.identity)
            .chain(m.workloads.iter().map(|w| &w.identity))
            .map(|i| (format!("{}.{}", i.name, i.namespace), i.clone()))
            .collect()
    };
    let mut push = |effect, subject: String, field: &str, old: String, new: String| {
        out.push(Change::Identity(IdentityChange {
            effect,
            subject,
            field: field.to_string(),
            old,
            new,
        }))
    };
    let before = identities(old.mesh);
    for (name, now) in identities(new.mesh) {
        let Some(was) = before.get(&name) else {
            continue;
        };
        if was.selector != now.selector {
            // More labels pick fewer pods; anything else may pick pods it did not.
            let narrower = was
                .selector
                .iter()
                .all(|(k, v)| now.selector.get(k) == Some(v));
            let effect = if narrower {
                Effect::Narrows
            } else {
                Effect::Widens
            };
            push(
                effect,
                name.clone(),
                "selector",
                labels_text(&was.selector),
                labels_text(&now.selector),
            );
        }
        if was.account != now.account {
            push(
                Effect::Widens,
                name.clone(),
                "account",
                was.account.clone(),
                now.account.clone(),
            );
        }
    }
    for service in &new.mesh.services {
        let Some(was) = find_service(old.mesh, service) else {
            continue;
        };
        for port in &service.ports {
            if let Some(p) = was.ports.iter().find(|p| p.name == port.name) {
                if p.target != port.target {
                    let subject = format!("{}:{}", service_label(service), port.name);
                    push(
                        Effect::Widens,
                        subject,
                        "target port",
                        p.target.to_string(),
                        port.target.to_string(),
                    );
                }
            }
        }
    }
    let (a, b) = (&old.mesh.settings, &new.mesh.settings);
    let group = |g: &crate::ir::PodGroup| format!("{} {}", g.namespace, labels_text(&g.selector));
    let settings = [
        (
            "trust-domain",
            a.trust_domain.clone(),
            b.trust_domain.clone(),
        ),
        (
            "cluster-domain",
            a.cluster_domain.clone(),
            b.cluster_domain.clone(),
        ),
        ("dns", group(&a.dns), group(&b.dns)),
        ("istiod", group(&a.istiod), group(&b.istiod)),
    ];
    for (field, was, now) in settings {
        if was != now {
            push(Effect::Widens, "mesh".to_string(), field, was, now);
        }
    }
    // A `jwt` whose issuer or keys change moves what every `when jwt NAME` admits without
    // touching the rule: another issuer's tokens now pass. (One that appears or goes is
    // seen through the rules that name it.)
    for now in &b.jwts {
        if let Some(was) = a.jwts.iter().find(|j| j.name == now.name) {
            for (field, x, y) in [
                ("issuer", &was.issuer, &now.issuer),
                ("jwks", &was.jwks, &now.jwks),
            ] {
                if x != y {
                    let subject = format!("jwt:{}", now.name);
                    push(Effect::Widens, subject, field, x.clone(), y.clone());
                }
            }
        }
    }
}

/// `file:line` of the first statement in `file` whose leading words are `words`, outside
/// comments. The model keeps no span for `mtls`, `route` or `scraper`, so they are found
/// in the text; statements split over lines are not found (the caller falls back).
fn statement_location(sources: &SourceMap, file: FileId, words: &[&str]) -> Option<String> {
    let f = sources.get(file);
    let (last, _) = f.line_col(f.text.len());
    (1..=last).find_map(|line| {
        let code = f.line_text(line).split('#').next().unwrap_or("");
        let mut tokens = code
            .split(|c: char| c.is_whitespace() || c == '{' || c == '}')
            .filter(|t| !t.is_empty());
        words
            .iter()
            .all(|w| tokens.next() == Some(w))
            .then(|| format!("{}:{}", f.relative, line))
    })
}
