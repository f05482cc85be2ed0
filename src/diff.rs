//! `meshward diff`: what a change to the intents does to access, for a reviewer.
//!
//! In: DIR in a git working tree and a revision REV. The intents at REV are read from git
//! objects (the working tree and index are never touched), both sides are compiled to an
//! [`ir::Mesh`], and the two models are compared at intent level:
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

use crate::diagnostic::{self, Diagnostic};
use crate::ir::{self, Mesh, Mtls, Service};
use crate::source::{FileId, SourceFile, SourceMap};
use clap::ValueEnum;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const EXIT_OK: u8 = 0;
const EXIT_WIDENS: u8 = 1;
const EXIT_ERROR: u8 = 2;
const EXIT_FAULT: u8 = 3;

/// `meshward diff DIR [--base REV] [--format text|markdown|json] [--exit-code]`
#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// Folder of `.intent` files, inside a git working tree.
    pub dir: PathBuf,
    /// The git revision to compare the working tree with (a branch, tag or commit).
    #[arg(long, default_value = "HEAD")]
    pub base: String,
    /// `text` for a terminal, `markdown` for a pull request comment, `json` for tools.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormat,
    /// Exit 1 when any change widens access (for a CI gate that asks for a review).
    #[arg(long)]
    pub exit_code: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Markdown,
    Json,
}

/// Run `meshward diff` on the process's stdout and stderr; returns the exit code.
pub fn run(args: &DiffArgs) -> u8 {
    execute(
        args,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    )
}

/// `meshward diff`, writing the changes to `out` and diagnostics to `err`. Exit code: 0;
/// 1 with `--exit-code` when something widens; 2 on errors in either side or in git; 3
/// when meshward's self-check fails on either side.
pub fn execute(args: &DiffArgs, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> u8 {
    let found = match changes(&args.dir, &args.base) {
        Ok(found) => found,
        Err(e) => {
            let _ = err.write_all(e.render(args.format).as_bytes());
            return if e.is_fault() { EXIT_FAULT } else { EXIT_ERROR };
        }
    };
    let text = match args.format {
        DiffFormat::Text => render_text(&found),
        DiffFormat::Markdown => render_markdown(&found),
        DiffFormat::Json => render_json(&found),
    };
    let _ = out.write_all(text.as_bytes());
    if args.exit_code && widens(&found) {
        EXIT_WIDENS
    } else {
        EXIT_OK
    }
}

// ---------------------------------------------------------------------------------------
// Changes

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
    access_changes(old, new, &mut out);
    mtls_changes(old, new, &mut out);
    route_changes(old, new, &mut out);
    scraper_changes(old, new, &mut out);
    identity_changes(old, new, &mut out);
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

// --- access ----------------------------------------------------------------------------

/// `(from, to, port)`.
type Edge = (String, String, String);

/// One allowed request shape on an edge; `None` is "any".
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    method: Option<String>,
    path: Option<String>,
}

/// Every grant of a model, with the `file:line` of the first `allow` that gives it.
fn flatten(model: Model<'_>) -> BTreeMap<Edge, BTreeMap<Grant, String>> {
    let mut edges: BTreeMap<Edge, BTreeMap<Grant, String>> = BTreeMap::new();
    for service in &model.mesh.services {
        let to = service_label(service);
        for allow in &service.allows {
            let location = model.sources.location(allow.span);
            let mut grants = Vec::new();
            if allow.rules.is_empty() {
                grants.push(Grant {
                    method: None,
                    path: None,
                });
            }
            for rule in &allow.rules {
                let methods: Vec<Option<String>> = if rule.methods.is_empty() {
                    vec![None]
                } else {
                    rule.methods.iter().cloned().map(Some).collect()
                };
                for method in &methods {
                    for path in &rule.paths {
                        grants.push(Grant {
                            method: method.clone(),
                            path: Some(path.clone()),
                        });
                    }
                }
            }
            for caller in &allow.callers {
                for &index in &allow.ports {
                    let Some(port) = service.ports.get(index) else {
                        continue;
                    };
                    let edge = (caller.label(), to.clone(), port.name.clone());
                    let entry = edges.entry(edge).or_default();
                    for grant in &grants {
                        entry
                            .entry(grant.clone())
                            .or_insert_with(|| location.clone());
                    }
                }
            }
        }
    }
    edges
}

