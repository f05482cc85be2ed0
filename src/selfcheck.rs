//! Self-check: before anything is written, prove that the rendered objects admit exactly
//! what the intents allow, at L4 on both ends of every edge and at L7.
//!
//! Two independent readings meet here. The *expected* side comes straight from the
//! resolved intents ([`ir::Mesh`]), with the language's own matching rules written out
//! below. The *rendered* side asks [`evaluate`], which judges the objects the way
//! Kubernetes and Istio would and knows nothing of meshward's model. A disagreement is a
//! compiler bug: the build stops with exit 3 and names the pair and both verdicts.
//!
//! Sources and destinations are *probe pods*: one per service, workload, DNS and istiod
//! group (carrying exactly its selector's labels), one "other" pod per namespace that
//! the tree mentions plus one in a namespace it never mentions (pods nobody declared),
//! and an address outside the cluster. It never walks pod pairs: for each destination it
//! asks only about the probes that some peer of its policies could match, found through
//! a label index, so the cost grows with the rules, not with the square of the services.

use crate::evaluate::{
    self, Cluster, Endpoint, MtlsMode, Peer, Pod, PodView, PortValue, Request, Transport,
};
use crate::ir::{Caller, HttpRule, Mesh, Mtls, Service};
use rayon::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

/// Label carried by "other" probe pods only, so no specific selector can match them.
const OTHER_LABEL: (&str, &str) = ("meshward.dev/probe", "other");
/// A namespace the tree never mentions, standing for all the others.
const ELSEWHERE: &str = "meshward-probe-elsewhere";
/// An account no intent names.
const STRANGER: &str = "meshward-probe";
/// A trust domain no intent names: a caller's identity from another mesh.
const FOREIGN_TRUST_DOMAIN: &str = "meshward-probe.example";
/// TEST-NET-3: an address outside the cluster.
const OUTSIDE: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));
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

type ProbeId = usize;
/// Connections a source may open: `(destination, protocol, port)`.
type Grants = BTreeSet<(ProbeId, Transport, u16)>;

struct Probe {
    pod: Pod,
    /// `orders.shop`, `other pod in shop`, ... for messages.
    name: String,
}

/// Sources a policy admits: everything, or exactly these probes.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Admitted {
    All,
    Some(BTreeSet<ProbeId>),
}

struct Universe {
    probes: Vec<Probe>,
    by_namespace: BTreeMap<String, Vec<ProbeId>>,
    /// namespace → label key → value → probes carrying that label.
    by_label: BTreeMap<String, BTreeMap<String, BTreeMap<String, Vec<ProbeId>>>>,
    /// namespace → name → probe of each service and workload (nested: look-ups borrow).
    identity: BTreeMap<String, BTreeMap<String, ProbeId>>,
    other: BTreeMap<String, ProbeId>,
    dns: ProbeId,
    istiod: ProbeId,
}

impl Universe {
    fn new(mesh: &Mesh) -> Universe {
        let mut u = Universe {
            probes: Vec::new(),
            by_namespace: BTreeMap::new(),
            by_label: BTreeMap::new(),
            identity: BTreeMap::new(),
            other: BTreeMap::new(),
            dns: 0,
            istiod: 0,
        };
        let identities = mesh
            .services
            .iter()
            .map(|s| &s.identity)
            .chain(mesh.workloads.iter().map(|w| &w.identity));
        for i in identities {
            let id = u.add(
                &i.namespace,
                &i.selector,
                &i.account,
                format!("{}.{}", i.name, i.namespace),
            );
            u.identity
                .entry(i.namespace.clone())
                .or_default()
                .insert(i.name.clone(), id);
        }
        let s = &mesh.settings;
        u.dns = u.add(
            &s.dns.namespace,
            &s.dns.selector,
            "dns",
            format!("DNS pods in {}", s.dns.namespace),
        );
        u.istiod = u.add(
            &s.istiod.namespace,
            &s.istiod.selector,
            "istiod",
            format!("istiod pods in {}", s.istiod.namespace),
        );
        let mut namespaces: BTreeSet<String> = u.by_namespace.keys().cloned().collect();
        for service in &mesh.services {
            for allow in &service.allows {
                for caller in &allow.callers {
                    if let Caller::Namespace(ns) = caller {
                        namespaces.insert(ns.clone());
                    }
                }
            }
        }
        namespaces.insert(ELSEWHERE.to_string());
        for ns in namespaces {
            let labels = BTreeMap::from([(OTHER_LABEL.0.to_string(), OTHER_LABEL.1.to_string())]);
            let id = u.add(&ns, &labels, STRANGER, format!("an undeclared pod in {ns}"));
            u.other.insert(ns, id);
        }
        u
    }

