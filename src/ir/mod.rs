//! The resolved model: what the intents mean, with every name looked up and every default
//! filled in. Everything downstream (compile, render, lints) reads this, never the AST.
//!
//! Collections are ordered for output: services and workloads sorted by namespace then
//! name, labels in a `BTreeMap`. Statement order inside a service is kept as written,
//! since it is what a reader of the intent file sees.

mod cidr;
mod clusters;
mod conditions;
mod protocol;
mod traffic;

pub use cidr::Cidr;
pub use clusters::Cluster;
pub use conditions::{value_covers, Condition, EndUser, Extras, Jwt};
pub use protocol::Protocol;
pub use traffic::{Eject, HeaderRoute, Pool, Retries, Route};

use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet};

/// Pod labels, sorted by key.
pub type Labels = BTreeMap<String, String>;

#[derive(Clone, Debug)]
pub struct Mesh {
    pub settings: Settings,
    pub services: Vec<Service>,
    pub workloads: Vec<Workload>,
    /// Destinations outside the cluster, sorted by name.
    pub externals: Vec<External>,
}

impl Mesh {
    /// The model CLUSTER's tree is built from, in a mesh of several: the same intents,
    /// compiled for that cluster (its services, its trust domain, the others by address).
    pub fn at(&self, cluster: usize) -> Mesh {
        let mut site = self.clone();
        site.settings.site = Some(cluster);
        if let Some(c) = self.settings.clusters.get(cluster) {
            site.settings.trust_domain = c.trust_domain.clone();
        }
        site
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub trust_domain: String,
    pub cluster_domain: String,
    pub istiod: PodGroup,
    pub dns: PodGroup,
    /// Who may scrape the sidecars' metrics ports, when declared.
    pub scraper: Option<Identity>,
    /// The address ranges inside the cluster (pods and Services), as written; empty when
    /// unset. `host` externals open their ports to every address outside these.
    pub cluster_cidrs: Vec<Cidr>,
    /// Whether Sidecars scope each proxy to what it may call (`sidecar-scoping on`).
    pub sidecar_scoping: bool,
    /// Issuers of end-user tokens that rules may name, sorted by name.
    pub jwts: Vec<Jwt>,
    /// Whether every object carries an Argo CD sync wave (`sync-waves on`).
    pub sync_waves: bool,
    /// Namespaces whose objects observe and restrict nothing (`dry-run`): compiled and
    /// self-checked as if enforced, written so that Istio only reports what it would deny.
    pub dry_run: BTreeSet<String>,
    /// Which policy API the network layer is written in (`network`).
    pub network: Network,
    /// Which proxies enforce the mesh layer (`dataplane`).
    pub dataplane: Dataplane,
    /// Under ambient, the waypoint serving each namespace that has one, keyed by
    /// namespace (`waypoint NAME in NS`).
    pub waypoints: BTreeMap<String, Waypoint>,
    /// The clusters of a mesh spread over several, sorted by name; empty for one cluster.
    pub clusters: Vec<Cluster>,
    /// The east-west gateway pods, the same in every cluster (`eastwest NS LABELS`).
    pub eastwest: Option<PodGroup>,
    /// Where each service with a `clusters` line runs, keyed by namespace then name (so
    /// that a look-up borrows); a service without one, and every workload, runs in every
    /// cluster.
    pub placements: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// The cluster being compiled (an index into `clusters`): set on the copy of the
    /// model each cluster's tree is built from, `None` for a single-cluster mesh.
    pub site: Option<usize>,
}

/// A waypoint: the Gateway NAME in its namespace, and its pods, which Istio labels with
/// the Gateway's name (what NetworkPolicy selects them by).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waypoint {
    pub name: String,
    pub pods: PodGroup,
}

/// The label Istio puts on a Gateway's pods, with the Gateway's name.
pub const GATEWAY_NAME_LABEL: &str = "gateway.networking.k8s.io/gateway-name";

impl Waypoint {
    pub fn new(name: &str, namespace: &str) -> Waypoint {
        Waypoint {
            name: name.to_string(),
            pods: PodGroup {
                namespace: namespace.to_string(),
                selector: Labels::from([(GATEWAY_NAME_LABEL.to_string(), name.to_string())]),
            },
        }
    }

