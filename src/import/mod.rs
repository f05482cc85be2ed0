//! `meshward import PATH... --out DIR`: intents from anyone's cluster YAML, proven to
//! admit what the YAML admits.
//!
//! The import does not translate policies object by object. It reads what the input
//! admits (the connectivity listing and the AuthorizationPolicies each pod is judged by),
//! says it in intents, builds those intents in memory and compares the two readings
//! (`proof.rs`). Stages, in order:
//!
//! - `plan`: the listing, and what each workload becomes (service, mesh workload, or left
//!   out with a reason);
//! - `service` and `rules`: a service's ports, mTLS mode and `allow`/`deny` lines;
//! - here: mesh workloads and externals as destinations, and the services' `calls`;
//! - `write`: the files, in the canonical layout, with comments naming their policies;
//! - `proof`: the build's answers against the input's.
//!
//! What the language cannot say is never approximated: it is listed with the file:line of
//! the object concerned, and the connections it concerns are left out of the intents and
//! of the proof.

mod names;
mod plan;
mod proof;
mod rules;
mod service;
mod write;

pub use plan::Unexpressed;

use crate::evaluate::{Cluster, Policy};
use crate::inventory::Inventory;
use plan::{ports_of, reserved, unnameable, Plan, Role, Scope};
use service::PORT_LIMIT;
use std::collections::{BTreeMap, BTreeSet};
use write::Target;

/// What an import produced.
#[derive(Debug)]
pub struct Import {
    /// Intent files: path relative to the output folder, text. Not to be written when
    /// `mismatches` holds anything: they would not mean what the input means.
    pub files: Vec<(String, String)>,
    /// What the intents leave out, sorted by where it is written.
    pub unexpressed: Vec<Unexpressed>,
    /// Disagreements between the input and the build of the intents: meshward bugs.
    pub mismatches: Vec<String>,
    /// Connections and requests the proof compared.
    pub connections: usize,
    pub requests: usize,
}

/// Intents for what INV admits, proven; the same whatever order the input lists its
/// objects in (an inventory is sorted as it is read).
pub fn import(inv: &Inventory) -> Import {
    run(inv)
}

fn run(inv: &Inventory) -> Import {
    let mut plan = plan::plan(inv);
    let jwks = jwks(inv);
    let mut jwt_names: BTreeMap<String, String> = BTreeMap::new();
    for issuer in jwks.keys() {
        let base = names::jwt_name(issuer);
        let mut name = base.clone();
        let mut n = 2;
        while jwt_names.values().any(|v| v == &name) || !names::name(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        jwt_names.insert(issuer.clone(), name);
    }
    let jwt_name = |issuer: &str| jwt_names.get(issuer).cloned();
    let origins: BTreeMap<(String, String), String> = inv
        .policies
        .iter()
        .filter(|o| o.value.get("kind").and_then(|k| k.as_str()) == Some("AuthorizationPolicy"))
        .map(|o| {
            let ns = crate::inventory::namespace_of(&o.value);
            let name = o
                .value
                .pointer("/metadata/name")
                .and_then(|n| n.as_str())
                .unwrap_or_default();
            ((ns, name.to_string()), o.origin.to_string())
        })
        .collect();
    let origin_of = |ns: &str, name: &str| {
        origins
            .get(&(ns.to_string(), name.to_string()))
            .cloned()
            .unwrap_or_default()
    };
    let mut services = Vec::new();
    for j in 0..inv.workloads.len() {
        if plan.roles[j] == Role::Service {
            services.push(service::service(&mut plan, j, &jwt_name, &origin_of));
        }
    }
    let opens = open_targets(&mut plan);
    let externals = externals(&mut plan);
    let mut calls: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for s in &services {
        let w = plan.workload(s.index);
        for (who, port) in &s.grants {
            if let Some(i) = who.filter(|i| plan.roles[*i] == Role::Service) {
                let name = write::port_name(&plan, s.index, *port);
                calls
                    .entry(i)
                    .or_default()
                    .insert(format!("{} in {}:{name}", w.name, w.namespace));
            }
        }
    }
    for (j, t) in &opens {
        let w = plan.workload(*j);
        for (i, ports) in &t.callers {
            for p in ports {
                let name = write::port_name(&plan, *j, *p);
                calls
                    .entry(*i)
                    .or_default()
                    .insert(format!("{} in {}:{name}", w.name, w.namespace));
            }
        }
    }
    for (name, (_, t)) in &externals {
        for (i, ports) in &t.callers {
            for p in ports {
                calls
                    .entry(*i)
                    .or_default()
                    .insert(format!("external {name}:p{p}"));
            }
        }
    }
    let used: BTreeSet<String> = services
        .iter()
        .flat_map(|s| &s.lines)
        .flat_map(|l| &l.rules)
        .flat_map(|r| &r.when)
        .filter_map(|w| w.strip_prefix("jwt "))
        .map(str::to_string)
        .collect();
    let jwts: BTreeMap<String, (String, String)> = jwt_names
        .iter()
        .filter(|(_, name)| used.contains(*name))
        .map(|(issuer, name)| (issuer.clone(), (name.clone(), jwks[issuer].clone())))
        .collect();
    let kinds: BTreeSet<&str> = inv
        .policies
        .iter()
        .filter_map(|o| o.value.get("kind").and_then(|k| k.as_str()))
        .collect();
    let tree = write::Tree {
        plan: &plan,
        services: &services,
        opens: &opens,
        externals: &externals,
        calls: &calls,
        jwts: &jwts,
        sidecar_scoping: kinds.contains("Sidecar"),
        cilium: kinds.contains("CiliumNetworkPolicy") && !kinds.contains("NetworkPolicy"),
    };
    let mut out = Import {
        files: Vec::new(),
        unexpressed: Vec::new(),
        mismatches: Vec::new(),
        connections: 0,
        requests: 0,
    };
    match write::files(&tree) {
        Err(bug) => out.mismatches.push(bug),
        Ok(files) => {
            let proof = proof::prove(&plan, &files);
            out.connections = proof.connections;
            out.requests = proof.requests;
            out.mismatches = proof.mismatches;
            plan.unexpressed.extend(proof.defaults);
            out.files = files;
        }
    }
    plan.unexpressed.sort();
    plan.unexpressed.dedup();
    out.unexpressed = plan.unexpressed;
    out
}

/// Each token issuer a RequestAuthentication names, with its `jwksUri` (the first, sorted).
fn jwks(inv: &Inventory) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for o in &inv.policies {
        if let Ok(Some(Policy::Authentication(ra))) = Cluster::read(&o.value) {
            for (issuer, uri) in ra.issuers {
                if !uri.is_empty() {
                    let e = out.entry(issuer).or_insert_with(|| uri.clone());
                    if uri < *e {
                        *e = uri;
                    }
                }
            }
        }
    }
    out
}

