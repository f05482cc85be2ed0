//! `dry-run NS, ...`: which managed namespaces observe instead of enforcing.
//!
//! A namespace named here that holds no service is an error, not a warning: the likely
//! cause is a typo, and the namespace the user meant would then be enforced in full on
//! the next apply, the very big bang dry-run exists to avoid.

use super::index::Index;
use super::names;
use super::sink::Sink;
use crate::ast;
use crate::code::Code;
use crate::suggest;
use std::collections::{BTreeMap, BTreeSet};

/// The dry-run namespaces of WORDS (every `dry-run` line's, in order), each checked.
pub(crate) fn resolve(words: &[ast::Word], index: &Index, sink: &mut Sink) -> BTreeSet<String> {
    let managed: Vec<&str> = index.service_namespaces().collect();
    let mut seen: BTreeMap<&str, &ast::Word> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for w in words {
        if !sink.ok(
            Code::InvalidName,
            w.span,
            names::dns_label("namespace", &w.text),
        ) {
            continue;
        }
        if let Some(first) = seen.get(w.text.as_str()) {
            sink.error(
                Code::DuplicateSetting,
                w.span,
                format!("namespace `{}` is listed twice in `dry-run`", w.text),
            )
            .note(first.span, "first listed here");
            continue;
        }
        seen.insert(&w.text, w);
        if managed.binary_search(&w.text.as_str()).is_err() {
            let d = sink.error(
                Code::DryRunUnmanaged,
                w.span,
                format!(
                    "`dry-run` names namespace `{}`, where this tree declares no service",
                    w.text
                ),
            );
            match suggest::closest(&w.text, managed.iter().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(
                    "dry-run applies to namespaces where the tree declares services; remove the name or add the service",
                ),
            };
            continue;
        }
        out.insert(w.text.clone());
    }
    out
}