    pub fn namespace(&self) -> &str {
        &self.pods.namespace
    }

    /// The identity its pods run as (Istio names the account after the Gateway), which the
    /// destinations' ztunnels see on every request the waypoint passes on.
    pub fn principal(&self, trust_domain: &str) -> String {
        format!("{trust_domain}/ns/{}/sa/{}", self.namespace(), self.name)
    }
}

/// The mesh layer's data plane.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dataplane {
    /// An Envoy sidecar in every pod judges each request with the caller's identity.
    #[default]
    Sidecar,
    /// Istio's ambient mode: each node's ztunnel judges connections (identity and port),
    /// and a namespace's waypoint judges requests (HTTP rules, conditions, routes).
    Ambient,
}

/// The network layer's policy API.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Network {
    /// `networking.k8s.io/v1` NetworkPolicy, read by every CNI that enforces policy.
    #[default]
    Kubernetes,
    /// `cilium.io/v2` CiliumNetworkPolicy: the same meaning, and exact per host for
    /// `host` externals (`toFQDNs`).
    Cilium,
}

impl Settings {
    /// Whether NAMESPACE is observed rather than enforced.
    pub fn is_dry_run(&self, namespace: &str) -> bool {
        self.dry_run.contains(namespace)
    }

    pub fn is_ambient(&self) -> bool {
        self.dataplane == Dataplane::Ambient
    }

    /// The waypoint serving NAMESPACE under ambient, if it has one.
    pub fn waypoint(&self, namespace: &str) -> Option<&Waypoint> {
        self.waypoints.get(namespace)
    }

    /// The cluster being compiled, in a mesh of several.
    pub fn site(&self) -> Option<&Cluster> {
        self.site.and_then(|i| self.clusters.get(i))
    }

    /// Whether the pods of IDENTITY run in CLUSTER.
    pub fn runs_in(&self, identity: &Identity, cluster: &str) -> bool {
        !identity.managed
            || self
                .placements
                .get(&identity.namespace)
                .and_then(|names| names.get(&identity.name))
                .is_none_or(|set| set.contains(cluster))
    }

    /// Whether the pods of IDENTITY run in the cluster being compiled (always, in a mesh
    /// of one cluster).
    pub fn here(&self, identity: &Identity) -> bool {
        self.site().is_none_or(|c| self.runs_in(identity, &c.name))
    }

    /// Whether the cluster being compiled holds SERVICE's routes (VirtualService and
    /// DestinationRule): they configure its callers' proxies, so they go wherever the
    /// service runs or a caller may run (`namespace` and `anyone` callers: everywhere).
    pub fn routed_here(&self, service: &Service) -> bool {
        self.here(&service.identity)
            || service
                .allows
                .iter()
                .flat_map(|a| &a.callers)
                .any(|c| match c {
                    Caller::Pods(i) => self.here(i),
                    Caller::Namespace(_) | Caller::Anyone => true,
                })
    }

    /// The clusters IDENTITY's pods run in, in name order.
    pub fn clusters_of<'s>(&'s self, identity: &'s Identity) -> impl Iterator<Item = &'s Cluster> {
        self.clusters
            .iter()
            .filter(move |c| self.runs_in(identity, &c.name))
    }

