//! The changes as text: one line each for a terminal, a Markdown pull request comment
//! with a Mermaid chart of the changed edges, or the contract's JSON.

use super::change::{Change, EdgeStatus, Effect};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

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
        let _ = write!(out, ", {neutral} other (routes, settings)");
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
