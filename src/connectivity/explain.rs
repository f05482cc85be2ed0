//! `meshward explain --cluster PATH... FROM TO [PORT [METHOD PATH]]`: the two-layer answer
//! of `explain`, on anyone's YAML. FROM and TO are workloads, `NAME.NAMESPACE`, named as
//! the connectivity listing names them; each layer names the policies that decided, with
//! the file and line each starts at.

use crate::evaluate::{AmbientPath, Cluster, Direction, Endpoint, MtlsMode, Request, Transport};
use crate::explain::{Explanation, Layer, PortAnswer};
use crate::inventory::{Inventory, Origin, Workload};
use std::collections::BTreeMap;

/// Which layer a policy kind belongs to: names are unique per kind, and a NetworkPolicy
/// and an AuthorizationPolicy often share one.
fn layer_of(kind: &str) -> &'static str {
    match kind {
        "NetworkPolicy" | "CiliumNetworkPolicy" => "network",
        "AuthorizationPolicy" => "authorization",
        _ => "other",
    }
}

/// Where each policy starts, by layer and `namespace/name` as the evaluator names it (a
/// CiliumNetworkPolicy rule `name[i]` is found by its object's name).
fn origins(inv: &Inventory) -> BTreeMap<(&'static str, String), (String, Origin)> {
    let mut out = BTreeMap::new();
    for o in &inv.policies {
        let kind = o
            .value
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or_default();
        let name = o
            .value
            .pointer("/metadata/name")
            .and_then(|n| n.as_str())
            .unwrap_or_default();
        let ns = crate::inventory::namespace_of(&o.value);
        out.entry((layer_of(kind), format!("{ns}/{name}")))
            .or_insert((kind.to_string(), o.origin.clone()));
    }
    out
}

