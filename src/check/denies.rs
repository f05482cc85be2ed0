//! `deny` statements against the allows of their service: one identical to an allow is an
//! error (it cancels the allow and says so twice), and three lints catch denies that do
//! not do what they look like: one a plain-text caller escapes, one that removes nothing,
//! and allows that denies leave nothing of.
//!
//! The lints only fire when sure. Overlap is judged on callers, ports, methods and paths;
//! conditions are ignored there, so a deny whose conditions happen to exclude every
//! allowed request is not reported as removing nothing.

use super::sink::Sink;
use crate::code::Code;
use crate::ir::{path_covers, Allow, Caller, Condition, HttpRule, Mtls, Service};

/// E0809: a deny with the callers, ports and rules of an allow. SINK holds the service's
/// own diagnostics so far: after an error in its allows or denies, a statement may have
/// resolved without the caller or rules it was written with (an empty rule block resolves
/// to none, which is any request), and comparing it would report a clash that is not
/// there.
pub(crate) fn identical(service: &Service, sink: &mut Sink) {
    if sink.errors() > 0 {
        return;
    }
    for deny in &service.denies {
        let rules: Vec<HttpRule> = deny.rules.iter().map(normal).collect();
        let same = |a: &&Allow| {
            a.ports == deny.ports
                && same_set(&a.callers, &deny.callers)
                && same_set(&a.rules.iter().map(normal).collect::<Vec<_>>(), &rules)
        };
        if let Some(allow) = service.allows.iter().find(same) {
            sink.error(
                Code::DenyEqualsAllow,
                deny.span,
                "this `deny` refuses exactly what an `allow` of the service admits",
            )
            .help("remove the `allow` to refuse these requests; keep the `deny` only if a broader `allow` admits them too")
            .note(allow.span, "the `allow`");
        }
    }
}

/// RULE with its methods, paths, conditions and condition values sorted, so that two
/// rules that differ only in the order they are written compare equal.
fn normal(rule: &HttpRule) -> HttpRule {
    let mut r = rule.clone();
    r.methods.sort();
    r.paths.sort();
    for c in &mut r.conditions {
        if let Condition::Header { values, .. } | Condition::Claim { values, .. } = c {
            values.sort();
        }
    }
    r.conditions.sort();
    r
}

fn same_set<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x)) && b.iter().all(|x| a.contains(x))
}

/// W0009, W0010, W0011 for one service.
pub(crate) fn lint(service: &Service, sink: &mut Sink) {
    for deny in &service.denies {
        // Plain text carries no identity: only an `allow` of `anyone` admits it, and then
        // a `deny` by identity cannot refuse it.
        let plain_text = (service.mtls == Mtls::Permissive)
            .then(|| {
                service.allows.iter().find(|a| {
                    a.callers.contains(&Caller::Anyone)
                        && a.ports.iter().any(|p| deny.ports.contains(p))
                        && rules_overlap(&deny.rules, &a.rules)
                })
            })
            .flatten();
        let named = deny
            .callers
            .iter()
            .zip(&deny.caller_spans)
            .find(|(c, _)| **c != Caller::Anyone);
        if let (Some(allow), Some((caller, span))) = (plain_text, named) {
            let caller = caller_text(caller);
            sink.warning(
                Code::DenyOnPermissive,
                *span,
                format!(
                    "`{}` is `mtls permissive` and admits `anyone`, so `{caller}` calling in plain text, without identity, escapes this `deny`",
                    service.name(),
                ),
            )
            .help(format!(
                "write `mtls strict` once every caller has a sidecar; until then this `deny` refuses `{caller}` over mTLS only"
            ))
            .note(allow.span, "the `allow` that admits plain text");
        }
        let overlaps = service.allows.iter().any(|a| {
            a.ports.iter().any(|p| deny.ports.contains(p))
                && a.callers
                    .iter()
                    .any(|c| deny.callers.iter().any(|d| callers_overlap(d, c)))
                && rules_overlap(&deny.rules, &a.rules)
        });
        if !overlaps {
            sink.warning(
                Code::DenyRemovesNothing,
                deny.span,
                format!(
                    "this `deny` removes nothing: no `allow` of `{}` admits these callers on these ports and paths",
                    service.name()
                ),
            )
            .help("everything is denied unless allowed; remove the `deny`, or check its callers, ports and paths");
        }
    }
    for allow in &service.allows {
        if !allow.callers.is_empty() && !allow.ports.is_empty() && dead(allow, &service.denies) {
            let d = sink.warning(
                Code::AllowDenied,
                allow.span,
                "this `allow` admits nothing: `deny` statements refuse every request it grants",
            );
            d.help("remove the `allow`, or narrow the `deny` that covers it");
            for deny in service.denies.iter().filter(|x| covers_some(x, allow)) {
                d.note(deny.span, "a `deny` that covers it");
            }
        }
    }
}

fn caller_text(caller: &Caller) -> String {
    match caller {
        Caller::Anyone => "anyone".into(),
        Caller::Namespace(ns) => format!("namespace {ns}"),
        Caller::Pods(i) => format!("{} in {}", i.name, i.namespace),
    }
}

/// Whether some pod can be both callers.
fn callers_overlap(a: &Caller, b: &Caller) -> bool {
    match (a, b) {
        (Caller::Anyone, _) | (_, Caller::Anyone) => true,
        (Caller::Namespace(x), Caller::Namespace(y)) => x == y,
        (Caller::Namespace(x), Caller::Pods(i)) | (Caller::Pods(i), Caller::Namespace(x)) => {
            i.namespace == *x
        }
        (Caller::Pods(i), Caller::Pods(j)) => i.namespace == j.namespace && i.name == j.name,
    }
}