enum Pattern<'a> {
    Exact(&'a str),
    /// `/a/*`: the text before the `*`.
    Prefix(&'a str),
    /// `*.png`: the text after the `*`.
    Suffix(&'a str),
}

fn pattern(path: &str) -> Pattern<'_> {
    if let Some(rest) = path.strip_prefix('*') {
        Pattern::Suffix(rest)
    } else if let Some(rest) = path.strip_suffix('*') {
        Pattern::Prefix(rest)
    } else {
        Pattern::Exact(path)
    }
}

/// Whether every path that `b` matches is matched by `a` (Istio's exact, prefix and
/// suffix matching; an HTTP path always starts with `/`, so `/*` matches every path).
fn path_covers(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (pattern(a), pattern(b)) {
        (Pattern::Prefix("/"), _) => true,
        (Pattern::Prefix(p), Pattern::Exact(x)) => x.starts_with(p),
        (Pattern::Prefix(p), Pattern::Prefix(q)) => q.starts_with(p),
        (Pattern::Suffix(s), Pattern::Exact(x)) => x.ends_with(s),
        (Pattern::Suffix(s), Pattern::Suffix(t)) => t.ends_with(s),
        _ => false,
    }
}

fn covers(a: &Grant, b: &Grant) -> bool {
    let method = a.method.is_none() || a.method == b.method;
    let path = match (&a.path, &b.path) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(p), Some(q)) => path_covers(p, q),
    };
    method && path
}

/// The grants of `these` that nothing in `other` covers, without those that another
/// grant of the result already covers (so `GET /a/b` is not listed beside `* /a/*`).
fn uncovered<'g>(
    these: &'g BTreeMap<Grant, String>,
    other: &BTreeMap<Grant, String>,
) -> Vec<(&'g Grant, &'g String)> {
    let fresh: Vec<(&Grant, &String)> = these
        .iter()
        .filter(|(g, _)| !other.keys().any(|o| covers(o, g)))
        .collect();
    fresh
        .iter()
        .filter(|(g, _)| !fresh.iter().any(|(h, _)| h != g && covers(h, g)))
        .copied()
        .collect()
}

fn access_changes(old: Model<'_>, new: Model<'_>, out: &mut Vec<Change>) {
    let before = flatten(old);
    let after = flatten(new);
    let empty = BTreeMap::new();
    let edges: BTreeSet<&Edge> = before.keys().chain(after.keys()).collect();
    for edge in edges {
        let was = before.get(edge).unwrap_or(&empty);
        let is = after.get(edge).unwrap_or(&empty);
        let status = match (was.is_empty(), is.is_empty()) {
            (true, _) => EdgeStatus::Added,
            (_, true) => EdgeStatus::Removed,
            _ => EdgeStatus::Changed,
        };
        for (effect, grants) in [
            (Effect::Widens, uncovered(is, was)),
            (Effect::Narrows, uncovered(was, is)),
        ] {
            rectangles(edge, effect, status, &grants, out);
        }
    }
}

/// Group grants by statement, then into `methods × paths` rectangles: one change each.
fn rectangles(
    edge: &Edge,
    effect: Effect,
    status: EdgeStatus,
    grants: &[(&Grant, &String)],
    out: &mut Vec<Change>,
) {
    type ByMethod = BTreeMap<Option<String>, BTreeSet<Option<String>>>;
    let mut by_source: BTreeMap<&String, ByMethod> = BTreeMap::new();
    for (grant, source) in grants {
        by_source
            .entry(source)
            .or_default()
            .entry(grant.method.clone())
            .or_default()
            .insert(grant.path.clone());
    }
    for (source, by_method) in by_source {
        let mut by_paths: BTreeMap<BTreeSet<Option<String>>, BTreeSet<Option<String>>> =
            BTreeMap::new();
        for (method, paths) in by_method {
            by_paths.entry(paths).or_default().insert(method);
        }
        for (paths, methods) in by_paths {
            out.push(Change::Access(AccessChange {
                effect,
                from: edge.0.clone(),
                to: edge.1.clone(),
                port: edge.2.clone(),
                methods: methods.into_iter().flatten().collect(),
                paths: paths.into_iter().flatten().collect(),
                source: source.clone(),
                edge: status,
            }));
        }
    }
}

// --- mtls, routes, scraper ------------------------------------------------------------

fn mtls_name(m: Mtls) -> &'static str {
    match m {
        Mtls::Strict => "strict",
        Mtls::Permissive => "permissive",
    }
}

