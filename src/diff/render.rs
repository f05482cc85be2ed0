//! The changes as text: one line each for a terminal, the contract's JSON, or the
//! Markdown pull request comment, which is the built-in template (`template`).

use super::change::{Change, Effect};
use super::context::Context;
use super::template::Template;
use serde::Serialize;
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

/// ` when A and B`, or nothing.
fn when(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!(" when {}", conditions.join(" and "))
    }
}

fn or_none(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("(none)")
}

/// One line per change for a terminal: `+` widens, `-` narrows, `~` neither. A change of
/// a `deny` says `deny` before the requests it refuses.
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
                "{s} {} -> {}:{} {}{}{}{}  ({})",
                c.from,
                c.to,
                c.port,
                if c.deny { "deny " } else { "" },
                requests(&c.methods, &c.paths),
                when(&c.conditions),
                match (c.dry_run, c.effect) {
                    (false, _) => "",
                    (true, Effect::Widens) => " (namespace enters dry-run)",
                    (true, _) => " (namespace leaves dry-run: enforced)",
                },
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

/// A pull request comment: a summary line, a table (widening first) and a Mermaid chart
/// of the caller→service edges that changed (solid: more access, dashed: less), rendered
/// by the built-in template. Should that template ever fail (a meshward bug, which the
/// unit tests rule out for every kind of change), the text is the error.
pub fn render_markdown(changes: &[Change]) -> String {
    Template::builtin()
        .render(&Context::new(changes))
        .unwrap_or_else(|e| e.to_string())
}
