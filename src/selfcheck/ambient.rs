//! `dataplane ambient`: invariants 1–10 along ambient's path, and invariant 13 (every
//! verdict equals the intents', hence the sidecar build's).
//!
//! The written objects are read with the environment the docs ask the platform team for:
//! every managed namespace labelled `istio.io/dataplane-mode: ambient`, a namespace with a
//! waypoint also `istio.io/use-waypoint: NAME`, and each service a Kubernetes Service of
//! its name selecting its pods. Then, per service:
//!
//! - the requests its policies admit: at the waypoint (which sees the caller's identity)
//!   exactly what the intents allow, asked as for a sidecar; without a waypoint, at the
//!   pods' ztunnel, which judges connections only (the checks leave no HTTP rule there);
//! - its ztunnel behind a waypoint: the waypoint's identity on exactly the ports some
//!   `allow` names, the scraper on its ports, and no caller directly (a call addressed to
//!   a pod skips the waypoint) beyond what it may do without any HTTP rule;
//! - NetworkPolicy, where in-mesh traffic is HBONE (TCP 15008) carrying every port: the
//!   pods admit 15008 from the waypoint (or, without one, from their callers), plain text
//!   only on ports open to `anyone`, and kubelet's probe address on their own ports; the
//!   waypoint admits 15008 from every caller of its namespace's services and reaches them;
//!   callers reach the waypoint (or the pods) on 15008;
//! - end to end, for each caller, stranger and the outside address, each port and each
//!   request: every hop admitted by NetworkPolicy on both ends, then the waypoint's and
//!   the destination ztunnel's verdicts, equal to what the intents say.

use super::asks::{inside, principals};
use super::expected::{caller_admits, Admitted, Expected, Grants, SCRAPE_PORTS};
use super::probes::{ProbeId, Universe, OUTSIDE, STRANGER};
use super::report::{verdict, Report};
use crate::evaluate::{
    Cluster, Endpoint, Pod, PodView, Request, ServiceInfo, Transport, DATAPLANE_MODE, USE_WAYPOINT,
};
use crate::ir::{Mesh, Mtls, Service};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

// Stated here, not taken from the compiler or the evaluator (see `expected.rs`).
/// Where HBONE arrives.
pub(crate) const HBONE_PORT: u16 = 15008;
/// Kubelet's probes of an ambient pod, as Istio's CNI rewrites them.
const PROBE_SOURCE: IpAddr = IpAddr::V4(Ipv4Addr::new(169, 254, 7, 127));

/// The written objects read with the namespace labels ambient needs.
pub fn environment(mesh: &Mesh, mut cluster: Cluster) -> Cluster {
    if !mesh.settings.is_ambient() {
        return cluster;
    }
    let namespaces: BTreeSet<&str> = mesh.services.iter().map(Service::namespace).collect();
    for ns in namespaces {
        let mut labels = BTreeMap::from([(DATAPLANE_MODE.to_string(), "ambient".to_string())]);
        if let Some(w) = mesh.settings.waypoint(ns) {
            labels.insert(USE_WAYPOINT.to_string(), w.name.clone());
        }
        cluster = cluster.with_namespace_labels(ns, labels);
    }
    cluster
}

/// D's Kubernetes Service, as ambient reads it.
pub(crate) fn service_info(d: &Service) -> ServiceInfo {
    ServiceInfo {
        namespace: d.namespace().to_string(),
        name: d.name().to_string(),
        selector: d.identity.selector.clone(),
        labels: BTreeMap::new(),
    }
}

/// Where a grant toward a probe lands under ambient: a service behind a waypoint is
/// reached at the waypoint's pods, anything else in the mesh at its own, on HBONE; a
/// scrape goes to the pods themselves. DNS and istiod are outside the mesh: unchanged.
pub(crate) struct Landing(BTreeMap<ProbeId, ProbeId>);

impl Landing {
    pub(crate) fn new(mesh: &Mesh, u: &Universe) -> Landing {
        let mut at: BTreeMap<ProbeId, ProbeId> = BTreeMap::new();
        for s in &mesh.services {
            let via = mesh
                .settings
                .waypoint(s.namespace())
                .map_or(u.service(s), |_| u.waypoints[s.namespace()]);
            at.insert(u.service(s), via);
        }
        for w in &mesh.workloads {
            at.insert(u.of(&w.identity), u.of(&w.identity));
        }
        Landing(at)
    }

