//! Invariant 11, the observed half: in a dry-run namespace no object restricts anything.
//!
//! The enforced half needs nothing here: the rest of the self-check reads dry-run
//! AuthorizationPolicies as enforced ([`Cluster::view_enforcing`]), so what the proxies
//! report as would-be denials is proven to be exactly what the intents deny; and the
//! build proves a second, fully enforced rendering as well (what `explain` calls "once
//! enforced").
//!
//! Here each pod of an observed namespace (a service's, or one nobody declared) is asked
//! as Istio and Kubernetes would answer today: no NetworkPolicy isolates it either way;
//! its sidecar accepts plaintext and a stranger's mTLS on every port, TCP and HTTP, with
//! every method the rules name and one they do not; its proxy lets out a host nobody
//! grants. A RequestAuthentication still refuses a token it cannot validate (Istio has no
//! dry-run for authentication), so requests here carry none.

use super::asks::{principals, requests};
use super::reach::Reach;
use super::report::Report;
use crate::evaluate::{Cluster, Direction, MtlsMode, Outbound, Pod, Request};
use crate::ir::{Service, Settings};

/// The pods asked about in an observed namespace.
pub(crate) enum Observed<'a> {
    /// A service's, asked by every peer its rules name (the mesh's settings given).
    Service(&'a Service, &'a Settings),
    /// Those nobody declared, asked on port 8080 by these strangers and plaintext.
    Undeclared(&'a [String]),
}

/// Requests to ask on each port: `None` for a TCP connection, else (method, path).
type Asked<'a> = Vec<(u16, Vec<Option<(&'a str, String)>>)>;
/// A peer's principal (`None`: plain text), and a request of it (`None`: TCP).
type Peer<'a> = Option<&'a str>;
type Http<'a> = Option<(&'a str, &'a str)>;

/// Check that nothing restricts POD (named FROM), the pods of WHO, in an observed
/// namespace.
pub(crate) fn observed(
    cluster: &Cluster,
    pod: &Pod,
    from: &str,
    who: Observed,
    reach: &Reach,
    report: &mut Report,
) {
    let (d, td) = match who {
        Observed::Service(d, td) => (Some(d), Some(td)),
        Observed::Undeclared(_) => (None, None),
    };
    let view = cluster.view(pod);
    for direction in [Direction::Ingress, Direction::Egress] {
        for np in view.isolating(direction) {
            report.push(format!(
                "dry-run {from}: NetworkPolicy {}/{} isolates it for {direction:?}, but a dry-run namespace is not restricted",
                np.namespace, np.name
            ));
        }
    }
    let ports: Vec<u16> = d.map_or(vec![8080], |d| d.ports.iter().map(|p| p.target).collect());
    for port in std::iter::once(None).chain(ports.iter().copied().map(Some)) {
        if cluster.mtls_mode_on_port(pod, port) == MtlsMode::Strict {
            let on = port.map_or(String::new(), |p| format!(" on port {p}"));
            report.push(format!(
                "dry-run {from}: mTLS{on} is STRICT, but a dry-run namespace accepts plaintext"
            ));
        }
    }
    // Every peer and request the rules name (or strangers, TCP and `GET /` on an
    // undeclared pod), as the proxy answers while the policies only report.
    let peers = match who {
        Observed::Service(d, td) => principals(d, td),
        Observed::Undeclared(strangers) => std::iter::once(None)
            .chain(strangers.iter().cloned().map(Some))
            .collect(),
    };
    let peers: Vec<Option<&str>> = peers.iter().map(Option::as_deref).collect();
    let asked: Asked = match d {
        Some(d) => d.ports.iter().map(|p| (p.target, requests(d, p))).collect(),
        None => vec![(8080, vec![None, Some(("GET", "/".to_string()))])],
    };
    for (port, requests) in &asked {
        let requests: Vec<Option<(&str, &str)>> = requests
            .iter()
            .map(|r| r.as_ref().map(|(m, x)| (*m, x.as_str())))
            .collect();
        let got = view.authorize_all(*port, &peers, &requests);
        let grid: Vec<(&Peer, &Http)> = peers
            .iter()
            .flat_map(|p| requests.iter().map(move |r| (p, r)))
            .collect();
        // Under ambient a service's requests pass its waypoint, whose policies (bound by
        // `targetRefs`) no pod's own view holds: ask along the call's path as well.
        let on_path: Vec<bool> = match (d, td, cluster.ambient(pod)) {
            (Some(d), Some(td), true) => {
                let info = super::ambient::service_info(d);
                grid.iter()
                    .map(|(peer, http)| {
                        let mut req = match peer {
                            Some(p) => Request::from_principal(p, *port),
                            None => Request::plaintext(*port),
                        };
                        if let Some((m, x)) = http {
                            req = req.http(m, x);
                        }
                        cluster
                            .call_allowed(pod, Some(&info), &req, &td.trust_domain)
                            .is_allowed()
                    })
                    .collect()
            }
            _ => vec![true; grid.len()],
        };
        let got = got.into_iter().zip(on_path).map(|(a, b)| a && b);
        for ((peer, http), allowed) in grid.into_iter().zip(got) {
            if !allowed {
                let what = http.map_or("a TCP connection".to_string(), |(m, x)| format!("{m} {x}"));
                report.push(format!(
                    "dry-run {from}:{port}: {what} from {} is refused by an AuthorizationPolicy, but a dry-run namespace only reports",
                    peer.unwrap_or("a plaintext caller")
                ));
            }
        }
    }
    let proxy = cluster.proxy(pod);
    for &id in &reach.strangers {
        let probe = &reach.hosts[id];
        if let Outbound::Dropped { sidecar } = proxy.admits(&probe.host, probe.port) {
            report.push(format!(
                "dry-run {from}: its proxy drops {} ({}:{}) (Sidecar {}), but a dry-run namespace lets every host out",
                probe.what,
                probe.host,
                probe.port,
                sidecar.as_deref().unwrap_or("none")
            ));
        }
    }
}