fn named(
    origins: &BTreeMap<(&'static str, String), (String, Origin)>,
    layer: &'static str,
    names: &[String],
) -> String {
    names
        .iter()
        .map(|n| {
            let key = n.split('[').next().unwrap_or(n);
            match origins.get(&(layer, key.to_string())) {
                Some((kind, origin)) => format!("{kind} {n} ({origin})"),
                None => n.clone(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn find<'a>(inv: &'a Inventory, label: &str) -> Result<&'a Workload, String> {
    let (name, ns) = label
        .split_once('.')
        .ok_or_else(|| format!("`{label}` is not NAME.NAMESPACE"))?;
    inv.workloads
        .iter()
        .find(|w| w.name == name && w.namespace == ns)
        .ok_or_else(|| {
            let known: Vec<String> = inv
                .workloads
                .iter()
                .map(|w| format!("{}.{}", w.name, w.namespace))
                .collect();
            format!(
                "no workload `{label}` in the input; it holds {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )
        })
}

fn answer(port: String, number: u16, allowed: bool, layers: Vec<Layer>) -> PortAnswer {
    PortAnswer {
        port,
        service_port: number,
        target_port: number,
        protocol: "tcp",
        allowed,
        layers,
        allowed_by: Vec::new(),
        nearest: Vec::new(),
        notes: Vec::new(),
        allowed_now: None,
    }
}

fn reason_of(d: &crate::evaluate::Decision) -> String {
    match d {
        crate::evaluate::Decision::Allow(why) | crate::evaluate::Decision::Deny(why) => why.clone(),
    }
}

/// `; KIND NS/NAME (FILE:LINE), ...` for the AuthorizationPolicies VIEW's pod is judged by.
fn policies_by(
    origins: &BTreeMap<(&'static str, String), (String, Origin)>,
    view: &crate::evaluate::PodView,
) -> String {
    let names: Vec<String> = view
        .authorization_policies()
        .iter()
        .map(|p| format!("{}/{}", p.namespace, p.name))
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!("; {}", named(origins, "authorization", &names))
    }
}

/// The NetworkPolicy layers of one connection, SRC to DST on NUMBER/TCP, titled with TAG.
fn l4_layers(
    cluster: &Cluster,
    origins: &BTreeMap<(&'static str, String), (String, Origin)>,
    (src_pod, from): (&crate::evaluate::Pod, &str),
    (dst_pod, to): (&crate::evaluate::Pod, &str),
    number: u16,
    (tag, hbone): (&str, bool),
) -> Vec<Layer> {
    let src_view = cluster.view(src_pod);
    let dst_view = cluster.view(dst_pod);
    let mut layers = Vec::new();
    for (direction, view, peer, who) in [
        (Direction::Egress, &src_view, Endpoint::Pod(dst_pod), from),
        (Direction::Ingress, &dst_view, Endpoint::Pod(src_pod), to),
    ] {
        let title = match (direction, hbone) {
            (Direction::Egress, false) => "L4 egress",
            (Direction::Ingress, false) => "L4 ingress",
            (Direction::Egress, true) => "L4 egress (HBONE)",
            (Direction::Ingress, true) => "L4 ingress (HBONE)",
        };
        let admitting = view.admitting(direction, peer, number, Transport::Tcp);
        let isolated = !view.isolating(direction).is_empty();
        let ok = match direction {
            Direction::Egress => view.egress_allows(peer, number, Transport::Tcp),
            Direction::Ingress => view.ingress_allows(peer, number, Transport::Tcp),
        };
        let side = match direction {
            Direction::Egress => "egress",
            Direction::Ingress => "ingress",
        };
        let isolating = || -> String {
            let names: Vec<String> = view
                .isolating(direction)
                .iter()
                .map(|p| format!("{}/{}", p.namespace, p.name))
                .collect();
            named(origins, "network", &names)
        };
        let detail = match (tag.is_empty(), isolated, ok) {
            (_, false, _) if tag.is_empty() => format!("no policy isolates {who} for {side}"),
            (true, _, true) => format!("allowed by {}", named(origins, "network", &admitting)),
            (true, _, false) => format!(
                "no rule admits it on {number}/TCP; isolated by {}",
                isolating()
            ),
            (false, false, _) => format!("{tag}: no policy isolates {who} for {side}"),
            (false, true, true) => format!(
                "{tag}: {who} {side} on {number}/TCP allowed by {}",
                named(origins, "network", &admitting)
            ),
            (false, true, false) => format!(
                "{tag}: no rule admits {who} {side} on {number}/TCP; isolated by {}",
                isolating()
            ),
        };
        layers.push(layer(title, ok, detail));
    }
    layers
}

fn layer(name: &'static str, allowed: bool, detail: String) -> Layer {
    Layer {
        layer: name,
        allowed,
        detail,
    }
}

/// The answer for FROM calling TO on PORT (a number or a container port name of TO; every
/// TCP container port of TO without it), with METHOD and PATH when given.
pub fn explain_cluster(
    inv: &Inventory,
    from: &str,
    to: &str,
    port: Option<&str>,
    request: Option<(&str, &str)>,
) -> Result<Explanation, String> {
    let (src, dst) = (find(inv, from)?, find(inv, to)?);
    let cluster = inv.cluster();
    let (src_pod, dst_pod) = (src.pod(), dst.pod());
    let ports: Vec<(String, u16)> = match port {
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => vec![(p.to_string(), n)],
            _ => {
                let found = dst.ports.iter().find(|c| c.name.as_deref() == Some(p));
                let n = found.map(|c| c.number).ok_or_else(|| {
                    format!("`{p}` is neither a port number nor a named container port of {to}")
                })?;
                vec![(p.to_string(), n)]
            }
        },
        None => {
            let tcp: Vec<(String, u16)> = dst
                .ports
                .iter()
                .filter(|c| c.protocol == "TCP")
                .map(|c| {
                    (
                        c.name.clone().unwrap_or_else(|| c.number.to_string()),
                        c.number,
                    )
                })
                .collect();
            if tcp.is_empty() {
                return Err(format!(
                    "{to} declares no TCP container port; give PORT (a number) to ask about one"
                ));
            }
            tcp
        }
    };
    let origins = origins(inv);
    let principal = inv.principal(src);
    let dst_view = cluster.view(&dst_pod);
    let service = cluster.services_of(&dst_pod).into_iter().next();
    let path = cluster.path(&dst_pod, service, Some(&principal));
    let mut answers = Vec::new();
    for (name, number) in ports {
        let mut layers = Vec::new();
        if path == AmbientPath::Sidecar {
            layers.extend(l4_layers(
                &cluster,
                &origins,
                (&src_pod, from),
                (&dst_pod, to),
                number,
                ("", false),
            ));
        } else {
            let via = match &path {
                AmbientPath::Waypoint(w) => format!(" -> waypoint {}/{}", w.namespace, w.name),
                _ => String::new(),
            };
            let why = match (&path, service) {
                (AmbientPath::Waypoint(_), Some(s)) => format!(
                    "Service {}/{} is bound to the waypoint",
                    s.namespace, s.name
                ),
                (_, Some(s)) => format!("no waypoint serves Service {}/{}", s.namespace, s.name),
                (_, None) => format!("no Service of the input selects {to}"),
            };
            layers.push(layer(
                "path",
                true,
                format!("{to} runs in ambient mode: {from}'s ztunnel{via} -> {to}'s ztunnel, HBONE on 15008 ({why})"),
            ));
            let hops = cluster.hops(Some(&src_pod), &dst_pod, service, number);
            let count = hops.len();
            for (k, hop) in hops.iter().enumerate() {
                let hop_src = hop.source.clone().unwrap_or_else(|| src_pod.clone());
                let label = |p: &crate::evaluate::Pod| format!("{}.{}", p.name, p.namespace);
                let (a, b) = (label(&hop_src), label(&hop.target));
                let (a, b) = (
                    if k == 0 { from.to_string() } else { a },
                    if k + 1 == count { to.to_string() } else { b },
                );
                let tag = if count > 1 {
                    format!("hop {}", k + 1)
                } else {
                    String::new()
                };
                layers.extend(l4_layers(
                    &cluster,
                    &origins,
                    (&hop_src, &a),
                    (&hop.target, &b),
                    hop.port,
                    (&tag, true),
                ));
            }
        }
        let mode = match cluster.mtls_mode_on_port(&dst_pod, Some(number)) {
            MtlsMode::Strict => "STRICT",
            MtlsMode::Permissive => "PERMISSIVE",
            MtlsMode::Disable => "DISABLE",
        };
        let how = if path == AmbientPath::Sidecar {
            format!("{mode} on {to}; {from} presents {principal} (every workload is taken to run a sidecar)")
        } else {
            format!("{mode} on {to}; HBONE carries {from}'s identity {principal} (mTLS between ztunnels whatever the mode; STRICT refuses plain text)")
        };
        layers.push(layer("mTLS", true, how));
        let mut req = Request::from_principal(&principal, number);
        if let Some((m, x)) = request {
            req = req.http(m, x);
        }
        let what = request.map_or("a TCP connection".to_string(), |(m, x)| format!("{m} {x}"));
        if let (AmbientPath::Waypoint(w), Some(svc)) = (&path, service) {
            let at = cluster.waypoint_authorize(w, svc, &req);
            let names: Vec<String> = cluster
                .waypoint_policies(w, svc)
                .iter()
                .map(|p| format!("{}/{}", p.namespace, p.name))
                .collect();
            let by = if names.is_empty() {
                String::new()
            } else {
                format!("; {}", named(&origins, "authorization", &names))
            };
            layers.push(layer(
                "L7 waypoint",
                at.is_allowed(),
                format!("{what} from {principal}: {}{by}", reason_of(&at)),
            ));
            let relayed = Request::from_principal(&w.principal(&inv.trust_domain), number);
            let z = cluster.ztunnel_allowed(&dst_pod, &relayed);
            layers.push(layer(
                "L4 ztunnel",
                z.is_allowed(),
                format!(
                    "the waypoint's connection as {}: {}{}",
                    w.principal(&inv.trust_domain),
                    reason_of(&z),
                    policies_by(&origins, &dst_view)
                ),
            ));
            let allowed = layers.iter().all(|l| l.allowed);
            answers.push(answer(name, number, allowed, layers));
            continue;
        }
        if path == AmbientPath::Ztunnel {
            let z = cluster.ztunnel_allowed(&dst_pod, &req);
            layers.push(layer(
                "L4 ztunnel",
                z.is_allowed(),
                format!(
                    "{what} (ztunnel sees the connection only): {}{}",
                    reason_of(&z),
                    policies_by(&origins, &dst_view)
                ),
            ));
            let allowed = layers.iter().all(|l| l.allowed);
            answers.push(answer(name, number, allowed, layers));
            continue;
        }
        let decision = cluster.request_allowed(&dst_pod, &req);
        let reason = match &decision {
            crate::evaluate::Decision::Allow(why) | crate::evaluate::Decision::Deny(why) => {
                why.clone()
            }
        };
        let policies: Vec<String> = dst_view
            .authorization_policies()
            .iter()
            .map(|p| format!("{}/{}", p.namespace, p.name))
            .collect();
        let by = if policies.is_empty() {
            String::new()
        } else {
            format!("; {}", named(&origins, "authorization", &policies))
        };
        layers.push(layer(
            "L7",
            decision.is_allowed(),
            format!("{what}: {reason}{by}"),
        ));
        let allowed = layers.iter().all(|l| l.allowed);
        answers.push(answer(name, number, allowed, layers));
    }
    Ok(Explanation {
        from: from.to_string(),
        to: to.to_string(),
        kind: "workload",
        allowed: answers.iter().any(|a| a.allowed),
        ports: answers,
        dry_run: Vec::new(),
        allowed_now: None,
    })
}
