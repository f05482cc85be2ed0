//! A service's AuthorizationPolicies: ALLOW from its `allow` statements, DENY from its
//! `deny` statements, one policy each.
//!
//! One rule per statement, with `to.operation.ports` always set, so a rule never reaches a
//! port its statement does not name (a DENY without ports would refuse every port). The
//! statement's HTTP rules become separate operations of that rule's `to`, never one
//! operation with every method and every path, which would admit the cross product
//! (`GET /a` and `POST /b` must not admit `POST /a`). A rule with conditions becomes a
//! policy rule of its own, since `when` applies to a whole policy rule: a condition never
//! leaks onto its unconditioned neighbours.
//!
//! `jwt NAME` is written twice: `requestPrincipals: ["<issuer>/*"]` and a
//! `request.auth.claims[iss]` condition with the exact issuer. The prefix alone is not
//! enough: issuer `https://a.example` would also admit tokens of
//! `https://a.example/tenant`, whose principals start with it.

use super::istio::*;
use super::metadata::metadata;
use super::security::principal;
use crate::ir::{Allow, Caller, Condition as Cond, HttpRule, Service, Settings};

/// ALLOW policy for a service, when any `allow` names it.
pub fn authorization_policy(service: &Service, settings: &Settings) -> Option<AuthorizationPolicy> {
    policy(
        service,
        settings,
        &service.allows,
        "ALLOW",
        service.name().to_string(),
    )
}

/// DENY policy for a service, when it has a `deny`. Its name holds a dot, which no
/// service name does, so it never meets another service's ALLOW policy.
pub fn deny_policy(service: &Service, settings: &Settings) -> Option<AuthorizationPolicy> {
    policy(
        service,
        settings,
        &service.denies,
        "DENY",
        format!("{}.deny", service.name()),
    )
}

fn policy(
    service: &Service,
    settings: &Settings,
    statements: &[Allow],
    action: &'static str,
    name: String,
) -> Option<AuthorizationPolicy> {
    let rules: Vec<AuthorizationRule> = statements
        .iter()
        .filter(|a| !a.ports.is_empty() && !a.callers.is_empty())
        .flat_map(|a| rules(a, service, settings))
        .collect();
    (!rules.is_empty()).then(|| AuthorizationPolicy {
        api_version: SECURITY_V1,
        kind: "AuthorizationPolicy",
        metadata: metadata(&name, service.namespace()),
        spec: AuthorizationPolicySpec {
            selector: Some(WorkloadSelector {
                match_labels: service.identity.selector.clone(),
            }),
            action: Some(action),
            rules,
            ..AuthorizationPolicySpec::default()
        },
    })
}

/// The policy rules of one statement: one for its unconditioned HTTP rules (or for any
/// request), one per conditioned HTTP rule.
fn rules(statement: &Allow, service: &Service, settings: &Settings) -> Vec<AuthorizationRule> {
    let from = from(statement, settings);
    let ports: Vec<String> = statement
        .ports
        .iter()
        .map(|&i| service.ports[i].target.to_string())
        .collect();
    let operation = |rule: Option<&HttpRule>| To {
        operation: Operation {
            ports: ports.clone(),
            methods: rule.map(|r| r.methods.clone()).unwrap_or_default(),
            paths: rule.map(|r| r.paths.clone()).unwrap_or_default(),
        },
    };
    if statement.rules.is_empty() {
        return vec![AuthorizationRule {
            from,
            to: vec![operation(None)],
            when: Vec::new(),
        }];
    }
    let mut out = Vec::new();
    let plain: Vec<To> = statement
        .rules
        .iter()
        .filter(|r| r.conditions.is_empty())
        .map(|r| operation(Some(r)))
        .collect();
    if !plain.is_empty() {
        out.push(AuthorizationRule {
            from: from.clone(),
            to: plain,
            when: Vec::new(),
        });
    }
    for rule in statement.rules.iter().filter(|r| !r.conditions.is_empty()) {
        let (request_principals, when) = conditions(&rule.conditions);
        let mut from = from.clone();
        if !request_principals.is_empty() {
            if from.is_empty() {
                from.push(From {
                    source: Source::default(),
                });
            }
            // Sources OR; fields inside one AND: every source needs the token.
            for f in &mut from {
                f.source.request_principals = request_principals.clone();
            }
        }
        out.push(AuthorizationRule {
            from,
            to: vec![operation(Some(rule))],
            when,
        });
    }
    out
}

/// The request principals a rule's `jwt` asks for, and its `when` entries, in the order
/// written.
fn conditions(conditions: &[Cond]) -> (Vec<String>, Vec<Condition>) {
    let mut principals = Vec::new();
    let mut when = Vec::new();
    for c in conditions {
        match c {
            Cond::Header {
                name,
                negated,
                values,
            } => {
                let key = format!("request.headers[{name}]");
                when.push(if *negated {
                    Condition {
                        key,
                        not_values: values.clone(),
                        ..Condition::default()
                    }
                } else {
                    Condition {
                        key,
                        values: values.clone(),
                        ..Condition::default()
                    }
                });
            }
            Cond::Claim { name, values } => when.push(Condition {
                key: format!("request.auth.claims[{name}]"),
                values: values.clone(),
                ..Condition::default()
            }),
            Cond::Jwt(j) => {
                principals = vec![format!("{}/*", j.issuer)];
                when.push(Condition {
                    key: "request.auth.claims[iss]".into(),
                    values: vec![j.issuer.clone()],
                    ..Condition::default()
                });
            }
        }
    }
    (principals, when)
}

fn from(allow: &Allow, settings: &Settings) -> Vec<From> {
    if allow.callers.contains(&Caller::Anyone) {
        return Vec::new();
    }
    let mut principals = Vec::new();
    let mut namespaces = Vec::new();
    for caller in &allow.callers {
        match caller {
            // One principal per trust domain the caller's clusters issue it in.
            Caller::Pods(identity) => {
                for domain in settings.domains_of(identity) {
                    principals.push(principal(domain, &identity.namespace, &identity.account));
                }
            }
            Caller::Namespace(ns) => namespaces.push(ns.clone()),
            Caller::Anyone => {}
        }
    }
    principals.sort();
    principals.dedup();
    namespaces.sort();
    namespaces.dedup();
    // Separate sources OR; fields inside one source would AND.
    let mut out = Vec::new();
    if !principals.is_empty() {
        out.push(From {
            source: Source {
                principals,
                ..Source::default()
            },
        });
    }
    if !namespaces.is_empty() {
        out.push(From {
            source: Source {
                namespaces,
                ..Source::default()
            },
        });
    }
    out
}