/// Whether every caller B admits is one DENY names. `anyone` also admits plain text,
/// which only `anyone` denies.
fn caller_covers(deny: &Caller, b: &Caller) -> bool {
    match (deny, b) {
        (Caller::Anyone, _) => true,
        (Caller::Namespace(x), Caller::Namespace(y)) => x == y,
        (Caller::Namespace(x), Caller::Pods(i)) => i.namespace == *x,
        (Caller::Pods(i), Caller::Pods(j)) => i.namespace == j.namespace && i.name == j.name,
        _ => false,
    }
}

/// Whether some request matches a rule of each list (an empty list is any request).
fn rules_overlap(deny: &[HttpRule], allow: &[HttpRule]) -> bool {
    deny.is_empty()
        || allow.is_empty()
        || deny.iter().any(|d| {
            allow.iter().any(|a| {
                methods_overlap(&d.methods, &a.methods)
                    && d.paths
                        .iter()
                        .any(|x| a.paths.iter().any(|y| paths_overlap(x, y)))
            })
        })
}

fn methods_overlap(a: &[String], b: &[String]) -> bool {
    a.is_empty() || b.is_empty() || a.iter().any(|m| b.contains(m))
}

/// Whether some path matches both patterns (exact, `/a/*` prefix, `*.png` suffix).
fn paths_overlap(a: &str, b: &str) -> bool {
    let prefix = |p: &str| {
        p.strip_suffix('*')
            .filter(|_| p.starts_with('/'))
            .map(str::to_owned)
    };
    let suffix = |p: &str| p.strip_prefix('*').map(str::to_owned);
    match ((prefix(a), suffix(a)), (prefix(b), suffix(b))) {
        ((None, None), _) => path_covers(b, a),
        (_, (None, None)) => path_covers(a, b),
        ((Some(x), _), (Some(y), _)) => x.starts_with(&y) || y.starts_with(&x),
        ((_, Some(x)), (_, Some(y))) => x.ends_with(&y) || y.ends_with(&x),
        // A prefix and a suffix: the prefix, any middle, then the suffix.
        _ => true,
    }
}

/// Whether every path pattern ALLOWED matches is matched by DENY.
fn path_subsumes(deny: &str, allowed: &str) -> bool {
    let allowed_prefix = allowed
        .strip_suffix('*')
        .filter(|_| allowed.starts_with('/'));
    let allowed_suffix = allowed.strip_prefix('*');
    if let Some(p) = deny.strip_suffix('*').filter(|_| deny.starts_with('/')) {
        match (allowed_prefix, allowed_suffix) {
            (Some(q), _) => q.starts_with(p),
            (_, Some(_)) => false,
            _ => allowed.starts_with(p),
        }
    } else if let Some(s) = deny.strip_prefix('*') {
        match (allowed_prefix, allowed_suffix) {
            (_, Some(t)) => t.ends_with(s),
            (Some(_), _) => false,
            _ => allowed.ends_with(s),
        }
    } else {
        allowed_prefix.is_none() && allowed_suffix.is_none() && deny == allowed
    }
}

/// Whether an unconditioned DENY rule matches every request ALLOWED matches.
fn rule_subsumes(deny: &HttpRule, allowed: &HttpRule) -> bool {
    deny.conditions.is_empty()
        && (deny.methods.is_empty()
            || (!allowed.methods.is_empty()
                && allowed.methods.iter().all(|m| deny.methods.contains(m))))
        && allowed
            .paths
            .iter()
            .all(|x| deny.paths.iter().any(|y| path_subsumes(y, x)))
}

/// Whether DENY refuses some caller of ALLOW on some of its ports, for some of its
/// requests: the denies a W0011 points at.
fn covers_some(deny: &Allow, allow: &Allow) -> bool {
    allow.ports.iter().any(|p| deny.ports.contains(p))
        && allow
            .callers
            .iter()
            .any(|c| deny.callers.iter().any(|x| caller_covers(x, c)))
        && rules_overlap(&deny.rules, &allow.rules)
}

/// Whether DENIES refuse every (caller, port, rule) ALLOW admits.
fn dead(allow: &Allow, denies: &[Allow]) -> bool {
    allow.callers.iter().all(|c| {
        allow.ports.iter().all(|p| {
            let covering: Vec<&Allow> = denies
                .iter()
                .filter(|d| d.ports.contains(p) && d.callers.iter().any(|x| caller_covers(x, c)))
                .collect();
            if covering.iter().any(|d| d.rules.is_empty()) {
                return true;
            }
            !allow.rules.is_empty()
                && allow.rules.iter().all(|r| {
                    covering
                        .iter()
                        .any(|d| d.rules.iter().any(|x| rule_subsumes(x, r)))
                })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::{path_subsumes, paths_overlap};

    #[test]
    fn overlap_and_subsumption_of_paths() {
        assert!(paths_overlap("/admin/*", "/admin/users"));
        assert!(paths_overlap("/a/*", "/a/b/*"));
        assert!(paths_overlap("/a/*", "*.png"));
        assert!(paths_overlap("*.png", "*g"));
        assert!(!paths_overlap("/a/*", "/b/*"));
        assert!(!paths_overlap("/a", "/b"));
        assert!(!paths_overlap("*.png", "/a"));
        assert!(path_subsumes("/a/*", "/a/b/*"));
        assert!(path_subsumes("/a/*", "/a/b"));
        assert!(!path_subsumes("/a/b/*", "/a/*"));
        assert!(path_subsumes("*.png", "/x.png"));
        assert!(path_subsumes("*g", "*.png"));
        assert!(!path_subsumes("*.png", "/a/*"));
        assert!(!path_subsumes("/a", "/a/*"));
    }
}
