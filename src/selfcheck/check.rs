//! The whole self-check: every service judged as a destination on each layer, the
//! undeclared pods of each managed namespace, then the routes, merged into one report in
//! service order.

use super::addresses::{egress_addresses, Addresses};
use super::ambient::{self, environment};
use super::dryrun::{observed, Observed};
use super::expected::{Admitted, Expected};
use super::l4::{egress, ingress, probe_ports};
use super::l7::authorization;
use super::mtls::mtls;
use super::names::{egress_names, Names};
use super::probes::{Universe, ELSEWHERE, STRANGER};
use super::reach::Reach;
use super::report::{Fault, Report};
use super::resilience::{header_routes, port_settings};
use super::routes::routes;
use super::scope::{registry, scope};
use super::waves::{waves, Placed};
use crate::evaluate::{Cluster, MtlsMode, Request, Transport};
use crate::ir::{Mesh, Network};
use crate::render::Reading;
use rayon::prelude::*;
use serde_json::Value;
use std::collections::BTreeSet;

/// Check the rendered OBJECTS against MESH; empty when they agree.
pub fn self_check(mesh: &Mesh, objects: &[Value]) -> Vec<Fault> {
    self_check_as(mesh, objects, Reading::Written)
}

/// [`self_check`] on objects rendered as READING: with [`Reading::Enforced`], dry-run
/// namespaces are held to the enforced objects.
pub fn self_check_as(mesh: &Mesh, objects: &[Value], reading: Reading) -> Vec<Fault> {
    let routing: Vec<&Value> = objects.iter().filter(|o| is_routing(o)).collect();
    let placed: Vec<Placed> = objects.iter().filter_map(Placed::from_value).collect();
    check_as(
        mesh,
        &environment(mesh, Cluster::from_objects(objects)),
        &routing,
        &placed,
        reading,
    )
}

/// Whether OBJECT is a VirtualService or a DestinationRule, which the self-check reads
/// as JSON (the policies it reads through a [`Cluster`]).
pub fn is_routing(object: &Value) -> bool {
    matches!(
        object.get("kind").and_then(Value::as_str),
        Some("VirtualService" | "DestinationRule")
    )
}

/// Check the policies in CLUSTER and the ROUTING objects against MESH; empty when they
/// agree.
pub fn check(mesh: &Mesh, cluster: &Cluster, routing: &[&Value], placed: &[Placed]) -> Vec<Fault> {
    check_as(mesh, cluster, routing, placed, Reading::Written)
}

