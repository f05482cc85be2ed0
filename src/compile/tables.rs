//! The connection tables of the whole mesh, built in one walk over every `allow`.
//!
//! The L4 layer needs each allowed edge twice, as ingress on the destination and as egress
//! on the source, and the egress half lives with the *caller*, so it has to be gathered
//! from every other service's, external's and workload's `allow`s. The same walk gathers
//! what each caller may reach by name (for its Sidecar) and which namespaces need a
//! ServiceEntry for each external, so rendering is a plain walk.

use super::outside::{network, Outside};
use super::peer::{rules, Grants, Peer, Pods, Rule, L4};
use super::reach::{sources, Reach, Source};
use super::remote::{Departure, Remote, EASTWEST_PORT};
use crate::ir::{Allow, Caller, Cidr, Destination, Identity, Mesh, Network, Port, Service};
use std::collections::{BTreeMap, BTreeSet};

/// Sidecar ports the scraper may reach: merged Prometheus stats and Envoy's own.
pub const SCRAPE_PORTS: [u16; 2] = [15020, 15090];
/// Where sidecars fetch their configuration from istiod.
pub const ISTIOD_PORT: u16 = 15012;
pub const DNS_PORT: u16 = 53;
/// Where ambient traffic between pods and waypoints arrives: HBONE, mTLS tunnels that
/// carry every port of the destination.
pub const HBONE_PORT: u16 = 15008;
/// The address kubelet's probes of an ambient pod come from: Istio's CNI rewrites them to
/// it, so that ztunnel can tell them apart and let them through.
pub const PROBE_SOURCE: Cidr = Cidr {
    address: std::net::IpAddr::V4(std::net::Ipv4Addr::new(169, 254, 7, 127)),
    prefix: 32,
};

/// Connection tables of one service.
#[derive(Debug, Default)]
pub struct ServiceTables<'m> {
    pub ingress: Vec<Rule<'m>>,
    pub egress: Vec<Rule<'m>>,
    /// What an `allow` naming this service lets it call, sorted. What its namespace may
    /// call ([`Tables::namespace_reach`]) comes on top.
    pub reach: Vec<Reach>,
}

/// Everything the network layer needs, per namespace and per service.
#[derive(Debug, Default)]
pub struct Tables<'m> {
    /// Keyed by (namespace, name) of each service.
    pub services: BTreeMap<(&'m str, &'m str), ServiceTables<'m>>,
    /// Egress for every pod of a managed namespace: DNS, istiod, and what `namespace NS`
    /// and `anyone` grant. Keyed by namespace.
    pub namespaces: BTreeMap<&'m str, Vec<Rule<'m>>>,
    /// What every pod of a managed namespace may call (`namespace NS` and `anyone`
    /// grants), sorted; every managed namespace has an entry.
    pub namespace_reach: BTreeMap<&'m str, Vec<Reach>>,
    /// The externals (indices into `Mesh::externals`, ascending) that need a ServiceEntry
    /// in each managed namespace: those allowing a caller there.
    pub entries: BTreeMap<&'m str, Vec<usize>>,
    /// The `except` lists of the outside peers.
    pub outside: Outside,
    /// Under ambient, the NetworkPolicy of each namespace's waypoint pods: ingress from
    /// every caller of the namespace's services, egress to those services, both on HBONE.
    /// Keyed by namespace.
    pub waypoints: BTreeMap<&'m str, ServiceTables<'m>>,
}

/// Egress grants and reach, gathered per source while the allows are walked.
#[derive(Default)]
struct Gathered<'m> {
    egress: BTreeMap<(&'m str, &'m str), Grants<'m>>,
    namespace_egress: BTreeMap<&'m str, Grants<'m>>,
    reach: BTreeMap<(&'m str, &'m str), BTreeSet<Reach>>,
    namespace_reach: BTreeMap<&'m str, BTreeSet<Reach>>,
}

impl<'m> Gathered<'m> {
    fn grant(
        &mut self,
        source: Source<'m>,
        peers: &[Peer<'m>],
        ports: &BTreeSet<(L4, u16)>,
        to: Reach,
    ) {
        let (table, reach) = match source {
            Source::Service(ns, name) => (
                self.egress.entry((ns, name)).or_default(),
                self.reach.entry((ns, name)).or_default(),
            ),
            Source::Namespace(ns) => (
                self.namespace_egress.entry(ns).or_default(),
                self.namespace_reach.entry(ns).or_default(),
            ),
        };
        for peer in peers {
            table
                .entry(*peer)
                .or_default()
                .extend(ports.iter().copied());
        }
        reach.insert(to);
    }
}

/// The TCP ports of ALLOW, on PORTS' pod side.
fn tcp_ports(allow: &Allow, ports: &[Port]) -> BTreeSet<(L4, u16)> {
    allow
        .ports
        .iter()
        .filter_map(|&i| ports.get(i))
        .map(|p| (L4::Tcp, p.target))
        .collect()
}

fn pods_of(service: &Service) -> Peer<'_> {
    Peer::Pods(Pods::of(&service.identity))
}

