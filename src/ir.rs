//! The resolved model: what the intents mean, with every name looked up and every default
//! filled in. Everything downstream (compile, render, lints) reads this, never the AST.
//!
//! Collections are ordered for output: services and workloads sorted by namespace then
//! name, labels in a `BTreeMap`. Statement order inside a service is kept as written,
//! since it is what a reader of the intent file sees.

use crate::source::Span;
use std::collections::BTreeMap;

/// Pod labels, sorted by key.
pub type Labels = BTreeMap<String, String>;

#[derive(Clone, Debug)]
pub struct Mesh {
    pub settings: Settings,
    pub services: Vec<Service>,
    pub workloads: Vec<Workload>,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub trust_domain: String,
    pub cluster_domain: String,
    pub istiod: PodGroup,
    pub dns: PodGroup,
    /// Who may scrape the sidecars' metrics ports, when declared.
    pub scraper: Option<Identity>,
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

#[derive(Clone, Debug)]
pub struct Workload {
    pub identity: Identity,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Http,
    Http2,
    Grpc,
    Tcp,
    Tls,
}

impl Protocol {
    /// Ports whose traffic the sidecar parses as HTTP, so L7 rules and routes apply.
    pub fn is_http(self) -> bool {
        matches!(self, Protocol::Http | Protocol::Http2 | Protocol::Grpc)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Http2 => "http2",
            Protocol::Grpc => "grpc",
            Protocol::Tcp => "tcp",
            Protocol::Tls => "tls",
        }
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
}

impl HttpRule {
    /// The language's matching: `*` methods, exact paths, `/a/*` prefixes, `*.png` suffixes.
    pub fn covers(&self, method: &str, path: &str) -> bool {
        let method_ok = self.methods.is_empty() || self.methods.iter().any(|m| m == method);
        method_ok && self.paths.iter().any(|p| path_covers(p, path))
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
    /// Whether this statement allows METHOD PATH (any request when it has no rules).
    pub fn covers_request(&self, method: &str, path: &str) -> bool {
        self.rules.is_empty() || self.rules.iter().any(|r| r.covers(method, path))
    }
}

#[derive(Clone, Debug)]
pub struct Call {
    pub namespace: String,
    pub name: String,
    /// The port as written (a name or a number), when the call names one.
    pub port: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Route {
    /// Index into the service's `ports`.
    pub port: usize,
    pub timeout_ms: Option<u64>,
    pub retries: Option<Retries>,
    /// `(subset, weight)` as written; empty without `split`.
    pub split: Vec<(String, u8)>,
    /// The port name in the `route` line.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Retries {
    pub attempts: u32,
    pub per_try_ms: Option<u64>,
    pub on: Vec<String>,
}
