//! Access changes: each side flattened to grants `(from, to, port, method, path,
//! conditions)`, the grants of one side that nothing on the other covers, grouped into
//! `methods × paths` rectangles so that one change never claims a combination nobody
//! allowed. A grant with more conditions admits less, so adding a condition narrows and
//! removing one widens. Denies are flattened the same way on their own, with the effects
//! turned round: what a deny newly refuses narrows, what it no longer refuses widens.

use super::change::{AccessChange, Change, EdgeStatus, Effect};
use super::model::{service_label, Model};
use crate::ir::{Allow, Caller, Identity, Mesh, Port};
use std::collections::{BTreeMap, BTreeSet};

/// `(from, to, port)`.
type Edge = (String, String, String);

/// One allowed request shape on an edge; `None` is "any".
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    method: Option<String>,
    path: Option<String>,
    /// Condition texts, sorted; all must hold.
    conditions: Vec<String>,
}

/// Every grant of a model, with the `file:line` of the first `allow` that gives it: on
/// services (`orders.shop`), on workloads that are destinations (`vault.vault`) and on
/// externals (`external:stripe`).
fn flatten(model: Model<'_>) -> BTreeMap<Edge, BTreeMap<Grant, String>> {
    let mut edges: BTreeMap<Edge, BTreeMap<Grant, String>> = BTreeMap::new();
    let mesh = model.mesh;
    // In a mesh of several clusters a service is called where it runs: one destination
    // per cluster (`orders.shop@east`), so that running it in one more cluster widens.
    let destinations = mesh
        .services
        .iter()
        .flat_map(|s| {
            placed(mesh, &s.identity)
                .into_iter()
                .map(move |at| (format!("{}{at}", service_label(s)), &s.allows, &s.ports))
        })
        .chain(mesh.workloads.iter().map(|w| {
            (
                format!("{}.{}", w.identity.name, w.identity.namespace),
                &w.allows,
                &w.ports,
            )
        }))
        .chain(
            mesh.externals
                .iter()
                .map(|e| (format!("external:{}", e.name), &e.allows, &e.ports)),
        );
    for (to, allows, ports) in destinations {
        for allow in allows {
            add_allow(&mut edges, model, &to, allow, ports);
        }
    }
    edges
}

/// Every request a `deny` refuses, with the `file:line` of the first deny that does.
fn flatten_denies(model: Model<'_>) -> BTreeMap<Edge, BTreeMap<Grant, String>> {
    let mut edges = BTreeMap::new();
    for service in &model.mesh.services {
        for at in placed(model.mesh, &service.identity) {
            let to = format!("{}{at}", service_label(service));
            for deny in &service.denies {
                add_allow(&mut edges, model, &to, deny, &service.ports);
            }
        }
    }
    edges
}

/// `@CLUSTER` for each cluster IDENTITY runs in, in a mesh of several; one empty suffix
/// in a mesh of one.
fn placed(mesh: &Mesh, identity: &Identity) -> Vec<String> {
    if mesh.settings.clusters.is_empty() {
        return vec![String::new()];
    }
    mesh.settings
        .clusters_of(identity)
        .map(|c| format!("@{}", c.name))
        .collect()
}

/// The grants of one `allow` statement on destination TO.
fn add_allow(
    edges: &mut BTreeMap<Edge, BTreeMap<Grant, String>>,
    model: Model<'_>,
    to: &str,
    allow: &Allow,
    ports: &[Port],
) {
    let location = model.sources.location(allow.span);
    let mut grants = Vec::new();
    if allow.rules.is_empty() {
        grants.push(Grant {
            method: None,
            path: None,
            conditions: Vec::new(),
        });
    }
    for rule in &allow.rules {
        let mut conditions: Vec<String> = rule.conditions.iter().map(|c| c.text()).collect();
        conditions.sort();
        conditions.dedup();
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
                    conditions: conditions.clone(),
                });
            }
        }
    }
    // A caller's pods in each cluster they run in are callers of their own, as a
    // destination's are: running a caller in one more cluster widens.
    let labels: Vec<String> = allow
        .callers
        .iter()
        .flat_map(|caller| match caller {
            Caller::Pods(i) => placed(model.mesh, i)
                .into_iter()
                .map(|at| format!("{}{at}", caller.label()))
                .collect(),
            _ => vec![caller.label()],
        })
        .collect();
    for label in &labels {
        for &index in &allow.ports {
            let Some(port) = ports.get(index) else {
                continue;
            };
            let edge = (label.clone(), to.to_string(), port.name.clone());
            let entry = edges.entry(edge).or_default();
            for grant in &grants {
                entry
                    .entry(grant.clone())
                    .or_insert_with(|| location.clone());
            }
        }
    }
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

