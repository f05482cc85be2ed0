//! `meshward explain DIR FROM TO [PORT [METHOD PATH]]`: may FROM call TO, layer by layer.
//!
//! The verdicts come from [`evaluate`] reading the rendered objects (the ones `build`
//! writes), so an explanation shows what the cluster will do, not what meshward meant.
//! The intent side only supplies what a person needs next: the `file:line` that allows
//! the call, or that nothing does and the nearest thing that would.

use crate::evaluate::{Cluster, Decision, Direction, Endpoint, MtlsMode, Pod, Request, Transport};
use crate::ir::{Allow, Caller, Identity, Mesh, Mtls, Port, Service};
use crate::source::SourceMap;
use crate::suggest;
use serde::Serialize;
use serde_json::Value;

/// What was asked, resolved against the tree.
pub struct Question {
    pub from: String,
    pub to: String,
    pub port: Option<String>,
    pub request: Option<(String, String)>,
}

#[derive(Debug, Serialize)]
pub struct Explanation {
    pub from: String,
    pub to: String,
    pub allowed: bool,
    pub ports: Vec<PortAnswer>,
}

#[derive(Debug, Serialize)]
pub struct PortAnswer {
    pub port: String,
    pub service_port: u16,
    pub target_port: u16,
    pub protocol: &'static str,
    pub allowed: bool,
    pub layers: Vec<Layer>,
    /// The intent lines that allow this call.
    pub allowed_by: Vec<String>,
    /// When denied: what comes closest to allowing it.
    pub nearest: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Layer {
    pub layer: &'static str,
    pub allowed: bool,
    pub detail: String,
}

fn layer(name: &'static str, allowed: bool, detail: impl Into<String>) -> Layer {
    Layer {
        layer: name,
        allowed,
        detail: detail.into(),
    }
}

/// Find `NAME.NAMESPACE` among services and workloads.
fn identity<'m>(mesh: &'m Mesh, wanted: &str) -> Result<&'m Identity, String> {
    let all = mesh
        .services
        .iter()
        .map(|s| &s.identity)
        .chain(mesh.workloads.iter().map(|w| &w.identity));
    let mut names = Vec::new();
    for i in all {
        let name = format!("{}.{}", i.name, i.namespace);
        if name == wanted {
            return Ok(i);
        }
        names.push(name);
    }
    let hint = match suggest::closest(wanted, names.iter().map(String::as_str)) {
        Some(s) => format!("; did you mean `{s}`?"),
        None => "; write NAME.NAMESPACE, e.g. `orders.shop`".to_string(),
    };
    Err(format!(
        "`{wanted}` is not a service or workload of this tree{hint}"
    ))
}

fn pod(i: &Identity) -> Pod {
    let mut pod =
        Pod::new(&format!("{}.{}", i.name, i.namespace), &i.namespace).account(&i.account);
    for (k, v) in &i.selector {
        pod = pod.label(k, v);
    }
    pod
}

