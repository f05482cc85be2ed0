//! What each workload of the input becomes, and the connections the input admits, read
//! once from the connectivity listing (`crate::connectivity`): the import writes intents
//! for those connections, and the proof compares the same listing of its build.
//!
//! A namespace where some policy selects a workload (a NetworkPolicy or Cilium policy, or
//! an AuthorizationPolicy of the namespace) is managed: each of its workloads becomes a
//! service, since meshward denies by default in every namespace it writes for. Any other
//! namespace is someone else's: its workloads become `workload` declarations of the mesh
//! block, named as callers and destinations but given no policy, as in the input.

use super::names;
use crate::connectivity::{Connectivity, ProtocolPorts};
use crate::evaluate::{Cluster, Direction, Pod};
use crate::inventory::{Inventory, Origin, Workload};
use std::collections::{BTreeMap, BTreeSet};

/// Something the input admits that the intents cannot say, with where it is written. The
/// connections it concerns are left out of the written intents and of the proof.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unexpressed {
    pub origin: Origin,
    pub message: String,
    pub(super) scopes: Vec<Scope>,
}

/// Connections left out: `from` and `to` are listing ids (`NS/NAME`); `None` is any, and
/// `ipBlock:` any address.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Scope {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Scope {
    pub fn pair(from: &str, to: &str) -> Scope {
        Scope {
            from: Some(from.into()),
            to: Some(to.into()),
        }
    }

    /// Everything that reaches TO.
    pub fn reaching(to: &str) -> Scope {
        Scope {
            from: None,
            to: Some(to.into()),
        }
    }

    /// Addresses outside the cluster reaching TO.
    pub fn addresses_reaching(to: &str) -> Scope {
        Scope {
            from: Some("ipBlock:".into()),
            to: Some(to.into()),
        }
    }

    pub fn covers(&self, from: &str, to: &str) -> bool {
        let hit = |want: &Option<String>, id: &str| match want.as_deref() {
            None => true,
            Some("ipBlock:") => id.starts_with("ipBlock:"),
            Some(w) => w == id,
        };
        hit(&self.from, from) && hit(&self.to, to)
    }
}

/// Every connection touching workload ID.
pub(super) fn around(id: &str) -> Vec<Scope> {
    vec![
        Scope {
            from: Some(id.into()),
            to: None,
        },
        Scope::reaching(id),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    Service,
    /// A `workload` of the mesh block: nothing is written in its namespace.
    Open,
    /// Not importable (listed); connections touching it are left out.
    Left,
}

/// Where istiod and DNS run (meshward's defaults): no service may be there.
const SYSTEM_NAMESPACES: [&str; 2] = ["istio-system", "kube-system"];

/// Target ports 15000-15099 are the sidecar's: no intent port may use them.
pub(super) fn reserved(port: u16) -> bool {
    (15000..=15099).contains(&port)
}

pub(super) struct Plan<'a> {
    pub inv: &'a Inventory,
    pub cluster: Cluster,
    pub pods: Vec<Pod>,
    pub roles: Vec<Role>,
    pub listing: Connectivity,
    /// Workload to workload: the admitted ports.
    pub pairs: BTreeMap<(usize, usize), Vec<ProtocolPorts>>,
    /// Addresses reaching a workload / reached by one: (CIDR, ports).
    pub addr_in: BTreeMap<usize, Vec<(String, Vec<ProtocolPorts>)>>,
    pub addr_out: BTreeMap<usize, Vec<(String, Vec<ProtocolPorts>)>>,
    /// The workload that may reach 15020 and 15090 on every service, as the `scraper`.
    pub scraper: Option<usize>,
    /// Namespaces the intents write nothing for: their objects stay as the input has
    /// them (the proof reads them beside the build).
    pub kept: BTreeSet<String>,
    pub unexpressed: Vec<Unexpressed>,
}

impl Plan<'_> {
    pub fn id(&self, i: usize) -> String {
        self.inv.workloads[i].id()
    }

    pub fn workload(&self, i: usize) -> &Workload {
        &self.inv.workloads[i]
    }

    pub fn leave(&mut self, origin: &Origin, message: String, scopes: Vec<Scope>) {
        self.unexpressed.push(Unexpressed {
            origin: origin.clone(),
            message,
            scopes,
        });
    }

    pub fn left_out(&self, from: &str, to: &str) -> bool {
        self.unexpressed
            .iter()
            .flat_map(|u| &u.scopes)
            .any(|s| s.covers(from, to))
    }
}

