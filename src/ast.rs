//! The syntax tree of one intent file, as written.
//!
//! Nothing here is validated beyond the grammar: names may be upper case, numbers may be
//! out of range, ports may not exist. Every node keeps its span so the checker can point
//! at the exact token it rejects.

use crate::source::Span;

/// A token's text and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Item {
    Service(Service),
    External(External),
    Mesh(Mesh),
}

/// `external NAME { ... }`: a destination outside the cluster.
#[derive(Debug, PartialEq, Eq)]
pub struct External {
    /// The `external` keyword, for "declared here" notes.
    pub span: Span,
    pub name: Word,
    /// As written, in any order; the checker says which are missing or repeated.
    pub statements: Vec<ExternalStatement>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ExternalStatement {
    /// `host NAME, ...`, with the keyword's span.
    Hosts {
        keyword: Span,
        hosts: Vec<Word>,
    },
    /// `cidr RANGE, ...`, with the keyword's span.
    Cidrs {
        keyword: Span,
        cidrs: Vec<Word>,
    },
    Port(Port),
    Allow(Allow),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Service {
    /// The `service` keyword, for "declared here" notes.
    pub span: Span,
    pub name: Word,
    pub namespace: Word,
    pub statements: Vec<Statement>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Statement {
    Account(Word),
    Selector {
        span: Span,
        labels: Vec<Label>,
    },
    Port(Port),
    Mtls(Word),
    Allow(Allow),
    /// `deny ...`: the same shape as an `allow`; its span is the `deny` keyword.
    Deny(Allow),
    Calls(Vec<CallTarget>),
    Route(Route),
    /// `clusters NAME, ...`: the keyword's span and the names.
    Clusters {
        span: Span,
        names: Vec<Word>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub key: Word,
    pub value: Word,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    pub name: Word,
    pub service_port: Option<Word>,
    pub target_port: Word,
    pub protocol: Option<Word>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allow {
    /// The `allow` keyword.
    pub span: Span,
    pub callers: Vec<Caller>,
    /// `None` when the statement has no `to` (every port).
    pub ports: Option<Vec<Word>>,
    /// `None` when the statement has no rule block (any request).
    pub rules: Option<Vec<HttpRule>>,
}

impl Caller {
    pub fn span(&self) -> Span {
        match self {
            Caller::Named { span, .. }
            | Caller::Namespace { span, .. }
            | Caller::Anyone { span } => *span,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// `NAME` or `NAME in NS`.
    Named {
        span: Span,
        name: Word,
        namespace: Option<Word>,
    },
    /// `namespace NS`.
    Namespace { span: Span, namespace: Word },
    /// `anyone`.
    Anyone { span: Span },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRule {
    /// Empty means `*`.
    pub methods: Vec<Word>,
    pub any_method: Option<Span>,
    pub paths: Vec<Word>,
    /// After `when`, in order; empty without `when`.
    pub conditions: Vec<Condition>,
}

/// One condition of an HTTP rule, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// `header NAME = V, ...` or, with `negated`, `header NAME != V, ...`.
    Header {
        span: Span,
        name: Word,
        negated: bool,
        values: Vec<Word>,
    },
    /// `jwt NAME`.
    Jwt { span: Span, name: Word },
    /// `claim NAME = V, ...`.
    Claim {
        span: Span,
        name: Word,
        values: Vec<Word>,
    },
}

impl Condition {
    /// From the keyword to the last value.
    pub fn span(&self) -> Span {
        match self {
            Condition::Header { span, .. }
            | Condition::Jwt { span, .. }
            | Condition::Claim { span, .. } => *span,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct CallTarget {
    pub span: Span,
    /// The `external` keyword of `calls external NAME`.
    pub external: Option<Span>,
    pub name: Word,
    pub namespace: Option<Word>,
    pub port: Option<Word>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Route {
    pub span: Span,
    pub port: Word,
    pub statements: Vec<RouteStatement>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum RouteStatement {
    Timeout(Word),
    Retries {
        span: Span,
        attempts: Word,
        /// The `per-try` keyword and its duration.
        per_try: Option<(Span, Word)>,
        /// The `on` keyword, when the conditions follow it.
        on_keyword: Option<Span>,
        on: Vec<Word>,
    },
    Split {
        span: Span,
        subsets: Vec<(Word, Word)>,
    },
    /// `match header NAME = VALUE to SUBSET`.
    Match {
        span: Span,
        name: Word,
        value: Word,
        subset: Word,
    },
    /// `connections N`, `pending N`, `requests N`: the keyword as written and the number.
    Pool {
        span: Span,
        keyword: &'static str,
        limit: Word,
    },
    /// `eject N errors every DURATION for DURATION max P%`.
    Eject {
        span: Span,
        errors: Word,
        every: Word,
        base: Word,
        max: Word,
    },
}

#[derive(Debug, PartialEq, Eq)]
pub struct Mesh {
    pub span: Span,
    pub statements: Vec<MeshStatement>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum MeshStatement {
    TrustDomain(Word),
    ClusterDomain(Word),
    Istiod {
        span: Span,
        namespace: Word,
        labels: Vec<Label>,
    },
    Dns {
        span: Span,
        namespace: Word,
        labels: Vec<Label>,
    },
    Scraper {
        span: Span,
        name: Word,
        namespace: Word,
    },
    Workload(Workload),
    /// `cluster-cidrs RANGE, ...`
    ClusterCidrs {
        span: Span,
        cidrs: Vec<Word>,
    },
    /// `sidecar-scoping on|off`: the value as written.
    SidecarScoping(Word),
    /// `sync-waves on|off`: the value as written.
    SyncWaves(Word),
    /// `network kubernetes|cilium`: the value as written.
    Network(Word),
    /// `dataplane sidecar|ambient`: the value as written.
    Dataplane(Word),
    /// `waypoint NAME in NS`
    Waypoint {
        span: Span,
        name: Word,
        namespace: Word,
    },
    /// `dry-run NS, ...`
    DryRun {
        span: Span,
        namespaces: Vec<Word>,
    },
    Jwt(Jwt),
    Cluster(Cluster),
    /// `eastwest NS LABELS`
    Eastwest {
        span: Span,
        namespace: Word,
        labels: Vec<Label>,
    },
}

/// `cluster NAME { trust-domain D  network N  pod-cidrs R, ...  gateway IP, ... }`: one
/// cluster of a mesh spread over several. Every statement is optional and kept as
/// written, in order; the checker reports repeats.
#[derive(Debug, PartialEq, Eq)]
pub struct Cluster {
    /// The `cluster` keyword.
    pub span: Span,
    pub name: Word,
    pub trust_domains: Vec<Word>,
    pub networks: Vec<Word>,
    /// `(keyword, ranges)` of each `pod-cidrs` line.
    pub pod_cidrs: Vec<(Span, Vec<Word>)>,
    /// `(keyword, addresses)` of each `gateway` line.
    pub gateways: Vec<(Span, Vec<Word>)>,
}

/// `jwt NAME { issuer URL  jwks URL }`: an issuer of end-user tokens.
#[derive(Debug, PartialEq, Eq)]
pub struct Jwt {
    /// The `jwt` keyword.
    pub span: Span,
    pub name: Word,
    /// `(keyword, URL)` of each `issuer` line, in order; the checker wants exactly one.
    pub issuers: Vec<(Span, Word)>,
    /// `(keyword, URL)` of each `jwks` line, in order; the checker wants exactly one.
    pub jwks: Vec<(Span, Word)>,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Workload {
    pub span: Span,
    pub name: Word,
    pub namespace: Word,
    pub account: Option<Word>,
    pub selector: Option<Vec<Label>>,
    /// `port` lines: the workload is then a destination.
    pub ports: Vec<Port>,
    /// `allow` lines: who may call it.
    pub allows: Vec<Allow>,
    /// Repeated `account`/`selector` statements, reported by the checker:
    /// `(keyword, the repeat, the first)`.
    pub duplicates: Vec<(&'static str, Span, Span)>,
}