fn mtls_changes(old: Model<'_>, new: Model<'_>, out: &mut Vec<Change>) {
    for service in &new.mesh.services {
        let before = find_service(old.mesh, service);
        let was = before.map(|s| s.mtls);
        let (effect, side, at) = match (was, service.mtls) {
            (Some(Mtls::Strict) | None, Mtls::Permissive) => (Effect::Widens, new, service),
            (Some(Mtls::Permissive), Mtls::Strict) => match before {
                Some(b) => (Effect::Narrows, old, b),
                None => continue,
            },
            _ => continue,
        };
        out.push(Change::Mtls(MtlsChange {
            effect,
            to: service_label(service),
            old: was.map(|m| mtls_name(m).to_string()),
            new: mtls_name(service.mtls).to_string(),
            source: statement_location(side.sources, at.span.file, &["mtls"])
                .unwrap_or_else(|| side.sources.location(at.span)),
        }));
    }
}

fn duration(ms: u64) -> String {
    if ms != 0 && ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms != 0 && ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// The three settings of a route as intent text, for comparison and display.
fn route_fields(route: Option<&ir::Route>) -> [(&'static str, Option<String>); 3] {
    let timeout = route.and_then(|r| r.timeout_ms).map(duration);
    let retries = route.and_then(|r| r.retries.as_ref()).map(|r| {
        let mut s = r.attempts.to_string();
        if let Some(ms) = r.per_try_ms {
            let _ = write!(s, " per-try {}", duration(ms));
        }
        if !r.on.is_empty() {
            let _ = write!(s, " on {}", r.on.join(", "));
        }
        s
    });
    let split = route.filter(|r| !r.split.is_empty()).map(|r| {
        r.split
            .iter()
            .map(|(subset, weight)| format!("{subset} {weight}"))
            .collect::<Vec<_>>()
            .join(", ")
    });
    [("timeout", timeout), ("retries", retries), ("split", split)]
}

fn route_changes(old: Model<'_>, new: Model<'_>, out: &mut Vec<Change>) {
    for service in &new.mesh.services {
        let Some(before) = find_service(old.mesh, service) else {
            continue;
        };
        let by_port = |s: &'_ Service| -> BTreeMap<String, ir::Route> {
            s.routes
                .iter()
                .filter_map(|r| Some((s.ports.get(r.port)?.name.clone(), r.clone())))
                .collect()
        };
        let was = by_port(before);
        let is = by_port(service);
        let ports: BTreeSet<&String> = was.keys().chain(is.keys()).collect();
        for port in ports {
            let (side, at) = if is.contains_key(port) {
                (new, service)
            } else {
                (old, before)
            };
            let source = statement_location(side.sources, at.span.file, &["route", port])
                .unwrap_or_else(|| side.sources.location(at.span));
            let pairs = route_fields(was.get(port))
                .into_iter()
                .zip(route_fields(is.get(port)));
            for ((field, old_value), (_, new_value)) in pairs {
                if old_value != new_value {
                    out.push(Change::Route(RouteChange {
                        effect: Effect::Neutral,
                        to: service_label(service),
                        port: port.clone(),
                        field: field.to_string(),
                        old: old_value,
                        new: new_value,
                        source: source.clone(),
                    }));
                }
            }
        }
    }
}

fn scraper_changes(old: Model<'_>, new: Model<'_>, out: &mut Vec<Change>) {
    let label = |m: &Mesh| {
        m.settings
            .scraper
            .as_ref()
            .map(|id| format!("{}.{}", id.name, id.namespace))
    };
    let (was, is) = (label(old.mesh), label(new.mesh));
    if was == is {
        return;
    }
    let find = |side: Model<'_>| {
        side.sources
            .files()
            .find_map(|(id, _)| statement_location(side.sources, id, &["scraper"]))
    };
    if let Some(from) = was {
        out.push(Change::Scraper(ScraperChange {
            effect: Effect::Narrows,
            from,
            source: find(old),
        }));
    }
    if let Some(from) = is {
        out.push(Change::Scraper(ScraperChange {
            effect: Effect::Widens,
            from,
            source: find(new),
        }));
    }
}

