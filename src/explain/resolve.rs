//! Resolves a question against the tree and judges it: FROM must name a service or
//! workload, TO a service, a workload with ports or `external:NAME`, PORT one of TO's
//! ports by name or number; anything else is rejected with the names that would have
//! worked. Each port is then judged on the rendered objects by `port` (a service),
//! `workload` or `external`.

use super::answer::{Explanation, PortAnswer, Question};
use super::{ambient, external, port, workload};
use crate::evaluate::{Cluster, Pod};
use crate::ir::{External, Identity, Mesh, Port};
use crate::source::SourceMap;
use crate::suggest;
use serde_json::Value;

/// Find `NAME.NAMESPACE` among services and workloads.
pub(super) fn identity<'m>(mesh: &'m Mesh, wanted: &str) -> Result<&'m Identity, String> {
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

pub(super) fn pod(i: &Identity) -> Pod {
    let mut pod =
        Pod::new(&format!("{}.{}", i.name, i.namespace), &i.namespace).account(&i.account);
    for (k, v) in &i.selector {
        pod = pod.label(k, v);
    }
    pod
}

/// The port of PORTS named WANTED, or with that port or target number: (index, port).
fn find_port<'p>(
    owner: &str,
    ports: &'p [Port],
    wanted: &str,
) -> Result<(usize, &'p Port), String> {
    let by_name = ports.iter().position(|p| p.name == wanted);
    let by_number = wanted.parse::<u16>().ok().and_then(|n| {
        ports
            .iter()
            .position(|p| p.port == n)
            .or_else(|| ports.iter().position(|p| p.target == n))
    });
    let names: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
    by_name
        .or(by_number)
        .map(|i| (i, &ports[i]))
        .ok_or_else(|| {
            format!(
                "`{owner}` has no port `{wanted}`; its ports are {}",
                names.join(", ")
            )
        })
}

/// The ports asked about: the one named, or all of them.
pub(super) fn asked<'p>(
    owner: &str,
    ports: &'p [Port],
    q: &Question,
) -> Result<Vec<(usize, &'p Port)>, String> {
    match &q.port {
        Some(p) => Ok(vec![find_port(owner, ports, p)?]),
        None => Ok(ports.iter().enumerate().collect()),
    }
}

/// The external named by `external:NAME`.
fn external<'m>(mesh: &'m Mesh, name: &str) -> Result<&'m External, String> {
    mesh.externals
        .iter()
        .find(|e| e.name == name)
        .ok_or_else(|| {
            let hint = match suggest::closest(name, mesh.externals.iter().map(|e| e.name.as_str()))
            {
                Some(s) => format!("; did you mean `external:{s}`?"),
                None if mesh.externals.is_empty() => {
                    "; this tree declares no externals".to_string()
                }
                None => "; write `external:NAME` with the name of an `external` block".to_string(),
            };
            format!("`external:{name}` is not an external of this tree{hint}")
        })
}

/// Answer QUESTION about MESH, judging the rendered OBJECTS. TO is a service, a declared
/// workload with ports (`vault.vault`), or `external:NAME`.
pub fn explain(
    mesh: &Mesh,
    objects: &[Value],
    sources: &SourceMap,
    q: &Question,
) -> Result<Explanation, String> {
    if q.from.starts_with("external:") {
        return Err(format!(
            "`{}` is outside the cluster and calls nothing meshward governs; FROM is a service or a workload, `NAME.NAMESPACE`",
            q.from
        ));
    }
    let from = identity(mesh, &q.from)?;
    let from_pod = pod(from);
    // Under ambient, with the namespace labels the docs ask for.
    let cluster =
        crate::selfcheck::environment(mesh, Cluster::from_objects(objects.iter().cloned()));
    let (kind, answers): (&'static str, Vec<PortAnswer>) = if let Some(name) =
        q.to.strip_prefix("external:")
    {
        let ext = external(mesh, name)?;
        let answers = asked(&q.to, &ext.ports, q)?
            .into_iter()
            .map(|(i, port)| {
                external::answer(
                    mesh, objects, sources, &cluster, from, &from_pod, ext, i, port,
                )
            })
            .collect();
        ("external", answers)
    } else {
        let to_identity = identity(mesh, &q.to)?;
        let to_pod = pod(to_identity);
        if let Some(to) = mesh.services.iter().find(|s| s.identity == *to_identity) {
            let answers = asked(&q.to, &to.ports, q)?
                .into_iter()
                .map(|(_, port)| {
                    let answer = match mesh.settings.is_ambient() {
                        true => ambient::answer,
                        false => port::answer,
                    };
                    answer(
                        mesh, objects, sources, &cluster, from, &from_pod, to, &to_pod, port, q,
                    )
                })
                .collect();
            ("service", answers)
        } else {
            let workload = mesh
                    .workloads
                    .iter()
                    .find(|w| w.identity == *to_identity && !w.ports.is_empty())
                    .ok_or_else(|| {
                        format!(
                            "`{}` is a workload without ports; only services, workloads with `port` lines and externals can be called",
                            q.to
                        )
                    })?;
            let answers = asked(&q.to, &workload.ports, q)?
                .into_iter()
                .map(|(i, port)| {
                    workload::answer(
                        mesh, sources, &cluster, from, &from_pod, workload, &to_pod, i, port,
                    )
                })
                .collect();
            ("workload", answers)
        }
    };
    let mut answers = answers;
    if let (Some((method, path)), true) = (&q.request, kind != "service") {
        for a in &mut answers {
            a.notes.push(format!(
                "`{method} {path}` is not judged: meshward writes no HTTP rules for a {kind}, so any request on an admitted connection goes through"
            ));
        }
    }
    Ok(Explanation {
        from: q.from.clone(),
        to: q.to.clone(),
        kind,
        allowed: answers.iter().any(|a| a.allowed),
        ports: answers,
        dry_run: Vec::new(),
        allowed_now: None,
    })
}