pub(super) fn plan(inv: &Inventory) -> Plan<'_> {
    let cluster = inv.cluster();
    let pods: Vec<Pod> = inv.workloads.iter().map(Workload::pod).collect();
    let listing = crate::connectivity::connectivity_in(inv, &cluster);
    let mut by_id: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, w) in inv.workloads.iter().enumerate() {
        by_id.entry(w.id()).or_default().push(i);
    }
    let mut plan = Plan {
        inv,
        roles: vec![Role::Open; inv.workloads.len()],
        cluster,
        pods,
        listing,
        pairs: BTreeMap::new(),
        addr_in: BTreeMap::new(),
        addr_out: BTreeMap::new(),
        scraper: None,
        kept: BTreeSet::new(),
        unexpressed: Vec::new(),
    };
    let one = |id: &str| by_id.get(id).filter(|v| v.len() == 1).map(|v| v[0]);
    for c in &plan.listing.connections {
        match (one(&c.from), one(&c.to)) {
            (Some(i), Some(j)) => {
                plan.pairs.insert((i, j), c.l4.clone());
            }
            (None, Some(j)) if c.from_kind == "IP" => {
                let list = plan.addr_in.entry(j).or_default();
                list.push((c.from["ipBlock:".len()..].to_string(), c.l4.clone()))
            }
            (Some(i), None) if c.to_kind == "IP" => {
                let list = plan.addr_out.entry(i).or_default();
                list.push((c.to["ipBlock:".len()..].to_string(), c.l4.clone()))
            }
            _ => {}
        }
    }
    roles(&mut plan, &by_id);
    plan.scraper = scraper(&plan);
    let written: BTreeSet<&str> = (0..plan.roles.len())
        .filter(|&i| plan.roles[i] == Role::Service)
        .map(|i| inv.workloads[i].namespace.as_str())
        .collect();
    let mut all: BTreeSet<String> = inv.namespaces.keys().cloned().collect();
    all.extend(inv.workloads.iter().map(|w| w.namespace.clone()));
    all.extend(
        inv.policies
            .iter()
            .map(|o| crate::inventory::namespace_of(&o.value)),
    );
    plan.kept = all
        .into_iter()
        .filter(|ns| !written.contains(ns.as_str()))
        .collect();
    plan
}

/// Whether a policy of the workload's own namespace selects it.
fn managed(plan: &Plan, i: usize) -> bool {
    let view = plan.cluster.view(&plan.pods[i]);
    let ns = &plan.inv.workloads[i].namespace;
    !view.isolating(Direction::Ingress).is_empty()
        || !view.isolating(Direction::Egress).is_empty()
        || view
            .authorization_policies()
            .iter()
            .any(|p| &p.namespace == ns && !p.targeted)
}