/// [`check`] of objects rendered as READING. AuthorizationPolicies are always read as
/// enforced, dry-run or not; with [`Reading::Written`] every other layer of a dry-run
/// namespace must restrict nothing (`dryrun.rs`).
pub fn check_as(
    mesh: &Mesh,
    cluster: &Cluster,
    routing: &[&Value],
    placed: &[Placed],
    reading: Reading,
) -> Vec<Fault> {
    let is_observed = |ns: &str| reading == Reading::Written && mesh.settings.is_dry_run(ns);
    let u = Universe::new(mesh);
    let expected = Expected::new(mesh, &u);
    let reach = Reach::new(mesh);
    let addresses = Addresses::new(mesh);
    let names = (mesh.settings.network == Network::Cilium).then(|| Names::new(mesh));
    let names = names.as_ref().filter(|n| n.any());
    let scoped = mesh.settings.sidecar_scoping;
    let ambient = mesh.settings.is_ambient();
    // Where a grant lands at L4: the destination's own port with sidecars; HBONE to a
    // waypoint or the pods under ambient.
    let landing = ambient.then(|| ambient::Landing::new(mesh, &u));
    let land = |grants| match &landing {
        Some(landing) => landing.of(grants),
        None => grants,
    };
    let mut report = Report::default();
    for why in cluster.unreadable() {
        report.push(format!("a rendered policy cannot be read back: {why}"));
    }
    // Each destination is judged on its own: spread them over the cores, then merge the
    // findings in service order so the report is the same on any machine.
    // In a mesh of several clusters, the services this cluster runs; `across` proves the
    // calls between clusters.
    let here: Vec<&crate::ir::Service> = mesh
        .services
        .iter()
        .filter(|s| mesh.settings.here(&s.identity))
        .collect();
    let per_service: Vec<Report> = here
        .par_iter()
        .map(|&d| {
            let mut report = Report::default();
            let pod = &u.probes[u.service(d)].pod;
            let view = cluster.view_enforcing(pod);
            let to = format!("{}.{}", d.name(), d.namespace());
            if ambient {
                ambient::authorization(d, cluster, pod, &expected, &mut report);
            } else {
                authorization(d, &view, &expected, &mut report);
            }
            if is_observed(d.namespace()) {
                let who = Observed::Service(d, &mesh.settings);
                observed(cluster, pod, &to, who, &reach, &mut report);
                return report;
            }
            let declared: Vec<u16> = d.ports.iter().map(|p| p.target).collect();
            let ports = probe_ports(&view, &declared);
            if ambient {
                let want = ambient::ingress_want(d, &expected, &u);
                ingress(&to, &view, &ports, &want, &u, &mut report);
                ambient::probes(d, &view, &to, &want, &mut report);
                ambient::paths(d, cluster, &expected, &u, &mut report);
            } else {
                let want = |proto, port| match proto {
                    Transport::Tcp => expected.ingress(d, port, &u),
                    _ => Admitted::Some(BTreeSet::new()),
                };
                ingress(&to, &view, &ports, want, &u, &mut report);
            }
            mtls(d, cluster, pod, &mut report);
            let grants = land(expected.egress(Some(d), d.namespace(), &u));
            egress(&view, u.service(d), grants, &u, &mut report);
            let granted = reach.of(Some(d), d.namespace());
            egress_addresses(&view, &to, &granted, mesh, &addresses, &mut report);
            if let Some(names) = names {
                egress_names(&view, &to, &granted, mesh, names, &mut report);
            }
            scope(cluster, pod, &to, &granted, &reach, scoped, &mut report);
            report
        })
        .collect();
    for r in per_service {
        report.merge(r);
    }
    let managed: BTreeSet<&str> = here.iter().map(|s| s.namespace()).collect();
    let mut registries: Vec<&str> = managed.iter().copied().collect();
    registries.push(ELSEWHERE);
    registry(cluster, &registries, &reach, &mut report);
    let td = &mesh.settings.trust_domain;
    for ns in managed {
        let other = u.other[ns];
        let pod = &u.probes[other].pod;
        let strangers = [
            format!("{td}/ns/{ns}/sa/{STRANGER}"),
            format!("{td}/ns/{ELSEWHERE}/sa/{STRANGER}"),
        ];
        // Undeclared pods of a managed namespace admit nothing at L7 (as enforced).
        let view = cluster.view_enforcing(pod);
        for principal in &strangers {
            let tcp = Request::from_principal(principal, 8080);
            for req in [tcp.clone(), tcp.http("GET", "/")] {
                let allowed = match ambient {
                    true => view.authorize_ztunnel(&req),
                    false => view.authorize(&req),
                };
                if allowed.is_allowed() {
                    report.push(format!(
                        "L7 to {} from {principal}: intent denies, AuthorizationPolicy allows",
                        u.name(other)
                    ));
                }
            }
        }
        if is_observed(ns) {
            let name = u.name(other);
            let who = Observed::Undeclared(&strangers);
            observed(cluster, pod, name, who, &reach, &mut report);
            continue;
        }
        egress(
            &cluster.view(pod),
            other,
            land(expected.egress(None, ns, &u)),
            &u,
            &mut report,
        );
        if mesh.settings.waypoint(ns).is_some() {
            if let Some(landing) = &landing {
                ambient::waypoint(ns, cluster, &expected, landing, &u, &mut report);
            }
        }
        let granted = reach.of(None, ns);
        let name = u.name(other);
        egress_addresses(
            &cluster.view(pod),
            name,
            &granted,
            mesh,
            &addresses,
            &mut report,
        );
        if let Some(names) = names {
            egress_names(&cluster.view(pod), name, &granted, mesh, names, &mut report);
        }
        scope(cluster, pod, name, &granted, &reach, scoped, &mut report);
        // Undeclared pods of a managed namespace admit nothing at L4 either.
        let view = cluster.view(pod);
        let nothing = |_, _| Admitted::Some(BTreeSet::new());
        ingress(
            u.name(other),
            &view,
            &probe_ports(&view, &[]),
            nothing,
            &u,
            &mut report,
        );
        if cluster.mtls_mode(pod) != MtlsMode::Strict {
            report.push(format!("mTLS of undeclared pods in {ns}: intent STRICT (namespace default), PeerAuthentication gives {:?}", cluster.mtls_mode(pod)));
        }
    }
    routes(mesh, routing, &mut report);
    header_routes(mesh, routing, &mut report);
    port_settings(mesh, routing, &mut report);
    waves(mesh.settings.sync_waves, placed, &mut report);
    report.into_faults()
}