    fn add(
        &mut self,
        namespace: &str,
        labels: &BTreeMap<String, String>,
        account: &str,
        name: String,
    ) -> ProbeId {
        // Two groups with the same pods (a workload declared with istiod's selector, say)
        // are one probe: what admits one admits the other.
        let same = self
            .by_namespace
            .get(namespace)
            .into_iter()
            .flatten()
            .copied()
            .find(|&id| self.probes[id].pod.labels == *labels);
        if let Some(id) = same {
            return id;
        }
        let id = self.probes.len();
        let mut pod = Pod::new(&name, namespace).account(account);
        for (k, v) in labels {
            pod = pod.label(k, v);
            self.by_label
                .entry(namespace.to_string())
                .or_default()
                .entry(k.clone())
                .or_default()
                .entry(v.clone())
                .or_default()
                .push(id);
        }
        self.by_namespace
            .entry(namespace.to_string())
            .or_default()
            .push(id);
        self.probes.push(Probe { pod, name });
        id
    }

    fn name(&self, id: ProbeId) -> &str {
        &self.probes[id].name
    }

    fn service(&self, s: &Service) -> ProbeId {
        self.of(&s.identity)
    }

    /// The probe of a service or workload of the tree (every one has one).
    fn of(&self, i: &crate::ir::Identity) -> ProbeId {
        self.identity[&i.namespace][&i.name]
    }

    /// Probes that a NetworkPolicy peer written in POLICY_NS might match; `false` when the
    /// peer is not limited to pods (an ipBlock).
    fn candidates(&self, peer: &Peer, policy_ns: &str, out: &mut BTreeSet<ProbeId>) -> bool {
        let Peer::Pods { namespaces, pods } = peer else {
            return false;
        };
        let namespaces: Vec<&str> = match namespaces {
            None => vec![policy_ns],
            Some(selector) => match selector
                .match_labels
                .iter()
                .find(|(k, _)| k == evaluate::NAMESPACE_NAME_LABEL)
            {
                Some((_, ns)) => vec![ns.as_str()],
                None => self.by_namespace.keys().map(String::as_str).collect(),
            },
        };
        let first_label = pods.as_ref().and_then(|s| s.match_labels.first());
        for ns in namespaces {
            let ids = match first_label {
                Some((k, v)) => self
                    .by_label
                    .get(ns)
                    .and_then(|keys| keys.get(k))
                    .and_then(|values| values.get(v)),
                None => self.by_namespace.get(ns),
            };
            out.extend(ids.into_iter().flatten().copied());
        }
        true
    }
}

/// What the intents allow, indexed once for the whole mesh.
struct Expected<'m> {
    mesh: &'m Mesh,
    /// Egress grants per source: a service `(ns, name)`, a namespace's every pod, anyone.
    by_identity: BTreeMap<(&'m str, &'m str), Grants>,
    by_namespace: BTreeMap<&'m str, Grants>,
    anyone: Grants,
}

