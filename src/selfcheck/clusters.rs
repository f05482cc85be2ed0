//! Invariant 14, several clusters: every call between two clusters, followed through
//! both clusters' trees along the path their networks give it, gets the intents' verdict.
//!
//! Each cluster's tree is first checked on its own (`check.rs`, with the cluster as the
//! site: its services, its trust domain, the other clusters' pods by address). What is
//! left is what no single tree shows, asked of a [`Federation`] of the trees:
//!
//! - **Calls.** For every service b in each cluster X it runs in, and every caller a of b
//!   in each other cluster Y (and there an undeclared pod of b's namespace, of each
//!   namespace b's rules name and of one they never name): a TCP
//!   connection and each request the rules name, on every port of b and one nobody
//!   named. The network must carry the call on every leg (direct, or through X's
//!   east-west gateway) and b's AuthorizationPolicy must admit a's principal in Y's trust
//!   domain, together, exactly when the intents allow a. An undeclared pod's principal is
//!   also asked of b's policies alone, so that a narrow network does not hide a wide
//!   policy.
//! - **Arrivals** (`arrivals.rs`). At L4 a remote caller is an address range or the
//!   east-west gateway's pods, so b's ingress is proven exact at that grain.
//! - **Placement.** A cluster's tree holds only what that cluster runs: the pods of a
//!   service it does not run are judged by the namespace's defaults alone, and a
//!   namespace where it runs no service has no policy at all.

use super::arrivals::arrivals;
use super::asks::requests;
use super::expected::caller_admits;
use super::probes::STRANGER;
use super::remote::{address, federation, on_port, ports, Probes};
use super::report::{verdict, Report};
use crate::evaluate::{
    Cluster, Crossing, Direction, Federation, Leg, MtlsMode, Placed, Pod, PodView,
};
use crate::ir::{Allow, Extras, Mesh, Service, Settings};
use rayon::prelude::*;
use std::collections::BTreeSet;

use super::report::Fault;

/// Prove the calls between the clusters' trees (MEMBERS: each cluster's name and its
/// objects, read) against MESH. Unless the trees are ENFORCED (every dry-run namespace
/// rendered as enforcing would write it), a service in a dry-run namespace is left out:
/// its objects restrict nothing as written, which each tree's own check proves.
pub fn across(mesh: &Mesh, members: Vec<(String, Cluster)>, enforced: bool) -> Vec<Fault> {
    let s = &mesh.settings;
    let federation = federation(mesh, members);
    let eastwest = match federation.members.first() {
        Some(m) => m.eastwest.clone(),
        None => return Vec::new(),
    };
    let probes = Probes::new(mesh);
    let mut report = Report::default();
    for (x, member) in federation.members.iter().enumerate() {
        // Each destination is judged on its own: spread them over the cores, then merge
        // the findings in service order so the report is the same on any machine.
        let per_service: Vec<Report> = mesh
            .services
            .par_iter()
            .enumerate()
            .map(|(i, d)| {
                let mut report = Report::default();
                let pod = &probes.services[i];
                if !s.runs_in(&d.identity, &member.name) {
                    placement(&member.cluster, pod, &probes, &member.name, &mut report);
                    return report;
                }
                if !enforced && s.is_dry_run(d.namespace()) {
                    return report;
                }
                let b = Placed {
                    cluster: &member.name,
                    pod,
                    address: address(mesh, x, i),
                };
                arrivals(d, s, member, &eastwest, &mut report);
                let view = member.cluster.view_enforcing(pod);
                for (y, caller_member) in federation.members.iter().enumerate() {
                    if y == x {
                        continue;
                    }
                    for (j, source) in probes.sources(mesh, d, &caller_member.name) {
                        let a = Placed {
                            cluster: &caller_member.name,
                            pod: source,
                            address: address(mesh, y, j),
                        };
                        calls(d, s, &federation, (&a, &b), &view, &mut report);
                    }
                }
                report
            })
            .collect();
        for r in per_service {
            report.merge(r);
        }
        for ns in &probes.namespaces {
            if mesh
                .services
                .iter()
                .any(|d| d.namespace() == ns && s.runs_in(&d.identity, &member.name))
            {
                continue;
            }
            let pod = &probes.strangers[ns];
            let view = member.cluster.view(pod);
            let held = view.isolating(Direction::Ingress).len()
                + view.isolating(Direction::Egress).len()
                + view.authorization_policies().len();
            if held > 0 {
                report.push(format!(
                    "cluster {}: namespace {ns} holds policies, but the cluster runs no service of it",
                    member.name
                ));
            }
        }
    }
    report.into_faults()
}

/// What the intents let one principal send to D on one target port: which statements
/// name it (in a trust domain its clusters issue), matched once; then each request
/// against those statements' rules.
struct Intent<'d> {
    allows: Vec<&'d Allow>,
    denies: Vec<&'d Allow>,
}