/// Mesh workloads as destinations: the ports services reach them on. Their namespaces'
/// own objects (a PeerAuthentication, a RequestAuthentication) stay as they are: the
/// intents write nothing there.
fn open_targets(plan: &mut Plan) -> BTreeMap<usize, Target> {
    let mut out: BTreeMap<usize, Target> = BTreeMap::new();
    for j in 0..plan.roles.len() {
        if plan.roles[j] != Role::Open {
            continue;
        }
        let to = plan.id(j);
        let origin = plan.workload(j).origin.clone();
        let entries: Vec<(usize, Vec<crate::connectivity::ProtocolPorts>)> = plan
            .pairs
            .iter()
            .filter(|((i, jj), _)| *jj == j && plan.roles[*i] == Role::Service)
            .map(|((i, _), l4)| (*i, l4.clone()))
            .collect();
        for (i, l4) in entries {
            let from = plan.id(i);
            if plan.left_out(&from, &to) {
                continue;
            }
            let why = unnameable(&l4, PORT_LIMIT).or_else(|| {
                let ps = ports_of(&l4, "TCP");
                ps.iter()
                    .find(|p| reserved(**p))
                    .map(|p| format!("on port {p}, which is the Istio sidecar's (15000-15099)"))
            });
            match why {
                None => {
                    let ps = ports_of(&l4, "TCP");
                    let t = out.entry(j).or_default();
                    t.ports.extend(ps.iter().copied());
                    t.callers.insert(i, ps);
                }
                Some(why) => {
                    let message = format!("{from} reaches {to} {why}");
                    plan.leave(&origin, message, vec![Scope::pair(&from, &to)]);
                }
            }
        }
    }
    out
}

/// `cidr` externals for the address ranges services reach: one per set of ranges reached
/// on the same ports, named `net-N` in the order services list them.
fn externals(plan: &mut Plan) -> BTreeMap<String, (Vec<String>, Target)> {
    let mut by_cidrs: BTreeMap<Vec<String>, String> = BTreeMap::new();
    let mut out: BTreeMap<String, (Vec<String>, Target)> = BTreeMap::new();
    for i in 0..plan.roles.len() {
        if plan.roles[i] != Role::Service {
            continue;
        }
        let from = plan.id(i);
        let entries = plan.addr_out.get(&i).cloned().unwrap_or_default();
        let mut by_ports: BTreeMap<BTreeSet<u16>, Vec<String>> = BTreeMap::new();
        for (cidr, l4) in entries {
            let to = format!("ipBlock:{cidr}");
            if plan.left_out(&from, &to) {
                continue;
            }
            match unnameable(&l4, PORT_LIMIT) {
                None => by_ports.entry(ports_of(&l4, "TCP")).or_default().push(cidr),
                Some(why) => {
                    let origin = plan.workload(i).origin.clone();
                    let message = format!("{from} reaches the addresses {cidr} {why}");
                    plan.leave(&origin, message, vec![Scope::pair(&from, &to)]);
                }
            }
        }
        for (ports, cidrs) in by_ports {
            let n = by_cidrs.len() + 1;
            let name = by_cidrs
                .entry(cidrs.clone())
                .or_insert_with(|| format!("net-{n}"))
                .clone();
            let entry = out
                .entry(name)
                .or_insert_with(|| (cidrs, Target::default()));
            entry.1.ports.extend(ports.iter().copied());
            entry.1.callers.entry(i).or_default().extend(ports);
        }
    }
    out
}

#[cfg(test)]
mod tests;
