//! What the intents allow, read from the resolved model with the language's own rules:
//! the side of the self-check that does not look at the rendered objects.

use super::probes::{ProbeId, Universe};
use crate::evaluate::Transport;
use crate::ir::{Allow, Caller, Extras, Mesh, Service, Settings};
use std::collections::{BTreeMap, BTreeSet};

// The ports the contract names (docs/language.md: DNS on UDP and TCP 53, istiod on TCP
// 15012, the scraper on the sidecar's 15020 and 15090), stated here rather than taken
// from the compiler: the self-check is an independent reading of what the output must
// admit, so a wrong constant in the compiler is caught, not shared.

/// DNS, over UDP and TCP.
pub(crate) const DNS_PORT: u16 = 53;
/// Where sidecars fetch their configuration from istiod.
pub(crate) const ISTIOD_PORT: u16 = 15012;
/// Sidecar ports the scraper may reach: merged Prometheus stats and Envoy's own.
pub(crate) const SCRAPE_PORTS: [u16; 2] = [15020, 15090];

/// Connections a source may open: `(destination, protocol, port)`.
pub(crate) type Grants = BTreeSet<(ProbeId, Transport, u16)>;

/// Sources a policy admits: everything, or exactly these probes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Admitted {
    All,
    Some(BTreeSet<ProbeId>),
}

/// What the intents allow, indexed once for the whole mesh.
pub(crate) struct Expected<'m> {
    pub(crate) mesh: &'m Mesh,
    /// Egress grants per source: a service `(ns, name)`, a namespace's every pod, anyone.
    by_identity: BTreeMap<(&'m str, &'m str), Grants>,
    by_namespace: BTreeMap<&'m str, Grants>,
    anyone: Grants,
}

