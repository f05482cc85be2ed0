//! One port of a service in an `explain` answer: L4 egress, the caller's proxy, L4
//! ingress, mTLS, L7 and the route, each judged by the evaluator on the rendered objects,
//! and the intent lines that allow it.

use super::answer::{layer, Layer, PortAnswer, Question};
use super::external::policy_kind;
use super::layers::{egress_to_pod, sidecar};
use super::nearest::{callers_text, nearest, rules_text};
use crate::evaluate::{Cluster, Decision, Direction, Endpoint, MtlsMode, Pod, Request, Transport};
use crate::ir::{Allow, EndUser, Extras, Identity, Mesh, Port, Service};
use crate::source::SourceMap;
use serde_json::Value;

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
    let mut layers = Vec::new();
    let egress = egress_to_pod(
        policy_kind(mesh),
        cluster,
        from,
        from_pod,
        to_pod,
        &q.to,
        target,
    );
    let proxy = sidecar(
        cluster,
        from,
        from_pod,
        &to.host(&mesh.settings.cluster_domain),
        port.port,
    );
    let names = cluster.view(to_pod).admitting(
        Direction::Ingress,
        Endpoint::Pod(from_pod),
        target,
        Transport::Tcp,
    );
    let isolated = cluster.isolated(to_pod, Direction::Ingress);
    let ingress_ok = !names.is_empty() || !isolated;
    let ingress = layer(
        "L4 ingress",
        ingress_ok,
        if !isolated {
            format!(
                "no NetworkPolicy selects {}: every source is admitted",
                q.to
            )
        } else if ingress_ok {
            format!("allowed by {} {}", policy_kind(mesh), names.join(", "))
        } else {
            format!(
                "no {} selecting {} admits {} on {target}/TCP",
                policy_kind(mesh),
                q.to,
                q.from
            )
        },
    );
    let mode = cluster.mtls_mode(to_pod);
    let principal = from_pod.principal(&mesh.settings.trust_domain);
    let mode = match mode {
        MtlsMode::Strict => "STRICT",
        MtlsMode::Permissive => "PERMISSIVE",
        MtlsMode::Disable => "DISABLE",
    };
    let mtls = layer(
        "mTLS",
        true,
        format!("{mode} on {}; {} presents {principal}", q.to, q.from),
    );
    layers.extend([egress, proxy, ingress, mtls]);

    let applicable = applicable(to, from, target);
    let view = cluster.view(to_pod);
    let (l7_ok, allowed_by) = match (&q.request, port.protocol.is_http()) {
        (Some((m, x)), true) => {
            let decision =
                view.authorize(&q.dress(Request::from_principal(&principal, target).http(m, x)));
            let user = end_user(to, q);
            let extras = Extras {
                headers: &q.headers,
                token: user.as_ref(),
            };
            let by: Vec<&Allow> = applicable
                .iter()
                .copied()
                .filter(|a| a.covers_with(m, x, &extras))
                .collect();
            layers.push(layer(
                "L7",
                decision.is_allowed(),
                format!("{m} {x}{}: {}", q.carrying(), reason(&decision)),
            ));
            // Name the intent line behind a DENY policy's verdict.
            for deny in to.denies.iter().filter(|d| {
                d.ports.iter().any(|&i| to.ports[i].target == target)
                    && d.callers.iter().any(|c| c.covers(from))
                    && d.covers_with(m, x, &extras)
            }) {
                layers.push(deny_layer(sources, deny));
            }
            (decision.is_allowed(), by)
        }
        (None, true) if applicable.iter().any(|a| !a.rules.is_empty()) => {
            // Which requests may FROM send? Probe the policy with each applicable rule.
            let ok = rule_probes(&applicable).iter().any(|(m, x)| {
                view.authorize(&q.dress(Request::from_principal(&principal, target).http(m, x)))
                    .is_allowed()
            });
            layers.push(rules_layer(sources, &applicable, ok));
            (ok, applicable.clone())
        }
        _ => {
            let req = Request::from_principal(&principal, target);
            let req = if port.protocol.is_http() {
                q.dress(req.http("GET", "/"))
            } else {
                req
            };
            let decision = view.authorize(&req);
            let what = match (&q.request, port.protocol.is_http()) {
                (_, true) => format!("any request{}", q.carrying()),
                (Some((m, x)), false) => format!(
                    "a {} connection (`{m} {x}` does not apply: the sidecar does not parse this port as HTTP)",
                    port.protocol.as_str()
                ),
                (None, false) => format!("a {} connection", port.protocol.as_str()),
            };
            layers.push(layer(
                "L7",
                decision.is_allowed(),
                format!("{what}: {}", reason(&decision)),
            ));
            (decision.is_allowed(), applicable.clone())
        }
    };
    if let Some(route) = route(
        objects,
        &to.host(&mesh.settings.cluster_domain),
        port.port,
        &q.headers,
    ) {
        layers.push(layer("route", true, route));
    }
    let allowed = layers.iter().all(|l| l.allowed) && l7_ok;
    port_answer(sources, to, from, port, layers, allowed, &allowed_by)
}