fn rules_text(allow: &Allow) -> String {
    if allow.rules.is_empty() {
        return "any request".into();
    }
    allow
        .rules
        .iter()
        .map(|r| {
            let m = if r.methods.is_empty() {
                "*".to_string()
            } else {
                r.methods.join("|")
            };
            format!("{m} {}", r.paths.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn find_port<'s>(service: &'s Service, wanted: &str) -> Result<&'s Port, String> {
    let by_name = service.ports.iter().find(|p| p.name == wanted);
    let by_number = wanted.parse::<u16>().ok().and_then(|n| {
        service
            .ports
            .iter()
            .find(|p| p.port == n)
            .or_else(|| service.ports.iter().find(|p| p.target == n))
    });
    by_name.or(by_number).ok_or_else(|| {
        let names: Vec<&str> = service.ports.iter().map(|p| p.name.as_str()).collect();
        format!(
            "`{}.{}` has no port `{wanted}`; its ports are {}",
            service.name(),
            service.namespace(),
            names.join(", ")
        )
    })
}

/// Answer QUESTION about MESH, judging the rendered OBJECTS.
pub fn explain(
    mesh: &Mesh,
    objects: &[Value],
    sources: &SourceMap,
    q: &Question,
) -> Result<Explanation, String> {
    let from = identity(mesh, &q.from)?;
    let to_identity = identity(mesh, &q.to)?;
    let to = mesh
        .services
        .iter()
        .find(|s| s.identity == *to_identity)
        .ok_or_else(|| {
            format!(
                "`{}` is a workload; only services of the tree can be called",
                q.to
            )
        })?;
    let ports: Vec<&Port> = match &q.port {
        Some(p) => vec![find_port(to, p)?],
        None => to.ports.iter().collect(),
    };
    let cluster = Cluster::from_objects(objects.iter().cloned());
    let (from_pod, to_pod) = (pod(from), pod(&to.identity));
    let answers: Vec<PortAnswer> = ports
        .into_iter()
        .map(|port| {
            answer(
                mesh, objects, sources, &cluster, from, &from_pod, to, &to_pod, port, q,
            )
        })
        .collect();
    Ok(Explanation {
        from: q.from.clone(),
        to: q.to.clone(),
        allowed: answers.iter().any(|a| a.allowed),
        ports: answers,
    })
}

#[allow(clippy::too_many_arguments)]
fn answer(
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
    let egress = if from.managed {
        let names = cluster.view(from_pod).admitting(
            Direction::Egress,
            Endpoint::Pod(to_pod),
            target,
            Transport::Tcp,
        );
        let ok = !names.is_empty() || !cluster.isolated(from_pod, Direction::Egress);
        layer(
            "L4 egress",
            ok,
            if ok {
                format!("allowed by NetworkPolicy {}", names.join(", "))
            } else {
                format!(
                    "no NetworkPolicy selecting {} allows egress to it on {target}/TCP",
                    q.from
                )
            },
        )
    } else {
        layer(
            "L4 egress",
            true,
            format!(
                "{} is a workload meshward does not manage; its own namespace's policies decide",
                q.from
            ),
        )
    };
    let names = cluster.view(to_pod).admitting(
        Direction::Ingress,
        Endpoint::Pod(from_pod),
        target,
        Transport::Tcp,
    );
    let ingress_ok = !names.is_empty();
    let ingress = layer(
        "L4 ingress",
        ingress_ok,
        if ingress_ok {
            format!("allowed by NetworkPolicy {}", names.join(", "))
        } else {
            format!(
                "no NetworkPolicy selecting {} admits {} on {target}/TCP",
                q.to, q.from
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
    layers.extend([egress, ingress, mtls]);

    let applicable: Vec<&Allow> = to
        .allows
        .iter()
        .filter(|a| {
            a.ports.iter().any(|&i| to.ports[i].target == target)
                && a.callers.iter().any(|c| c.covers(from))
        })
        .collect();
    let view = cluster.view(to_pod);
    let (l7_ok, allowed_by) = match (&q.request, port.protocol.is_http()) {
        (Some((m, x)), true) => {
            let decision = view.authorize(&Request::from_principal(&principal, target).http(m, x));
            let by: Vec<&Allow> = applicable
                .iter()
                .copied()
                .filter(|a| a.covers_request(m, x))
                .collect();
            layers.push(layer(
                "L7",
                decision.is_allowed(),
                format!("{m} {x}: {}", reason(&decision)),
            ));
            (decision.is_allowed(), by)
        }
        (None, true) if applicable.iter().any(|a| !a.rules.is_empty()) => {
            // Which requests may FROM send? Probe the policy with each applicable rule.
            let probes: Vec<(String, String)> = applicable
                .iter()
                .flat_map(|a| a.rules.iter())
                .flat_map(|r| {
                    let method = r.methods.first().cloned().unwrap_or_else(|| "GET".into());
                    r.paths.iter().map(move |p| (method.clone(), concrete(p)))
                })
                .collect();
            let ok = probes.iter().any(|(m, x)| {
                view.authorize(&Request::from_principal(&principal, target).http(m, x))
                    .is_allowed()
            });
            let rules: Vec<String> = applicable
                .iter()
                .map(|a| format!("{} ({})", rules_text(a), sources.location(a.span)))
                .collect();
            layers.push(layer(
                "L7",
                ok,
                format!("only these requests: {}", rules.join("; ")),
            ));
            (ok, applicable.clone())
        }
        _ => {
            let req = Request::from_principal(&principal, target);
            let req = if port.protocol.is_http() {
                req.http("GET", "/")
            } else {
                req
            };
            let decision = view.authorize(&req);
            let what = match (&q.request, port.protocol.is_http()) {
                (_, true) => "any request".to_string(),
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
    if let Some(route) = route(objects, &to.host(&mesh.settings.cluster_domain), port.port) {
        layers.push(layer("route", true, route));
    }
    let allowed = layers.iter().all(|l| l.allowed) && l7_ok;
    let nearest = if allowed {
        Vec::new()
    } else {
        nearest(to, from, port, sources, &applicable)
    };
    PortAnswer {
        port: port.name.clone(),
        service_port: port.port,
        target_port: target,
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
        nearest,
    }
}

fn callers_text(a: &Allow) -> String {
    a.callers
        .iter()
        .map(Caller::label)
        .collect::<Vec<_>>()
        .join(", ")
}

fn reason(d: &Decision) -> String {
    match d {
        Decision::Allow(why) => format!("allowed by {why}"),
        Decision::Deny(why) => format!("denied: {why}"),
    }
}

/// A path that a rule's pattern matches.
fn concrete(pattern: &str) -> String {
    if let Some(prefix) = pattern.strip_suffix('*') {
        format!("{prefix}x")
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        format!("/x{suffix}")
    } else {
        pattern.to_string()
    }
}

fn route(objects: &[Value], host: &str, service_port: u16) -> Option<String> {
    let vs = objects.iter().find(|o| {
        o.get("kind").and_then(Value::as_str) == Some("VirtualService")
            && o.pointer("/spec/hosts")
                .and_then(Value::as_array)
                .is_some_and(|h| h.iter().any(|x| x == host))
    })?;
    let http = vs.pointer("/spec/http")?.as_array()?.iter().find(|r| {
        r.get("match").and_then(Value::as_array).is_some_and(|ms| {
            ms.iter()
                .any(|m| m.get("port").and_then(Value::as_u64) == Some(u64::from(service_port)))
        })
    })?;
    let dests: Vec<String> = http
        .get("route")?
        .as_array()?
        .iter()
        .map(|d| {
            match (
                d.pointer("/destination/subset").and_then(Value::as_str),
                d.get("weight").and_then(Value::as_u64),
            ) {
                (Some(s), Some(w)) => format!("subset {s} {w}%"),
                (Some(s), None) => format!("subset {s}"),
                _ => "all pods".to_string(),
            }
        })
        .collect();
    let mut text = format!(
        "VirtualService {}/{} route {}: {}",
        vs.pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or(""),
        vs.pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or(""),
        http.get("name").and_then(Value::as_str).unwrap_or(""),
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

/// The allows that come closest when nothing allows the call.
fn nearest(
    to: &Service,
    from: &Identity,
    port: &Port,
    sources: &SourceMap,
    applicable: &[&Allow],
) -> Vec<String> {
    let mut out = Vec::new();
    for a in applicable {
        out.push(format!(
            "{} allows {} on this port only for: {}",
            sources.location(a.span),
            callers_text(a),
            rules_text(a)
        ));
    }
    for a in to
        .allows
        .iter()
        .filter(|a| a.callers.iter().any(|c| c.covers(from)))
    {
        let others: Vec<&str> = a
            .ports
            .iter()
            .map(|&i| to.ports[i].name.as_str())
            .filter(|n| *n != port.name)
            .collect();
        if !others.is_empty() && !a.ports.iter().any(|&i| to.ports[i].target == port.target) {
            out.push(format!(
                "{} allows it on port {} instead",
                sources.location(a.span),
                others.join(", ")
            ));
        }
    }
    if out.is_empty() {
        for a in to
            .allows
            .iter()
            .filter(|a| a.ports.iter().any(|&i| to.ports[i].target == port.target))
        {
            out.push(format!(
                "{} allows other callers on this port: {}",
                sources.location(a.span),
                callers_text(a)
            ));
        }
    }
    if out.is_empty() {
        out.push(format!(
            "nothing in {} allows any caller on port {}",
            to.origin, port.name
        ));
    }
    if to.mtls == Mtls::Permissive {
        out.push(format!("{} is mtls permissive", to.name()));
    }
    out
}

/// The text form, for a terminal.
pub fn render_text(e: &Explanation) -> String {
    let mut out = String::new();
    for p in &e.ports {
        out.push_str(&format!(
            "{} → {} port {} (Service port {} → target port {}/{})\n",
            e.from, e.to, p.port, p.service_port, p.target_port, p.protocol
        ));
        for l in &p.layers {
            let mark = if l.allowed { "ok  " } else { "DENY" };
            out.push_str(&format!("  {mark} {:<10} {}\n", l.layer, l.detail));
        }
        for line in &p.allowed_by {
            out.push_str(&format!("  intent     {line}\n"));
        }
        for line in &p.nearest {
            out.push_str(&format!("  nearest    {line}\n"));
        }
        out.push_str(if p.allowed {
            "  => allowed\n"
        } else {
            "  => denied\n"
        });
    }
    out.push_str(if e.allowed { "ALLOWED\n" } else { "DENIED\n" });
    out
}