impl<'m> Expected<'m> {
    pub(crate) fn new(mesh: &'m Mesh, u: &Universe) -> Expected<'m> {
        let mut e = Expected {
            mesh,
            by_identity: BTreeMap::new(),
            by_namespace: BTreeMap::new(),
            anyone: BTreeSet::new(),
        };
        // Services and workloads that may be called (invariant 9): the same grants.
        let destinations = mesh
            .services
            .iter()
            // In a mesh of several clusters, what is reached here: the services it
            // runs (the others are reached by address, `addresses.rs`).
            .filter(|d| mesh.settings.here(&d.identity))
            .map(|d| (&d.identity, &d.ports, &d.allows))
            .chain(
                mesh.workloads
                    .iter()
                    .map(|w| (&w.identity, &w.ports, &w.allows)),
            );
        for (identity, ports, allows) in destinations {
            let dst = u.of(identity);
            for allow in allows {
                let grants: Vec<(ProbeId, Transport, u16)> = allow
                    .ports
                    .iter()
                    .map(|&p| (dst, Transport::Tcp, ports[p].target))
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
    pub(crate) fn ingress(&self, d: &Service, port: u16, u: &Universe) -> Admitted {
        let mut set = BTreeSet::new();
        if SCRAPE_PORTS.contains(&port) {
            // Scrapes stay in their cluster: only a scraper running here.
            let scraper = self.mesh.settings.scraper.as_ref();
            if let Some(scraper) = scraper.filter(|s| self.mesh.settings.here(s)) {
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
                    // Callers in other clusters arrive by address (`across`).
                    Caller::Pods(i) if !self.mesh.settings.here(i) => {}
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
    pub(crate) fn egress(
        &self,
        service: Option<&Service>,
        namespace: &str,
        u: &Universe,
    ) -> Grants {
        let mut set: Grants = [
            (u.dns, Transport::Udp, DNS_PORT),
            (u.dns, Transport::Tcp, DNS_PORT),
            (u.istiod, Transport::Tcp, ISTIOD_PORT),
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
                    let here = |d: &&Service| self.mesh.settings.here(&d.identity);
                    for d in self.mesh.services.iter().filter(here) {
                        for port in SCRAPE_PORTS {
                            set.insert((u.service(d), Transport::Tcp, port));
                        }
                    }
                }
            }
        }
        set
    }

    /// Whether some `allow` on D and no `deny` covers each PRINCIPAL × REQUEST on target
    /// PORT, by the language's own rules, for requests without headers or token (rows by
    /// principal, as [`PodView::authorize_all`]). Callers are matched once per principal
    /// and rules once per request.
    pub(crate) fn requests(
        &self,
        d: &Service,
        port: u16,
        principals: &[Option<&str>],
        requests: &[Option<(&str, &str)>],
    ) -> Vec<bool> {
        let td = &self.mesh.settings;
        let on_port = |a: &&Allow| a.ports.iter().any(|&p| d.ports[p].target == port);
        let allows = Table::new(
            d.allows.iter().filter(on_port).collect(),
            principals,
            requests,
            td,
        );
        let denies = Table::new(
            d.denies.iter().filter(on_port).collect(),
            principals,
            requests,
            td,
        );
        let mut out = Vec::with_capacity(principals.len() * requests.len());
        for p in 0..principals.len() {
            for r in 0..requests.len() {
                out.push(allows.hit(p, r) && !denies.hit(p, r));
            }
        }
        out
    }
}

/// Which statements' callers admit each principal, and which statements' rules cover each
/// request (no headers, no token: a `header !=` condition holds, every other fails).
struct Table {
    n: usize,
    callers: Vec<bool>,
    rules: Vec<bool>,
}

impl Table {
    fn new(
        statements: Vec<&Allow>,
        principals: &[Option<&str>],
        requests: &[Option<(&str, &str)>],
        td: &Settings,
    ) -> Table {
        let callers = principals
            .iter()
            .flat_map(|&principal| {
                statements
                    .iter()
                    .map(move |a| a.callers.iter().any(|c| caller_admits(c, principal, td)))
            })
            .collect();
        let none = Extras::default();
        let rules = requests
            .iter()
            .flat_map(|&http| {
                statements.iter().map(move |a| {
                    a.rules.is_empty() || http.is_some_and(|(m, x)| a.covers_with(m, x, &none))
                })
            })
            .collect();
        Table {
            n: statements.len(),
            callers,
            rules,
        }
    }

    fn hit(&self, p: usize, r: usize) -> bool {
        (0..self.n).any(|a| self.callers[p * self.n + a] && self.rules[r * self.n + a])
    }
}

/// Whether caller C, by the language's rules, is the peer PRINCIPAL (`None`: plain text).
/// A caller's identity is issued in the trust domain of each cluster it runs in (the
/// mesh's own, in a mesh of one).
pub(crate) fn caller_admits(c: &Caller, principal: Option<&str>, settings: &Settings) -> bool {
    match (c, principal) {
        (Caller::Anyone, _) => true,
        (Caller::Pods(i), Some(p)) if !settings.clusters.is_empty() => {
            p.split_once("/ns/").is_some_and(|(domain, rest)| {
                rest.strip_prefix(i.namespace.as_str())
                    .and_then(|r| r.strip_prefix("/sa/"))
                    == Some(i.account.as_str())
                    && settings.domains_of(i).contains(&domain)
            })
        }
        // `<td>/ns/<ns>/sa/<account>`, compared without building the string.
        (Caller::Pods(i), Some(p)) => {
            p.strip_prefix(settings.trust_domain.as_str())
                .and_then(|r| r.strip_prefix("/ns/"))
                .and_then(|r| r.strip_prefix(i.namespace.as_str()))
                .and_then(|r| r.strip_prefix("/sa/"))
                == Some(i.account.as_str())
        }
        // Istio reads `source.namespaces` from the peer's SPIFFE id, whatever its trust
        // domain: `namespace NS` admits every identity in NS.
        (Caller::Namespace(ns), Some(p)) => {
            p.split_once("/ns/").and_then(|(_, r)| r.split('/').next()) == Some(ns.as_str())
        }
        _ => false,
    }
}
