//! Who may call what, as the picture draws it: one column per namespace holding its
//! services, its workloads and its `namespace:NS` caller, ordered so that callers stand
//! left of what they call; a column for `anyone` first and one for the externals last;
//! one edge per caller and destination,
//! from `allow` statements, with the ports it opens. The scraper is left out, as in
//! `meshward graph`: it would connect to every service.

use super::caller;
use super::model::{Breadth, Column, Edge, Graph, Node};
use crate::ir::{Allow, Caller, Mesh, Port};
use std::collections::{BTreeMap, BTreeSet};

/// A node's place: its namespace (`None` outside), the kind's order, then its name.
type Key = (Option<String>, u8, String);

/// The header of the column holding `anyone`, left of every namespace.
const ANYONE: &str = "any source";
/// The header of the column holding the externals, right of every namespace.
const EXTERNALS: &str = "outside the cluster";
/// Rounds of [`layers`]: enough for the call chains of a real tree, and a bound on the
/// work a cycle or a very deep chain can cause.
const ROUNDS: usize = 32;

/// Each node's layer: 0 for a node nobody calls, else one more than its deepest caller
/// (counted up to [`ROUNDS`], so a cycle ends). Ordering columns by it makes most edges
/// run left to right.
fn layers<V>(edges: &BTreeMap<(String, String), V>) -> BTreeMap<&str, u64> {
    let mut layer: BTreeMap<&str, u64> = BTreeMap::new();
    for _ in 0..ROUNDS {
        let mut changed = false;
        for (from, to) in edges.keys() {
            if from == to {
                continue;
            }
            let next = layer.get(from.as_str()).copied().unwrap_or(0) + 1;
            let current = layer.entry(to.as_str()).or_insert(0);
            if next > *current {
                *current = next;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    layer
}

/// The nodes and edges of MESH, in a fixed order.
pub fn graph(mesh: &Mesh) -> Graph {
    let mut nodes: BTreeMap<String, (Key, Node)> = BTreeMap::new();
    let mut edges: BTreeMap<(String, String), (BTreeSet<usize>, Breadth)> = BTreeMap::new();
    let mut destinations: BTreeMap<String, &[Port]> = BTreeMap::new();
    let mut add = |namespace: Option<&str>, kind: &'static str, name: &str, id: String| {
        let order = match kind {
            "service" => 0,
            "workload" => 1,
            "namespace" => 2,
            "anyone" => 3,
            _ => 4,
        };
        let key = (namespace.map(str::to_string), order, name.to_string());
        let label = match kind {
            "namespace" => format!("namespace:{name}"),
            "external" => format!("external:{name}"),
            _ => name.to_string(),
        };
        let node = Node {
            id: id.clone(),
            label,
            kind,
        };
        nodes.entry(id).or_insert((key, node));
    };
    let mut targets: Vec<(String, &[Port], &[Allow])> = Vec::new();
    for s in &mesh.services {
        let id = format!("{}.{}", s.name(), s.namespace());
        add(Some(s.namespace()), "service", s.name(), id.clone());
        targets.push((id, &s.ports, &s.allows));
    }
    for w in &mesh.workloads {
        let i = &w.identity;
        let id = format!("{}.{}", i.name, i.namespace);
        add(Some(&i.namespace), "workload", &i.name, id.clone());
        targets.push((id, &w.ports, &w.allows));
    }
    for e in &mesh.externals {
        let id = format!("external:{}", e.name);
        add(None, "external", &e.name, id.clone());
        targets.push((id, &e.ports, &e.allows));
    }
    for (to, ports, allows) in &targets {
        destinations.insert(to.clone(), ports);
        for allow in *allows {
            for c in &allow.callers {
                let from = caller::id(c);
                match c {
                    Caller::Anyone => add(None, "anyone", "anyone", from.clone()),
                    Caller::Namespace(ns) => add(Some(ns), "namespace", ns, from.clone()),
                    Caller::Pods(i) => {
                        add(Some(&i.namespace), caller::kind(c), &i.name, from.clone())
                    }
                }
                let edge = edges
                    .entry((from, to.clone()))
                    .or_insert((BTreeSet::new(), caller::breadth(c)));
                edge.0.extend(allow.ports.iter().copied());
            }
        }
    }
    let layer = layers(&edges);
    let mut placed: Vec<(Key, Node)> = nodes.into_values().collect();
    placed.sort_by(|(a, _), (b, _)| a.cmp(b));
    // Namespaces group their nodes; `anyone` and the externals get a column each.
    let mut grouped: BTreeMap<(u8, String), Vec<Node>> = BTreeMap::new();
    for ((namespace, order, _), node) in placed {
        let key = match namespace {
            Some(ns) => (1, ns),
            None if order == 3 => (0, ANYONE.to_string()),
            None => (2, EXTERNALS.to_string()),
        };
        grouped.entry(key).or_default().push(node);
    }
    let connected: BTreeSet<&str> = edges
        .keys()
        .flat_map(|(from, to)| [from.as_str(), to.as_str()])
        .collect();
    // Namespaces ordered by their deepest node, so callers stand left of what they call;
    // namespaces with no edge at all last, out of the way of the lines.
    let mut columns: Vec<((u8, bool, u64), Column)> = grouped
        .into_iter()
        .map(|((group, name), nodes)| {
            let deepest = nodes
                .iter()
                .map(|n| layer.get(n.id.as_str()).copied().unwrap_or(0))
                .max()
                .unwrap_or(0);
            let alone = !nodes.iter().any(|n| connected.contains(n.id.as_str()));
            let column = Column {
                name,
                outside: group != 1,
                nodes,
            };
            ((group, alone, deepest), column)
        })
        .collect();
    columns.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
    let columns = columns.into_iter().map(|(_, c)| c).collect();
    let edges = edges
        .into_iter()
        .map(|((from, to), (open, breadth))| {
            let ports = destinations.get(&to).copied().unwrap_or_default();
            Edge {
                ports: open
                    .iter()
                    .filter_map(|&i| ports.get(i).map(|p| p.name.clone()))
                    .collect(),
                from,
                to,
                breadth,
            }
        })
        .collect();
    Graph { columns, edges }
}