fn labels_text(labels: &crate::ir::Labels) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Selectors, accounts, target ports and mesh settings: changes that move what an
/// unchanged `allow` line admits.
fn identity_changes(old: Model<'_>, new: Model<'_>, out: &mut Vec<Change>) {
    let identities = |m: &Mesh| -> BTreeMap<String, crate::ir::Identity> {
        m.services
            .iter()
            .map(|s| &s.identity)
            .chain(m.workloads.iter().map(|w| &w.identity))
            .map(|i| (format!("{}.{}", i.name, i.namespace), i.clone()))
            .collect()
    };
    let mut push = |effect, subject: String, field: &str, old: String, new: String| {
        out.push(Change::Identity(IdentityChange {
            effect,
            subject,
            field: field.to_string(),
            old,
            new,
        }))
    };
    let before = identities(old.mesh);
    for (name, now) in identities(new.mesh) {
        let Some(was) = before.get(&name) else {
            continue;
        };
        if was.selector != now.selector {
            // More labels pick fewer pods; anything else may pick pods it did not.
            let narrower = was
                .selector
                .iter()
                .all(|(k, v)| now.selector.get(k) == Some(v));
            let effect = if narrower {
                Effect::Narrows
            } else {
                Effect::Widens
            };
            push(
                effect,
                name.clone(),
                "selector",
                labels_text(&was.selector),
                labels_text(&now.selector),
            );
        }
        if was.account != now.account {
            push(
                Effect::Widens,
                name.clone(),
                "account",
                was.account.clone(),
                now.account.clone(),
            );
        }
    }
    for service in &new.mesh.services {
        let Some(was) = find_service(old.mesh, service) else {
            continue;
        };
        for port in &service.ports {
            if let Some(p) = was.ports.iter().find(|p| p.name == port.name) {
                if p.target != port.target {
                    let subject = format!("{}:{}", service_label(service), port.name);
                    push(
                        Effect::Widens,
                        subject,
                        "target port",
                        p.target.to_string(),
                        port.target.to_string(),
                    );
                }
            }
        }
    }
    let (a, b) = (&old.mesh.settings, &new.mesh.settings);
    let group = |g: &crate::ir::PodGroup| format!("{} {}", g.namespace, labels_text(&g.selector));
    let settings = [
        (
            "trust-domain",
            a.trust_domain.clone(),
            b.trust_domain.clone(),
        ),
        (
            "cluster-domain",
            a.cluster_domain.clone(),
            b.cluster_domain.clone(),
        ),
        ("dns", group(&a.dns), group(&b.dns)),
        ("istiod", group(&a.istiod), group(&b.istiod)),
    ];
    for (field, was, now) in settings {
        if was != now {
            push(Effect::Widens, "mesh".to_string(), field, was, now);
        }
    }
}

/// `file:line` of the first statement in `file` whose leading words are `words`, outside
/// comments. The model keeps no span for `mtls`, `route` or `scraper`, so they are found
/// in the text; statements split over lines are not found (the caller falls back).
fn statement_location(sources: &SourceMap, file: FileId, words: &[&str]) -> Option<String> {
    let f = sources.get(file);
    let (last, _) = f.line_col(f.text.len());
    (1..=last).find_map(|line| {
        let code = f.line_text(line).split('#').next().unwrap_or("");
        let mut tokens = code
            .split(|c: char| c.is_whitespace() || c == '{' || c == '}')
            .filter(|t| !t.is_empty());
        words
            .iter()
            .all(|w| tokens.next() == Some(w))
            .then(|| format!("{}:{}", f.relative, line))
    })
}

// ---------------------------------------------------------------------------------------
// Reading both sides

/// Which side of the comparison a problem is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Side {
    /// The intents at the base revision (as the user wrote it), or git itself.
    Base(String),
    WorkingTree,
}

/// Errors of one side, with the sources their spans point into.
#[derive(Debug)]
pub struct Problem {
    pub side: Side,
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    /// Self-check faults: the compiler disagreed with its own output (a meshward bug).
    pub faults: Vec<String>,
}

/// Why no comparison could be made: errors in one or both sides, or in git.
#[derive(Debug)]
pub struct DiffError {
    pub problems: Vec<Problem>,
}

impl DiffError {
    /// Diagnostics as `check` and `build` print them, under a line naming the side; with
    /// `json`, one object per diagnostic with a `side` field (`base` or `working-tree`).
    pub fn render(&self, format: DiffFormat) -> String {
        let mut out = String::new();
        for problem in &self.problems {
            let (side, heading) = match &problem.side {
                Side::Base(rev) => (
                    "base",
                    format!("meshward: errors in the intents at `{rev}` (the base):"),
                ),
                Side::WorkingTree => (
                    "working-tree",
                    "meshward: errors in the working tree:".to_string(),
                ),
            };
            if format == DiffFormat::Json {
                for d in &problem.diagnostics {
                    let json = diagnostic::render_json(d, &problem.sources);
                    let line = match serde_json::from_str::<serde_json::Value>(&json) {
                        Ok(serde_json::Value::Object(mut map)) => {
                            map.insert("side".into(), side.into());
                            serde_json::Value::Object(map).to_string()
                        }
                        _ => json,
                    };
                    let _ = writeln!(out, "{line}");
                }
                for fault in &problem.faults {
                    let json =
                        serde_json::json!({"severity": "fault", "message": fault, "side": side});
                    let _ = writeln!(out, "{json}");
                }
                continue;
            }
            let _ = writeln!(out, "{heading}");
            for d in &problem.diagnostics {
                out.push_str(&diagnostic::render_text(d, &problem.sources));
            }
            for fault in &problem.faults {
                let _ = writeln!(
                    out,
                    "meshward: self-check failed (a bug in meshward; please report it): {fault}"
                );
            }
            if let Some(summary) = diagnostic::summary(&problem.diagnostics) {
                let _ = writeln!(out, "{summary}");
            }
        }
        out
    }

