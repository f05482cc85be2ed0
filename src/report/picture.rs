//! Who may call what, as the picture draws it: one column per namespace (sorted) holding
//! its services, its workloads and its `namespace:NS` caller, then one column outside
//! every namespace for `anyone` and the externals; one edge per caller and destination,
//! from `allow` statements, with the ports it opens. The scraper is left out, as in
//! `meshward graph`: it would connect to every service.

use super::caller;
use super::model::{Breadth, Column, Edge, Graph, Node};
use crate::ir::{Allow, Caller, Mesh, Port};
use std::collections::{BTreeMap, BTreeSet};

/// A node's place: its namespace (`None` outside), the kind's order, then its name.
type Key = (Option<String>, u8, String);

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
    let mut placed: Vec<(Key, Node)> = nodes.into_values().collect();
    // Namespaces in name order, the nodes outside every namespace last.
    placed.sort_by(|(a, _), (b, _)| (a.0.is_none(), a).cmp(&(b.0.is_none(), b)));
    let mut columns: Vec<Column> = Vec::new();
    for ((namespace, _, _), node) in placed {
        let outside = namespace.is_none();
        let name = namespace.unwrap_or_else(|| "outside".to_string());
        match columns.last_mut() {
            Some(column) if column.name == name && column.outside == outside => {
                column.nodes.push(node)
            }
            _ => columns.push(Column {
                name,
                outside,
                nodes: vec![node],
            }),
        }
    }
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
