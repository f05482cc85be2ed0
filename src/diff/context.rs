//! What a `diff` template sees: the changes exactly as the JSON output lists them, plus
//! what a pull request comment wants without recomputing it in template code (counts by
//! effect, whether anything widens, the base revision, and the changed caller→service
//! edges with node ids for a chart). docs/cli.md documents every field; a field renamed
//! here breaks users' templates, so this struct is part of the CLI contract.

use super::change::{Change, EdgeStatus, Effect};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The template context: every top-level name a template may use.
#[derive(Clone, Debug, Serialize)]
pub struct Context<'a> {
    /// The changes in the order of `--format json`, each with exactly its JSON fields:
    /// serialised by the same `Serialize` as that output, so the two cannot drift.
    pub changes: &'a [Change],
    /// How many changes widen, narrow, or neither.
    pub counts: Counts,
    /// True when some change widens: what `--exit-code` exits 1 on.
    pub widens: bool,
    /// The base revision as given with `--base` (`HEAD`, `origin/main`); null when the
    /// caller did not say.
    pub base: Option<&'a str>,
    /// The folder of intents as given on the command line; null when the caller did not
    /// say.
    pub dir: Option<String>,
    /// The callers and destinations of the changed access edges, sorted by name.
    pub nodes: Vec<Node<'a>>,
    /// The changed access edges, one per caller, destination, port, effect and status.
    pub edges: Vec<Edge<'a>>,
}

/// The number of changes of each effect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub widens: usize,
    pub narrows: usize,
    pub neutral: usize,
}

/// One end of a changed access edge, with an id that chart syntaxes accept as a node
/// name (`n0`, `n1`, ...) whatever the name holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Node<'a> {
    pub id: String,
    pub name: &'a str,
}

/// A caller→destination:port edge whose access changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edge<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub port: &'a str,
    /// The ids of `from` and `to` in `nodes`.
    pub from_id: String,
    pub to_id: String,
    pub effect: Effect,
    /// `added` (the edge is new), `removed` (it is gone) or `changed` (it is on both
    /// sides, with more or fewer requests).
    pub status: &'static str,
}

impl<'a> Context<'a> {
    /// The context of `changes`, with no base revision or folder named.
    pub fn new(changes: &'a [Change]) -> Context<'a> {
        let count = |e: Effect| changes.iter().filter(|c| c.effect() == e).count();
        let (nodes, edges) = chart(changes);
        Context {
            changes,
            counts: Counts {
                widens: count(Effect::Widens),
                narrows: count(Effect::Narrows),
                neutral: count(Effect::Neutral),
            },
            widens: super::change::widens(changes),
            base: None,
            dir: None,
            nodes,
            edges,
        }
    }

    /// The same context, naming the base revision and the folder that were compared.
    pub fn compared(mut self, base: &'a str, dir: &std::path::Path) -> Context<'a> {
        self.base = Some(base);
        self.dir = Some(dir.to_string_lossy().into_owned());
        self
    }
}

/// The changed access edges, deduplicated and sorted (caller, destination, port, effect,
/// status), and the nodes they join with their ids.
fn chart(changes: &[Change]) -> (Vec<Node<'_>>, Vec<Edge<'_>>) {
    let mut found: BTreeSet<(&str, &str, &str, Effect, EdgeStatus)> = BTreeSet::new();
    for change in changes {
        if let Change::Access(c) = change {
            found.insert((&c.from, &c.to, &c.port, c.effect, c.edge));
        }
    }
    let names: BTreeSet<&str> = found.iter().flat_map(|e| [e.0, e.1]).collect();
    let ids: BTreeMap<&str, String> = names
        .iter()
        .enumerate()
        .map(|(i, name)| (*name, format!("n{i}")))
        .collect();
    let id = |name: &str| ids.get(name).cloned().unwrap_or_default();
    let nodes = ids
        .iter()
        .map(|(name, id)| Node {
            id: id.clone(),
            name,
        })
        .collect();
    let edges = found
        .iter()
        .map(|&(from, to, port, effect, status)| Edge {
            from,
            to,
            port,
            from_id: id(from),
            to_id: id(to),
            effect,
            status: match status {
                EdgeStatus::Added => "added",
                EdgeStatus::Removed => "removed",
                EdgeStatus::Changed => "changed",
            },
        })
        .collect();
    (nodes, edges)
}
