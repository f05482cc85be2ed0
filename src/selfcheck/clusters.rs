//! Invariant 14, several clusters: every call between two clusters, followed through
//! both clusters' trees along the path their networks give it, gets the intents' verdict.
//!
//! Each cluster's tree is first checked on its own (`check.rs`, with the cluster as the
//! site: its services, its trust domain, the other clusters' pods by address). What is
//! left is what no single tree shows, asked of a [`Federation`] of the trees:
//!
//! - **Calls.** For every service b in each cluster X it runs in, and every caller a of b
//!   in each other cluster Y (and an undeclared pod of each namespace there): a TCP
//!   connection and each request the rules name, on every port of b and one nobody
//!   named. The network must carry the call on every leg (direct, or through X's
//!   east-west gateway) and b's AuthorizationPolicy must admit a's principal in Y's trust
//!   domain, together, exactly when the intents allow a. An undeclared pod's principal is
//!   also asked of b's policies alone, so that a narrow network does not hide a wide
//!   policy.
//! - **Arrivals.** At L4 a remote caller is an address range or the east-west gateway's
//!   pods, so b's ingress is proven exact at that grain: an address at the edges of every
//!   cluster's pod ranges and gateways, and the east-west pods, each admitted on a port
//!   exactly when a caller of b on that port runs in a cluster that arrives that way.
//! - **Placement.** A cluster's tree holds only what that cluster runs: the pods of a
//!   service it does not run are judged by the namespace's defaults alone, and a
//!   namespace where it runs no service has no policy at all.

use super::addresses::around;
use super::asks::requests;
use super::expected::caller_admits;
use super::probes::{ELSEWHERE, OUTSIDE, STRANGER};
use super::report::{verdict, Report};
use crate::evaluate::{
    Cluster, Crossing, Direction, Endpoint, Federation, Leg, Member, Placed, Pod, Request,
    Transport,
};
use crate::ir::{Allow, Caller, Cidr, Extras, Identity, Mesh, Service, Settings};
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use super::report::Fault;

