//! Resolved model to connection tables: who may open a connection to whom, on which pod
//! ports, seen from both ends.
//!
//! The L4 layer needs each allowed edge twice, as ingress on the destination and as egress
//! on the source, and the egress half lives with the *caller*, so it has to be gathered
//! from every other service's `allow`s. This stage does that inversion once, so rendering
//! is a plain walk. Peers with identical port sets are grouped into one rule, which makes
//! the output canonical: two intents that mean the same give the same policy.

use crate::ir::{Caller, Identity, Labels, Mesh, PodGroup, Service};
use std::collections::{BTreeMap, BTreeSet};

/// Sidecar ports the scraper may reach: merged Prometheus stats and Envoy's own.
pub const SCRAPE_PORTS: [u16; 2] = [15020, 15090];
/// Where sidecars fetch their configuration from istiod.
pub const ISTIOD_PORT: u16 = 15012;
pub const DNS_PORT: u16 = 53;

/// The other end of a connection. It borrows from the model: a 10,000-service mesh has
/// about 100,000 edge ends, and copying a selector for each would be most of this stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Peer<'m> {
    /// Pods matching a selector in one namespace.
    Pods(Pods<'m>),
    /// Every pod of a namespace.
    Namespace(&'m str),
    /// Any source or destination at all.
    Anywhere,
}

/// Pods matching SELECTOR in NAMESPACE; ordered as [`PodGroup`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pods<'m> {
    pub namespace: &'m str,
    pub selector: &'m Labels,
}

impl<'m> Pods<'m> {
    fn of(identity: &'m Identity) -> Pods<'m> {
        Pods {
            namespace: &identity.namespace,
            selector: &identity.selector,
        }
    }

    fn group(group: &'m PodGroup) -> Pods<'m> {
        Pods {
            namespace: &group.namespace,
            selector: &group.selector,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum L4 {
    Tcp,
    Udp,
}

/// One NetworkPolicy rule: these peers on these ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule<'m> {
    /// Sorted; `[Peer::Anywhere]` alone when the rule has no peer restriction.
    pub peers: Vec<Peer<'m>>,
    /// Sorted `(protocol, port)`.
    pub ports: Vec<(L4, u16)>,
}

/// Connection tables of one service.
#[derive(Debug, Default)]
pub struct ServiceTables<'m> {
    pub ingress: Vec<Rule<'m>>,
    pub egress: Vec<Rule<'m>>,
}

/// Everything the network layer needs, per namespace and per service.
#[derive(Debug, Default)]
pub struct Tables<'m> {
    /// Keyed by (namespace, name) of each service.
    pub services: BTreeMap<(&'m str, &'m str), ServiceTables<'m>>,
    /// Egress for every pod of a managed namespace: DNS, istiod, and what `namespace NS`
    /// and `anyone` grant. Keyed by namespace.
    pub namespaces: BTreeMap<&'m str, Vec<Rule<'m>>>,
}

type Grants<'m> = BTreeMap<Peer<'m>, BTreeSet<(L4, u16)>>;

/// Group peers that share a port set into one rule, in a fixed order.
fn rules(grants: Grants<'_>) -> Vec<Rule<'_>> {
    let mut by_ports: BTreeMap<Vec<(L4, u16)>, Vec<Peer>> = BTreeMap::new();
    for (peer, ports) in grants {
        by_ports
            .entry(ports.into_iter().collect())
            .or_default()
            .push(peer);
    }
    by_ports
        .into_iter()
        .map(|(ports, mut peers)| {
            // A rule that admits anything needs no list of what else it admits.
            if peers.contains(&Peer::Anywhere) {
                peers = vec![Peer::Anywhere];
            }
            Rule { peers, ports }
        })
        .collect()
}

fn pods_of(service: &Service) -> Peer<'_> {
    Peer::Pods(Pods::of(&service.identity))
}

/// Build every connection table of the mesh.
pub fn compile(mesh: &Mesh) -> Tables<'_> {
    let managed: BTreeSet<&str> = mesh.services.iter().map(|s| s.namespace()).collect();
    let mut ingress: BTreeMap<(&str, &str), Grants> = BTreeMap::new();
    let mut egress: BTreeMap<(&str, &str), Grants> = BTreeMap::new();
    let mut namespace_egress: BTreeMap<&str, Grants> = BTreeMap::new();

    for service in &mesh.services {
        let key = (service.namespace(), service.name());
        let dest = pods_of(service);
        let inbound = ingress.entry(key).or_default();
        for allow in &service.allows {
            let ports: BTreeSet<(L4, u16)> = allow
                .ports
                .iter()
                .map(|&i| (L4::Tcp, service.ports[i].target))
                .collect();
            if ports.is_empty() {
                continue;
            }
            for caller in &allow.callers {
                let peer = match caller {
                    Caller::Pods(identity) => Peer::Pods(Pods::of(identity)),
                    Caller::Namespace(ns) => Peer::Namespace(ns),
                    Caller::Anyone => Peer::Anywhere,
                };
                inbound
                    .entry(peer)
                    .or_default()
                    .extend(ports.iter().copied());
                // The caller's half of the edge, where meshward manages the caller.
                let sources: Vec<Source> = match caller {
                    Caller::Pods(identity) if identity.managed => vec![Source::Service(
                        identity.namespace.as_str(),
                        identity.name.as_str(),
                    )],
                    Caller::Pods(_) => vec![],
                    Caller::Namespace(ns) if managed.contains(ns.as_str()) => {
                        vec![Source::Namespace(ns.as_str())]
                    }
                    Caller::Namespace(_) => vec![],
                    Caller::Anyone => managed.iter().map(|ns| Source::Namespace(ns)).collect(),
                };
                for source in sources {
                    let table = match source {
                        Source::Service(ns, name) => egress.entry((ns, name)).or_default(),
                        Source::Namespace(ns) => namespace_egress.entry(ns).or_default(),
                    };
                    table.entry(dest).or_default().extend(ports.iter().copied());
                }
            }
        }
    }

    if let Some(scraper) = &mesh.settings.scraper {
        let scrape: BTreeSet<(L4, u16)> = SCRAPE_PORTS.iter().map(|p| (L4::Tcp, *p)).collect();
        let from = Peer::Pods(Pods::of(scraper));
        for service in &mesh.services {
            let key = (service.namespace(), service.name());
            ingress
                .entry(key)
                .or_default()
                .entry(from)
                .or_default()
                .extend(scrape.iter().copied());
            if scraper.managed {
                egress
                    .entry((scraper.namespace.as_str(), scraper.name.as_str()))
                    .or_default()
                    .entry(pods_of(service))
                    .or_default()
                    .extend(scrape.iter().copied());
            }
        }
    }

    let mut tables = Tables::default();
    for service in &mesh.services {
        let key = (service.namespace(), service.name());
        tables.services.insert(
            key,
            ServiceTables {
                ingress: rules(ingress.remove(&key).unwrap_or_default()),
                egress: rules(egress.remove(&key).unwrap_or_default()),
            },
        );
    }
    for ns in managed {
        let mut grants = namespace_egress.remove(ns).unwrap_or_default();
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
    }
    tables
}

enum Source<'a> {
    Service(&'a str, &'a str),
    Namespace(&'a str),
}
