//! Resolves a question against the tree and judges it: FROM and TO must name a service or
//! workload (TO a service), PORT one of TO's ports by name or number; anything else is
//! rejected with the names that would have worked. Each port is then judged by `port`
//! on the rendered objects.

use super::answer::{Explanation, PortAnswer, Question};
use super::port;
use crate::evaluate::{Cluster, Pod};
use crate::ir::{Identity, Mesh, Port, Service};
use crate::source::SourceMap;
use crate::suggest;
use serde_json::Value;

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
            port::answer(
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
