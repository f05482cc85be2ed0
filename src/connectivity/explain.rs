//! `meshward explain --cluster PATH... FROM TO [PORT [METHOD PATH]]`: the two-layer answer
//! of `explain`, on anyone's YAML. FROM and TO are workloads, `NAME.NAMESPACE`, named as
//! the connectivity listing names them; each layer names the policies that decided, with
//! the file and line each starts at.

use crate::evaluate::{Cluster, Direction, Endpoint, MtlsMode, Request, Transport};
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
    let mut cluster = Cluster::from_objects(inv.policies.iter().map(|o| &o.value));
    for (ns, labels) in &inv.namespaces {
        cluster = cluster.with_namespace_labels(ns, labels.clone());
    }
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
    let principal = format!(
        "cluster.local/ns/{}/sa/{}",
        src.namespace, src.service_account
    );
    let src_view = cluster.view(&src_pod);
    let dst_view = cluster.view(&dst_pod);
    let mut answers = Vec::new();
    for (name, number) in ports {
        let mut layers = Vec::new();
        for (direction, view, peer, who) in [
            (Direction::Egress, &src_view, Endpoint::Pod(&dst_pod), from),
            (Direction::Ingress, &dst_view, Endpoint::Pod(&src_pod), to),
        ] {
            let title = match direction {
                Direction::Egress => "L4 egress",
                Direction::Ingress => "L4 ingress",
            };
            let admitting = view.admitting(direction, peer, number, Transport::Tcp);
            let isolated = !view.isolating(direction).is_empty();
            let ok = match direction {
                Direction::Egress => view.egress_allows(peer, number, Transport::Tcp),
                Direction::Ingress => view.ingress_allows(peer, number, Transport::Tcp),
            };
            let detail = if !isolated {
                format!(
                    "no policy isolates {who} for {}",
                    title.to_lowercase().replace("l4 ", "")
                )
            } else if ok {
                format!("allowed by {}", named(&origins, "network", &admitting))
            } else {
                let isolating: Vec<String> = view
                    .isolating(direction)
                    .iter()
                    .map(|p| format!("{}/{}", p.namespace, p.name))
                    .collect();
                format!(
                    "no rule admits it on {number}/TCP; isolated by {}",
                    named(&origins, "network", &isolating)
                )
            };
            layers.push(layer(title, ok, detail));
        }
        let mode = match cluster.mtls_mode_on_port(&dst_pod, Some(number)) {
            MtlsMode::Strict => "STRICT",
            MtlsMode::Permissive => "PERMISSIVE",
            MtlsMode::Disable => "DISABLE",
        };
        layers.push(layer(
            "mTLS",
            true,
            format!("{mode} on {to}; {from} presents {principal} (every workload is taken to run a sidecar)"),
        ));
        let mut req = Request::from_principal(&principal, number);
        if let Some((m, x)) = request {
            req = req.http(m, x);
        }
        let decision = cluster.request_allowed(&dst_pod, &req);
        let what = request.map_or("a TCP connection".to_string(), |(m, x)| format!("{m} {x}"));
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
        answers.push(PortAnswer {
            port: name,
            service_port: number,
            target_port: number,
            protocol: "tcp",
            allowed,
            layers,
            allowed_by: Vec::new(),
            nearest: Vec::new(),
            notes: Vec::new(),
            allowed_now: None,
        });
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