/// Prove the calls between the clusters' trees (MEMBERS: each cluster's name and its
/// objects, read) against MESH. Unless the trees are ENFORCED (every dry-run namespace
/// rendered as enforcing would write it), a service in a dry-run namespace is left out:
/// its objects restrict nothing as written, which each tree's own check proves.
pub fn across(mesh: &Mesh, members: Vec<(String, Cluster)>, enforced: bool) -> Vec<Fault> {
    let s = &mesh.settings;
    let eastwest = match &s.eastwest {
        Some(g) => {
            let mut pod = Pod::new("the east-west gateway", &g.namespace);
            for (k, v) in &g.selector {
                pod = pod.label(k, v);
            }
            pod.account("istio-eastwestgateway")
        }
        None => Pod::new("no east-west gateway", "istio-system"),
    };
    let federation = Federation {
        members: members
            .into_iter()
            .filter_map(|(name, cluster)| {
                let c = s.clusters.iter().find(|c| c.name == name)?;
                Some(Member {
                    name,
                    network: c.network.clone(),
                    trust_domain: c.trust_domain.clone(),
                    pod_cidrs: c.pod_cidrs.iter().map(ToString::to_string).collect(),
                    gateway: c.gateway.clone(),
                    eastwest: eastwest.clone(),
                    cluster,
                })
            })
            .collect(),
    };
    let probes = Probes::new(mesh);
    let mut report = Report::default();
    for (x, member) in federation.members.iter().enumerate() {
        for (i, d) in mesh.services.iter().enumerate() {
            let pod = &probes.services[i];
            if !s.runs_in(&d.identity, &member.name) {
                placement(&member.cluster, pod, &probes, &member.name, &mut report);
                continue;
            }
            if !enforced && s.is_dry_run(d.namespace()) {
                continue;
            }
            let b = Placed {
                cluster: &member.name,
                pod,
                address: probes.address(x, i),
            };
            arrivals(d, s, member, &eastwest, &mut report);
            for (y, caller_member) in federation.members.iter().enumerate() {
                if y == x {
                    continue;
                }
                let callers = probes.sources(mesh, d, &caller_member.name);
                for (j, source) in callers {
                    let a = Placed {
                        cluster: &caller_member.name,
                        pod: source,
                        address: probes.address(y, j),
                    };
                    calls(d, s, &federation, &a, &b, &mut report);
                }
            }
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
    if report.dropped > 0 {
        let n = report.dropped;
        report
            .faults
            .push(Fault(format!("... and {n} more disagreements")));
    }
    report.faults
}

/// The probe pods, the same in every cluster: one per service and workload (its labels
/// and account), one undeclared pod per namespace the tree mentions.
struct Probes {
    services: Vec<Pod>,
    workloads: Vec<Pod>,
    namespaces: BTreeSet<String>,
    strangers: std::collections::BTreeMap<String, Pod>,
    /// The first address of each cluster's first pod range, as a number.
    bases: Vec<Option<Cidr>>,
}

fn pod_of(i: &Identity) -> Pod {
    let mut pod = Pod::new(&format!("{}.{}", i.name, i.namespace), &i.namespace);
    for (k, v) in &i.selector {
        pod = pod.label(k, v);
    }
    pod.account(&i.account)
}

impl Probes {
    fn new(mesh: &Mesh) -> Probes {
        let mut namespaces: BTreeSet<String> = [ELSEWHERE.to_string()].into();
        for d in &mesh.services {
            namespaces.insert(d.namespace().to_string());
            for a in d.allows.iter().chain(&d.denies) {
                for c in &a.callers {
                    match c {
                        Caller::Pods(i) => namespaces.insert(i.namespace.clone()),
                        Caller::Namespace(ns) => namespaces.insert(ns.clone()),
                        Caller::Anyone => false,
                    };
                }
            }
        }
        let strangers = namespaces
            .iter()
            .map(|ns| {
                let pod = Pod::new(&format!("an undeclared pod in {ns}"), ns)
                    .label("meshward.dev/probe", "other")
                    .account(STRANGER);
                (ns.clone(), pod)
            })
            .collect();
        Probes {
            services: mesh.services.iter().map(|d| pod_of(&d.identity)).collect(),
            workloads: mesh.workloads.iter().map(|w| pod_of(&w.identity)).collect(),
            namespaces,
            strangers,
            bases: mesh
                .settings
                .clusters
                .iter()
                .map(|c| c.pod_cidrs.first().copied())
                .collect(),
        }
    }

    /// The address of probe N in cluster C: inside its first pod range; a cluster without
    /// one is never reached by address (the checks refuse such a path), so any will do.
    fn address(&self, c: usize, n: usize) -> IpAddr {
        let n = n as u128 + 10;
        match self.bases.get(c).copied().flatten() {
            Some(Cidr {
                address: IpAddr::V4(a),
                ..
            }) => IpAddr::V4(Ipv4Addr::from(u32::from(a).wrapping_add(n as u32))),
            Some(Cidr {
                address: IpAddr::V6(a),
                ..
            }) => IpAddr::V6((u128::from(a).wrapping_add(n)).into()),
            None => IpAddr::V4(Ipv4Addr::new(100, 64, c as u8, n as u8)),
        }
    }

    /// Who is asked about calls to D from CLUSTER: each caller of D that runs there, and
    /// an undeclared pod of every namespace; each with its probe number (for addresses).
    fn sources<'p>(&'p self, mesh: &Mesh, d: &Service, cluster: &str) -> Vec<(usize, &'p Pod)> {
        let s = &mesh.settings;
        let mut out: Vec<(usize, &Pod)> = Vec::new();
        let mut seen = BTreeSet::new();
        for c in d.allows.iter().chain(&d.denies).flat_map(|a| &a.callers) {
            let Caller::Pods(i) = c else { continue };
            if !s.runs_in(i, cluster) || !seen.insert((&i.namespace, &i.name)) {
                continue;
            }
            if let Some(k) = mesh.services.iter().position(|x| x.identity == **i) {
                out.push((k, &self.services[k]));
            } else if let Some(k) = mesh.workloads.iter().position(|w| w.identity == **i) {
                out.push((mesh.services.len() + k, &self.workloads[k]));
            }
        }
        let base = mesh.services.len() + mesh.workloads.len();
        for (k, pod) in self.strangers.values().enumerate() {
            out.push((base + k, pod));
        }
        out
    }
}

/// The ports asked: every port of D and one nobody named.
fn ports(d: &Service) -> Vec<(u16, Option<&crate::ir::Port>)> {
    let mut out: Vec<(u16, Option<&crate::ir::Port>)> =
        d.ports.iter().map(|p| (p.target, Some(p))).collect();
    let named: BTreeSet<u16> = d.ports.iter().map(|p| p.target).collect();
    if let Some(unused) = (1024..=u16::MAX).find(|p| !named.contains(p)) {
        out.push((unused, None));
    }
    out
}

fn on_port(d: &Service, a: &Allow, port: u16) -> bool {
    a.ports.iter().any(|&p| d.ports[p].target == port)
}

/// Whether the intents let PRINCIPAL's REQUEST (`None`: a TCP connection) reach D on
/// target PORT: some allow names the principal (in a trust domain its clusters issue)
/// and covers the request, and no deny does.
fn intent(
    d: &Service,
    s: &Settings,
    port: u16,
    principal: &str,
    http: Option<(&str, &str)>,
) -> bool {
    let none = Extras::default();
    let covers = |a: &Allow| {
        on_port(d, a, port)
            && a.callers
                .iter()
                .any(|c| caller_admits(c, Some(principal), s))
            && (a.rules.is_empty() || http.is_some_and(|(m, x)| a.covers_with(m, x, &none)))
    };
    d.allows.iter().any(covers) && !d.denies.iter().any(covers)
}

/// Every call from A to B: the path and B's policies together against the intents; for
/// an undeclared caller, B's policies alone as well.
fn calls(d: &Service, s: &Settings, f: &Federation, a: &Placed, b: &Placed, report: &mut Report) {
    let Some(principal) = f.principal(a) else {
        return;
    };
    let declared = a.pod.service_account != STRANGER;
    // Across networks into a cluster without a gateway there is no path at all: nothing
    // may be allowed (the checks refuse a tree whose intents would need one).
    let no_path = f.crossing(a.cluster, b.cluster) == Some(Crossing::Gateway)
        && f.member(b.cluster).is_some_and(|m| m.gateway.is_empty());
    for (port, p) in ports(d) {
        let legs = if no_path {
            vec![Leg {
                cluster: b.cluster.to_string(),
                what: format!(
                    "no path from {} to {}: no east-west gateway",
                    a.cluster, b.cluster
                ),
                allowed: false,
            }]
        } else {
            match f.legs(a, b, port) {
                Ok(legs) => legs,
                Err(e) => {
                    report.push(format!("invariant 14: {e}"));
                    return;
                }
            }
        };
        let carried = legs.iter().all(|l| l.allowed);
        let asked = match p {
            Some(p) => requests(d, p),
            None => vec![None],
        };
        for http in &asked {
            let http = http.as_ref().map(|(m, x)| (*m, x.as_str()));
            let want = intent(d, s, port, &principal, http);
            let mut req = Request::from_principal(&principal, port);
            if let Some((m, x)) = http {
                req = req.http(m, x);
            }
            let policy = match f.request_allowed(a, b, &req) {
                Ok(decision) => decision.is_allowed(),
                Err(e) => {
                    report.push(format!("invariant 14: {e}"));
                    return;
                }
            };
            let what = http.map_or("a TCP connection".to_string(), |(m, x)| format!("{m} {x}"));
            let call = format!(
                "{what} from {}@{} ({principal}) to {}@{}:{port}",
                a.pod.name, a.cluster, b.pod.name, b.cluster
            );
            let got = carried && policy;
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
                    "invariant 14: {call}: intent {}, {why}",
                    verdict(want)
                ));
            } else if !declared && policy && !want {
                report.push(format!(
                    "invariant 14: {call}: intent denies, AuthorizationPolicy allows (the network happens to stop it)"
                ));
            }
        }
    }
}