impl<'m> Expected<'m> {
    fn new(mesh: &'m Mesh, u: &Universe) -> Expected<'m> {
        let mut e = Expected {
            mesh,
            by_identity: BTreeMap::new(),
            by_namespace: BTreeMap::new(),
            anyone: BTreeSet::new(),
        };
        for d in &mesh.services {
            let dst = u.service(d);
            for allow in &d.allows {
                let grants: Vec<(ProbeId, Transport, u16)> = allow
                    .ports
                    .iter()
                    .map(|&p| (dst, Transport::Tcp, d.ports[p].target))
                    .collect();
                for caller in &allow.callers {
                    let set = match caller {
                        Caller::Pods(i) => e
                            .by_identity
                            .entry((i.namespace.as_str(), i.name.as_str()))
                            .or_default(),
                        Caller::Namespace(ns) => e.by_namespace.entry(ns.as_str()).or_default(),
                        Caller::Anyone => &mut e.anyone,
                    };
                    set.extend(grants.iter().copied());
                }
            }
        }
        e
    }

    /// Sources the intents admit to D on target PORT.
    fn ingress(&self, d: &Service, port: u16, u: &Universe) -> Admitted {
        let mut set = BTreeSet::new();
        if crate::compile::SCRAPE_PORTS.contains(&port) {
            if let Some(scraper) = &self.mesh.settings.scraper {
                set.insert(u.of(scraper));
            }
            return Admitted::Some(set);
        }
        for allow in d
            .allows
            .iter()
            .filter(|a| a.ports.iter().any(|&p| d.ports[p].target == port))
        {
            for caller in &allow.callers {
                match caller {
                    Caller::Anyone => return Admitted::All,
                    Caller::Pods(i) => {
                        set.insert(u.of(i));
                    }
                    Caller::Namespace(ns) => {
                        set.extend(u.by_namespace.get(ns).into_iter().flatten().copied());
                    }
                }
            }
        }
        Admitted::Some(set)
    }

    /// Everything a source may open, as `(destination, protocol, port)`.
    fn egress(&self, service: Option<&Service>, namespace: &str, u: &Universe) -> Grants {
        let mut set: Grants = [
            (u.dns, Transport::Udp, crate::compile::DNS_PORT),
            (u.dns, Transport::Tcp, crate::compile::DNS_PORT),
            (u.istiod, Transport::Tcp, crate::compile::ISTIOD_PORT),
        ]
        .into();
        set.extend(self.anyone.iter().copied());
        set.extend(
            self.by_namespace
                .get(namespace)
                .into_iter()
                .flatten()
                .copied(),
        );
        if let Some(s) = service {
            let key = (s.namespace(), s.name());
            set.extend(self.by_identity.get(&key).into_iter().flatten().copied());
            if let Some(scraper) = &self.mesh.settings.scraper {
                if scraper.namespace == s.namespace() && scraper.name == s.name() {
                    for d in &self.mesh.services {
                        for port in crate::compile::SCRAPE_PORTS {
                            set.insert((u.service(d), Transport::Tcp, port));
                        }
                    }
                }
            }
        }
        set
    }

    /// Whether some `allow` on D covers each PRINCIPAL × REQUEST on target PORT, by the
    /// language's own rules (rows by principal, as [`PodView::authorize_all`]). Callers are
    /// matched once per principal and rules once per request.
    fn requests(
        &self,
        d: &Service,
        port: u16,
        principals: &[Option<&str>],
        requests: &[Option<(&str, &str)>],
    ) -> Vec<bool> {
        let td = &self.mesh.settings.trust_domain;
        let allows: Vec<_> = d
            .allows
            .iter()
            .filter(|allow| allow.ports.iter().any(|&p| d.ports[p].target == port))
            .collect();
        let n = allows.len();
        let callers: Vec<bool> = principals
            .iter()
            .flat_map(|&principal| {
                allows.iter().map(move |allow| {
                    allow.callers.iter().any(|c| match (c, principal) {
                        (Caller::Anyone, _) => true,
                        // `<td>/ns/<ns>/sa/<account>`, compared without building the string.
                        (Caller::Pods(i), Some(p)) => {
                            p.strip_prefix(td.as_str())
                                .and_then(|r| r.strip_prefix("/ns/"))
                                .and_then(|r| r.strip_prefix(i.namespace.as_str()))
                                .and_then(|r| r.strip_prefix("/sa/"))
                                == Some(i.account.as_str())
                        }
                        // Istio reads `source.namespaces` from the peer's SPIFFE id, whatever
                        // its trust domain: `namespace NS` admits every identity in NS.
                        (Caller::Namespace(ns), Some(p)) => {
                            p.split_once("/ns/").and_then(|(_, r)| r.split('/').next())
                                == Some(ns.as_str())
                        }
                        _ => false,
                    })
                })
            })
            .collect();
        let rules: Vec<bool> = requests
            .iter()
            .flat_map(|&http| {
                allows.iter().map(move |allow| {
                    allow.rules.is_empty()
                        || http.is_some_and(|(m, x)| allow.rules.iter().any(|r| r.covers(m, x)))
                })
            })
            .collect();
        let mut out = Vec::with_capacity(principals.len() * requests.len());
        for p in 0..principals.len() {
            for r in 0..requests.len() {
                out.push((0..n).any(|a| callers[p * n + a] && rules[r * n + a]));
            }
        }
        out
    }
}

#[derive(Default)]
struct Report {
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

