//! Access changes: each side flattened to grants `(from, to, port, method, path)`, the
//! grants of one side that nothing on the other covers, grouped into `methods × paths`
//! rectangles so that one change never claims a combination nobody allowed.

use super::change::{AccessChange, Change, EdgeStatus, Effect};
use super::model::{service_label, Model};
use crate::ir::{Allow, Port};
use std::collections::{BTreeMap, BTreeSet};

/// `(from, to, port)`.
type Edge = (String, String, String);

/// One allowed request shape on an edge; `None` is "any".
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Grant {
    method: Option<String>,
    path: Option<String>,
}

/// Every grant of a model, with the `file:line` of the first `allow` that gives it: on
/// services (`orders.shop`), on workloads that are destinations (`vault.vault`) and on
/// externals (`external:stripe`).
fn flatten(model: Model<'_>) -> BTreeMap<Edge, BTreeMap<Grant, String>> {
    let mut edges: BTreeMap<Edge, BTreeMap<Grant, String>> = BTreeMap::new();
    let mesh = model.mesh;
    let destinations = mesh
        .services
        .iter()
        .map(|s| (service_label(s), &s.allows, &s.ports))
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
            let Some(port) = ports.get(index) else {
                continue;
            };
            let edge = (caller.label(), to.to_string(), port.name.clone());
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

pub(crate) fn access_changes(old: Model<'_>, new: Model<'_>, out: &mut Vec<Change>) {
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
