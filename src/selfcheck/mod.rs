//! Self-check: before anything is written, prove that the rendered objects admit exactly
//! what the intents allow, at L4 on both ends of every edge and at L7.
//!
//! Two independent readings meet here. The *expected* side comes straight from the
//! resolved intents ([`ir::Mesh`](crate::ir::Mesh)), with the language's own matching
//! rules written out in `expected.rs`. The *rendered* side asks
//! [`evaluate`](crate::evaluate), which judges the objects the way Kubernetes and Istio
//! would and knows nothing of meshward's model. A disagreement is a compiler bug: the
//! build stops with exit 3 and names the pair and both verdicts.
//!
//! Sources and destinations are *probe pods*: one per service, workload, DNS and istiod
//! group (carrying exactly its selector's labels), one "other" pod per namespace that
//! the tree mentions plus one in a namespace it never mentions (pods nobody declared),
//! and an address outside the cluster. It never walks pod pairs: for each destination it
//! asks only about the probes that some peer of its policies could match, found through
//! a label index, so the cost grows with the rules, not with the square of the services.
//!
//! This file holds the entry and the report. The probes are built in `probes.rs`, the
//! intents' side in `expected.rs`; `l4.rs`, `l7.rs`, `mtls.rs` and `routes.rs` each
//! compare one layer of the objects against it.

mod expected;
mod l4;
mod l7;
mod mtls;
mod probes;
mod routes;

use crate::evaluate::{Cluster, MtlsMode, Request, Transport};
use crate::ir::Mesh;
use expected::{Admitted, Expected};
use l4::{egress, ingress, probe_ports};
use l7::authorization;
use mtls::mtls;
use probes::{Universe, ELSEWHERE, STRANGER};
use rayon::prelude::*;
use routes::routes;
use serde_json::Value;
use std::collections::BTreeSet;

/// Most faults one run reports; past that the rest are counted.
const MAX_FAULTS: usize = 50;

/// One disagreement between the intents and the rendered objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault(pub String);

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Default)]
pub(super) struct Report {
    faults: Vec<Fault>,
    dropped: usize,
}

impl Report {
    fn merge(&mut self, other: Report) {
        for fault in other.faults {
            self.push(fault.0);
        }
        self.dropped += other.dropped;
    }

    pub(super) fn push(&mut self, message: String) {
        if self.faults.len() < MAX_FAULTS {
            self.faults.push(Fault(message));
        } else {
            self.dropped += 1;
        }
    }
}

pub(super) fn verdict(allowed: bool) -> &'static str {
    if allowed {
        "allows"
    } else {
        "denies"
    }
}

/// Check the rendered OBJECTS against MESH; empty when they agree.
pub fn self_check(mesh: &Mesh, objects: &[Value]) -> Vec<Fault> {
    let routing: Vec<&Value> = objects.iter().filter(|o| is_routing(o)).collect();
    check(mesh, &Cluster::from_objects(objects), &routing)
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
pub fn check(mesh: &Mesh, cluster: &Cluster, routing: &[&Value]) -> Vec<Fault> {
    let u = Universe::new(mesh);
    let expected = Expected::new(mesh, &u);
    let mut report = Report::default();
    for why in cluster.unreadable() {
        report.push(format!("a rendered policy cannot be read back: {why}"));
    }
    // Each destination is judged on its own: spread them over the cores, then merge the
    // findings in service order so the report is the same on any machine.
    let per_service: Vec<Report> = mesh
        .services
        .par_iter()
        .map(|d| {
            let mut report = Report::default();
            let pod = &u.probes[u.service(d)].pod;
            let view = cluster.view(pod);
            let declared: Vec<u16> = d.ports.iter().map(|p| p.target).collect();
            let want = |proto, port| match proto {
                Transport::Tcp => expected.ingress(d, port, &u),
                _ => Admitted::Some(BTreeSet::new()),
            };
            let to = format!("{}.{}", d.name(), d.namespace());
            ingress(
                &to,
                &view,
                &probe_ports(&view, &declared),
                want,
                &u,
                &mut report,
            );
            authorization(d, &view, &expected, &mut report);
            mtls(d, cluster, pod, &mut report);
            let grants = expected.egress(Some(d), d.namespace(), &u);
            egress(&view, u.service(d), grants, &u, &mut report);
            report
        })
        .collect();
    for r in per_service {
        report.merge(r);
    }
    let managed: BTreeSet<&str> = mesh.services.iter().map(|s| s.namespace()).collect();
    for ns in managed {
        let other = u.other[ns];
        let pod = &u.probes[other].pod;
        egress(
            &cluster.view(pod),
            other,
            expected.egress(None, ns, &u),
            &u,
            &mut report,
        );
        // Undeclared pods of a managed namespace admit nothing, at L4 or L7.
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
        let td = &mesh.settings.trust_domain;
        for principal in [
            format!("{td}/ns/{ns}/sa/{STRANGER}"),
            format!("{td}/ns/{ELSEWHERE}/sa/{STRANGER}"),
        ] {
            let tcp = Request::from_principal(&principal, 8080);
            for req in [tcp.clone(), tcp.http("GET", "/")] {
                if view.authorize(&req).is_allowed() {
                    report.push(format!(
                        "L7 to {} from {principal}: intent denies, AuthorizationPolicy allows",
                        u.name(other)
                    ));
                }
            }
        }
        if cluster.mtls_mode(pod) != MtlsMode::Strict {
            report.push(format!("mTLS of undeclared pods in {ns}: intent STRICT (namespace default), PeerAuthentication gives {:?}", cluster.mtls_mode(pod)));
        }
    }
    routes(mesh, routing, &mut report);
    if report.dropped > 0 {
        let n = report.dropped;
        report
            .faults
            .push(Fault(format!("... and {n} more disagreements")));
    }
    report.faults
}