    pub(crate) fn of(&self, grants: Grants) -> Grants {
        grants
            .into_iter()
            .map(|(dst, proto, port)| match self.0.get(&dst) {
                Some(_) if proto == Transport::Tcp && SCRAPE_PORTS.contains(&port) => {
                    (dst, proto, HBONE_PORT)
                }
                Some(&via) if proto == Transport::Tcp => (via, proto, HBONE_PORT),
                _ => (dst, proto, port),
            })
            .collect()
    }
}

/// Every source D admits on any of its ports (the scraper aside).
fn callers(d: &Service, expected: &Expected, u: &Universe) -> Admitted {
    let mut set = BTreeSet::new();
    for port in &d.ports {
        match expected.ingress(d, port.target, u) {
            Admitted::All => return Admitted::All,
            Admitted::Some(s) => set.extend(s),
        }
    }
    Admitted::Some(set)
}

fn union(a: Admitted, b: Admitted) -> Admitted {
    match (a, b) {
        (Admitted::Some(mut a), Admitted::Some(b)) => {
            a.extend(b);
            Admitted::Some(a)
        }
        _ => Admitted::All,
    }
}

/// What D's pods must admit at L4 on (PROTO, PORT).
pub(crate) fn ingress_want(
    d: &Service,
    expected: &Expected,
    u: &Universe,
) -> impl Fn(Transport, u16) -> Admitted {
    let mesh = expected.mesh;
    let waypoint = mesh
        .settings
        .waypoint(d.namespace())
        .map(|_| u.waypoints[d.namespace()]);
    let scraper: BTreeSet<ProbeId> = mesh.settings.scraper.iter().map(|s| u.of(s)).collect();
    let mut hbone = match (waypoint, callers(d, expected, u)) {
        (Some(w), Admitted::All) => Admitted::Some([w].into()),
        (Some(w), Admitted::Some(c)) if !c.is_empty() => Admitted::Some([w].into()),
        (Some(_), none) => none,
        (None, callers) => callers,
    };
    hbone = union(hbone, Admitted::Some(scraper));
    let open: BTreeSet<u16> = d
        .ports
        .iter()
        .filter(|p| expected.ingress(d, p.target, u) == Admitted::All)
        .map(|p| p.target)
        .collect();
    move |proto, port| match (proto, port) {
        (Transport::Tcp, HBONE_PORT) => hbone.clone(),
        (Transport::Tcp, p) if open.contains(&p) => Admitted::All,
        _ => Admitted::Some(BTreeSet::new()),
    }
}

/// Kubelet's probes reach D's pods on each of its ports, and elsewhere only where WANT
/// (what D's pods must admit) admits every source.
pub(crate) fn probes(
    d: &Service,
    view: &PodView,
    to: &str,
    want: impl Fn(Transport, u16) -> Admitted,
    report: &mut Report,
) {
    let own: BTreeSet<u16> = d.ports.iter().map(|p| p.target).collect();
    let asked = own.iter().copied().chain([HBONE_PORT, 1]);
    for port in asked {
        let got = view.ingress_allows(Endpoint::Ip(PROBE_SOURCE), port, Transport::Tcp);
        let want = own.contains(&port) || want(Transport::Tcp, port) == Admitted::All;
        if got != want {
            report.push(format!(
                "L4 ingress to {to}:{port} from kubelet's probes ({PROBE_SOURCE}): ambient needs {}, NetworkPolicy {}",
                verdict(want),
                verdict(got)
            ));
        }
    }
}