/// Whether some caller of D on PORT runs in a cluster CLUSTER admits, or `anyone`.
fn called_from(d: &Service, s: &Settings, port: u16, from: impl Fn(&str) -> bool) -> bool {
    d.allows
        .iter()
        .filter(|a| on_port(d, a, port))
        .flat_map(|a| &a.callers)
        .any(|c| match c {
            Caller::Anyone => true,
            Caller::Namespace(_) => s.clusters.iter().any(|c| from(&c.name)),
            Caller::Pods(i) => s.clusters_of(i).any(|c| from(&c.name)),
        })
}

/// D's ingress in MEMBER's tree from other clusters, at the grain L4 has there.
fn arrivals(d: &Service, s: &Settings, member: &Member, eastwest: &Pod, report: &mut Report) {
    let Some(x) = s.clusters.iter().find(|c| c.name == member.name) else {
        return;
    };
    let pod = pod_of(&d.identity);
    let view = member.cluster.view(&pod);
    let mut addresses: BTreeSet<IpAddr> = [OUTSIDE].into();
    for c in &s.clusters {
        for r in &c.pod_cidrs {
            around(*r, &mut addresses);
        }
        for &g in &c.gateway {
            addresses.insert(g);
        }
    }
    let anyone = |port| {
        d.allows
            .iter()
            .any(|a| on_port(d, a, port) && a.callers.contains(&Caller::Anyone))
    };
    for (port, _) in ports(d) {
        for &ip in &addresses {
            let from = s
                .clusters
                .iter()
                .find(|c| c.pod_cidrs.iter().any(|r| r.contains(ip)));
            let want = anyone(port)
                || from.is_some_and(|y| {
                    y.name != x.name
                        && y.network == x.network
                        && called_from(d, s, port, |n| n == y.name)
                });
            let got = view.ingress_allows(Endpoint::Ip(ip), port, Transport::Tcp);
            if got != want {
                report.push(format!(
                    "invariant 14: L4 ingress of {}@{} from {ip}:{port}: intent {}, NetworkPolicy {}",
                    pod.name,
                    x.name,
                    verdict(want),
                    verdict(got)
                ));
            }
        }
        let local = d
            .allows
            .iter()
            .filter(|a| on_port(d, a, port))
            .flat_map(|a| &a.callers)
            .any(|c| match c {
                Caller::Namespace(ns) => *ns == eastwest.namespace,
                Caller::Pods(i) => {
                    i.namespace == eastwest.namespace
                        && i.selector
                            .iter()
                            .all(|(k, v)| eastwest.labels.get(k) == Some(v))
                }
                Caller::Anyone => false,
            });
        let across = called_from(d, s, port, |n| {
            s.clusters
                .iter()
                .any(|c| c.name == n && c.network != x.network)
        });
        let want = anyone(port) || local || across;
        let got = view.ingress_allows(Endpoint::Pod(eastwest), port, Transport::Tcp);
        if got != want {
            report.push(format!(
                "invariant 14: L4 ingress of {}@{} from the east-west gateway on {port}: intent {}, NetworkPolicy {}",
                pod.name,
                x.name,
                verdict(want),
                verdict(got)
            ));
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