    /// True when meshward's self-check failed on a side: exit 3, not 2.
    pub fn is_fault(&self) -> bool {
        self.problems.iter().any(|p| !p.faults.is_empty())
    }
}

impl std::fmt::Display for DiffError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(DiffFormat::Text))
    }
}

impl std::error::Error for DiffError {}

/// The intent files under DIR as they are at a revision.
#[derive(Debug, Default)]
pub struct Revision {
    /// `(path relative to DIR with / separators, text)`, sorted.
    pub files: Vec<(String, String)>,
    /// DIR's path inside the repository, empty or ending in `/`.
    pub prefix: String,
    /// Files that exist but cannot be read as intents (not UTF-8, too large, a link out of
    /// the repository), named `REV:path`.
    pub errors: Vec<Diagnostic>,
}

/// Compare the intents under `dir` at git revision `base` with the working tree.
pub fn changes(dir: &Path, base: &str) -> Result<Vec<Change>, DiffError> {
    let current = settle(
        Side::WorkingTree,
        crate::compile_dir(dir),
        |s| s,
        Vec::new(),
    );
    let previous = match files_at(dir, base) {
        Err(message) => Err(Problem {
            side: Side::Base(base.to_string()),
            sources: SourceMap::default(),
            diagnostics: vec![Diagnostic::path_error(crate::code::Code::NoIntents, dir.to_string_lossy(), message)
                .with_help(
                    "`meshward diff` reads the base from git: DIR must be in a git repository that holds REV",
                )],
            faults: Vec::new(),
        }),
        Ok(revision) => settle(
            Side::Base(base.to_string()),
            crate::compile_texts(revision.files),
            |s| relabel(s, base, &revision.prefix),
            revision.errors,
        ),
    };
    match (previous, current) {
        (Ok((old_mesh, old_sources)), Ok((new_mesh, new_sources))) => Ok(compare(
            Model {
                mesh: &old_mesh,
                sources: &old_sources,
            },
            Model {
                mesh: &new_mesh,
                sources: &new_sources,
            },
        )),
        (previous, current) => Err(DiffError {
            problems: [previous.err(), current.err()]
                .into_iter()
                .flatten()
                .collect(),
        }),
    }
}

/// The model of one side, or what is wrong with it. `diagnostics` are problems found
/// before compiling (unreadable files); `relabel` renames the sources for display.
fn settle(
    side: Side,
    compiled: crate::Compiled,
    relabel: impl FnOnce(SourceMap) -> SourceMap,
    mut diagnostics: Vec<Diagnostic>,
) -> Result<(Mesh, SourceMap), Problem> {
    let clean = diagnostics.is_empty() && !compiled.has_errors();
    let faults: Vec<String> = compiled.faults.iter().map(ToString::to_string).collect();
    let sources = relabel(compiled.sources);
    match compiled.result {
        Some((mesh, _)) if clean => Ok((mesh, sources)),
        _ => {
            diagnostics.extend(compiled.diagnostics.into_iter().filter(|d| d.is_error()));
            if diagnostics.is_empty() && faults.is_empty() {
                diagnostics.push(Diagnostic::path_error(
                    crate::code::Code::Internal,
                    "meshward",
                    "internal error: the intents compiled to nothing",
                ));
            }
            Err(Problem {
                side,
                sources,
                diagnostics,
                faults,
            })
        }
    }
}

/// The same sources, displayed as `REV:path/in/repository` so that diagnostics of the base
/// side cannot be mistaken for the working tree's (and `git show` accepts the name).
fn relabel(sources: SourceMap, rev: &str, prefix: &str) -> SourceMap {
    let mut out = SourceMap::default();
    for (_, f) in sources.files() {
        out.add(SourceFile::new(
            format!("{rev}:{prefix}{}", f.relative),
            f.relative.clone(),
            f.text.clone(),
        ));
    }
    out
}

