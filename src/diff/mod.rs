//! `meshward diff`: what a change to the intents does to access, for a reviewer.
//!
//! In: DIR in a git working tree and a revision REV. The intents at REV are read from git
//! objects (the working tree and index are never touched), both sides are compiled to an
//! [`crate::ir::Mesh`], and the two models are compared at intent level:
//!
//! - **access**: each side is flattened to grants `(from, to, port, method, path)`, where a
//!   missing method or path means "any". A grant of one side that no grant of the other
//!   side covers is a change: `widens` when it is new, `narrows` when it was taken away.
//!   Coverage follows the path semantics of the language (`/a/*` covers `/a/b` and
//!   `/a/b/*`, `*.png` covers `/x.png`, `/*` covers every path, an absent method covers
//!   every method), so going from rules to none widens, and from none to rules narrows.
//!   Callers are compared as written (`frontend.web`, `namespace:web`, `anyone`): a caller
//!   that another caller's grant happens to include is still its own caller.
//! - **mtls**: `strict` to `permissive` widens (plain text is accepted), the reverse
//!   narrows. A new service that starts `permissive` widens too.
//! - **route**: timeout, retries and split of services present on both sides; `neutral`.
//! - **scraper**: the mesh's scraper appearing widens, going away narrows.
//!
//! Out: a sorted list of [`Change`]s, rendered as terminal text, a Markdown pull request
//! comment (summary, table, Mermaid chart of changed edges) or the JSON of the CLI contract.
//!
//! The work is split by noun: `access` compares grants, `settings` the mTLS, route,
//! scraper and identity settings, `git` reads the base revision, `side` compiles
//! both sides (or says what is wrong with them), `render` prints the changes.

mod access;
mod git;
mod render;
mod settings;
mod side;

pub use git::{files_at, Revision};
pub use render::{render_json, render_markdown, render_text};
pub use side::{changes, DiffError, Side, SideErrors};

use crate::diagnostic::Format as ErrorFormat;
use crate::exit::Exit;
use crate::ir::{Mesh, Service};
use crate::source::SourceMap;
use serde::Serialize;
use std::path::PathBuf;

/// What `meshward diff` compares, and how it answers.
#[derive(Clone, Debug)]
pub struct Options {
    /// Folder of `.intent` files, inside a git working tree.
    pub dir: PathBuf,
    /// The git revision to compare the working tree with (a branch, tag or commit).
    pub base: String,
    pub format: Format,
    /// Exit 1 when any change widens access (for a CI gate that asks for a review).
    pub exit_code: bool,
}

/// `text` for a terminal, `markdown` for a pull request comment, `json` for tools.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

impl Format {
    /// How errors are printed under this format: JSON for `json`, text otherwise.
    fn errors(self) -> ErrorFormat {
        match self {
            Format::Json => ErrorFormat::Json,
            Format::Text | Format::Markdown => ErrorFormat::Text,
        }
    }
}

/// `meshward diff`, writing the changes to `out` and errors to `err`: [`Exit::Ok`];
/// [`Exit::Widens`] with `exit_code` when something widens; [`Exit::Input`] on errors in
/// either side or in git; [`Exit::Fault`] when meshward's self-check fails on either side.
pub fn execute(
    options: &Options,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> Exit {
    let found = match changes(&options.dir, &options.base) {
        Ok(found) => found,
        Err(e) => {
            let _ = err.write_all(e.render(options.format).as_bytes());
            return if e.is_fault() {
                Exit::Fault
            } else {
                Exit::Input
            };
        }
    };
    let text = match options.format {
        Format::Text => render_text(&found),
        Format::Markdown => render_markdown(&found),
        Format::Json => render_json(&found),
    };
    let _ = out.write_all(text.as_bytes());
    if options.exit_code && widens(&found) {
        Exit::Widens
    } else {
        Exit::Ok
    }
}

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

/// `from` may now (widens) or no longer (narrows) send `methods` × `paths` to `to:port`;
/// an empty list means any. Every method pairs with every path of the change: rules that
/// do not form such a rectangle are split into several changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessChange {
    pub effect: Effect,
    /// `frontend.web`, `namespace:monitoring` or `anyone`.
    pub from: String,
    /// `orders.shop`.
    pub to: String,
    pub port: String,
    pub methods: Vec<String>,
    pub paths: Vec<String>,
    /// `file:line` of the `allow` statement: the new side for widens, the old for narrows.
    pub source: String,
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
    /// `timeout`, `retries` or `split`.
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
    /// `gw.edge`, `orders.shop:http`, or `mesh`.
    pub subject: String,
    /// `selector`, `account`, `target port`, `trust-domain`, `cluster-domain`, `dns`,
    /// `istiod`.
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
    /// mesh-wide changes first; then kind, port, caller, widens before narrows, requests.
    fn sort_key(&self) -> impl Ord + '_ {
        let split = |to: &str| match to.split_once('.') {
            Some((name, ns)) => (ns.to_string(), name.to_string()),
            None => (String::new(), to.to_string()),
        };
        let none: &[String] = &[];
        match self {
            Change::Scraper(c) => (
                (String::new(), String::new()),
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

/// A compiled side of the comparison: the model and the sources its spans point into.
#[derive(Clone, Copy)]
pub struct Model<'a> {
    pub mesh: &'a Mesh,
    pub sources: &'a SourceMap,
}

/// Every change from `old` to `new`, sorted.
pub fn compare(old: Model<'_>, new: Model<'_>) -> Vec<Change> {
    let mut out = Vec::new();
    access::access_changes(old, new, &mut out);
    settings::mtls_changes(old, new, &mut out);
    settings::route_changes(old, new, &mut out);
    settings::scraper_changes(old, new, &mut out);
    settings::identity_changes(old, new, &mut out);
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out.dedup();
    out
}

fn service_label(s: &Service) -> String {
    format!("{}.{}", s.name(), s.namespace())
}

fn find_service<'m>(mesh: &'m Mesh, like: &Service) -> Option<&'m Service> {
    mesh.services
        .iter()
        .find(|s| s.name() == like.name() && s.namespace() == like.namespace())
}