    fn push(&mut self, message: String) {
        if self.faults.len() < MAX_FAULTS {
            self.faults.push(Fault(message));
        } else {
            self.dropped += 1;
        }
    }
}

fn verdict(allowed: bool) -> &'static str {
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

/// Every port worth asking about at a destination: those the intents declare, the scrape
/// ports, every port and range bound that its ingress rules name, and one port nobody
/// named, over TCP and UDP. A rule that widened to another port or protocol shows up here.
fn probe_ports(view: &PodView, declared: &[u16]) -> Vec<(Transport, u16)> {
    let mut ports: BTreeSet<(Transport, u16)> =
        declared.iter().map(|&p| (Transport::Tcp, p)).collect();
    ports.extend(crate::compile::SCRAPE_PORTS.map(|p| (Transport::Tcp, p)));
    let rules = view
        .isolating(evaluate::Direction::Ingress)
        .iter()
        .flat_map(|policy| &policy.ingress);
    for entry in rules.flat_map(|rule| &rule.ports) {
        if let PortValue::Number { start, end, .. } = entry.port {
            let proto = entry.protocol.unwrap_or(Transport::Tcp);
            for n in [start, end] {
                if let Ok(n) = u16::try_from(n) {
                    ports.insert((proto, n));
                }
            }
        }
    }
    let named: BTreeSet<u16> = ports.iter().map(|(_, p)| *p).collect();
    if let Some(unused) = (1..=u16::MAX).find(|p| !named.contains(p)) {
        ports.insert((Transport::Tcp, unused));
        ports.insert((Transport::Udp, unused));
    }
    ports.into_iter().collect()
}

/// L4 ingress at one destination on every probe port: exactly WANT(protocol, port).
fn ingress(
    to: &str,
    view: &PodView,
    ports: &[(Transport, u16)],
    want: impl Fn(Transport, u16) -> Admitted,
    u: &Universe,
    report: &mut Report,
) {
    let mut candidates = BTreeSet::new();
    let mut unlimited = view.isolating(evaluate::Direction::Ingress).is_empty();
    for policy in view.isolating(evaluate::Direction::Ingress) {
        for rule in &policy.ingress {
            // Empty, `from` admits every source.
            unlimited |= rule.peers.is_empty();
            for peer in &rule.peers {
                unlimited |= !u.candidates(peer, &policy.namespace, &mut candidates);
            }
        }
    }
    // One grid for every source and port: the outside address first, then the candidates.
    let candidates: Vec<ProbeId> = candidates.into_iter().collect();
    let sources: Vec<Endpoint> = std::iter::once(Endpoint::Ip(OUTSIDE))
        .chain(candidates.iter().map(|&c| Endpoint::Pod(&u.probes[c].pod)))
        .collect();
    let grid = view.l4_grid(evaluate::Direction::Ingress, &sources, ports);
    let admits = |source: usize, port: usize| grid[source * ports.len() + port];
    for (k, &(proto, port)) in ports.iter().enumerate() {
        let want = want(proto, port);
        let outside = admits(0, k);
        let got = if unlimited && outside {
            Admitted::All
        } else {
            Admitted::Some(
                candidates
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| admits(i + 1, k))
                    .map(|(_, &c)| c)
                    .collect(),
            )
        };
        if want == got {
            continue;
        }
        let to = format!("{to}:{port}/{proto:?}");
        match (&want, &got) {
            (Admitted::All, _) => report.push(format!("L4 ingress to {to} from outside the cluster: intent allows (`anyone`), NetworkPolicy denies")),
            (_, Admitted::All) => report.push(format!("L4 ingress to {to} from any source: intent denies, NetworkPolicy allows")),
            (Admitted::Some(a), Admitted::Some(b)) => {
                for id in a.symmetric_difference(b) {
                    report.push(format!(
                        "L4 ingress to {to} from {}: intent {}, NetworkPolicy {}",
                        u.name(*id),
                        verdict(a.contains(id)),
                        verdict(b.contains(id))
                    ));
                }
            }
        }
    }
}