/// The `allow` lines of TO that name FROM on TARGET.
pub(super) fn applicable<'s>(to: &'s Service, from: &Identity, target: u16) -> Vec<&'s Allow> {
    to.allows
        .iter()
        .filter(|a| {
            a.ports.iter().any(|&i| to.ports[i].target == target)
                && a.callers.iter().any(|c| c.covers(from))
        })
        .collect()
}

/// One request per path of the APPLICABLE allows' rules (their first method, or GET): what
/// a caller limited to those rules may send.
pub(super) fn rule_probes(applicable: &[&Allow]) -> Vec<(String, String)> {
    applicable
        .iter()
        .flat_map(|a| a.rules.iter())
        .flat_map(|r| {
            let method = r.methods.first().cloned().unwrap_or_else(|| "GET".into());
            r.paths.iter().map(move |p| (method.clone(), concrete(p)))
        })
        .collect()
}

/// The L7 layer of a call the APPLICABLE allows limit to their rules: OK when some of
/// their requests passes.
pub(super) fn rules_layer(sources: &SourceMap, applicable: &[&Allow], ok: bool) -> Layer {
    let rules: Vec<String> = applicable
        .iter()
        .map(|a| format!("{} ({})", rules_text(a), sources.location(a.span)))
        .collect();
    layer(
        "L7",
        ok,
        format!("only these requests: {}", rules.join("; ")),
    )
}

/// The layer naming the `deny` line that refuses the request.
pub(super) fn deny_layer(sources: &SourceMap, deny: &Allow) -> Layer {
    layer(
        "deny",
        false,
        format!(
            "{} refuses it (deny {}{})",
            sources.location(deny.span),
            callers_text(deny),
            if deny.rules.is_empty() {
                String::new()
            } else {
                format!(": {}", rules_text(deny))
            }
        ),
    )
}

/// The answer for PORT from its LAYERS: the intent lines ALLOWED_BY when it is allowed,
/// what comes nearest when not.
pub(super) fn port_answer(
    sources: &SourceMap,
    to: &Service,
    from: &Identity,
    port: &Port,
    layers: Vec<Layer>,
    allowed: bool,
    allowed_by: &[&Allow],
) -> PortAnswer {
    PortAnswer {
        port: port.name.clone(),
        service_port: port.port,
        target_port: port.target,
        protocol: port.protocol.as_str(),
        allowed,
        layers,
        allowed_by: if allowed {
            allowed_by
                .iter()
                .map(|a| format!("{} (allow {})", sources.location(a.span), callers_text(a)))
                .collect()
        } else {
            Vec::new()
        },
        nearest: if allowed {
            Vec::new()
        } else {
            let applicable = applicable(to, from, port.target);
            nearest(to, from, port, sources, &applicable)
        },
        notes: Vec::new(),
        allowed_now: None,
    }
}

/// The question's token as the intents read it: only a token of an issuer TO's rules use
/// is validated; any other is refused before the rules (and the evaluator says so).
fn end_user(to: &Service, q: &Question) -> Option<EndUser> {
    let token = q.token.as_ref()?;
    to.token_issuers()
        .iter()
        .any(|j| j.issuer == token.issuer)
        .then(|| EndUser {
            issuer: token.issuer.clone(),
            subject: token.subject.clone(),
            claims: token.claims.clone(),
        })
}

pub(super) fn reason(d: &Decision) -> String {
    match d {
        Decision::Allow(why) => format!("allowed by {why}"),
        Decision::Deny(why) => format!("denied: {why}"),
    }
}

/// A path that a rule's pattern matches.
pub(super) fn concrete(pattern: &str) -> String {
    if let Some(prefix) = pattern.strip_suffix('*') {
        format!("{prefix}x")
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        format!("/x{suffix}")
    } else {
        pattern.to_string()
    }
}

/// The route a request to HOST on SERVICE_PORT carrying HEADERS takes, by the
/// VirtualServices as the caller's proxy applies them (header routes first).
pub(super) fn route(
    objects: &[Value],
    host: &str,
    service_port: u16,
    headers: &[(String, String)],
) -> Option<String> {
    let refs: Vec<&Value> = objects.iter().collect();
    let (name, hops) = crate::evaluate::route(&refs, host, service_port, headers)?;
    let vs = objects.iter().find(|o| {
        o.get("kind").and_then(Value::as_str) == Some("VirtualService")
            && o.pointer("/spec/hosts")
                .and_then(Value::as_array)
                .is_some_and(|h| h.iter().any(|x| x == host))
    })?;
    let http = vs
        .pointer("/spec/http")?
        .as_array()?
        .iter()
        .find(|r| r.get("name").and_then(Value::as_str) == Some(name.as_str()))?;
    let dests: Vec<String> = hops
        .iter()
        .map(|h| match (&h.subset, h.weight) {
            (Some(s), Some(w)) => format!("subset {s} {w}%"),
            (Some(s), None) => format!("subset {s}"),
            _ => "all pods".to_string(),
        })
        .collect();
    let mut text = format!(
        "VirtualService {}/{} route {name}: {}",
        vs.pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or(""),
        vs.pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or(""),
        dests.join(", ")
    );
    if let Some(t) = http.get("timeout").and_then(Value::as_str) {
        text.push_str(&format!("; timeout {t}"));
    }
    if let Some(a) = http.pointer("/retries/attempts").and_then(Value::as_u64) {
        text.push_str(&format!("; {a} retries"));
    }
    Some(text)
}