/// Whether A admits every request B admits: a method and path at least as wide, and no
/// condition B does not also ask for.
fn covers(a: &Grant, b: &Grant) -> bool {
    let method = a.method.is_none() || a.method == b.method;
    let path = match (&a.path, &b.path) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(p), Some(q)) => path_covers(p, q),
    };
    method && path && a.conditions.iter().all(|c| b.conditions.contains(c))
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

pub(crate) fn access_changes(old: Model<'_>, new: Model<'_>, out: &mut Vec<Change>) {
    let (before, after) = (flatten(old), flatten(new));
    compare(&before, &after, false, out);
    // A deny change matters where the side it acts on grants something to its callers on
    // that port: a new deny narrows what the old allows granted, a removed one widens what
    // the new allows grant. A deny that comes with its (new) service narrows nothing.
    let mut denies = Vec::new();
    compare(
        &flatten_denies(old),
        &flatten_denies(new),
        true,
        &mut denies,
    );
    out.extend(denies.into_iter().filter(|change| {
        let Change::Access(c) = change else {
            return true;
        };
        let allows = if c.effect == Effect::Narrows {
            &before
        } else {
            &after
        };
        allows
            .keys()
            .any(|(from, to, port)| *to == c.to && *port == c.port && callers_meet(from, &c.from))
    }));
}

/// Whether two caller labels (`anyone`, `namespace:NS`, `NAME.NS`) can be one pod.
fn callers_meet(a: &str, b: &str) -> bool {
    let namespace = |label: &str| match label.strip_prefix("namespace:") {
        Some(ns) => Some(ns.to_string()),
        None => label.rsplit_once('.').map(|(_, ns)| ns.to_string()),
    };
    match (a, b) {
        ("anyone", _) | (_, "anyone") => true,
        _ if a == b => true,
        _ if a.starts_with("namespace:") || b.starts_with("namespace:") => {
            namespace(a) == namespace(b)
        }
        _ => false,
    }
}

/// What BEFORE and AFTER grant (or, with DENY, refuse) differently.
fn compare(
    before: &BTreeMap<Edge, BTreeMap<Grant, String>>,
    after: &BTreeMap<Edge, BTreeMap<Grant, String>>,
    deny: bool,
    out: &mut Vec<Change>,
) {
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
        let (more, fewer) = if deny {
            (Effect::Narrows, Effect::Widens)
        } else {
            (Effect::Widens, Effect::Narrows)
        };
        for (effect, grants) in [(more, uncovered(is, was)), (fewer, uncovered(was, is))] {
            rectangles(edge, effect, status, deny, &grants, out);
        }
    }
}

/// Group grants by statement, then into `methods × paths` rectangles: one change each.
fn rectangles(
    edge: &Edge,
    effect: Effect,
    status: EdgeStatus,
    deny: bool,
    grants: &[(&Grant, &String)],
    out: &mut Vec<Change>,
) {
    type ByMethod = BTreeMap<Option<String>, BTreeSet<Option<String>>>;
    let mut by_source: BTreeMap<(&String, &Vec<String>), ByMethod> = BTreeMap::new();
    for (grant, source) in grants {
        by_source
            .entry((source, &grant.conditions))
            .or_default()
            .entry(grant.method.clone())
            .or_default()
            .insert(grant.path.clone());
    }
    for ((source, conditions), by_method) in by_source {
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
                conditions: conditions.clone(),
                deny,
                dry_run: false,
                edge: status,
            }));
        }
    }
}