/// Read the `*.intent` files below `dir` at revision `rev` from git objects. A revision
/// where DIR does not exist gives no files. `Err` is a message about git or the revision.
pub fn files_at(dir: &Path, rev: &str) -> Result<Revision, String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let root = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    let prefix = git(dir, &["rev-parse", "--show-prefix"])?
        .trim_end_matches(['\n', '\r'])
        .to_string();
    let spec = format!("{rev}^{{commit}}");
    let commit = git(
        &root,
        &["rev-parse", "--verify", "--quiet", "--end-of-options", &spec],
    )
    .map_err(|_| {
        format!(
            "unknown revision `{rev}`; a shallow clone may lack it (fetch more history, e.g. `fetch-depth: 0`)"
        )
    })?
    .trim()
    .to_string();
    let mut args = vec![
        "--literal-pathspecs",
        "ls-tree",
        "-r",
        "-z",
        commit.as_str(),
    ];
    if !prefix.is_empty() {
        args.extend(["--", prefix.as_str()]);
    }
    let listing = git(&root, &args)?;
    let mut wanted = Vec::new();
    for entry in listing.split('\0').filter(|e| !e.is_empty()) {
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let kind = meta.split(' ').nth(1).unwrap_or("");
        let Some(relative) = path.strip_prefix(prefix.as_str()) else {
            continue;
        };
        // As the loader: `*.intent` files, nothing hidden, links followed to files only.
        let hidden = relative.split('/').any(|c| c.starts_with('.'));
        if kind == "blob" && !hidden && relative.ends_with(".intent") {
            wanted.push((relative.to_string(), path.to_string()));
        }
    }
    let mut revision = Revision {
        prefix: prefix.clone(),
        ..Revision::default()
    };
    let objects: Vec<String> = wanted
        .iter()
        .map(|(_, path)| format!("{commit}:{path}"))
        .collect();
    let blobs = cat_batch(&root, &objects)?;
    for ((relative, path), blob) in wanted.into_iter().zip(blobs) {
        let shown = format!("{rev}:{path}");
        let bytes = match blob {
            Blob::File(bytes) => bytes,
            Blob::NotFile => continue,
            Blob::Outside(target) => {
                revision.errors.push(
                    Diagnostic::path_error(
                        crate::code::Code::NoIntents,
                        &shown,
                        format!("symbolic link to `{target}`, outside the repository"),
                    )
                    .with_help("the base side can only read files that git holds"),
                );
                continue;
            }
        };
        if bytes.len() > crate::parse::MAX_FILE_BYTES {
            revision.errors.push(Diagnostic::path_error(
                crate::code::Code::FileTooLarge,
                &shown,
                format!(
                    "file is {} bytes; intent files are limited to {} bytes",
                    bytes.len(),
                    crate::parse::MAX_FILE_BYTES
                ),
            ));
            continue;
        }
        match String::from_utf8(bytes) {
            Ok(text) => revision.files.push((relative, text)),
            Err(e) => revision.errors.push(Diagnostic::path_error(
                crate::code::Code::NotUtf8,
                &shown,
                format!(
                    "file is not valid UTF-8: bad byte at offset {}",
                    e.utf8_error().valid_up_to()
                ),
            )),
        }
    }
    revision.files.sort();
    Ok(revision)
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr.trim();
        return Err(if message.is_empty() {
            format!("`git {}` failed", args.join(" "))
        } else {
            message.to_string()
        });
    }
    String::from_utf8(output.stdout)
        .map_err(|_| format!("`git {}`: output is not UTF-8", args.join(" ")))
}

enum Blob {
    File(Vec<u8>),
    /// A folder, a dangling or looping link, or nothing: the loader would skip it too.
    NotFile,
    /// A link that leaves the repository.
    Outside(String),
}