/// L4 egress of one source probe: exactly the grants, to nowhere else.
fn egress(view: &PodView, source: ProbeId, want: Grants, u: &Universe, report: &mut Report) {
    let from = u.name(source);
    if view.isolating(evaluate::Direction::Egress).is_empty() {
        report.push(format!("L4 egress of {from}: intent denies what it does not grant, but no NetworkPolicy isolates it for egress"));
        return;
    }
    let mut got = BTreeSet::new();
    // Per rule: the probes its peers might match, and its exact (protocol, port) pairs.
    type RuleProbes = (BTreeSet<ProbeId>, Vec<(Transport, u16)>);
    let mut rules: Vec<RuleProbes> = Vec::new();
    for policy in view.isolating(evaluate::Direction::Egress) {
        let ns = &policy.namespace;
        for rule in &policy.egress {
            let mut candidates = BTreeSet::new();
            // Empty, `to` and `ports` mean every destination and every port.
            let peers_limited = !rule.peers.is_empty()
                && rule
                    .peers
                    .iter()
                    .all(|p| u.candidates(p, ns, &mut candidates));
            // Exact `(protocol, port)` pairs; an entry with an unknown protocol matches
            // nothing, so it neither counts nor widens.
            let mut exact_ports = Vec::new();
            let mut ranged = false;
            for entry in &rule.ports {
                match (entry.protocol, &entry.port) {
                    (None, _) => {}
                    (
                        Some(proto),
                        PortValue::Number {
                            start,
                            ranged: false,
                            ..
                        },
                    ) => {
                        // A negative or huge number matches nothing.
                        if let Ok(port) = u16::try_from(*start) {
                            exact_ports.push((proto, port));
                        }
                    }
                    _ => ranged = true,
                }
            }
            let exact_ports = (!rule.ports.is_empty()).then_some(exact_ports);
            if !peers_limited {
                report.push(format!("L4 egress of {from}: a rule of NetworkPolicy {}/{} allows destinations beyond declared pods (no `to`, or an ipBlock)", policy.namespace, policy.name));
            }
            if exact_ports.is_none() || ranged {
                report.push(format!("L4 egress of {from}: a rule of NetworkPolicy {}/{} allows every port or a port range", policy.namespace, policy.name));
            }
            rules.push((candidates, exact_ports.unwrap_or_default()));
        }
    }
    // One grid over every candidate and port any rule names; each rule then keeps the
    // pairs it could admit, as asking rule by rule would.
    let peers: Vec<ProbeId> = rules
        .iter()
        .flat_map(|(c, _)| c.iter().copied())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let ports: Vec<(Transport, u16)> = rules
        .iter()
        .flat_map(|(_, p)| p.iter().copied())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let endpoints: Vec<Endpoint> = peers
        .iter()
        .map(|&c| Endpoint::Pod(&u.probes[c].pod))
        .collect();
    let grid = view.l4_grid(evaluate::Direction::Egress, &endpoints, &ports);
    // Both searches always succeed: PEERS and PORTS are the unions of what the rules name.
    for (candidates, exact) in &rules {
        for &c in candidates {
            let row = peers.binary_search(&c).unwrap_or_default() * ports.len();
            for &(proto, port) in exact {
                let col = ports.binary_search(&(proto, port)).unwrap_or_default();
                if grid[row + col] {
                    got.insert((c, proto, port));
                }
            }
        }
    }
    for (dst, proto, port) in want.symmetric_difference(&got) {
        report.push(format!(
            "L4 egress from {from} to {}:{port}/{proto:?}: intent {}, NetworkPolicy {}",
            u.name(*dst),
            verdict(want.contains(&(*dst, *proto, *port))),
            verdict(got.contains(&(*dst, *proto, *port)))
        ));
    }
}

