//! `meshward graph`: who may call what, as a Mermaid flowchart or a Graphviz digraph.
//!
//! In: the resolved model. Out: one node per service, per declared workload and per
//! `namespace NS` / `anyone` caller that some `allow` names; namespaces are subgraphs
//! (clusters), holding their services, their workloads and their `namespace:` node; one
//! edge per caller and service, labelled with the service's port names the caller may use
//! (in port order). Edges come from `allow` statements, which are what the policies admit
//! (`calls` are checked against them and add nothing). The scraper's L4 access to every
//! sidecar is left out: it would connect to every node. Output is deterministic: nodes,
//! clusters and edges are sorted, and node ids are their index in that order.

use crate::diagnostic::{self, Format as ErrorFormat};
use crate::exit::Exit;
use crate::ir::{Caller, Mesh};
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
    let mut set: BTreeSet<Node> = BTreeSet::new();
    for s in &mesh.services {
        set.insert(Node {
            namespace: Some(s.namespace().to_string()),
            kind: Kind::Service,
            name: s.name().to_string(),
        });
    }
    for w in &mesh.workloads {
        set.insert(Node {
            namespace: Some(w.identity.namespace.clone()),
            kind: Kind::Workload,
            name: w.identity.name.clone(),
        });
    }
    let mut raw: BTreeMap<(Node, Node), BTreeSet<usize>> = BTreeMap::new();
    for s in &mesh.services {
        let to = Node {
            namespace: Some(s.namespace().to_string()),
            kind: Kind::Service,
            name: s.name().to_string(),
        };
        for allow in &s.allows {
            for caller in &allow.callers {
                let from = caller_node(caller);
                set.insert(from.clone());
                raw.entry((from, to.clone()))
                    .or_default()
                    .extend(allow.ports.iter().copied());
            }
        }
    }
    // `None` sorts first in an Option; put the namespace-less `anyone` last instead.
    let mut nodes: Vec<Node> = set.into_iter().collect();
    nodes.sort_by(|a, b| (a.namespace.is_none(), a).cmp(&(b.namespace.is_none(), b)));
    let id: BTreeMap<&Node, usize> = nodes.iter().enumerate().map(|(i, n)| (n, i)).collect();
    let mut edges = BTreeMap::new();
    for ((from, to), ports) in &raw {
        let Some(service) = mesh
            .services
            .iter()
            .find(|s| Some(s.namespace()) == to.namespace.as_deref() && s.name() == to.name)
        else {
            continue;
        };
        let names: Vec<String> = ports
            .iter()
            .filter_map(|&p| service.ports.get(p).map(|p| p.name.clone()))
            .collect();
        edges.insert((id[from], id[to]), names);
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