/// Read `REV:path` objects through one `git cat-file --batch --follow-symlinks`.
fn cat_batch(root: &Path, objects: &[String]) -> Result<Vec<Blob>, String> {
    if objects.is_empty() {
        return Ok(Vec::new());
    }
    if objects.iter().any(|o| o.contains('\n')) {
        return Err("an intent file's path contains a line break".to_string());
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["cat-file", "--batch", "--follow-symlinks"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let input: String = objects.iter().map(|o| format!("{o}\n")).collect();
    let mut stdin = child.stdin.take().ok_or("cannot write to git")?;
    // Write from another thread: git answers while it reads, and a full pipe would block.
    let writer =
        std::thread::spawn(move || std::io::Write::write_all(&mut stdin, input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("git cat-file: {e}"))?;
    let _ = writer.join();
    if !output.status.success() {
        return Err(format!(
            "git cat-file: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let data = output.stdout;
    let mut at = 0;
    let mut blobs = Vec::with_capacity(objects.len());
    let broken = || "git cat-file: unexpected output".to_string();
    for _ in objects {
        let end = data[at..]
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(broken)?
            + at;
        let header = String::from_utf8_lossy(&data[at..end]).into_owned();
        at = end + 1;
        let fields: Vec<&str> = header.split(' ').collect();
        let body = |at: &mut usize, size: &str| -> Result<Vec<u8>, String> {
            let size: usize = size.parse().map_err(|_| broken())?;
            let bytes = data.get(*at..*at + size).ok_or_else(broken)?.to_vec();
            *at += size + 1;
            Ok(bytes)
        };
        let blob = match fields.as_slice() {
            [_, "blob", size] => Blob::File(body(&mut at, size)?),
            [_, _, size] => {
                body(&mut at, size)?;
                Blob::NotFile
            }
            ["symlink", size] => {
                let target = body(&mut at, size)?;
                Blob::Outside(String::from_utf8_lossy(&target).into_owned())
            }
            ["dangling" | "loop" | "notdir", size] => {
                body(&mut at, size)?;
                Blob::NotFile
            }
            [.., "missing"] => Blob::NotFile,
            _ => return Err(format!("git cat-file: {header}")),
        };
        blobs.push(blob);
    }
    Ok(blobs)
}

// ---------------------------------------------------------------------------------------
// Rendering

/// `{"changes": [...]}`, pretty-printed, with a final newline.
pub fn render_json(changes: &[Change]) -> String {
    #[derive(Serialize)]
    struct Out<'a> {
        changes: &'a [Change],
    }
    let mut text = serde_json::to_string_pretty(&Out { changes }).unwrap_or_default();
    text.push('\n');
    text
}

fn sign(effect: Effect) -> char {
    match effect {
        Effect::Widens => '+',
        Effect::Narrows => '-',
        Effect::Neutral => '~',
    }
}

/// `GET|POST /a, /b` as in an intent file; `*` for any method; `all traffic` for no rules.
fn requests(methods: &[String], paths: &[String]) -> String {
    if methods.is_empty() && paths.is_empty() {
        return "all traffic".to_string();
    }
    let methods = if methods.is_empty() {
        "*".to_string()
    } else {
        methods.join("|")
    };
    format!("{methods} {}", paths.join(", "))
}

fn or_none(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("(none)")
}

/// One line per change for a terminal: `+` widens, `-` narrows, `~` neither.
pub fn render_text(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no access changes\n".to_string();
    }
    let mut out = String::new();
    for change in changes {
        let s = sign(change.effect());
        let _ = match change {
            Change::Access(c) => writeln!(
                out,
                "{s} {} -> {}:{} {}  ({})",
                c.from,
                c.to,
                c.port,
                requests(&c.methods, &c.paths),
                c.source
            ),
            Change::Mtls(c) => match &c.old {
                Some(old) => writeln!(out, "{s} mtls {}: {old} -> {}  ({})", c.to, c.new, c.source),
                None => writeln!(
                    out,
                    "{s} mtls {}: {} (new service)  ({})",
                    c.to, c.new, c.source
                ),
            },
            Change::Route(c) => writeln!(
                out,
                "{s} route {}:{} {}: {} -> {}  ({})",
                c.to,
                c.port,
                c.field,
                or_none(&c.old),
                or_none(&c.new),
                c.source
            ),
            Change::Identity(c) => {
                writeln!(out, "{s} {} {}: {} -> {}", c.subject, c.field, c.old, c.new)
            }
            Change::Scraper(c) => writeln!(
                out,
                "{s} scraper {} (sidecar metrics 15020, 15090 of every service){}",
                c.from,
                c.source
                    .as_ref()
                    .map(|s| format!("  ({s})"))
                    .unwrap_or_default()
            ),
        };
    }
    out
}

/// Escape what a Markdown table cell cannot hold.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn code(text: &str) -> String {
    format!("`{}`", cell(text))
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}")
}

/// A pull request comment: a summary line, a table (widening first) and a Mermaid chart
/// of the caller→service edges that changed (solid: more access, dashed: less).
pub fn render_markdown(changes: &[Change]) -> String {
    let mut out = String::from("### meshward: access changes\n\n");
    let count = |e: Effect| changes.iter().filter(|c| c.effect() == e).count();
    let (widening, narrowing, neutral) = (
        count(Effect::Widens),
        count(Effect::Narrows),
        count(Effect::Neutral),
    );
    if changes.is_empty() {
        out.push_str("No access changes.\n");
        return out;
    }
    let _ = write!(
        out,
        "**{}, {}**",
        plural(widening, "widening"),
        plural(narrowing, "narrowing")
    );
    if neutral > 0 {
        let _ = write!(out, ", {neutral} other (routes)");
    }
    out.push_str("\n\n| effect | from | to | port | change | source |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- |\n");
    for effect in [Effect::Widens, Effect::Narrows, Effect::Neutral] {
        for change in changes.iter().filter(|c| c.effect() == effect) {
            let shown = match effect {
                Effect::Widens => "**widens**",
                Effect::Narrows => "narrows",
                Effect::Neutral => "neutral",
            };
            let (from, to, port, what, source) = match change {
                Change::Access(c) => {
                    let what = if c.methods.is_empty() && c.paths.is_empty() {
                        "all traffic".to_string()
                    } else {
                        let methods = if c.methods.is_empty() {
                            "any method".to_string()
                        } else {
                            c.methods.join(", ")
                        };
                        let paths: Vec<String> = c.paths.iter().map(|p| code(p)).collect();
                        format!("{methods} {}", paths.join(", "))
                    };
                    (
                        code(&c.from),
                        code(&c.to),
                        code(&c.port),
                        what,
                        code(&c.source),
                    )
                }
                Change::Mtls(c) => {
                    let what = match &c.old {
                        Some(old) => format!("mTLS {} → {}", code(old), code(&c.new)),
                        None => format!("mTLS {} (new service)", code(&c.new)),
                    };
                    (
                        String::new(),
                        code(&c.to),
                        String::new(),
                        what,
                        code(&c.source),
                    )
                }
                Change::Route(c) => {
                    let what = format!(
                        "route {}: {} → {}",
                        c.field,
                        c.old
                            .as_deref()
                            .map(code)
                            .unwrap_or_else(|| "(none)".into()),
                        c.new
                            .as_deref()
                            .map(code)
                            .unwrap_or_else(|| "(none)".into())
                    );
                    (
                        String::new(),
                        code(&c.to),
                        code(&c.port),
                        what,
                        code(&c.source),
                    )
                }
                Change::Identity(c) => (
                    String::new(),
                    code(&c.subject),
                    String::new(),
                    format!("{} {} → {}", c.field, code(&c.old), code(&c.new)),
                    String::new(),
                ),
                Change::Scraper(c) => (
                    code(&c.from),
                    "every service".to_string(),
                    "15020, 15090".to_string(),
                    "scraper (sidecar metrics)".to_string(),
                    c.source.as_deref().map(code).unwrap_or_default(),
                ),
            };
            let _ = writeln!(
                out,
                "| {shown} | {from} | {to} | {port} | {what} | {source} |"
            );
        }
    }
    let chart = mermaid_edges(changes);
    if !chart.is_empty() {
        out.push_str("\n```mermaid\n");
        out.push_str(&chart);
        out.push_str("```\n");
    }
    out
}

/// The changed access edges as a Mermaid flowchart; empty when no access changed.
fn mermaid_edges(changes: &[Change]) -> String {
    let mut edges: BTreeSet<(&str, &str, &str, Effect, EdgeStatus)> = BTreeSet::new();
    for change in changes {
        if let Change::Access(c) = change {
            edges.insert((&c.from, &c.to, &c.port, c.effect, c.edge));
        }
    }
    if edges.is_empty() {
        return String::new();
    }
    let nodes: BTreeSet<&str> = edges.iter().flat_map(|e| [e.0, e.1]).collect();
    let id: BTreeMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut out = String::from("flowchart LR\n");
    for (node, i) in &id {
        let _ = writeln!(out, "  n{i}[\"{}\"]", node.replace('"', "#quot;"));
    }
    for (from, to, port, effect, status) in &edges {
        let arrow = if *effect == Effect::Widens {
            "-->"
        } else {
            "-.->"
        };
        let label = match (status, effect) {
            (EdgeStatus::Changed, Effect::Widens) => format!("{port}: more requests"),
            (EdgeStatus::Changed, _) => format!("{port}: fewer requests"),
            _ => port.to_string(),
        };
        let _ = writeln!(out, "  n{} {arrow}|\"{label}\"| n{}", id[from], id[to]);
    }
    out
}
