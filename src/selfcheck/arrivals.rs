//! Invariant 14 at L4's grain: a destination's ingress from the other clusters. A remote
//! caller reaches a pod as an address of its cluster's pod range (one network) or as the
//! east-west gateway's pods (across networks), so ingress is exact per cluster and port:
//! an address at the edges of every cluster's pod ranges and gateways, and the east-west
//! pods, each admitted on a port exactly when a caller of the service on that port runs
//! in a cluster that arrives that way (or `anyone` may call).

use super::addresses::around;
use super::probes::OUTSIDE;
use super::remote::{on_port, pod_of, ports};
use super::report::{verdict, Report};
use crate::evaluate::{Endpoint, Member, Pod, Transport};
use crate::ir::{Caller, Service, Settings};
use std::collections::BTreeSet;
use std::net::IpAddr;

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
pub(crate) fn arrivals(
    d: &Service,
    s: &Settings,
    member: &Member,
    eastwest: &Pod,
    report: &mut Report,
) {
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
