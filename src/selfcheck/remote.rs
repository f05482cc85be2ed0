//! The probes asked about calls between clusters: one pod per service and workload (its
//! labels and account) and one undeclared pod per namespace, the same in every cluster,
//! each at an address of the cluster it is placed in; and the ports asked of a service.

use super::probes::{ELSEWHERE, STRANGER};
use crate::evaluate::{Cluster, Federation, Member, Pod};
use crate::ir::{Allow, Caller, Identity, Mesh, Service};
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

/// The probe pods, the same in every cluster: one per service and workload (its labels
/// and account), one undeclared pod per namespace the tree mentions.
pub(crate) struct Probes {
    pub(crate) services: Vec<Pod>,
    pub(crate) workloads: Vec<Pod>,
    pub(crate) namespaces: BTreeSet<String>,
    pub(crate) strangers: std::collections::BTreeMap<String, Pod>,
    /// Each service's and workload's probe number, by (namespace, name).
    pub(crate) index: std::collections::BTreeMap<(String, String), usize>,
}

pub(crate) fn pod_of(i: &Identity) -> Pod {
    let mut pod = Pod::new(&format!("{}.{}", i.name, i.namespace), &i.namespace);
    for (k, v) in &i.selector {
        pod = pod.label(k, v);
    }
    pod.account(&i.account)
}

impl Probes {
    pub(crate) fn new(mesh: &Mesh) -> Probes {
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
        let identities = mesh
            .services
            .iter()
            .map(|d| &d.identity)
            .chain(mesh.workloads.iter().map(|w| &w.identity));
        Probes {
            index: identities
                .enumerate()
                .map(|(k, i)| ((i.namespace.clone(), i.name.clone()), k))
                .collect(),
            services: mesh.services.iter().map(|d| pod_of(&d.identity)).collect(),
            workloads: mesh.workloads.iter().map(|w| pod_of(&w.identity)).collect(),
            namespaces,
            strangers,
        }
    }

    /// Who is asked about calls to D from CLUSTER: each caller of D that runs there, and
    /// an undeclared pod of D's namespace, of each namespace its rules name and of one
    /// they never name; each with its probe number (for addresses).
    pub(crate) fn sources<'p>(
        &'p self,
        mesh: &Mesh,
        d: &Service,
        cluster: &str,
    ) -> Vec<(usize, &'p Pod)> {
        let s = &mesh.settings;
        let mut out: Vec<(usize, &Pod)> = Vec::new();
        let mut seen = BTreeSet::new();
        let mut namespaces: BTreeSet<&str> = [d.namespace(), ELSEWHERE].into();
        for c in d.allows.iter().chain(&d.denies).flat_map(|a| &a.callers) {
            let i = match c {
                Caller::Pods(i) => i,
                Caller::Namespace(ns) => {
                    namespaces.insert(ns);
                    continue;
                }
                Caller::Anyone => continue,
            };
            namespaces.insert(&i.namespace);
            if !s.runs_in(i, cluster) || !seen.insert((&i.namespace, &i.name)) {
                continue;
            }
            if let Some(&k) = self.index.get(&(i.namespace.clone(), i.name.clone())) {
                let pod = match self.services.get(k) {
                    Some(pod) => pod,
                    None => &self.workloads[k - self.services.len()],
                };
                out.push((k, pod));
            }
        }
        let base = mesh.services.len() + mesh.workloads.len();
        for (k, (ns, pod)) in self.strangers.iter().enumerate() {
            if namespaces.contains(ns.as_str()) {
                out.push((base + k, pod));
            }
        }
        out
    }
}

/// The ports asked: every port of D and one nobody named.
pub(crate) fn ports(d: &Service) -> Vec<(u16, Option<&crate::ir::Port>)> {
    let mut out: Vec<(u16, Option<&crate::ir::Port>)> =
        d.ports.iter().map(|p| (p.target, Some(p))).collect();
    let named: BTreeSet<u16> = d.ports.iter().map(|p| p.target).collect();
    if let Some(unused) = (1024..=u16::MAX).find(|p| !named.contains(p)) {
        out.push((unused, None));
    }
    out
}

pub(crate) fn on_port(d: &Service, a: &Allow, port: u16) -> bool {
    a.ports.iter().any(|&p| d.ports[p].target == port)
}

/// The clusters' trees (MEMBERS: each cluster's name and its objects, read) as one
/// federation, each member with the east-west gateway's pods that `eastwest` names.
pub fn federation(mesh: &Mesh, members: Vec<(String, Cluster)>) -> Federation {
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
    Federation {
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
    }
}

/// Where probe N of cluster C (an index into the mesh's clusters) stands: an address of
/// its pods; a cluster without pod ranges is never reached by address, so any will do.
pub fn address(mesh: &Mesh, c: usize, n: usize) -> IpAddr {
    let at = mesh.settings.clusters.get(c);
    at.and_then(|cluster| cluster.address(n as u128 + 10))
        .unwrap_or(IpAddr::V4(Ipv4Addr::new(100, 64, c as u8, n as u8)))
}
