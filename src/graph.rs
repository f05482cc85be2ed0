//! `meshward graph`: who may call what, as a Mermaid flowchart or a Graphviz digraph.
//!
//! In: the resolved model. Out: one node per service, per declared workload, per external
//! (a hexagon labelled `external:NAME`, outside every namespace) and per
//! `namespace NS` / `anyone` caller that some `allow` names; namespaces are subgraphs
//! (clusters), holding their services, their workloads and their `namespace:` node; one
//! edge per caller and destination (a service, a workload with ports, an external),
//! labelled with the destination's port names the caller may use (in port order). Edges come from `allow` statements, which are what the policies admit
//! (`calls` are checked against them and add nothing). The scraper's L4 access to every
//! sidecar is left out: it would connect to every node. In a mesh of several clusters a
//! service's label names the clusters it runs in (`orders @ east`). Output is deterministic: nodes,
//! clusters and edges are sorted, and node ids are their index in that order.

use crate::diagnostic::{self, Format as ErrorFormat};
use crate::exit::Exit;
use crate::ir::{Allow, Caller, Mesh, Port};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

/// What `meshward graph` draws, and in which language.
#[derive(Clone, Debug)]
pub struct Options {
    /// Folder of `.intent` files.
    pub dir: PathBuf,
    pub format: Format,
}

/// `mermaid` to paste into a ```mermaid block, `dot` to pipe into `dot -Tsvg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Mermaid,
    Dot,
}

/// `meshward graph`, writing the graph to `out`: [`Exit::Ok`]; [`Exit::Input`] with the
/// errors as text on `err` when an intent has an error; [`Exit::Fault`] when meshward's
/// self-check fails.
pub fn execute(options: &Options, out: &mut dyn Write, err: &mut dyn Write) -> Exit {
    let compiled = crate::pipeline::run(&options.dir);
    let Some((mesh, _)) = compiled.result.as_ref().filter(|_| !compiled.has_errors()) else {
        let errors: Vec<_> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        for d in &errors {
            let _ = err.write_all(diagnostic::render_text(d, &compiled.sources).as_bytes());
        }
        let faults = diagnostic::render_faults(&compiled.faults, ErrorFormat::Text);
        let _ = err.write_all(faults.as_bytes());
        if let Some(summary) = diagnostic::summary(&errors) {
            let _ = writeln!(err, "{summary}");
        }
        return if compiled.faults.is_empty() {
            Exit::Input
        } else {
            Exit::Fault
        };
    };
    let _ = out.write_all(render(mesh, options.format).as_bytes());
    Exit::Ok
}

/// The graph of MESH in FORMAT.
pub fn render(mesh: &Mesh, format: Format) -> String {
    match format {
        Format::Mermaid => mermaid(mesh),
        Format::Dot => dot(mesh),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Service,
    Workload,
    Namespace,
    Anyone,
    /// A destination outside the cluster, drawn as a hexagon.
    External,
}

/// A node, ordered by namespace (none last), kind, then name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Node {
    namespace: Option<String>,
    kind: Kind,
    name: String,
}

impl Node {
    fn label(&self) -> String {
        match self.kind {
            Kind::Namespace => format!("namespace:{}", self.name),
            Kind::External => format!("external:{}", self.name),
            _ => self.name.clone(),
        }
    }
}

struct Graph {
    /// Every node in output order; a node's id is its index.
    nodes: Vec<Node>,
    /// `(caller id, service id)` → port names in the service's port order.
    edges: BTreeMap<(usize, usize), Vec<String>>,
}

fn caller_node(caller: &Caller) -> Node {
    match caller {
        Caller::Pods(id) => Node {
            namespace: Some(id.namespace.clone()),
            kind: if id.managed {
                Kind::Service
            } else {
                Kind::Workload
            },
            name: id.name.clone(),
        },
        Caller::Namespace(ns) => Node {
            namespace: Some(ns.clone()),
            kind: Kind::Namespace,
            name: ns.clone(),
        },
        Caller::Anyone => Node {
            namespace: None,
            kind: Kind::Anyone,
            name: "anyone".to_string(),
        },
    }
}