/// The requests D's mesh layer admits, asked where ambient judges them.
pub(crate) fn authorization(
    d: &Service,
    cluster: &Cluster,
    pod: &Pod,
    expected: &Expected,
    report: &mut Report,
) {
    let info = service_info(d);
    let td = expected.mesh.settings.trust_domain.as_str();
    let settings = &expected.mesh.settings;
    let ztunnel = cluster.view_enforcing(pod);
    let to = format!("{}.{}", d.name(), d.namespace());
    let waypoint = expected.mesh.settings.waypoint(d.namespace());
    // ztunnel captures the metrics ports a sidecar would leave alone: the scraper, and
    // nobody else (a stranger, the waypoint), reaches them.
    let scraper = expected
        .mesh
        .settings
        .scraper
        .as_ref()
        .map(|s| format!("{td}/ns/{}/sa/{}", s.namespace, s.account));
    let mut others = vec![format!("{td}/ns/{}/sa/{STRANGER}", d.namespace())];
    others.extend(waypoint.map(|w| w.principal(td)));
    let asked = scraper
        .iter()
        .map(|s| (s, true))
        .chain(others.iter().map(|o| (o, false)));
    for (who, want) in asked {
        for port in SCRAPE_PORTS {
            let got = ztunnel.authorize_ztunnel(&Request::from_principal(who, port));
            if got.is_allowed() != want {
                report.push(format!(
                    "L4 connection to {to}:{port} from {who}: intent {}, ztunnel {} ({})",
                    verdict(want),
                    verdict(got.is_allowed()),
                    got.reason()
                ));
            }
        }
    }
    let Some(w) = waypoint else {
        // No HTTP rule here (the checks refuse them): ztunnel judges every connection.
        let principals = principals(d, settings);
        for port in &d.ports {
            for p in &principals {
                let req = match p {
                    Some(p) => Request::from_principal(p, port.target),
                    None => Request::plaintext(port.target),
                };
                let want = expected.requests(d, port.target, &[p.as_deref()], &[None])[0];
                let got = ztunnel.authorize_ztunnel(&req);
                if want != got.is_allowed() {
                    report.push(format!(
                        "L4 connection to {}.{}:{} from {}: intent {}, ztunnel {} ({})",
                        d.name(),
                        d.namespace(),
                        port.target,
                        p.as_deref().unwrap_or("a plaintext caller"),
                        verdict(want),
                        verdict(got.is_allowed()),
                        got.reason()
                    ));
                }
            }
        }
        return;
    };
    match cluster.waypoint_of(&info) {
        None => report.push(format!(
            "waypoint of {to}: intent `{}`, but no Gateway of class istio-waypoint named so serves it",
            w.name
        )),
        Some(found) => {
            let pod = found.pod();
            let view = cluster.waypoint_view(&pod, found, &info, true);
            super::l7::authorization(d, &view, expected, report);
        }
    }
    // Behind a waypoint, ztunnel admits the waypoint on every port an `allow` names, and
    // a caller directly only where no HTTP rule applies.
    let relay = w.principal(td);
    for port in &d.ports {
        let named = d
            .allows
            .iter()
            .any(|a| a.ports.iter().any(|&i| d.ports[i].target == port.target));
        let got = ztunnel.authorize_ztunnel(&Request::from_principal(&relay, port.target));
        if got.is_allowed() != named {
            report.push(format!(
                "L4 connection to {to}:{} from its waypoint {relay}: intent {}, ztunnel {} ({})",
                port.target,
                verdict(named),
                verdict(got.is_allowed()),
                got.reason()
            ));
        }
        for p in principals(d, settings) {
            let req = match &p {
                Some(p) => Request::from_principal(p, port.target),
                None => Request::plaintext(port.target),
            };
            let whole_port = d
                .allows
                .iter()
                .filter(|a| a.rules.is_empty())
                .filter(|a| a.ports.iter().any(|&i| d.ports[i].target == port.target))
                .any(|a| {
                    a.callers
                        .iter()
                        .any(|c| caller_admits(c, p.as_deref(), settings))
                });
            let plain_ok = p.is_some() || d.mtls == Mtls::Permissive;
            let got = ztunnel.authorize_ztunnel(&req);
            if got.is_allowed() && !(whole_port && plain_ok) {
                report.push(format!(
                    "L4 connection to {to}:{} from {} straight to its pods, skipping the waypoint: intent denies without the waypoint's rules, ztunnel allows ({})",
                    port.target,
                    p.as_deref().unwrap_or("a plaintext caller"),
                    got.reason()
                ));
            }
        }
    }
}