fn roles(plan: &mut Plan, by_id: &BTreeMap<String, Vec<usize>>) {
    let n = plan.inv.workloads.len();
    let managed_ns: BTreeSet<String> = (0..n)
        .filter(|&i| managed(plan, i))
        .map(|i| plan.inv.workloads[i].namespace.clone())
        .collect();
    for i in 0..n {
        let w = &plan.inv.workloads[i];
        let service = managed_ns.contains(&w.namespace);
        let problem = if plan.cluster.ambient(&plan.pods[i]) {
            Some(format!(
                "{} {} runs in Istio ambient mode (label istio.io/dataplane-mode=ambient): import writes intents for sidecars only",
                w.kind, w.id()
            ))
        } else if service && SYSTEM_NAMESPACES.contains(&w.namespace.as_str()) {
            Some(format!(
                "{} {}: namespace {} runs istiod or DNS, and meshward does not write policies there (its defaults would cut them off); its pods can only be `workload`s, which a namespace with policies cannot hold",
                w.kind, w.id(), w.namespace
            ))
        } else if by_id[&w.id()].len() > 1 {
            Some(format!(
                "{} {} shares its name with another workload of namespace {}: the listing and the intents name workloads by name alone",
                w.kind, w.id(), w.namespace
            ))
        } else if !names::name(&w.name) || !names::name(&w.namespace) {
            Some(format!(
                "{} {}: `{}` is not a name an intent can use (a DNS label, not `in`, `to`, `namespace`, `anyone` or `external`)",
                w.kind, w.id(), if names::name(&w.name) { &w.namespace } else { &w.name }
            ))
        } else if w.labels.is_empty() {
            Some(format!(
                "{} {} has no pod labels: no selector can stand for its pods",
                w.kind,
                w.id()
            ))
        } else if let Some((k, v)) = w
            .labels
            .iter()
            .find(|(k, v)| !names::label_key(k) || !names::label_value(v))
        {
            Some(format!(
                "{} {}: the label `{k}={v}` cannot be written in a selector",
                w.kind,
                w.id()
            ))
        } else if !names::name(&w.service_account) {
            Some(format!(
                "{} {}: its service account `{}` is not a name an intent can use",
                w.kind,
                w.id(),
                w.service_account
            ))
        } else {
            None
        };
        plan.roles[i] = if service { Role::Service } else { Role::Open };
        if let Some(message) = problem {
            plan.roles[i] = Role::Left;
            let origin = w.origin.clone();
            let scopes = around(&w.id());
            plan.leave(&origin, message, scopes);
        }
    }
    // Services (and workloads) of one namespace must be told apart by selector and by
    // account.
    for i in 0..n {
        for j in 0..n {
            let (a, b) = (&plan.inv.workloads[i], &plan.inv.workloads[j]);
            if i == j || a.namespace != b.namespace || plan.roles[i] == Role::Left {
                continue;
            }
            if plan.roles[j] == Role::Left || plan.roles[i] != plan.roles[j] {
                continue;
            }
            let overlap = a.labels.iter().all(|(k, v)| b.labels.get(k) == Some(v));
            let shared = a.service_account == b.service_account;
            if overlap || shared {
                let message = if overlap {
                    format!(
                        "{} {}: every label of its pods is also on the pods of {} {}, so a selector for it would select those too",
                        a.kind, a.id(), b.kind, b.id()
                    )
                } else {
                    format!(
                        "{} {} runs as service account `{}` like {} {}: at L7 their calls could not be told apart, so this one is left out (give each workload its own ServiceAccount)",
                        a.kind, a.id(), a.service_account, b.kind, b.id()
                    )
                };
                let origin = a.origin.clone();
                let scopes = around(&a.id());
                plan.roles[i] = Role::Left;
                plan.leave(&origin, message, scopes);
            }
        }
    }
}

/// The one open workload that reaches 15020 and 15090 on every service, when there is one.
fn scraper(plan: &Plan) -> Option<usize> {
    let services: Vec<usize> = (0..plan.roles.len())
        .filter(|&j| plan.roles[j] == Role::Service)
        .collect();
    if services.is_empty() {
        return None;
    }
    let mut found = (0..plan.roles.len())
        .filter(|&i| plan.roles[i] == Role::Open)
        .filter(|&i| {
            services.iter().all(|&j| {
                plan.pairs.get(&(i, j)).is_some_and(|l4| {
                    [15020, 15090]
                        .iter()
                        .all(|p| ports_of(l4, "TCP").contains(p))
                })
            })
        });
    let first = found.next();
    first.filter(|_| found.next().is_none())
}

/// Every port of PROTOCOL in L4, expanded; ranges past `limit` ports are cut short (the
/// caller checks [`count`] first).
pub(super) fn ports_of(l4: &[ProtocolPorts], protocol: &str) -> BTreeSet<u16> {
    l4.iter()
        .filter(|p| p.protocol == protocol)
        .flat_map(|p| &p.ports)
        .flat_map(|r| r[0]..=r[1])
        .collect()
}

/// How many ports of any protocol L4 admits.
pub(super) fn count(l4: &[ProtocolPorts]) -> usize {
    l4.iter()
        .flat_map(|p| &p.ports)
        .map(|r| usize::from(r[1] - r[0]) + 1)
        .sum()
}

/// Why L4 cannot be written as named TCP ports, in words; `None` when it can.
pub(super) fn unnameable(l4: &[ProtocolPorts], limit: usize) -> Option<String> {
    let every = l4.len() == 3 && l4.iter().all(|p| p.ports == [[1, 65535]]);
    if every {
        return Some("on every port of every protocol (nothing restricts it)".into());
    }
    let other: Vec<&str> = l4
        .iter()
        .map(|p| p.protocol)
        .filter(|p| *p != "TCP")
        .collect();
    if !other.is_empty() {
        return Some(format!(
            "over {} (intents grant TCP only)",
            other.join(" and ")
        ));
    }
    let n = count(l4);
    (n > limit).then(|| {
        format!("on {n} TCP ports (intents name each port; more than {limit} is a range to narrow by hand)")
    })
}
