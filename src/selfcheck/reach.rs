//! What each source may reach beyond the pods of the tree, read from the intents: the
//! externals it may call on which ports (invariant 7), and the host names its sidecar
//! must know (invariant 8).
//!
//! Host names are *host probes*: one per service of the tree (its Service host on its
//! first port), one per host and port of each `host` external (a wildcard `*.x` asked as
//! a name under it), one per port of each `cidr` external (the name its ServiceEntry
//! carries, which Istio matches by address on a TCP port), one per namespace of a
//! workload that may be called (any name there), and two strangers nobody grants: a
//! Service host in a namespace the tree never mentions and an outside name.

use super::probes::ELSEWHERE;
use crate::evaluate::EASTWEST_PORT;
use crate::ir::{Allow, Caller, Cidr, Destination, Mesh, Service};
use std::collections::{BTreeMap, BTreeSet};

/// A name under every wildcard, and in every namespace, that no intent names.
pub(crate) const PROBE_LABEL: &str = "meshward-probe";
/// An outside host nobody grants.
const STRANGER_HOST: &str = "meshward-probe.example.com";

/// One host a proxy may be asked for, and on which port.
pub(crate) struct HostProbe {
    pub(crate) host: String,
    pub(crate) port: u16,
    /// `external:stripe`, `catalog.shop`, ... for messages.
    pub(crate) what: String,
    /// The external it belongs to, for the registry check.
    pub(crate) external: Option<usize>,
}

/// What one source may reach: `(external, port)` pairs and host probes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Granted {
    pub(crate) externals: BTreeSet<(usize, u16)>,
    pub(crate) hosts: BTreeSet<usize>,
    /// In a mesh of several clusters, the addresses of services' pods elsewhere it may
    /// open on each port: pod ranges on this network, east-west gateways on others.
    pub(crate) remote: BTreeSet<(Cidr, u16)>,
}

impl Granted {
    fn extend(&mut self, other: &Granted) {
        self.externals.extend(other.externals.iter().copied());
        self.hosts.extend(other.hosts.iter().copied());
        self.remote.extend(other.remote.iter().copied());
    }
}

/// The host probes and every source's grants, indexed once for the whole mesh.
pub(crate) struct Reach<'m> {
    pub(crate) mesh: &'m Mesh,
    pub(crate) hosts: Vec<HostProbe>,
    pub(crate) by_host: BTreeMap<String, usize>,
    /// Every probe of each name, one per port it is asked on.
    pub(crate) ports: BTreeMap<String, Vec<usize>>,
    pub(crate) strangers: Vec<usize>,
    /// The names each external is asked by, in `mesh.externals` order.
    pub(crate) names: Vec<Vec<String>>,
    by_identity: BTreeMap<(&'m str, &'m str), Granted>,
    by_namespace: BTreeMap<&'m str, Granted>,
    anyone: Granted,
}

