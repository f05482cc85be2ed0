//! One service's intent from what the input admits into its pods: its ports, its mTLS
//! mode, and `allow`/`deny` lines that grant the same connections (L4) and the same
//! requests (L7).
//!
//! An `allow` line writes both layers at once, so each line is cut to what each caller
//! may reach at L4: a rule of an AuthorizationPolicy naming a caller on a port the
//! NetworkPolicies close is not written for that port. What the input admits at L4 that no
//! line can carry (a connection no AuthorizationPolicy lets through, an address range
//! narrower than `anyone`, a port range, UDP) is listed and left out.

use super::plan::{ports_of, reserved, unnameable, Plan, Role, Scope};
use super::rules::{translate, Callers, HttpRule};
use crate::connectivity::ranges;
use crate::evaluate::{Action, MtlsMode};
use std::collections::{BTreeMap, BTreeSet};

/// More ports than this between two workloads is a range, not something to list.
pub(super) const PORT_LIMIT: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Line {
    pub deny: bool,
    pub callers: Callers,
    pub ports: BTreeSet<u16>,
    pub rules: Vec<HttpRule>,
    /// The policy the line came from, `KIND NS/NAME (FILE:LINE)`.
    pub source: String,
}

#[derive(Debug)]
pub(super) struct Service {
    pub index: usize,
    /// Target ports, each with whether some line carries HTTP rules on it.
    pub ports: BTreeMap<u16, bool>,
    pub permissive: bool,
    pub lines: Vec<Line>,
    /// (caller, port) this service grants, `None` for anyone.
    pub grants: BTreeSet<(Option<usize>, u16)>,
}

/// The TCP ports each workload reaches J on, with what cannot be said listed.
fn callers_l4(plan: &mut Plan, j: usize) -> BTreeMap<usize, BTreeSet<u16>> {
    let to = plan.id(j);
    let mut out = BTreeMap::new();
    let entries: Vec<(usize, Vec<crate::connectivity::ProtocolPorts>)> = plan
        .pairs
        .iter()
        .filter(|((_, jj), _)| *jj == j)
        .map(|((i, _), l4)| (*i, l4.clone()))
        .collect();
    for (i, l4) in entries {
        let from = plan.id(i);
        if plan.roles[i] == Role::Left || plan.left_out(&from, &to) {
            continue;
        }
        let scraped = plan.scraper == Some(i);
        let origin = plan.workload(j).origin.clone();
        let limit = if scraped { PORT_LIMIT + 2 } else { PORT_LIMIT };
        if let Some(why) = unnameable(&l4, limit) {
            let message = format!("{from} reaches {to} {why}");
            plan.leave(&origin, message, vec![Scope::pair(&from, &to)]);
            continue;
        }
        let mut ports = ports_of(&l4, "TCP");
        if scraped {
            ports.remove(&15020);
            ports.remove(&15090);
        }
        if let Some(p) = ports.iter().find(|p| reserved(**p)) {
            let message = format!(
                "{from} reaches {to} on port {p}, which belongs to the Istio sidecar (15000-15099)"
            );
            plan.leave(&origin, message, vec![Scope::pair(&from, &to)]);
            continue;
        }
        if !ports.is_empty() {
            out.insert(i, ports);
        }
    }
    out
}

/// The ports on which every address outside the cluster, and every workload, reaches J:
/// what `allow anyone` says. Address ingress on any other port is listed.
fn anyone_ports(plan: &mut Plan, j: usize, l4: &BTreeMap<usize, BTreeSet<u16>>) -> BTreeSet<u16> {
    let to = plan.id(j);
    let entries = plan.addr_in.get(&j).cloned().unwrap_or_default();
    if entries.is_empty() || plan.left_out("ipBlock:", &to) {
        return BTreeSet::new();
    }
    let mut by_port: BTreeMap<u16, Vec<(ranges::Family, u128, u128)>> = BTreeMap::new();
    let mut problem = None;
    for (cidr, ports) in &entries {
        if let Some(why) = unnameable(ports, PORT_LIMIT) {
            problem = Some(format!("the addresses {cidr} reach {to} {why}"));
            continue;
        }
        for p in ports_of(ports, "TCP") {
            if let Some(r) = ranges::parse(cidr) {
                by_port.entry(p).or_default().push(r);
            }
        }
    }
    let everyone: Vec<usize> = (0..plan.roles.len())
        .filter(|&i| i != j && plan.roles[i] != Role::Left)
        .collect();
    let mut out = BTreeSet::new();
    for (p, rs) in by_port {
        let all_addresses = ranges::covers_everything(&rs);
        let all_workloads = everyone
            .iter()
            .all(|i| l4.get(i).is_some_and(|s| s.contains(&p)));
        if all_addresses && all_workloads && !reserved(p) {
            out.insert(p);
        } else {
            problem = Some(format!(
                "some addresses outside the cluster reach {to} on port {p}, but not every source does: intents grant addresses only to a destination that admits `anyone`"
            ));
        }
    }
    if let Some(message) = problem {
        let origin = plan.workload(j).origin.clone();
        plan.leave(&origin, message, vec![Scope::addresses_reaching(&to)]);
    }
    out
}