/// The requests a path is followed with: a TCP connection and, on an HTTP port, one
/// request inside each path of each rule on it and one outside them all. The layer checks
/// ask the full grid (`asks::requests`) of each judge; this asks whether the judges and
/// the hops compose.
fn path_requests(d: &Service, port: &crate::ir::Port) -> Vec<Option<(&'static str, String)>> {
    let mut out: BTreeSet<Option<(&'static str, String)>> = [None].into();
    if !port.protocol.is_http() {
        return out.into_iter().collect();
    }
    out.insert(Some(("GET", "/meshward/probe".to_string())));
    let on_port = |a: &&crate::ir::Allow| a.ports.iter().any(|&p| d.ports[p].target == port.target);
    for rule in d
        .allows
        .iter()
        .chain(&d.denies)
        .filter(on_port)
        .flat_map(|a| &a.rules)
    {
        let method = rule
            .methods
            .first()
            .and_then(|m| crate::check::METHODS.iter().find(|k| *k == m).copied())
            .unwrap_or("GET");
        for path in &rule.paths {
            out.insert(Some((method, inside(path))));
        }
    }
    out.into_iter().collect()
}

/// Invariant 13: each call to D, hop by hop and judge by judge, has the intents' verdict.
pub(crate) fn paths(
    d: &Service,
    cluster: &Cluster,
    expected: &Expected,
    u: &Universe,
    report: &mut Report,
) {
    let td = expected.mesh.settings.trust_domain.as_str();
    let info = service_info(d);
    let dst = &u.probes[u.service(d)].pod;
    let mut sources: BTreeSet<ProbeId> = [u.other[d.namespace()]].into();
    sources.extend(u.other.get(super::probes::ELSEWHERE).copied());
    if let Admitted::Some(c) = callers(d, expected, u) {
        sources.extend(c);
    }
    let pods = sources.iter().map(|&s| Some(s));
    for source in pods.chain([None]) {
        let pod = source.map(|s| &u.probes[s].pod);
        let principal = pod.map(|p| format!("{td}/ns/{}/sa/{}", p.namespace, p.service_account));
        for port in &d.ports {
            let admitted = match expected.ingress(d, port.target, u) {
                Admitted::All => true,
                Admitted::Some(set) => source.is_some_and(|s| set.contains(&s)),
            };
            let hops = cluster.hops(pod, dst, Some(&info), port.target);
            let connected = hops.iter().all(|hop| {
                let target = Endpoint::Pod(&hop.target);
                let from = match &hop.source {
                    Some(p) => Endpoint::Pod(p),
                    None => Endpoint::Ip(OUTSIDE),
                };
                hop.source
                    .as_ref()
                    .is_none_or(|p| cluster.egress_allows(p, target, hop.port, Transport::Tcp))
                    && cluster.ingress_allows(&hop.target, from, hop.port, Transport::Tcp)
            });
            let asked = path_requests(d, port);
            let plain_ok = principal.is_some() || d.mtls == Mtls::Permissive;
            for http in &asked {
                let mut req = match &principal {
                    Some(p) => Request::from_principal(p, port.target),
                    None => Request::plaintext(port.target),
                };
                if let Some((m, x)) = http {
                    req = req.http(m, x);
                }
                let ask = http.as_ref().map(|(m, x)| (*m, x.as_str()));
                let allowed = expected.requests(d, port.target, &[principal.as_deref()], &[ask]);
                let want = admitted && plain_ok && allowed[0];
                let decision = cluster.call_allowed(dst, Some(&info), &req, td);
                let got = connected && decision.is_allowed();
                if want == got {
                    continue;
                }
                let what = ask.map_or("a TCP connection".to_string(), |(m, x)| format!("{m} {x}"));
                let from = source.map_or("outside the cluster (plain text)", |s| u.name(s));
                let why = if connected {
                    decision.reason().to_string()
                } else {
                    "NetworkPolicy refuses a hop".to_string()
                };
                report.push(format!(
                    "path of {what} to {}.{}:{} from {from}: intent {}, ambient {} ({why})",
                    d.name(),
                    d.namespace(),
                    port.target,
                    verdict(want),
                    verdict(got),
                ));
            }
        }
    }
}

/// The waypoint's pods, at L4: 15008 from every caller of their namespace's services and
/// nothing else; out to exactly those services on 15008 (and what every pod of the
/// namespace may reach).
pub(crate) fn waypoint(
    namespace: &str,
    cluster: &Cluster,
    expected: &Expected,
    landing: &Landing,
    u: &Universe,
    report: &mut Report,
) {
    let mesh = expected.mesh;
    let id = u.waypoints[namespace];
    let pod = &u.probes[id].pod;
    let view = cluster.view(pod);
    let served: Vec<&Service> = mesh
        .services
        .iter()
        .filter(|s| s.namespace() == namespace)
        .collect();
    let mut from = Admitted::Some(BTreeSet::new());
    let mut grants = landing.of(expected.egress(None, namespace, u));
    for s in &served {
        let c = callers(s, expected, u);
        if c != Admitted::Some(BTreeSet::new()) {
            grants.insert((u.service(s), Transport::Tcp, HBONE_PORT));
        }
        from = union(from, c);
    }
    let want = move |proto, port| match (proto, port) {
        (Transport::Tcp, HBONE_PORT) => from.clone(),
        _ => Admitted::Some(BTreeSet::new()),
    };
    let name = u.name(id).to_string();
    let ports = super::l4::probe_ports(&view, &[HBONE_PORT]);
    super::l4::ingress(&name, &view, &ports, want, u, report);
    super::l4::egress(&view, id, grants, u, report);
}