fn build(mesh: &Mesh) -> Graph {
    let node = |namespace: Option<&str>, kind, name: &str| Node {
        namespace: namespace.map(str::to_string),
        kind,
        name: name.to_string(),
    };
    // Every destination with its ports and allows: services, workloads, externals.
    let destinations: Vec<(Node, &[Port], &[Allow])> = mesh
        .services
        .iter()
        .map(|s| {
            let n = node(Some(s.namespace()), Kind::Service, s.name());
            (n, s.ports.as_slice(), s.allows.as_slice())
        })
        .chain(mesh.workloads.iter().map(|w| {
            let i = &w.identity;
            let n = node(Some(&i.namespace), Kind::Workload, &i.name);
            (n, w.ports.as_slice(), w.allows.as_slice())
        }))
        .chain(mesh.externals.iter().map(|e| {
            let n = node(None, Kind::External, &e.name);
            (n, e.ports.as_slice(), e.allows.as_slice())
        }))
        .collect();
    let mut set: BTreeSet<Node> = destinations.iter().map(|(n, _, _)| n.clone()).collect();
    let mut raw: BTreeMap<(Node, Node), BTreeSet<usize>> = BTreeMap::new();
    for (to, _, allows) in &destinations {
        for allow in *allows {
            for caller in &allow.callers {
                let from = caller_node(caller);
                set.insert(from.clone());
                raw.entry((from, to.clone()))
                    .or_default()
                    .extend(allow.ports.iter().copied());
            }
        }
    }
    // `None` sorts first in an Option; put the namespace-less nodes last instead.
    let mut nodes: Vec<Node> = set.into_iter().collect();
    nodes.sort_by(|a, b| (a.namespace.is_none(), a).cmp(&(b.namespace.is_none(), b)));
    let id: BTreeMap<&Node, usize> = nodes.iter().enumerate().map(|(i, n)| (n, i)).collect();
    let ports: BTreeMap<&Node, &[Port]> = destinations.iter().map(|(n, p, _)| (n, *p)).collect();
    let mut edges = BTreeMap::new();
    for ((from, to), indices) in &raw {
        let (Some(&from_id), Some(&to_id), Some(ports)) = (id.get(from), id.get(to), ports.get(to))
        else {
            continue;
        };
        let names: Vec<String> = indices
            .iter()
            .filter_map(|&p| ports.get(p).map(|p| p.name.clone()))
            .collect();
        edges.insert((from_id, to_id), names);
    }
    // In a mesh of several clusters a service's node names where it runs.
    if !mesh.settings.clusters.is_empty() {
        for n in nodes.iter_mut().filter(|n| n.kind == Kind::Service) {
            let service = mesh
                .services
                .iter()
                .find(|s| Some(s.namespace()) == n.namespace.as_deref() && s.name() == n.name);
            if let Some(s) = service {
                let at: Vec<&str> = mesh
                    .settings
                    .clusters_of(&s.identity)
                    .map(|c| c.name.as_str())
                    .collect();
                n.name = format!("{} @ {}", n.name, at.join(", "));
            }
        }
    }
    Graph { nodes, edges }
}

/// The namespaces in order, each with the ids of its nodes; then the ids outside any.
fn clusters(graph: &Graph) -> (Vec<(&str, Vec<usize>)>, Vec<usize>) {
    let mut inside: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut outside = Vec::new();
    for (i, node) in graph.nodes.iter().enumerate() {
        match &node.namespace {
            Some(ns) => match inside.last_mut() {
                Some((last, ids)) if *last == ns.as_str() => ids.push(i),
                _ => inside.push((ns, vec![i])),
            },
            None => outside.push(i),
        }
    }
    (inside, outside)
}

fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;")
}

fn mermaid_node(node: &Node, id: usize) -> String {
    let label = mermaid_text(&node.label());
    match node.kind {
        Kind::Service => format!("n{id}[\"{label}\"]"),
        Kind::Workload => format!("n{id}([\"{label}\"])"),
        Kind::Namespace => format!("n{id}[[\"{label}\"]]"),
        Kind::Anyone => format!("n{id}((\"{label}\"))"),
        Kind::External => format!("n{id}{{{{\"{label}\"}}}}"),
    }
}

/// The graph as a Mermaid flowchart (without the ```mermaid fence).
pub fn mermaid(mesh: &Mesh) -> String {
    let graph = build(mesh);
    let (inside, outside) = clusters(&graph);
    let mut out = String::from("flowchart LR\n");
    for (i, (ns, ids)) in inside.iter().enumerate() {
        let _ = writeln!(out, "  subgraph ns{i}[\"{}\"]", mermaid_text(ns));
        for &id in ids {
            let _ = writeln!(out, "    {}", mermaid_node(&graph.nodes[id], id));
        }
        out.push_str("  end\n");
    }
    for &id in &outside {
        let _ = writeln!(out, "  {}", mermaid_node(&graph.nodes[id], id));
    }
    for ((from, to), ports) in &graph.edges {
        let _ = writeln!(
            out,
            "  n{from} -->|\"{}\"| n{to}",
            mermaid_text(&ports.join(", "))
        );
    }
    out
}

fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn dot_node(node: &Node, id: usize) -> String {
    let shape = match node.kind {
        Kind::Service => "box",
        Kind::Workload => "box, style=rounded",
        Kind::Namespace => "folder",
        Kind::Anyone => "ellipse",
        Kind::External => "hexagon",
    };
    format!(
        "n{id} [label=\"{}\", shape={shape}];",
        dot_text(&node.label())
    )
}

/// The graph in Graphviz DOT, namespaces as clusters.
pub fn dot(mesh: &Mesh) -> String {
    let graph = build(mesh);
    let (inside, outside) = clusters(&graph);
    let mut out = String::from("digraph meshward {\n  rankdir=LR;\n");
    for (i, (ns, ids)) in inside.iter().enumerate() {
        let _ = writeln!(out, "  subgraph cluster_{i} {{");
        let _ = writeln!(out, "    label=\"{}\";", dot_text(ns));
        for &id in ids {
            let _ = writeln!(out, "    {}", dot_node(&graph.nodes[id], id));
        }
        out.push_str("  }\n");
    }
    for &id in &outside {
        let _ = writeln!(out, "  {}", dot_node(&graph.nodes[id], id));
    }
    for ((from, to), ports) in &graph.edges {
        let _ = writeln!(
            out,
            "  n{from} -> n{to} [label=\"{}\"];",
            dot_text(&ports.join(", "))
        );
    }
    out.push_str("}\n");
    out
}
