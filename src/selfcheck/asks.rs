//! What the L7 checks ask about: the peers and the requests derived from a service's
//! allows and denies.

use super::probes::{ELSEWHERE, FOREIGN_TRUST_DOMAIN, STRANGER};
use crate::check::METHODS;
use crate::ir::{Caller, HttpRule, Port, Service, Settings};
use std::collections::BTreeSet;

/// The peers to ask about: plain text, strangers, and every caller an `allow` or a
/// `deny` names, with a stranger beside it and the same account in another trust domain.
pub(crate) fn principals(d: &Service, settings: &Settings) -> BTreeSet<Option<String>> {
    let td = settings.trust_domain.as_str();
    // In a mesh of several clusters, every caller is also asked in every cluster's trust
    // domain: its principal where it runs, an impostor's where it does not.
    let domains: BTreeSet<&str> = settings
        .clusters
        .iter()
        .map(|c| c.trust_domain.as_str())
        .chain([td])
        .collect();
    let mut principals: BTreeSet<Option<String>> =
        [None, Some(format!("{td}/ns/{ELSEWHERE}/sa/{STRANGER}"))].into();
    principals.insert(Some(format!("{td}/ns/{}/sa/{STRANGER}", d.namespace())));
    for statement in d.allows.iter().chain(&d.denies) {
        for caller in &statement.callers {
            match caller {
                Caller::Pods(i) => {
                    for td in &domains {
                        principals
                            .insert(Some(format!("{td}/ns/{}/sa/{}", i.namespace, i.account)));
                    }
                    principals.insert(Some(format!("{td}/ns/{}/sa/{STRANGER}", i.namespace)));
                    principals.insert(Some(format!(
                        "{FOREIGN_TRUST_DOMAIN}/ns/{}/sa/{}",
                        i.namespace, i.account
                    )));
                }
                Caller::Namespace(ns) => {
                    principals.insert(Some(format!("{td}/ns/{ns}/sa/{STRANGER}")));
                }
                Caller::Anyone => {}
            }
        }
    }
    principals
}

/// The requests to ask about on PORT: on an HTTP port every method and path the rules of
/// allows and denies name, with paths just inside and outside each; `None` (a TCP
/// connection) otherwise.
pub(crate) fn requests(d: &Service, port: &Port) -> Vec<Option<(&'static str, String)>> {
    if !port.protocol.is_http() {
        return vec![None];
    }
    let rules: Vec<&HttpRule> = d
        .allows
        .iter()
        .chain(&d.denies)
        .filter(|a| a.ports.iter().any(|&p| d.ports[p].target == port.target))
        .flat_map(|a| a.rules.iter())
        .collect();
    let mut methods: BTreeSet<&'static str> = ["GET", "DELETE"].into();
    for m in rules.iter().flat_map(|r| r.methods.iter()) {
        // Rules hold only the language's methods: take the table's static spelling.
        if let Some(known) = METHODS.iter().find(|k| *k == m) {
            methods.insert(known);
        }
    }
    let mut paths: BTreeSet<String> = ["/".to_string(), "/meshward/probe".to_string()].into();
    for path in rules.iter().flat_map(|r| r.paths.iter()) {
        paths.extend(probe_paths(path));
    }
    methods
        .iter()
        .flat_map(|&m| paths.iter().map(move |x| Some((m, x.clone()))))
        .collect()
}

/// A path PATTERN matches: the first of [`probe_paths`].
pub(crate) fn inside(pattern: &str) -> String {
    probe_paths(pattern).swap_remove(0)
}

/// Paths just inside and just outside a pattern; the first is inside.
pub(crate) fn probe_paths(pattern: &str) -> Vec<String> {
    if let Some(prefix) = pattern.strip_suffix('*') {
        vec![
            format!("{prefix}probe"),
            prefix.trim_end_matches('/').to_string() + "x",
        ]
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        vec![format!("/probe{suffix}"), format!("/probe{suffix}x")]
    } else {
        vec![
            pattern.to_string(),
            format!("{pattern}x"),
            format!("{pattern}/x"),
        ]
    }
}