    /// The trust domains IDENTITY's certificates are issued in, sorted, without repeats:
    /// the mesh's own, or one per cluster it runs in.
    pub fn domains_of<'s>(&'s self, identity: &'s Identity) -> Vec<&'s str> {
        if self.clusters.is_empty() {
            return vec![self.trust_domain.as_str()];
        }
        let mut out: Vec<&str> = self
            .clusters_of(identity)
            .map(|c| c.trust_domain.as_str())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Pods picked by a namespace and a label selector.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodGroup {
    pub namespace: String,
    pub selector: Labels,
}

/// A named group of pods with one service account: a service of the tree or a declared
/// workload. This is what a caller or the scraper resolves to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Identity {
    pub name: String,
    pub namespace: String,
    pub account: String,
    pub selector: Labels,
    /// True for services of the tree, whose pods meshward manages (and so gives egress).
    pub managed: bool,
}

/// A workload declared in the mesh block: a caller that is not a service of the tree and,
/// when it has ports and allows, a destination. No object is written in its namespace.
#[derive(Clone, Debug)]
pub struct Workload {
    pub identity: Identity,
    /// The ports it serves as a destination; `port == target` (no Service in front).
    pub ports: Vec<Port>,
    /// Who may call it. Callers are services of the tree, `namespace NS` of a managed
    /// namespace, or `anyone` (every pod of every managed namespace); never rules.
    pub allows: Vec<Allow>,
    /// The workload's name in its `workload` line.
    pub span: Span,
}

/// A destination outside the cluster, from an `external` block.
#[derive(Clone, Debug)]
pub struct External {
    pub name: String,
    pub destination: Destination,
    /// `port == target`; a `host` external's ports are never `tcp`.
    pub ports: Vec<Port>,
    /// Who may call it, as for a workload: `anyone` means every pod of every managed
    /// namespace, since only managed pods are given egress.
    pub allows: Vec<Allow>,
    /// The intent file's path relative to DIR.
    pub origin: String,
    /// The name in its `external` line.
    pub span: Span,
}

/// What an external is: DNS names or address ranges, never both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// Lower-case DNS names as written; a name may start with `*.` (any depth, as Istio
    /// matches it).
    Hosts(Vec<String>),
    /// Address ranges as written (host bits zero), IPv4 and IPv6 mixed freely.
    Cidrs(Vec<Cidr>),
}

impl External {
    /// Whether some allow of this external admits pods of IDENTITY on port index PORT.
    pub fn allows_on(&self, identity: &Identity, port: usize) -> bool {
        self.allows
            .iter()
            .any(|a| a.ports.contains(&port) && a.callers.iter().any(|c| c.covers(identity)))
    }
}

#[derive(Clone, Debug)]
pub struct Port {
    pub name: String,
    /// The Service port, what clients dial and VirtualService matches.
    pub port: u16,
    /// The pod port, what NetworkPolicy and AuthorizationPolicy see.
    pub target: u16,
    pub protocol: Protocol,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mtls {
    Strict,
    Permissive,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub identity: Identity,
    pub ports: Vec<Port>,
    pub mtls: Mtls,
    pub allows: Vec<Allow>,
    /// `deny` statements: the same shape as allows; a request one covers is refused
    /// whatever the allows say.
    pub denies: Vec<Allow>,
    pub calls: Vec<Call>,
    pub routes: Vec<Route>,
    /// The intent file's path relative to DIR, for generated headers.
    pub origin: String,
    /// The service name in its `service` line.
    pub span: Span,
}

impl Service {
    pub fn name(&self) -> &str {
        &self.identity.name
    }

    pub fn namespace(&self) -> &str {
        &self.identity.namespace
    }

