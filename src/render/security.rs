//! AuthorizationPolicy and PeerAuthentication, the L7 identity layer.
//!
//! One ALLOW rule per `allow` statement. Its HTTP rules become separate operations of that
//! rule's `to`, never one operation with every method and every path, which would admit
//! the cross product (`GET /a` and `POST /b` must not admit `POST /a`).

use super::istio::*;
use super::metadata::metadata;
use crate::ir::{Allow, Caller, Mtls, Service, Settings};

fn selector(service: &Service) -> Option<WorkloadSelector> {
    Some(WorkloadSelector {
        match_labels: service.identity.selector.clone(),
    })
}

/// Istio's "allow-nothing": an ALLOW policy with no rules, for every workload.
pub fn allow_nothing(namespace: &str) -> AuthorizationPolicy {
    AuthorizationPolicy {
        api_version: SECURITY_V1,
        kind: "AuthorizationPolicy",
        metadata: metadata("meshward.allow-nothing", namespace),
        spec: AuthorizationPolicySpec::default(),
    }
}

pub fn strict_default(namespace: &str) -> PeerAuthentication {
    PeerAuthentication {
        api_version: SECURITY_V1,
        kind: "PeerAuthentication",
        metadata: metadata("default", namespace),
        spec: PeerAuthenticationSpec {
            selector: None,
            mtls: MutualTls { mode: "STRICT" },
        },
    }
}

/// Only for `mtls permissive`; STRICT comes from the namespace default.
pub fn peer_authentication(service: &Service) -> Option<PeerAuthentication> {
    (service.mtls == Mtls::Permissive).then(|| PeerAuthentication {
        api_version: SECURITY_V1,
        kind: "PeerAuthentication",
        metadata: metadata(&format!("{}-mtls", service.name()), service.namespace()),
        spec: PeerAuthenticationSpec {
            selector: selector(service),
            mtls: MutualTls { mode: "PERMISSIVE" },
        },
    })
}

pub fn principal(trust_domain: &str, namespace: &str, account: &str) -> String {
    format!("{trust_domain}/ns/{namespace}/sa/{account}")
}

fn from(allow: &Allow, settings: &Settings) -> Vec<From> {
    if allow.callers.contains(&Caller::Anyone) {
        return Vec::new();
    }
    let mut principals = Vec::new();
    let mut namespaces = Vec::new();
    for caller in &allow.callers {
        match caller {
            Caller::Pods(identity) => principals.push(principal(
                &settings.trust_domain,
                &identity.namespace,
                &identity.account,
            )),
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

fn to(allow: &Allow, service: &Service) -> Vec<To> {
    let ports: Vec<String> = allow
        .ports
        .iter()
        .map(|&i| service.ports[i].target.to_string())
        .collect();
    if allow.rules.is_empty() {
        return vec![To {
            operation: Operation {
                ports,
                ..Operation::default()
            },
        }];
    }
    allow
        .rules
        .iter()
        .map(|rule| To {
            operation: Operation {
                ports: ports.clone(),
                methods: rule.methods.clone(),
                paths: rule.paths.clone(),
            },
        })
        .collect()
}

/// ALLOW policy for a service, when any `allow` names it.
pub fn authorization_policy(service: &Service, settings: &Settings) -> Option<AuthorizationPolicy> {
    let rules: Vec<AuthorizationRule> = service
        .allows
        .iter()
        .filter(|a| !a.ports.is_empty() && !a.callers.is_empty())
        .map(|allow| AuthorizationRule {
            from: from(allow, settings),
            to: to(allow, service),
        })
        .collect();
    (!rules.is_empty()).then(|| AuthorizationPolicy {
        api_version: SECURITY_V1,
        kind: "AuthorizationPolicy",
        metadata: metadata(service.name(), service.namespace()),
        spec: AuthorizationPolicySpec {
            selector: selector(service),
            action: Some("ALLOW"),
            rules,
        },
    })
}