fn object_name(policy: &Value) -> String {
    let get = |k: &str| {
        policy
            .pointer(&format!("/metadata/{k}"))
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string()
    };
    format!("{}/{}", get("namespace"), get("name"))
}

/// L7: requests derived from every rule, from every caller, a stranger and plaintext.
fn authorization(d: &Service, view: &PodView, expected: &Expected, report: &mut Report) {
    let td = &expected.mesh.settings.trust_domain;
    let mut principals: BTreeSet<Option<String>> =
        [None, Some(format!("{td}/ns/{ELSEWHERE}/sa/{STRANGER}"))].into();
    principals.insert(Some(format!("{td}/ns/{}/sa/{STRANGER}", d.namespace())));
    for allow in &d.allows {
        for caller in &allow.callers {
            match caller {
                Caller::Pods(i) => {
                    // The caller, a stranger beside it, and the caller from another trust domain.
                    principals.insert(Some(format!("{td}/ns/{}/sa/{}", i.namespace, i.account)));
                    principals.insert(Some(format!("{td}/ns/{}/sa/{STRANGER}", i.namespace)));
                    principals.insert(Some(format!(
                        "{FOREIGN_TRUST_DOMAIN}/ns/{}/sa/{}",
                        i.namespace, i.account
                    )));
                }
                Caller::Namespace(ns) => {
                    principals.insert(Some(format!("{td}/ns/{ns}/sa/{STRANGER}")));
                }
                Caller::Anyone => {}
            }
        }
    }
    let principals: Vec<Option<&str>> = principals.iter().map(Option::as_deref).collect();
    for port in &d.ports {
        let rules: Vec<&HttpRule> = d
            .allows
            .iter()
            .filter(|a| a.ports.iter().any(|&p| d.ports[p].target == port.target))
            .flat_map(|a| a.rules.iter())
            .collect();
        let requests: (BTreeSet<&str>, BTreeSet<String>) = if port.protocol.is_http() {
            let mut methods: BTreeSet<&str> = ["GET", "DELETE"].into();
            methods.extend(
                rules
                    .iter()
                    .flat_map(|r| r.methods.iter().map(String::as_str)),
            );
            let mut paths: BTreeSet<String> =
                ["/".to_string(), "/meshward/probe".to_string()].into();
            for path in rules.iter().flat_map(|r| r.paths.iter()) {
                paths.extend(probe_paths(path));
            }
            (methods, paths)
        } else {
            (BTreeSet::new(), BTreeSet::new())
        };
        let requests: Vec<Option<(&str, &str)>> = if port.protocol.is_http() {
            let (methods, paths) = &requests;
            methods
                .iter()
                .flat_map(|&m| paths.iter().map(move |x| Some((m, x.as_str()))))
                .collect()
        } else {
            vec![None]
        };
        let want = expected.requests(d, port.target, &principals, &requests);
        let got = view.authorize_all(port.target, &principals, &requests);
        let grid = principals
            .iter()
            .flat_map(|p| requests.iter().map(move |r| (p, r)));
        for (((principal, http), want), got) in grid.zip(want).zip(got) {
            if want == got {
                continue;
            }
            // Disagreements are rare: only now build the request and ask for the reason.
            let mut req = match principal {
                Some(p) => Request::from_principal(p, port.target),
                None => Request::plaintext(port.target),
            };
            if let Some((m, x)) = http {
                req = req.http(m, x);
            }
            let decision = view.authorize(&req);
            let what = http.map_or("a TCP connection".to_string(), |(m, x)| format!("{m} {x}"));
            let who = principal.unwrap_or("a plaintext caller");
            report.push(format!(
                "L7 {what} to {}.{}:{} from {who}: intent {}, AuthorizationPolicy {} ({})",
                d.name(),
                d.namespace(),
                port.target,
                verdict(want),
                verdict(got),
                match &decision {
                    evaluate::Decision::Allow(why) | evaluate::Decision::Deny(why) => why,
                }
            ));
        }
    }
}