impl<'d> Intent<'d> {
    fn new(d: &'d Service, s: &Settings, port: u16, principal: &str) -> Intent<'d> {
        let names = |a: &&Allow| {
            on_port(d, a, port)
                && a.callers
                    .iter()
                    .any(|c| caller_admits(c, Some(principal), s))
        };
        Intent {
            allows: d.allows.iter().filter(names).collect(),
            denies: d.denies.iter().filter(names).collect(),
        }
    }

    /// Whether REQUEST (`None`: a TCP connection) is allowed: some allow covers it and
    /// no deny does.
    fn allows(&self, http: Option<(&str, &str)>) -> bool {
        let none = Extras::default();
        let covers = |a: &&Allow| {
            a.rules.is_empty() || http.is_some_and(|(m, x)| a.covers_with(m, x, &none))
        };
        self.allows.iter().any(covers) && !self.denies.iter().any(covers)
    }
}

/// Every call from A to B (whose pod VIEW shows in its cluster): the path and B's
/// policies together against the intents; for an undeclared caller, B's policies alone
/// as well. Requests are asked of B's policies all at once per port (the principal is
/// A's in its own trust domain, as B's sidecar sees it end to end).
fn calls(
    d: &Service,
    s: &Settings,
    f: &Federation,
    (a, b): (&Placed, &Placed),
    view: &PodView,
    report: &mut Report,
) {
    let Some(principal) = f.principal(a) else {
        return;
    };
    let declared = a.pod.service_account != STRANGER;
    // Across networks into a cluster without a gateway there is no path at all: nothing
    // may be allowed (the checks refuse a tree whose intents would need one).
    let no_path = f.crossing(a.cluster, b.cluster) == Some(Crossing::Gateway)
        && f.member(b.cluster).is_some_and(|m| m.gateway.is_empty());
    let asked_ports = ports(d);
    let numbers: Vec<u16> = asked_ports.iter().map(|(n, _)| *n).collect();
    let all_legs = if no_path {
        let leg = Leg {
            cluster: b.cluster.to_string(),
            what: format!(
                "no path from {} to {}: no east-west gateway",
                a.cluster, b.cluster
            ),
            allowed: false,
        };
        vec![vec![leg]; numbers.len()]
    } else {
        match f.legs_on(a, b, &numbers) {
            Ok(legs) => legs,
            Err(e) => {
                report.push(format!("invariant 14: {e}"));
                return;
            }
        }
    };
    for ((port, p), legs) in asked_ports.into_iter().zip(all_legs) {
        let carried = legs.iter().all(|l| l.allowed);
        let asked = match p {
            Some(p) => requests(d, p),
            None => vec![None],
        };
        let asked: Vec<Option<(&str, &str)>> = asked
            .iter()
            .map(|r| r.as_ref().map(|(m, x)| (*m, x.as_str())))
            .collect();
        // DISABLE drops the peer's identity; STRICT and PERMISSIVE keep it.
        let disabled = f
            .member(b.cluster)
            .is_some_and(|m| m.cluster.mtls_mode_on_port(b.pod, Some(port)) == MtlsMode::Disable);
        let peer = (!disabled).then_some(principal.as_str());
        let verdicts = view.authorize_all(port, &[peer], &asked);
        let intent = Intent::new(d, s, port, &principal);
        for (&http, policy) in asked.iter().zip(verdicts) {
            let want = intent.allows(http);
            let got = carried && policy;
            // Named only when there is something to say: most calls agree.
            let call = || {
                let what = http.map_or("a TCP connection".to_string(), |(m, x)| format!("{m} {x}"));
                format!(
                    "{what} from {}@{} ({principal}) to {}@{}:{port}",
                    a.pod.name, a.cluster, b.pod.name, b.cluster
                )
            };
            if got != want {
                let blocked: Vec<&str> = legs
                    .iter()
                    .filter(|l| !l.allowed)
                    .map(|l| l.what.as_str())
                    .collect();
                let why = if !carried {
                    format!("the network denies it ({})", blocked.join("; "))
                } else {
                    format!("AuthorizationPolicy {}", verdict(policy))
                };
                report.push(format!(
                    "invariant 14: {}: intent {}, {why}",
                    call(),
                    verdict(want)
                ));
            } else if !declared && policy && !want {
                report.push(format!(
                    "invariant 14: {}: intent denies, AuthorizationPolicy allows (the network happens to stop it)",
                    call()
                ));
            }
        }
    }
}

/// A service CLUSTER does not run: its pods there must be judged as any undeclared pod
/// of the namespace is (no policy of its own, the namespace's mTLS).
fn placement(cluster: &Cluster, pod: &Pod, probes: &Probes, name: &str, report: &mut Report) {
    let Some(stranger) = probes.strangers.get(&pod.namespace) else {
        return;
    };
    let names = |p: &Pod| {
        let view = cluster.view(p);
        let mut out: BTreeSet<String> = BTreeSet::new();
        for d in [Direction::Ingress, Direction::Egress] {
            out.extend(
                view.isolating(d)
                    .iter()
                    .map(|n| format!("NetworkPolicy {}", n.name)),
            );
        }
        out.extend(
            view.authorization_policies()
                .iter()
                .map(|a| format!("AuthorizationPolicy {}", a.name)),
        );
        out
    };
    let own: Vec<String> = names(pod).difference(&names(stranger)).cloned().collect();
    if !own.is_empty() || cluster.mtls_mode(pod) != cluster.mtls_mode(stranger) {
        report.push(format!(
            "cluster {name}: {} does not run there, but its tree holds policies for its pods ({})",
            pod.name,
            if own.is_empty() {
                "its own mTLS mode".to_string()
            } else {
                own.join(", ")
            }
        ));
    }
}