pub(super) fn service(
    plan: &mut Plan,
    j: usize,
    jwt_name: &dyn Fn(&str) -> Option<String>,
    origin_of: &dyn Fn(&str, &str) -> String,
) -> Service {
    let l4 = callers_l4(plan, j);
    let anyone = anyone_ports(plan, j, &l4);
    let to = plan.id(j);
    let w_origin = plan.workload(j).origin.clone();
    let all_ports: BTreeSet<u16> = l4
        .values()
        .flatten()
        .copied()
        .chain(anyone.iter().copied())
        .collect();
    let mut out = Service {
        index: j,
        ports: all_ports.iter().map(|p| (*p, false)).collect(),
        permissive: false,
        lines: Vec::new(),
        grants: BTreeSet::new(),
    };
    let pod = plan.pods[j].clone();
    let mode = plan.cluster.mtls_mode(&pod);
    let per_port = all_ports
        .iter()
        .any(|p| plan.cluster.mtls_mode_on_port(&pod, Some(*p)) != mode);
    if mode == MtlsMode::Disable || per_port {
        let message = format!("{to}: its PeerAuthentication disables mTLS or sets it per port; intents say `mtls strict` or `permissive` for a whole service");
        plan.leave(&w_origin, message, vec![Scope::reaching(&to)]);
        return out;
    }
    out.permissive = mode == MtlsMode::Permissive;
    let view = plan.cluster.view(&pod);
    let policies: Vec<crate::evaluate::AuthorizationPolicy> = view
        .authorization_policies()
        .iter()
        .filter(|p| !p.targeted)
        .map(|p| (*p).clone())
        .collect();
    let validated: BTreeSet<String> = view.token_issuers().iter().map(|s| s.to_string()).collect();
    let has_allow = policies.iter().any(|p| p.action == Some(Action::Allow));
    let mut lines = Vec::new();
    let mut covered: BTreeSet<(usize, u16)> = BTreeSet::new();
    let mut anyone_covered: BTreeSet<u16> = BTreeSet::new();
    let mut issuers_used = BTreeSet::new();
    for ap in &policies {
        let source = format!(
            "AuthorizationPolicy {}/{} ({})",
            ap.namespace,
            ap.name,
            origin_of(&ap.namespace, &ap.name)
        );
        let Some(action) = ap.action else {
            let message =
                format!("{source} has action CUSTOM or AUDIT, which intents cannot write");
            plan.leave(&w_origin, message, vec![Scope::reaching(&to)]);
            return out;
        };
        for rule in &ap.rules {
            let t = match translate(rule, plan.inv, jwt_name) {
                Ok(t) => t,
                Err(why) => {
                    let message = format!("{source} selects {to} with {why}");
                    plan.leave(&w_origin, message, vec![Scope::reaching(&to)]);
                    return out;
                }
            };
            issuers_used.extend(t.jwt.clone());
            for (ports, rules) in &t.groups {
                let group: BTreeSet<u16> = match ports {
                    Some(ps) => ps.intersection(&all_ports).copied().collect(),
                    None => all_ports.clone(),
                };
                if group.is_empty() {
                    continue;
                }
                let line = |callers, ports| Line {
                    deny: action == Action::Deny,
                    callers,
                    ports,
                    rules: rules.clone(),
                    source: source.clone(),
                };
                if action == Action::Deny {
                    let callers = match &t.callers {
                        Callers::Anyone => Callers::Anyone,
                        Callers::Some(set) => Callers::Some(
                            set.iter()
                                .copied()
                                .filter(|&i| i != j && plan.roles[i] != Role::Left)
                                .collect(),
                        ),
                    };
                    if callers != Callers::Some(BTreeSet::new()) {
                        lines.push(line(callers, group));
                    }
                    continue;
                }
                let named: Vec<usize> = match &t.callers {
                    Callers::Anyone => {
                        let part: BTreeSet<u16> = group.intersection(&anyone).copied().collect();
                        if !part.is_empty() {
                            anyone_covered.extend(part.iter().copied());
                            lines.push(line(Callers::Anyone, part));
                        }
                        l4.keys().copied().collect()
                    }
                    Callers::Some(set) => {
                        set.iter().copied().filter(|i| l4.contains_key(i)).collect()
                    }
                };
                let mut by_ports: BTreeMap<BTreeSet<u16>, BTreeSet<usize>> = BTreeMap::new();
                for i in named {
                    let mut ps: BTreeSet<u16> = l4[&i].intersection(&group).copied().collect();
                    if t.callers == Callers::Anyone {
                        ps.retain(|p| !anyone.contains(p));
                    }
                    if !ps.is_empty() {
                        covered.extend(ps.iter().map(|p| (i, *p)));
                        by_ports.entry(ps).or_default().insert(i);
                    }
                }
                for (ps, callers) in by_ports {
                    lines.push(line(Callers::Some(callers), ps));
                }
            }
        }
    }
    if !has_allow {
        let mut by_ports: BTreeMap<BTreeSet<u16>, BTreeSet<usize>> = BTreeMap::new();
        for (i, ps) in &l4 {
            let ps: BTreeSet<u16> = ps.difference(&anyone).copied().collect();
            if !ps.is_empty() {
                by_ports.entry(ps.clone()).or_default().insert(*i);
                covered.extend(ps.iter().map(|p| (*i, *p)));
            }
        }
        let source = format!("the NetworkPolicies selecting {to}; no AuthorizationPolicy applies");
        if !anyone.is_empty() {
            anyone_covered.extend(anyone.iter().copied());
            lines.insert(
                0,
                Line {
                    deny: false,
                    callers: Callers::Anyone,
                    ports: anyone.clone(),
                    rules: Vec::new(),
                    source: source.clone(),
                },
            );
        }
        for (ps, callers) in by_ports {
            lines.push(Line {
                deny: false,
                callers: Callers::Some(callers),
                ports: ps,
                rules: Vec::new(),
                source: source.clone(),
            });
        }
    }
    // What L4 admits that no line carries.
    for (i, ps) in &l4 {
        let missing: Vec<u16> = ps
            .iter()
            .copied()
            .filter(|p| !covered.contains(&(*i, *p)) && !anyone_covered.contains(p))
            .collect();
        if !missing.is_empty() {
            let from = plan.id(*i);
            let message = format!(
                "{from} reaches {to} at L4 on {missing:?} but no AuthorizationPolicy admits any request: an intent grants both layers together"
            );
            plan.leave(&w_origin, message, vec![Scope::pair(&from, &to)]);
        }
    }
    if anyone.iter().any(|p| !anyone_covered.contains(p)) {
        let message = format!("every source reaches {to} at L4, but its AuthorizationPolicies admit only some of them");
        plan.leave(&w_origin, message, vec![Scope::addresses_reaching(&to)]);
    }
    if !validated.is_empty() && validated != issuers_used {
        let message = format!(
            "{to}: its RequestAuthentication validates {validated:?} but its rules use {issuers_used:?}; meshward validates exactly the issuers a service's rules use"
        );
        plan.leave(&w_origin, message, vec![Scope::reaching(&to)]);
        return out;
    }
    // A deny equal to an allow is an error in the language: together they admit nothing.
    let clashes: Vec<Line> = lines
        .iter()
        .filter(|l| {
            l.deny
                && lines.iter().any(|a| {
                    !a.deny && a.callers == l.callers && a.ports == l.ports && a.rules == l.rules
                })
        })
        .cloned()
        .collect();
    if let Some(c) = clashes.first() {
        let message = format!(
            "{}: a deny equal to an allow on {to} (it admits nothing at L7 while L4 stays open)",
            c.source
        );
        plan.leave(&w_origin, message, vec![Scope::reaching(&to)]);
        return out;
    }
    for l in &lines {
        if !l.rules.is_empty() {
            for p in &l.ports {
                out.ports.insert(*p, true);
            }
        }
        if l.deny {
            continue;
        }
        match &l.callers {
            Callers::Anyone => out.grants.extend(l.ports.iter().map(|p| (None, *p))),
            Callers::Some(set) => {
                for i in set {
                    out.grants.extend(l.ports.iter().map(|p| (Some(*i), *p)));
                }
            }
        }
    }
    out.lines = lines;
    out
}