/// Paths just inside and just outside a pattern.
fn probe_paths(pattern: &str) -> Vec<String> {
    if let Some(prefix) = pattern.strip_suffix('*') {
        vec![
            format!("{prefix}probe"),
            prefix.trim_end_matches('/').to_string() + "x",
        ]
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        vec![format!("/probe{suffix}"), format!("/probe{suffix}x")]
    } else {
        vec![
            pattern.to_string(),
            format!("{pattern}x"),
            format!("{pattern}/x"),
        ]
    }
}

fn mtls(d: &Service, cluster: &Cluster, pod: &Pod, report: &mut Report) {
    let want = match d.mtls {
        Mtls::Strict => MtlsMode::Strict,
        Mtls::Permissive => MtlsMode::Permissive,
    };
    // The workload mode, and each port's (a `portLevelMtls` override must not differ).
    let ports = std::iter::once(None).chain(d.ports.iter().map(|p| Some(p.target)));
    for port in ports {
        let got = cluster.mtls_mode_on_port(pod, port);
        if want != got {
            let on = port.map_or(String::new(), |p| format!(" on port {p}"));
            report.push(format!(
                "mTLS of {}.{}{on}: intent {want:?}, PeerAuthentication gives {got:?}",
                d.name(),
                d.namespace()
            ));
        }
    }
}

/// Invariant 4: a VirtualService names only ports and subsets that exist, and every
/// subset it names is defined by a DestinationRule for the same host.
fn routes(mesh: &Mesh, objects: &[&Value], report: &mut Report) {
    let cd = &mesh.settings.cluster_domain;
    let hosts: BTreeMap<String, &Service> = mesh.services.iter().map(|s| (s.host(cd), s)).collect();
    let mut subsets: BTreeSet<(String, String)> = BTreeSet::new();
    for o in objects
        .iter()
        .filter(|o| o.get("kind").and_then(Value::as_str) == Some("DestinationRule"))
    {
        let host = o
            .pointer("/spec/host")
            .and_then(Value::as_str)
            .unwrap_or("");
        for s in o
            .pointer("/spec/subsets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = s.get("name").and_then(Value::as_str).unwrap_or("");
            // Pods of subset S carry `version=S`, and only that label picks them.
            let labels = s.get("labels").cloned().unwrap_or(Value::Null);
            if labels != serde_json::json!({ "version": name }) {
                report.push(format!(
                    "DestinationRule {} subset {name} selects {labels}, not version={name}",
                    object_name(o)
                ));
            }
            subsets.insert((host.to_string(), name.to_string()));
        }
    }
    let mut routed = 0;
    for o in objects
        .iter()
        .filter(|o| o.get("kind").and_then(Value::as_str) == Some("VirtualService"))
    {
        let name = object_name(o);
        for route in o
            .pointer("/spec/http")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            routed += 1;
            for m in route
                .get("match")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let port = m.get("port").and_then(Value::as_u64).unwrap_or(0);
                let known = o
                    .pointer("/spec/hosts")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|h| {
                        h.as_str()
                            .and_then(|h| hosts.get(h))
                            .is_some_and(|s| s.ports.iter().any(|p| u64::from(p.port) == port))
                    });
                if !known {
                    report.push(format!("VirtualService {name} matches port {port}, which its host does not declare"));
                }
            }
            for dest in route
                .get("route")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let host = dest
                    .pointer("/destination/host")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let port = dest
                    .pointer("/destination/port/number")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                match hosts.get(host) {
                    None => report.push(format!("VirtualService {name} routes to unknown host {host}")),
                    Some(s) if !s.ports.iter().any(|p| u64::from(p.port) == port) => {
                        report.push(format!("VirtualService {name} routes to port {port} of {host}, which does not exist"))
                    }
                    Some(_) => {}
                }
                if let Some(subset) = dest.pointer("/destination/subset").and_then(Value::as_str) {
                    if !subsets.contains(&(host.to_string(), subset.to_string())) {
                        report.push(format!("VirtualService {name} names subset {subset} of {host}, which no DestinationRule defines"));
                    }
                }
            }
        }
    }
    let intended: usize = mesh.services.iter().map(|s| s.routes.len()).sum();
    if routed != intended {
        report.push(format!(
            "the intents declare {intended} routes, the VirtualServices hold {routed}"
        ));
    }
}