/// Build every connection table of the mesh.
pub fn compile(mesh: &Mesh) -> Tables<'_> {
    // In a mesh of several clusters, this cluster's tree: its own services and
    // namespaces, and the other clusters by address.
    let remote = Remote::new(&mesh.settings);
    let here = |i: &Identity| remote.as_ref().is_none_or(|r| r.here(i));
    let managed: BTreeSet<&str> = mesh
        .services
        .iter()
        .filter(|s| here(&s.identity))
        .map(|s| s.namespace())
        .collect();
    let mut ingress: BTreeMap<(&str, &str), Grants> = BTreeMap::new();
    let mut gathered = Gathered::default();
    let mut entries: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    let outside = Outside::new(&mesh.settings.cluster_cidrs);
    let cilium = mesh.settings.network == Network::Cilium;

    let ambient = mesh.settings.is_ambient();
    let hbone = BTreeSet::from([(L4::Tcp, HBONE_PORT)]);
    let mut waypoints: BTreeMap<&str, (Grants, Grants)> = BTreeMap::new();
    for (index, service) in mesh.services.iter().enumerate() {
        let key = (service.namespace(), service.name());
        let waypoint = mesh
            .settings
            .waypoint(service.namespace())
            .filter(|_| ambient);
        // Where a caller's connection lands: the pods on the allowed port with sidecars;
        // HBONE to the waypoint, or to the pods without one, under ambient.
        let is_here = here(&service.identity);
        let dest: Vec<Peer> = match waypoint {
            Some(w) => vec![Peer::Pods(Pods::group(&w.pods))],
            None if is_here => vec![pods_of(service)],
            None => Vec::new(),
        };
        // Its pods in other clusters: by their ranges on the service's ports, or through
        // their cluster's east-west gateway on 15443.
        let (direct, via_gateway): (Vec<Peer>, Vec<Peer>) = match &remote {
            Some(r) => {
                let mut direct = Vec::new();
                let mut gateway = Vec::new();
                for d in r.departures(&service.identity) {
                    match d {
                        Departure::Direct(c) => direct.push(Peer::Block(c)),
                        Departure::Gateway(c) => gateway.push(Peer::Block(c)),
                    }
                }
                (direct, gateway)
            }
            None => (Vec::new(), Vec::new()),
        };
        let eastwest = BTreeSet::from([(L4::Tcp, EASTWEST_PORT)]);
        let mut scratch = Grants::new();
        let inbound = if is_here {
            ingress.entry(key).or_default()
        } else {
            // Nothing is written for a service this cluster does not run.
            &mut scratch
        };
        if ambient {
            let probed = service.ports.iter().map(|p| (L4::Tcp, p.target));
            inbound
                .entry(Peer::Block(PROBE_SOURCE))
                .or_default()
                .extend(probed);
        }
        for allow in &service.allows {
            let ports = tcp_ports(allow, &service.ports);
            if ports.is_empty() {
                continue;
            }
            let landing = if ambient { &hbone } else { &ports };
            for caller in &allow.callers {
                let peer = match caller {
                    Caller::Pods(identity) => Peer::Pods(Pods::of(identity)),
                    Caller::Namespace(ns) => Peer::Namespace(ns),
                    Caller::Anyone => Peer::Anywhere,
                };
                if let Some(r) = &remote {
                    for from in r.arrivals(caller) {
                        inbound
                            .entry(from)
                            .or_default()
                            .extend(ports.iter().copied());
                    }
                }
                let caller_here = match caller {
                    Caller::Pods(identity) => here(identity),
                    _ => true,
                };
                if caller_here && (!ambient || peer == Peer::Anywhere) {
                    // Plain text (and any caller with sidecars) arrives on the port itself.
                    inbound
                        .entry(peer)
                        .or_default()
                        .extend(ports.iter().copied());
                }
                if ambient {
                    match waypoint {
                        Some(w) => {
                            let (w_in, w_out) = waypoints.entry(service.namespace()).or_default();
                            w_in.entry(peer).or_default().insert((L4::Tcp, HBONE_PORT));
                            w_out
                                .entry(pods_of(service))
                                .or_default()
                                .insert((L4::Tcp, HBONE_PORT));
                            let from = Peer::Pods(Pods::group(&w.pods));
                            inbound
                                .entry(from)
                                .or_default()
                                .insert((L4::Tcp, HBONE_PORT));
                        }
                        None => {
                            inbound
                                .entry(peer)
                                .or_default()
                                .insert((L4::Tcp, HBONE_PORT));
                        }
                    }
                }
                // The caller's half of the edge, where meshward manages the caller (and,
                // in a mesh of several clusters, runs it here).
                for source in sources(caller, &managed) {
                    if !caller_here {
                        continue;
                    }
                    gathered.grant(source, &dest, landing, Reach::Service(index));
                    if !direct.is_empty() {
                        gathered.grant(source, &direct, &ports, Reach::Service(index));
                    }
                    if !via_gateway.is_empty() {
                        gathered.grant(source, &via_gateway, &eastwest, Reach::Service(index));
                    }
                }
            }
        }
    }

    for (index, external) in mesh.externals.iter().enumerate() {
        let peers: Vec<Peer> = match &external.destination {
            Destination::Cidrs(cidrs) => cidrs.iter().map(|c| Peer::Block(network(c))).collect(),
            Destination::Hosts(hosts) if cilium => vec![Peer::Hosts(hosts)],
            Destination::Hosts(_) => outside.peers(),
        };
        for allow in &external.allows {
            let ports = tcp_ports(allow, &external.ports);
            if ports.is_empty() {
                continue;
            }
            for caller in &allow.callers {
                for source in sources(caller, &managed) {
                    gathered.grant(source, &peers, &ports, Reach::External(index));
                    entries.entry(source.namespace()).or_default().insert(index);
                }
            }
        }
    }

    for (index, workload) in mesh.workloads.iter().enumerate() {
        let dest = [Peer::Pods(Pods::of(&workload.identity))];
        for allow in &workload.allows {
            let ports = tcp_ports(allow, &workload.ports);
            if ports.is_empty() {
                continue;
            }
            // Under ambient, a workload's pods are in the mesh too: HBONE.
            let landing = if ambient { &hbone } else { &ports };
            for caller in &allow.callers {
                for source in sources(caller, &managed) {
                    gathered.grant(source, &dest, landing, Reach::Workload(index));
                }
            }
        }
    }

    if let Some(scraper) = &mesh.settings.scraper {
        // Scrapes go to pod addresses, which skip any waypoint: under ambient, HBONE
        // straight to the pods.
        let scrape: BTreeSet<(L4, u16)> = if ambient {
            hbone.clone()
        } else {
            SCRAPE_PORTS.iter().map(|p| (L4::Tcp, *p)).collect()
        };
        let from = Peer::Pods(Pods::of(scraper));
        // Scrapes stay in their cluster: a scraper here scrapes the services here.
        let services = mesh
            .services
            .iter()
            .filter(|s| here(&s.identity) && here(scraper));
        for service in services {
            let key = (service.namespace(), service.name());
            ingress
                .entry(key)
                .or_default()
                .entry(from)
                .or_default()
                .extend(scrape.iter().copied());
            if scraper.managed {
                // Pod addresses, not a host: no reach (the scraper's own proxy must let
                // these ports bypass it, see docs/output.md).
                gathered
                    .egress
                    .entry((scraper.namespace.as_str(), scraper.name.as_str()))
                    .or_default()
                    .entry(pods_of(service))
                    .or_default()
                    .extend(scrape.iter().copied());
            }
        }
    }

    let mut tables = Tables {
        outside,
        entries: entries
            .into_iter()
            .map(|(ns, set)| (ns, set.into_iter().collect()))
            .collect(),
        ..Tables::default()
    };
    for service in mesh.services.iter().filter(|s| here(&s.identity)) {
        let key = (service.namespace(), service.name());
        tables.services.insert(
            key,
            ServiceTables {
                ingress: rules(ingress.remove(&key).unwrap_or_default()),
                egress: rules(gathered.egress.remove(&key).unwrap_or_default()),
                reach: gathered
                    .reach
                    .remove(&key)
                    .map(|set| set.into_iter().collect())
                    .unwrap_or_default(),
            },
        );
    }
    for (ns, (w_in, w_out)) in waypoints {
        tables.waypoints.insert(
            ns,
            ServiceTables {
                ingress: rules(w_in),
                egress: rules(w_out),
                reach: Vec::new(),
            },
        );
    }
    for ns in managed {
        let mut grants = gathered.namespace_egress.remove(ns).unwrap_or_default();
        let dns = Peer::Pods(Pods::group(&mesh.settings.dns));
        let istiod = Peer::Pods(Pods::group(&mesh.settings.istiod));
        grants
            .entry(dns)
            .or_default()
            .extend([(L4::Udp, DNS_PORT), (L4::Tcp, DNS_PORT)]);
        grants
            .entry(istiod)
            .or_default()
            .insert((L4::Tcp, ISTIOD_PORT));
        tables.namespaces.insert(ns, rules(grants));
        let reach = gathered.namespace_reach.remove(ns).unwrap_or_default();
        tables
            .namespace_reach
            .insert(ns, reach.into_iter().collect());
    }
    tables
}
