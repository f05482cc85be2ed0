//! `explain` in a mesh of several clusters: `FROM[@CLUSTER] TO[@CLUSTER]`.
//!
//! Within one cluster the answer is the usual one, judged on that cluster's tree. Between
//! two clusters it follows the path the networks give the call (pod to pod on one
//! network, through the destination cluster's east-west gateway across networks): each
//! leg is judged by the NetworkPolicies of the cluster at its end, then the destination's
//! AuthorizationPolicy judges the caller's own principal, in its cluster's trust domain.
//! Without `@`, FROM is taken in the first cluster (by name) it runs in, and TO in FROM's
//! cluster when it runs there, else in its first.

use super::answer::{layer, Explanation, PortAnswer, Question};
use super::dryrun::{explain_observed, observed_namespaces};
use super::port::{applicable, port_answer, reason, rule_probes, rules_layer};
use super::resolve::{asked, identity, pod};
use crate::evaluate::{Cluster, Crossing, Federation, MtlsMode, Placed, Request};
use crate::ir::{Allow, Identity, Mesh, Port, Service};
use crate::render::Reading;
use crate::source::SourceMap;
use crate::suggest;

/// `NAME.NS@CLUSTER` into its parts; the cluster checked against MESH.
fn split<'q>(mesh: &Mesh, party: &'q str) -> Result<(&'q str, Option<usize>), String> {
    let Some((name, cluster)) = party.rsplit_once('@') else {
        return Ok((party, None));
    };
    let names: Vec<&str> = mesh
        .settings
        .clusters
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    match names.iter().position(|n| *n == cluster) {
        Some(i) => Ok((name, Some(i))),
        None => {
            let hint = match suggest::closest(cluster, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the clusters are {}", names.join(", ")),
            };
            Err(format!("`{party}` names no cluster of this tree; {hint}"))
        }
    }
}

/// The clusters IDENTITY runs in, by index.
fn placed(mesh: &Mesh, identity: &Identity) -> Vec<usize> {
    let s = &mesh.settings;
    (0..s.clusters.len())
        .filter(|&i| s.runs_in(identity, &s.clusters[i].name))
        .collect()
}

/// Check that NAME's pods run in cluster AT.
fn runs(mesh: &Mesh, identity: &Identity, name: &str, at: usize) -> Result<(), String> {
    let s = &mesh.settings;
    if s.runs_in(identity, &s.clusters[at].name) {
        return Ok(());
    }
    let names: Vec<&str> = s.clusters_of(identity).map(|c| c.name.as_str()).collect();
    Err(format!(
        "`{name}` does not run in cluster `{}`; it runs in {}",
        s.clusters[at].name,
        names.join(", ")
    ))
}

/// Answer Q about MESH, a mesh of several clusters.
pub fn explain_clusters(
    mesh: &Mesh,
    sources: &SourceMap,
    q: &Question,
) -> Result<Explanation, String> {
    let (from_name, from_at) = split(mesh, &q.from)?;
    let (to_name, to_at) = split(mesh, &q.to)?;
    let local = Question {
        from: from_name.to_string(),
        to: to_name.to_string(),
        port: q.port.clone(),
        request: q.request.clone(),
        headers: q.headers.clone(),
        token: q.token.clone(),
    };
    let from = identity(mesh, from_name)?;
    let y = match from_at {
        Some(y) => y,
        None => *placed(mesh, from)
            .first()
            .ok_or("FROM runs in no cluster")?,
    };
    runs(mesh, from, from_name, y)?;
    let to_service = identity(mesh, to_name)
        .ok()
        .and_then(|i| mesh.services.iter().find(|s| s.identity == *i));
    let x = match (to_at, to_service) {
        (Some(x), _) => x,
        (None, Some(to))
            if !mesh
                .settings
                .runs_in(&to.identity, &mesh.settings.clusters[y].name) =>
        {
            *placed(mesh, &to.identity)
                .first()
                .ok_or("TO runs in no cluster")?
        }
        (None, _) => y,
    };
    let named = |name: &str, at: usize| format!("{name}@{}", mesh.settings.clusters[at].name);
    let mut answer = match to_service {
        Some(to) if x != y => {
            runs(mesh, &to.identity, to_name, x)?;
            across(mesh, sources, &local, from, to, y, x)?
        }
        _ => {
            if x != y {
                return Err(format!(
                    "`{to_name}` is not a service: only services are called across clusters; ask for it in `{}`",
                    named(from_name, y)
                ));
            }
            if let Some(to) = to_service {
                runs(mesh, &to.identity, to_name, x)?;
            }
            within(mesh, sources, &local, x)?
        }
    };
    answer.from = named(from_name, y);
    answer.to = match to_service {
        Some(_) => named(to_name, x),
        None => to_name.to_string(),
    };
    Ok(answer)
}

/// The usual answer, on cluster AT's tree.
fn within(
    mesh: &Mesh,
    sources: &SourceMap,
    q: &Question,
    at: usize,
) -> Result<Explanation, String> {
    let site = mesh.at(at);
    let render = |reading| crate::pipeline::render_objects_as(&site, reading);
    let written = render(Reading::Written).map_err(|e| e.to_string())?;
    let enforced = if observed_namespaces(&site, q).is_empty() {
        Vec::new()
    } else {
        render(Reading::Enforced).map_err(|e| e.to_string())?
    };
    explain_observed(&site, &written, &enforced, sources, q)
}

