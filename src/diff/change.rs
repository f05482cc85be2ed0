//! The changes a diff reports, one variant per kind (access, mTLS, route, scraper,
//! identity), each with its effect on access and the `file:line` a reviewer should read.
//! They serialise as the CLI contract's JSON and sort the way meshward orders services.

use serde::Serialize;

/// What a change does to access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    Widens,
    Narrows,
    /// Neither: traffic management (routes).
    Neutral,
}

/// One change, serialised as the CLI contract's JSON (`kind` first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Change {
    Access(AccessChange),
    Mtls(MtlsChange),
    Route(RouteChange),
    Scraper(ScraperChange),
    Identity(IdentityChange),
}

/// Whether the caller→service:port edge itself is new, gone, or on both sides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeStatus {
    Added,
    Removed,
    Changed,
}

/// `from` may now (widens) or no longer (narrows) send `methods` × `paths` (with
/// `conditions`) to `to:port`; an empty list means any. With `deny`, it is a `deny` that
/// refuses those requests now (narrows) or no longer (widens). Every method pairs with every path of the change: rules that
/// do not form such a rectangle are split into several changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessChange {
    pub effect: Effect,
    /// `frontend.web`, `namespace:monitoring` or `anyone`.
    pub from: String,
    /// `orders.shop`, a workload `vault.vault`, or `external:stripe`.
    pub to: String,
    pub port: String,
    pub methods: Vec<String>,
    pub paths: Vec<String>,
    /// `file:line` of the `allow` statement: the new side for widens, the old for narrows;
    /// for a `deny`, the deny: the new side for narrows, the old for widens.
    pub source: String,
    /// The rule's conditions as written (`header x-tenant = acme`, `jwt corp`); absent
    /// when the requests need none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    /// True when a `deny` changed: a new deny narrows, a removed one widens.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deny: bool,
    /// True when a namespace left dry-run (narrows: `anyone` no longer reaches the port
    /// beyond what the intents grant) or entered it (widens).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    #[serde(skip)]
    pub edge: EdgeStatus,
}

/// A service's mTLS mode changed; `old` is null for a service that is new.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MtlsChange {
    pub effect: Effect,
    pub to: String,
    pub old: Option<String>,
    pub new: String,
    /// The `mtls` line (new side for widens, old for narrows), else the `service` line.
    pub source: String,
}

/// One setting of a route changed, written as in an intent file (`2s`,
/// `3 per-try 500ms on 5xx, reset`, `v1 90, v2 10`); null where it is not set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RouteChange {
    pub effect: Effect,
    pub to: String,
    pub port: String,
    /// `timeout`, `retries`, `split`, `match`, `connections`, `pending`, `requests` or
    /// `eject`.
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
    /// The `route` line (new side when it has one), else the `service` line.
    pub source: String,
}

/// The scraper that may reach every managed pod's sidecar metrics ports (15020, 15090).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScraperChange {
    pub effect: Effect,
    pub from: String,
    /// The `scraper` line in the mesh file, when it can be found.
    pub source: Option<String>,
}

/// Who a name stands for changed, with no `allow` line touched: a selector or account of
/// a service or workload, a port's target number, or a mesh setting. Every `allow` that
/// names it now reaches other pods or identities, so anything that may admit more is
/// reported as `widens`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdentityChange {
    pub effect: Effect,
    /// `gw.edge`, `orders.shop:http`, `external:stripe`, `external:stripe:https`,
    /// `jwt:corp` or `mesh`.
    pub subject: String,
    /// `selector`, `account`, `target port`, `host`, `cidr`, `trust-domain`,
    /// `cluster-domain`, `dns`, `istiod`, `cluster-cidrs`, `sidecar-scoping`, `network`, `issuer`,
    /// `jwks`.
    pub field: String,
    pub old: String,
    pub new: String,
}

impl Change {
    pub fn effect(&self) -> Effect {
        match self {
            Change::Access(c) => c.effect,
            Change::Mtls(c) => c.effect,
            Change::Route(c) => c.effect,
            Change::Scraper(c) => c.effect,
            Change::Identity(c) => c.effect,
        }
    }

    /// Sort order: by destination (namespace, then name) as meshward orders services,
    /// mesh-wide changes first and externals last; then kind, port, caller, widens before
    /// narrows, requests.
    pub(crate) fn sort_key(&self) -> impl Ord + '_ {
        let split = |to: &str| match (to.strip_prefix("external:"), to.split_once('.')) {
            (Some(name), _) => (2u8, String::new(), name.to_string()),
            (None, Some((name, ns))) => (1, ns.to_string(), name.to_string()),
            (None, None) => (0, String::new(), to.to_string()),
        };
        let none: &[String] = &[];
        match self {
            Change::Scraper(c) => (
                (0, String::new(), String::new()),
                0u8,
                "",
                c.from.as_str(),
                c.effect,
                none,
                none,
                "",
            ),
            Change::Access(c) => (
                split(&c.to),
                1,
                c.port.as_str(),
                c.from.as_str(),
                c.effect,
                c.methods.as_slice(),
                c.paths.as_slice(),
                c.source.as_str(),
            ),
            Change::Mtls(c) => (split(&c.to), 2, "", "", c.effect, none, none, ""),
            Change::Identity(c) => (
                split(&c.subject),
                4,
                c.field.as_str(),
                c.old.as_str(),
                c.effect,
                none,
                none,
                c.new.as_str(),
            ),
            Change::Route(c) => (
                split(&c.to),
                3,
                c.port.as_str(),
                c.field.as_str(),
                c.effect,
                none,
                none,
                "",
            ),
        }
    }
}

/// True when some change widens access: what `--exit-code` reports.
pub fn widens(changes: &[Change]) -> bool {
    changes.iter().any(|c| c.effect() == Effect::Widens)
}