    /// The issuers whose tokens this service's rules name, sorted and without repeats:
    /// its proxy validates exactly these and refuses any other issuer's token.
    pub fn token_issuers(&self) -> Vec<&Jwt> {
        let mut out: Vec<&Jwt> = self
            .allows
            .iter()
            .chain(&self.denies)
            .flat_map(|a| &a.rules)
            .flat_map(|r| &r.conditions)
            .filter_map(|c| match c {
                Condition::Jwt(j) => Some(j),
                _ => None,
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// `<name>.<namespace>.svc.<cluster-domain>`: Istio hosts are always written in full.
    pub fn host(&self, cluster_domain: &str) -> String {
        format!(
            "{}.{}.svc.{}",
            self.identity.name, self.identity.namespace, cluster_domain
        )
    }
}

#[derive(Clone, Debug)]
pub struct Allow {
    pub callers: Vec<Caller>,
    /// Where each caller is written, parallel to `callers`.
    pub caller_spans: Vec<Span>,
    /// Indices into the service's `ports`, in port order.
    pub ports: Vec<usize>,
    /// Empty when any request is allowed.
    pub rules: Vec<HttpRule>,
    /// The `allow` keyword, for `file:line` references.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Caller {
    /// A service of the tree or a declared workload. Shared: a 10,000-service mesh has
    /// about 50,000 callers, and a copy of each identity would add ~13 MB to the peak.
    Pods(std::sync::Arc<Identity>),
    /// Every pod of a namespace, managed or not.
    Namespace(String),
    /// Any source at all.
    Anyone,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRule {
    /// Empty means any method.
    pub methods: Vec<String>,
    pub paths: Vec<String>,
    /// All must hold; empty without `when`.
    pub conditions: Vec<Condition>,
}

impl HttpRule {
    /// The rule as an intent file writes it: `GET|HEAD /a, /b`, `*` for any method, and
    /// its conditions after `when`.
    pub fn text(&self) -> String {
        let methods = if self.methods.is_empty() {
            "*".to_string()
        } else {
            self.methods.join("|")
        };
        let mut text = format!("{methods} {}", self.paths.join(", "));
        for (i, c) in self.conditions.iter().enumerate() {
            text.push_str(if i == 0 { " when " } else { " and " });
            text.push_str(&c.text());
        }
        text
    }

    /// The language's matching: `*` methods, exact paths, `/a/*` prefixes, `*.png` suffixes.
    /// Conditions are not looked at: see [`HttpRule::covers_with`].
    pub fn covers(&self, method: &str, path: &str) -> bool {
        let method_ok = self.methods.is_empty() || self.methods.iter().any(|m| m == method);
        method_ok && self.paths.iter().any(|p| path_covers(p, path))
    }

    /// [`HttpRule::covers`], and every condition holds.
    pub fn covers_with(&self, method: &str, path: &str, extras: &Extras) -> bool {
        self.covers(method, path) && self.conditions.iter().all(|c| c.holds(extras))
    }
}

/// Whether path pattern PATTERN (exact, `/a/*` or `*.png`) matches PATH.
pub fn path_covers(pattern: &str, path: &str) -> bool {
    if let Some(prefix) = pattern
        .strip_suffix('*')
        .filter(|_| pattern.starts_with('/'))
    {
        path.starts_with(prefix)
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        path.ends_with(suffix)
    } else {
        pattern == path
    }
}

impl Caller {
    /// Whether this caller admits the pods of IDENTITY.
    pub fn covers(&self, identity: &Identity) -> bool {
        match self {
            Caller::Anyone => true,
            Caller::Namespace(ns) => *ns == identity.namespace,
            Caller::Pods(i) => i.namespace == identity.namespace && i.name == identity.name,
        }
    }

    /// `frontend.web`, `namespace:monitoring` or `anyone`, as the CLI writes callers.
    pub fn label(&self) -> String {
        match self {
            Caller::Anyone => "anyone".into(),
            Caller::Namespace(ns) => format!("namespace:{ns}"),
            Caller::Pods(i) => format!("{}.{}", i.name, i.namespace),
        }
    }
}

impl Allow {
    /// Whether this statement covers METHOD PATH (any request when it has no rules),
    /// for a request without headers or token.
    pub fn covers_request(&self, method: &str, path: &str) -> bool {
        self.covers_with(method, path, &Extras::default())
    }

    /// Whether this statement covers METHOD PATH with EXTRAS (any request when it has no
    /// rules).
    pub fn covers_with(&self, method: &str, path: &str, extras: &Extras) -> bool {
        self.rules.is_empty()
            || self
                .rules
                .iter()
                .any(|r| r.covers_with(method, path, extras))
    }

    /// Whether some rule carries a condition.
    pub fn is_conditioned(&self) -> bool {
        self.rules.iter().any(|r| !r.conditions.is_empty())
    }
}

/// What a `calls` target names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CallKind {
    Service,
    /// A workload of the mesh block with ports.
    Workload,
    /// `calls external NAME`; the call's namespace is empty.
    External,
}

#[derive(Clone, Debug)]
pub struct Call {
    pub kind: CallKind,
    /// Empty for an external.
    pub namespace: String,
    pub name: String,
    /// The port as written (a name or a number), when the call names one.
    pub port: Option<String>,
    pub span: Span,
}