/// Cluster AT's tree, read: a member of the federation.
fn member(mesh: &Mesh, at: usize) -> Result<(String, Cluster), String> {
    let site = mesh.at(at);
    let objects = crate::pipeline::render_objects(&site).map_err(|e| e.to_string())?;
    let read = crate::selfcheck::environment(&site, Cluster::from_objects(objects));
    Ok((mesh.settings.clusters[at].name.clone(), read))
}

/// FROM in cluster Y calls TO in cluster X.
#[allow(clippy::too_many_arguments)]
fn across(
    mesh: &Mesh,
    sources: &SourceMap,
    q: &Question,
    from: &Identity,
    to: &Service,
    y: usize,
    x: usize,
) -> Result<Explanation, String> {
    let federation = crate::selfcheck::federation(mesh, vec![member(mesh, y)?, member(mesh, x)?]);
    let (from_pod, to_pod) = (pod(from), pod(&to.identity));
    let a = Placed {
        cluster: &federation.members[0].name,
        pod: &from_pod,
        address: crate::selfcheck::address(mesh, y, 0),
    };
    let b = Placed {
        cluster: &federation.members[1].name,
        pod: &to_pod,
        address: crate::selfcheck::address(mesh, x, 1),
    };
    let answers = asked(&q.to, &to.ports, q)?
        .into_iter()
        .map(|(_, port)| port_across(&federation, sources, q, from, to, &a, &b, port))
        .collect::<Result<Vec<PortAnswer>, String>>()?;
    Ok(Explanation {
        from: q.from.clone(),
        to: q.to.clone(),
        kind: "service",
        allowed: answers.iter().any(|a| a.allowed),
        ports: answers,
        dry_run: Vec::new(),
        allowed_now: None,
    })
}

#[allow(clippy::too_many_arguments)]
fn port_across(
    f: &Federation,
    sources: &SourceMap,
    q: &Question,
    from: &Identity,
    to: &Service,
    a: &Placed,
    b: &Placed,
    port: &Port,
) -> Result<PortAnswer, String> {
    let target = port.target;
    let (y, x) = (&f.members[0], &f.members[1]);
    let crossing = f.crossing(a.cluster, b.cluster);
    let mut layers = vec![layer(
        "path",
        true,
        match crossing {
            Some(Crossing::Direct) => format!(
                "{} → {} on network {}: pod to pod, each side's NetworkPolicy sees the other's pod range",
                y.name, x.name, x.network
            ),
            _ => format!(
                "{} (network {}) → {} (network {}): through {}'s east-west gateway ({} on {})",
                y.name,
                y.network,
                x.name,
                x.network,
                x.name,
                x.gateway
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                crate::evaluate::EASTWEST_PORT
            ),
        },
    )];
    if crossing == Some(Crossing::Gateway) && x.gateway.is_empty() {
        layers.push(layer(
            "L4 egress",
            false,
            format!("cluster {} has no east-west gateway address", x.name),
        ));
    } else {
        for leg in f.legs(a, b, target)? {
            let name = if leg.what.starts_with("egress") {
                "L4 egress"
            } else {
                "L4 ingress"
            };
            let verdict = if leg.allowed { "admitted" } else { "denied" };
            let detail = format!(
                "{}: {verdict} by the NetworkPolicies of cluster {}",
                leg.what, leg.cluster
            );
            layers.push(layer(name, leg.allowed, detail));
        }
    }
    let principal = f.principal(a).ok_or("unknown cluster")?;
    let mode = match x.cluster.mtls_mode(b.pod) {
        MtlsMode::Strict => "STRICT",
        MtlsMode::Permissive => "PERMISSIVE",
        MtlsMode::Disable => "DISABLE",
    };
    layers.push(layer(
        "mTLS",
        true,
        format!(
            "{mode} on {}@{}; {}@{} presents {principal} (mTLS runs end to end)",
            q.to, x.name, q.from, y.name
        ),
    ));
    let applicable = applicable(to, from, target);
    let ask = |req: Request| f.request_allowed(a, b, &q.dress(req));
    let base = Request::from_principal(&principal, target);
    let (l7_ok, allowed_by): (bool, Vec<&Allow>) = match (&q.request, port.protocol.is_http()) {
        (Some((m, path)), true) => {
            let decision = ask(base.http(m, path))?;
            layers.push(layer(
                "L7",
                decision.is_allowed(),
                format!("{m} {path}{}: {}", q.carrying(), reason(&decision)),
            ));
            let by = applicable
                .iter()
                .copied()
                .filter(|al| al.covers_request(m, path))
                .collect();
            (decision.is_allowed(), by)
        }
        (None, true) if applicable.iter().any(|al| !al.rules.is_empty()) => {
            let mut ok = false;
            for (m, path) in rule_probes(&applicable) {
                ok |= ask(base.clone().http(&m, &path))?.is_allowed();
            }
            layers.push(rules_layer(sources, &applicable, ok));
            (ok, applicable.clone())
        }
        _ => {
            let req = if port.protocol.is_http() {
                base.http("GET", "/")
            } else {
                base
            };
            let decision = ask(req)?;
            layers.push(layer(
                "L7",
                decision.is_allowed(),
                format!("any request{}: {}", q.carrying(), reason(&decision)),
            ));
            (decision.is_allowed(), applicable.clone())
        }
    };
    let allowed = l7_ok && layers.iter().all(|l| l.allowed);
    Ok(port_answer(
        sources,
        to,
        from,
        port,
        layers,
        allowed,
        &allowed_by,
    ))
}
