//! The namespace's allow-nothing default, PeerAuthentication and RequestAuthentication:
//! the identity layer around the AuthorizationPolicies of `authorization.rs`.

use super::istio::*;
use super::metadata::metadata;
use crate::ir::{Mtls, Service};

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

/// The token issuers a service's rules name, so that its proxy validates their tokens
/// and refuses any other issuer's (401) before authorization.
pub fn request_authentication(service: &Service) -> Option<RequestAuthentication> {
    let issuers = service.token_issuers();
    (!issuers.is_empty()).then(|| RequestAuthentication {
        api_version: SECURITY_V1,
        kind: "RequestAuthentication",
        metadata: metadata(service.name(), service.namespace()),
        spec: RequestAuthenticationSpec {
            selector: selector(service),
            target_refs: Vec::new(),
            jwt_rules: issuers
                .into_iter()
                .map(|j| JwtRule {
                    issuer: j.issuer.clone(),
                    jwks_uri: j.jwks.clone(),
                })
                .collect(),
        },
    })
}
