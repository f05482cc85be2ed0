//! The template context of `meshward report`: plain serializable data, so that a user's
//! template sees exactly what the built-in ones see, and docs/report.md can document it
//! field by field. Every list is in a fixed order (widest grants first, then names), so
//! the same intents always give the same report.

use serde::Serialize;

/// The whole context a report template is rendered with.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The totals at the top of the report.
    pub summary: Summary,
    /// Every service of the tree, the most widely reachable first.
    pub services: Vec<Service>,
    /// The services whose intents allow no caller at all (`name.namespace`), sorted.
    pub allow_nothing: Vec<String>,
    /// Every external (a destination outside the cluster), sorted by name.
    pub externals: Vec<External>,
    /// Every declared workload, sorted by namespace then name.
    pub workloads: Vec<Workload>,
    /// Who may call what, as nodes in namespace columns and edges.
    pub graph: Graph,
}

/// Counts over the whole tree.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub services: usize,
    pub namespaces: usize,
    pub externals: usize,
    pub workloads: usize,
    /// Services that `anyone` may reach.
    pub anyone: usize,
    /// Services that a whole namespace may reach (and `anyone` may not).
    pub namespace_wide: usize,
    /// Services that accept plain-text connections (`mtls permissive`).
    pub permissive: usize,
    /// Services in dry-run (always 0: the language has no dry-run yet).
    pub dry_run: usize,
    /// Services that allow nothing.
    pub allow_nothing: usize,
}

/// How widely one grant opens a destination, widest first when sorted by `rank`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Breadth {
    /// No caller at all (a service's breadth when it allows nothing).
    Nothing,
    /// A service of the tree or a declared workload, by name.
    Named,
    /// Every pod of one namespace (`allow namespace NS`).
    NamespaceWide,
    /// Any source at all (`allow anyone`).
    Anyone,
}

impl Breadth {
    /// 0 (nothing) to 3 (anyone): what templates sort and compare on.
    pub fn rank(self) -> u8 {
        match self {
            Breadth::Nothing => 0,
            Breadth::Named => 1,
            Breadth::NamespaceWide => 2,
            Breadth::Anyone => 3,
        }
    }
}

/// One service port as declared.
#[derive(Clone, Debug, Serialize)]
pub struct Port {
    pub name: String,
    /// The Service port clients dial.
    pub port: u16,
    /// The pod port the policies name.
    pub target: u16,
    /// `http`, `http2`, `grpc`, `tcp` or `tls`.
    pub protocol: &'static str,
}

/// One service and its exposure.
#[derive(Clone, Debug, Serialize)]
pub struct Service {
    pub name: String,
    pub namespace: String,
    /// `name.namespace`, as the command line names it.
    pub id: String,
    /// The intent file and line of its `service` line, relative to DIR.
    pub source: String,
    pub account: String,
    pub ports: Vec<Port>,
    /// The widest grant's breadth (`nothing` when it allows nothing).
    pub breadth: Breadth,
    /// `breadth` as a number, 0 to 3.
    pub rank: u8,
    /// `mtls permissive`: plain-text clients are accepted, so callers are not proven.
    pub permissive: bool,
    /// A service whose policies only log what they would deny. The language has no
    /// dry-run yet; the field is here so templates can show it once it does.
    pub dry_run: bool,
    /// Whether it allows no caller at all.
    pub allows_nothing: bool,
    /// Who may reach it, widest first.
    pub grants: Vec<Grant>,
    /// What its `deny` statements refuse, widest first (`source` is the `deny` line).
    pub denies: Vec<Grant>,
    /// The externals it may reach, sorted by name.
    pub externals: Vec<Reach>,
    /// The declared workloads it may reach (`name.namespace`), sorted.
    pub workloads: Vec<Reach>,
}

/// One caller of one `allow` statement: who may reach the destination, and how.
#[derive(Clone, Debug, Serialize)]
pub struct Grant {
    /// `anyone`, `namespace:NS` or `name.namespace`.
    pub caller: String,
    /// `anyone`, `namespace`, `service` or `workload`.
    pub kind: &'static str,
    pub breadth: Breadth,
    pub rank: u8,
    /// The port names it opens, in port order.
    pub ports: Vec<String>,
    /// `METHODS PATHS` of each HTTP rule; empty when any request is allowed.
    pub requests: Vec<String>,
    /// Whether any request is allowed (no HTTP rules).
    pub any_request: bool,
    /// The intent file and line of the `allow` statement.
    pub source: String,
}

/// A destination outside the tree that a service may reach.
#[derive(Clone, Debug, Serialize)]
pub struct Reach {
    /// The external's name, or a workload's `name.namespace`.
    pub name: String,
    /// The port names it may use, in port order.
    pub ports: Vec<String>,
}

/// A destination outside the cluster.
#[derive(Clone, Debug, Serialize)]
pub struct External {
    pub name: String,
    /// `host` (DNS names) or `cidr` (address ranges).
    pub kind: &'static str,
    /// The host names or address ranges as written.
    pub addresses: Vec<String>,
    pub ports: Vec<Port>,
    /// Who may reach it, widest first.
    pub grants: Vec<Grant>,
    pub source: String,
}

/// A workload declared in the mesh block: a caller, and with ports a destination.
#[derive(Clone, Debug, Serialize)]
pub struct Workload {
    pub name: String,
    pub namespace: String,
    pub id: String,
    pub ports: Vec<Port>,
    /// Who may reach it, widest first; empty for a workload that is only a caller.
    pub grants: Vec<Grant>,
    pub source: String,
}

/// Who may call what: the picture's data.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Graph {
    /// `any source` (holding `anyone`) when some grant names it, one column per namespace
    /// (callers' namespaces left of their callees'), then `outside the cluster` (the
    /// externals).
    pub columns: Vec<Column>,
    /// One edge per caller and destination, sorted by caller then destination.
    pub edges: Vec<Edge>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Column {
    /// The namespace, or `any source` / `outside the cluster`.
    pub name: String,
    /// Whether this is the column of `anyone` or of the externals, which no namespace holds.
    pub outside: bool,
    pub nodes: Vec<Node>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Node {
    /// Unique in the graph: `name.namespace`, `namespace:NS`, `anyone` or `external:NAME`.
    pub id: String,
    /// What the picture writes in the node.
    pub label: String,
    /// `service`, `workload`, `namespace`, `anyone` or `external`.
    pub kind: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct Edge {
    /// The caller's node id.
    pub from: String,
    /// The destination's node id.
    pub to: String,
    /// The destination's port names the caller may use, in port order.
    pub ports: Vec<String>,
    /// The breadth of the caller (`named`, `namespace-wide` or `anyone`).
    pub breadth: Breadth,
}
