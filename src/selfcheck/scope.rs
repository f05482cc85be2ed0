//! Invariant 8, the sidecar scope: each pod's proxy knows exactly the hosts the pod may
//! call. A granted host the proxy drops is an outage; an ungranted host it forwards, or
//! passes through under ALLOW_ANY, is a widening. Both are faults.
//!
//! The hosts asked about, per source: the ones it is granted, the two strangers, and one
//! name for every entry of the Sidecar that applies to it (an exact host as written, a
//! name under a wildcard, a name in an imported namespace), so a Sidecar that imports more
//! than it should is caught whatever it added. Ports are the network layer's business;
//! each host is asked on one port it serves.
//!
//! The registry check reads the ServiceEntries alone: an external's entry is visible in
//! exactly the namespaces holding a pod that may call it, so a Sidecar written by someone
//! else (importing `*/*`) cannot reach an external through meshward's entries.

use super::probes::ELSEWHERE;
use super::reach::{Granted, Reach, PROBE_LABEL};
use super::report::{verdict, Report};
use crate::evaluate::{Cluster, ImportName, ImportNamespace, Outbound, Pod, SidecarScope};
use std::collections::BTreeSet;

/// Check the proxy of POD (named FROM in messages) against what it is GRANTED. Without
/// SCOPED (`sidecar-scoping off`) only outages count: the proxy may know more.
pub(crate) fn scope(
    cluster: &Cluster,
    pod: &Pod,
    from: &str,
    granted: &Granted,
    reach: &Reach,
    scoped: bool,
    report: &mut Report,
) {
    if !scoped && granted.hosts.is_empty() {
        return; // nothing can be an outage
    }
    let proxy = cluster.proxy(pod);
    let mut asked: BTreeSet<usize> = granted.hosts.clone();
    if scoped {
        asked.extend(reach.strangers.iter().copied());
    }
    let mut extra: BTreeSet<String> = BTreeSet::new();
    match proxy.scope() {
        SidecarScope::Ambiguous(list) => {
            let names: Vec<String> = list
                .iter()
                .map(|s| format!("{}/{}", s.namespace, s.name))
                .collect();
            report.push(format!(
                "Sidecar scope of {from}: several Sidecars apply equally ({}), so Istio's choice is undefined",
                names.join(", ")
            ));
            return;
        }
        SidecarScope::Default if scoped => report.push(format!(
            "Sidecar scope of {from}: intent scopes its proxy, but no Sidecar applies to it"
        )),
        SidecarScope::Default => {}
        SidecarScope::Applied(_) if !scoped => {}
        SidecarScope::Applied(sidecar) => {
            let domain = &reach.mesh.settings.cluster_domain;
            let imports = sidecar.egress.iter().flat_map(|l| l.hosts.iter().flatten());
            for import in imports {
                let namespace = match &import.namespace {
                    ImportNamespace::Nothing => continue,
                    ImportNamespace::Any => ELSEWHERE,
                    ImportNamespace::Own => pod.namespace.as_str(),
                    ImportNamespace::Named(ns) => ns.as_str(),
                };
                let host = match &import.dns {
                    ImportName::Any => format!("{PROBE_LABEL}.{namespace}.svc.{domain}"),
                    ImportName::Suffix(suffix) => format!("{PROBE_LABEL}{suffix}"),
                    ImportName::Exact(host) => host.clone(),
                };
                match reach.by_host.get(&host) {
                    Some(&id) => {
                        asked.insert(id);
                    }
                    None => {
                        extra.insert(host);
                    }
                }
            }
        }
    }
    // Invariant 8 is about hosts, not ports (the network layer decides the ports): a
    // name is admitted when the proxy takes it on some port it is asked on.
    let names: BTreeSet<&str> = asked
        .iter()
        .map(|&id| reach.hosts[id].host.as_str())
        .collect();
    for name in names {
        let ids = &reach.ports[name];
        let want = ids.iter().any(|id| granted.hosts.contains(id));
        let outcomes: Vec<(u16, Outbound)> = ids
            .iter()
            .map(|&id| {
                (
                    reach.hosts[id].port,
                    proxy.admits(name, reach.hosts[id].port),
                )
            })
            .collect();
        let (port, got) = outcomes
            .iter()
            .find(|(_, got)| admits(got) == Some(true))
            .unwrap_or(&outcomes[0]);
        if scoped || want {
            judge(from, name, *port, want, got, report);
        }
    }
    if !scoped {
        return;
    }
    for host in extra {
        let got = proxy.admits(&host, 80);
        judge(from, &host, 80, false, &got, report);
    }
}

/// Whether the proxy lets the request out; `None` when the Sidecar is ambiguous (reported
/// once, on its own).
fn admits(got: &Outbound) -> Option<bool> {
    match got {
        Outbound::Forwarded { .. } | Outbound::Passthrough { .. } => Some(true),
        Outbound::Dropped { .. } => Some(false),
        Outbound::Ambiguous { .. } => None,
    }
}

fn judge(from: &str, host: &str, port: u16, want: bool, got: &Outbound, report: &mut Report) {
    let Some(admits) = admits(got) else { return };
    let how = match got {
        Outbound::Forwarded { .. } => "forwards it",
        Outbound::Passthrough { .. } => "passes it through (ALLOW_ANY)",
        _ => "drops it",
    };
    if admits == want {
        return;
    }
    let outage = if want { " (an outage)" } else { "" };
    report.push(format!(
        "Sidecar scope of {from} for {host}:{port}: intent {}, its proxy {how}{outage}",
        verdict(want)
    ));
}

/// Each external's ServiceEntries are visible in exactly the namespaces (of NAMESPACES)
/// holding a pod that may call it.
pub(crate) fn registry(cluster: &Cluster, namespaces: &[&str], reach: &Reach, report: &mut Report) {
    for &ns in namespaces {
        let granted = if ns == ELSEWHERE {
            Granted::default()
        } else {
            reach.of_namespace(ns)
        };
        for probe in &reach.hosts {
            if probe.external.is_none() {
                continue;
            }
            // Some external with this name and port may be called from here (two
            // externals may share a name; either one's entry answers it).
            let want = granted
                .externals
                .iter()
                .any(|&(e, port)| port == probe.port && reach.names[e].contains(&probe.host));
            let got = cluster.visible_entry(ns, &probe.host, probe.port).is_some();
            if want != got {
                report.push(format!(
                    "ServiceEntries visible in namespace {ns} for {} ({}:{}): intent {}, the objects {}",
                    probe.what,
                    probe.host,
                    probe.port,
                    if want { "needs one visible there" } else { "wants none there" },
                    if got { "make one visible" } else { "have none" },
                ));
            }
        }
    }
}
