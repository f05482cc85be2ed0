//! L7: the AuthorizationPolicies allow exactly the requests the intents allow, probed
//! with requests derived from every rule, from every caller, strangers and plaintext.

use super::expected::Expected;
use super::probes::{ELSEWHERE, FOREIGN_TRUST_DOMAIN, STRANGER};
use super::report::{verdict, Report};
use crate::evaluate::{Decision, PodView, Request};
use crate::ir::{Caller, HttpRule, Service};
use std::collections::BTreeSet;

/// L7: requests derived from every rule, from every caller, a stranger and plaintext.
pub(crate) fn authorization(d: &Service, view: &PodView, expected: &Expected, report: &mut Report) {
    let td = &expected.mesh.settings.trust_domain;
    let mut principals: BTreeSet<Option<String>> =
        [None, Some(format!("{td}/ns/{ELSEWHERE}/sa/{STRANGER}"))].into();
    principals.insert(Some(format!("{td}/ns/{}/sa/{STRANGER}", d.namespace())));
    for allow in &d.allows {
        for caller in &allow.callers {
            match caller {
                Caller::Pods(i) => {
                    // The caller, a stranger beside it, and the caller from another trust domain.
                    principals.insert(Some(format!("{td}/ns/{}/sa/{}", i.namespace, i.account)));
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
    let principals: Vec<Option<&str>> = principals.iter().map(Option::as_deref).collect();
    for port in &d.ports {
        let rules: Vec<&HttpRule> = d
            .allows
            .iter()
            .filter(|a| a.ports.iter().any(|&p| d.ports[p].target == port.target))
            .flat_map(|a| a.rules.iter())
            .collect();
        let requests: (BTreeSet<&str>, BTreeSet<String>) = if port.protocol.is_http() {
            let mut methods: BTreeSet<&str> = ["GET", "DELETE"].into();
            methods.extend(
                rules
                    .iter()
                    .flat_map(|r| r.methods.iter().map(String::as_str)),
            );
            let mut paths: BTreeSet<String> =
                ["/".to_string(), "/meshward/probe".to_string()].into();
            for path in rules.iter().flat_map(|r| r.paths.iter()) {
                paths.extend(probe_paths(path));
            }
            (methods, paths)
        } else {
            (BTreeSet::new(), BTreeSet::new())
        };
        let requests: Vec<Option<(&str, &str)>> = if port.protocol.is_http() {
            let (methods, paths) = &requests;
            methods
                .iter()
                .flat_map(|&m| paths.iter().map(move |x| Some((m, x.as_str()))))
                .collect()
        } else {
            vec![None]
        };
        let want = expected.requests(d, port.target, &principals, &requests);
        let got = view.authorize_all(port.target, &principals, &requests);
        let grid = principals
            .iter()
            .flat_map(|p| requests.iter().map(move |r| (p, r)));
        for (((principal, http), want), got) in grid.zip(want).zip(got) {
            if want == got {
                continue;
            }
            // Disagreements are rare: only now build the request and ask for the reason.
            let mut req = match principal {
                Some(p) => Request::from_principal(p, port.target),
                None => Request::plaintext(port.target),
            };
            if let Some((m, x)) = http {
                req = req.http(m, x);
            }
            let decision = view.authorize(&req);
            let what = http.map_or("a TCP connection".to_string(), |(m, x)| format!("{m} {x}"));
            let who = principal.unwrap_or("a plaintext caller");
            report.push(format!(
                "L7 {what} to {}.{}:{} from {who}: intent {}, AuthorizationPolicy {} ({})",
                d.name(),
                d.namespace(),
                port.target,
                verdict(want),
                verdict(got),
                match &decision {
                    Decision::Allow(why) | Decision::Deny(why) => why,
                }
            ));
        }
    }
}

/// Paths just inside and just outside a pattern.
fn probe_paths(pattern: &str) -> Vec<String> {
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
