//! The Markdown comment as meshward wrote it in Rust before it became the built-in
//! template, kept as the oracle the template must match byte for byte.

use super::change::{Change, EdgeStatus, Effect};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

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
pub(super) fn render_markdown(changes: &[Change]) -> String {
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
                    let mut what = if c.deny { format!("deny {what}") } else { what };
                    if !c.conditions.is_empty() {
                        let conditions: Vec<String> =
                            c.conditions.iter().map(|x| code(x)).collect();
                        what = format!("{what} when {}", conditions.join(" and "));
                    }
                    if c.dry_run {
                        what = format!(
                            "{what} ({})",
                            if c.effect == Effect::Widens {
                                "namespace enters dry-run"
                            } else {
                                "namespace leaves dry-run: enforced"
                            }
                        );
                    }
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