impl<'m> Reach<'m> {
    pub(crate) fn new(mesh: &'m Mesh) -> Reach<'m> {
        let mut r = Reach {
            mesh,
            hosts: Vec::new(),
            by_host: BTreeMap::new(),
            ports: BTreeMap::new(),
            strangers: Vec::new(),
            names: Vec::new(),
            by_identity: BTreeMap::new(),
            by_namespace: BTreeMap::new(),
            anyone: Granted::default(),
        };
        let domain = &mesh.settings.cluster_domain;
        for s in &mesh.services {
            let port = s.ports.first().map_or(80, |p| p.port);
            let id = r.host(
                s.host(domain),
                port,
                format!("{}.{}", s.name(), s.namespace()),
                None,
            );
            let grant = Granted {
                hosts: [id].into(),
                ..Granted::default()
            };
            if mesh.settings.site.is_none() {
                r.grant(&s.allows, &grant);
                continue;
            }
            for allow in &s.allows {
                let mut grant = grant.clone();
                grant.remote = elsewhere(mesh, s, allow);
                r.grant(std::slice::from_ref(allow), &grant);
            }
        }
        for (e, external) in mesh.externals.iter().enumerate() {
            let what = format!("external:{}", external.name);
            let names: Vec<String> = match &external.destination {
                Destination::Hosts(hosts) => hosts.iter().map(|h| asked(h)).collect(),
                Destination::Cidrs(_) => vec![format!("{}.external", external.name)],
            };
            for allow in &external.allows {
                let mut grant = Granted::default();
                for &p in &allow.ports {
                    let port = external.ports[p].port;
                    grant.externals.insert((e, port));
                    for name in &names {
                        let id = r.host(name.clone(), port, what.clone(), Some(e));
                        grant.hosts.insert(id);
                    }
                }
                r.grant(std::slice::from_ref(allow), &grant);
            }
            r.names.push(names);
        }
        for w in &mesh.workloads {
            let Some(port) = w.ports.first().map(|p| p.port) else {
                continue;
            };
            let ns = &w.identity.namespace;
            let host = format!("{PROBE_LABEL}.{ns}.svc.{domain}");
            let id = r.host(host, port, format!("a host of namespace {ns}"), None);
            let grant = Granted {
                hosts: [id].into(),
                ..Granted::default()
            };
            r.grant(&w.allows, &grant);
        }
        let service = format!("{PROBE_LABEL}.{ELSEWHERE}.svc.{domain}");
        let stranger = r.host(service, 80, "a Service nobody grants".into(), None);
        let outside = r.host(STRANGER_HOST.into(), 443, "an outside host".into(), None);
        r.strangers = vec![stranger, outside];
        for (id, probe) in r.hosts.iter().enumerate() {
            r.ports.entry(probe.host.clone()).or_default().push(id);
        }
        r
    }

    /// The probe for HOST, added on first sight (a host keeps its first port).
    fn host(&mut self, host: String, port: u16, what: String, external: Option<usize>) -> usize {
        if let Some(&id) = self.by_host.get(&host) {
            if self.hosts[id].port == port || external.is_none() {
                return id;
            }
        }
        let id = self.hosts.len();
        self.by_host.entry(host.clone()).or_insert(id);
        self.hosts.push(HostProbe {
            host,
            port,
            what,
            external,
        });
        id
    }

    fn grant(&mut self, allows: &'m [Allow], grant: &Granted) {
        for allow in allows {
            if allow.ports.is_empty() {
                continue;
            }
            for caller in &allow.callers {
                let set = match caller {
                    Caller::Pods(i) => self
                        .by_identity
                        .entry((i.namespace.as_str(), i.name.as_str()))
                        .or_default(),
                    Caller::Namespace(ns) => self.by_namespace.entry(ns.as_str()).or_default(),
                    Caller::Anyone => &mut self.anyone,
                };
                set.extend(grant);
            }
        }
    }

    /// What a pod of NAMESPACE may reach; SERVICE when a service of the tree selects it.
    pub(crate) fn of(&self, service: Option<&Service>, namespace: &str) -> Granted {
        let mut g = self.anyone.clone();
        if let Some(n) = self.by_namespace.get(namespace) {
            g.extend(n);
        }
        if let Some(s) = service {
            if let Some(i) = self.by_identity.get(&(s.namespace(), s.name())) {
                g.extend(i);
            }
        }
        g
    }

    /// What some pod of NAMESPACE may reach: the namespace's registry must hold exactly
    /// the externals among these.
    pub(crate) fn of_namespace(&self, namespace: &str) -> Granted {
        let mut g = self.of(None, namespace);
        for s in self
            .mesh
            .services
            .iter()
            .filter(|s| s.namespace() == namespace)
        {
            if let Some(i) = self.by_identity.get(&(s.namespace(), s.name())) {
                g.extend(i);
            }
        }
        g
    }
}

/// Where a caller of ALLOW on S, in the cluster being checked, reaches S's pods in the
/// other clusters S runs in (the language's "Several clusters"): their pod ranges on the
/// allowed ports when they share this cluster's network, their east-west gateway's
/// addresses on 15443 when not.
fn elsewhere(mesh: &Mesh, s: &Service, allow: &Allow) -> BTreeSet<(Cidr, u16)> {
    let mut out = BTreeSet::new();
    let Some(site) = mesh.settings.site() else {
        return out;
    };
    for c in mesh.settings.clusters_of(&s.identity) {
        if c.name == site.name {
            continue;
        }
        if c.network == site.network {
            for range in &c.pod_cidrs {
                out.extend(allow.ports.iter().map(|&p| (*range, s.ports[p].target)));
            }
        } else {
            for &address in &c.gateway {
                let prefix = if address.is_ipv4() { 32 } else { 128 };
                out.insert((Cidr { address, prefix }, EASTWEST_PORT));
            }
        }
    }
    out
}

/// The name a proxy is asked for to reach HOST: a name under a wildcard, else itself.
fn asked(host: &str) -> String {
    match host.strip_prefix('*') {
        Some(suffix) => format!("{PROBE_LABEL}{suffix}"),
        None => host.to_string(),
    }
}
