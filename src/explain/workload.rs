//! One port of a declared workload as a destination (`explain SRC vault.vault [PORT]`):
//! the caller's L4 egress to the workload's pods and the caller's proxy importing the
//! workload's namespace (`<wns>/*`), judged by the evaluator on the rendered objects.
//! meshward writes nothing in the workload's namespace, so its own ingress and
//! authorization are reported as outside meshward's hands.

use super::answer::{layer, PortAnswer};
use super::external::{finish, policy_kind, Grant};
use super::layers::{egress_to_pod, label, sidecar};
use super::nearest::grants;
use crate::evaluate::{Cluster, Direction, Endpoint, Pod, Transport};
use crate::ir::{Allow, Identity, Mesh, Port, Workload};
use crate::source::SourceMap;

#[allow(clippy::too_many_arguments)]
pub(crate) fn answer(
    mesh: &Mesh,
    sources: &SourceMap,
    cluster: &Cluster,
    from: &Identity,
    from_pod: &Pod,
    workload: &Workload,
    to_pod: &Pod,
    index: usize,
    port: &Port,
) -> PortAnswer {
    let to = &workload.identity;
    let to_label = label(to);
    let mut layers = vec![egress_to_pod(
        policy_kind(mesh),
        cluster,
        from,
        from_pod,
        to_pod,
        &to_label,
        port.target,
    )];
    // The workload is reached through a Service of its namespace; the evaluator takes any
    // `name.namespace.svc.<domain>` for one, and the Sidecar imports `<wns>/*`.
    let host = format!(
        "{}.{}.svc.{}",
        to.name, to.namespace, mesh.settings.cluster_domain
    );
    layers.push(sidecar(cluster, from, from_pod, &host, port.port));
    let names = cluster.view(to_pod).admitting(
        Direction::Ingress,
        Endpoint::Pod(from_pod),
        port.target,
        Transport::Tcp,
    );
    let isolated = cluster.isolated(to_pod, Direction::Ingress);
    layers.push(if !names.is_empty() {
        layer(
            "L4 ingress",
            true,
            format!("allowed by {} {}", policy_kind(mesh), names.join(", ")),
        )
    } else if isolated {
        layer(
            "L4 ingress",
            false,
            format!(
                "no {} selecting {to_label} admits {} on {}/TCP",
                policy_kind(mesh),
                label(from),
                port.target
            ),
        )
    } else {
        layer(
            "L4 ingress",
            true,
            format!("{to_label} is a workload meshward does not manage: no policy meshward writes selects it; its own namespace's policies decide"),
        )
    });
    layers.push(layer(
        "L7",
        true,
        format!("{to_label} is a workload meshward does not manage: its own AuthorizationPolicies decide"),
    ));
    let granting: Vec<&Allow> = workload
        .allows
        .iter()
        .filter(|a| a.ports.contains(&index) && a.callers.iter().any(|c| grants(mesh, c, from)))
        .collect();
    let origin = sources.get(workload.span.file).relative.clone();
    finish(
        mesh,
        sources,
        from,
        port,
        layers,
        &granting,
        Grant {
            what: &format!("workload {to_label}"),
            origin: &origin,
            allows: &workload.allows,
            ports: &workload.ports,
            loose:
                "another grant or a policy outside meshward's hands opens the way (see the layers)",
        },
    )
}
