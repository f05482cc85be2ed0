//! The objects Istio's ambient mode needs beyond the sidecar build's (`dataplane ambient`).
//!
//! A namespace with a `waypoint` gets its Gateway (class `istio-waypoint`, one HBONE
//! listener), an allow-nothing policy bound to that Gateway, so the waypoint refuses what
//! no service's policy admits, and the NetworkPolicy of the waypoint's pods. Each service
//! there keeps its AuthorizationPolicies and RequestAuthentication, bound with
//! `targetRefs` to its Service so that the waypoint, which sees the caller's identity and
//! the request, enforces them; a `selector` policy would be read by ztunnel, which drops
//! HTTP fields. ztunnel at the service's pods then sees the waypoint's identity, not the
//! caller's, so `<service>.ztunnel` admits exactly that identity on the service's ports,
//! plus the scraper (it scrapes pod addresses, which skip the waypoint) and, on a
//! `mtls permissive` port open to `anyone` without rules, any source.
//!
//! Routes stay VirtualService and DestinationRule, which waypoints apply (Alpha in Istio
//! 1.30): Gateway API's HTTPRoute has no retries in its v1.6 standard channel.

use super::istio::*;
use super::metadata::metadata;
use super::security::principal;
use crate::compile::SCRAPE_PORTS;
use crate::ir::{Caller, Mtls, Service, Settings, Waypoint};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use std::collections::BTreeMap;

pub const GATEWAY_V1: &str = "gateway.networking.k8s.io/v1";
/// The GatewayClass whose Gateways Istio deploys as waypoints.
pub const WAYPOINT_CLASS: &str = "istio-waypoint";
/// Which traffic a waypoint takes: `service` (addressed to a Service) is Istio's default,
/// written out so that the object says what it does.
pub const WAYPOINT_FOR: &str = "istio.io/waypoint-for";
/// The name of the policy that makes a waypoint deny by default.
pub const WAYPOINT_ALLOW_NOTHING: &str = "meshward.waypoint-allow-nothing";
/// The name of the NetworkPolicy of a namespace's waypoint pods.
pub const WAYPOINT_POLICY: &str = "meshward.waypoint";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Gateway {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: GatewaySpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    pub gateway_class_name: &'static str,
    pub listeners: Vec<Listener>,
}

#[derive(Debug, Serialize)]
pub struct Listener {
    pub name: &'static str,
    pub port: u16,
    pub protocol: &'static str,
}

/// The waypoint's Gateway: Istio deploys its pods and names their account after it.
pub fn gateway(waypoint: &Waypoint) -> Gateway {
    let mut meta = metadata(&waypoint.name, waypoint.namespace());
    meta.labels
        .get_or_insert_with(BTreeMap::new)
        .insert(WAYPOINT_FOR.to_string(), "service".to_string());
    Gateway {
        api_version: GATEWAY_V1,
        kind: "Gateway",
        metadata: meta,
        spec: GatewaySpec {
            gateway_class_name: WAYPOINT_CLASS,
            listeners: vec![Listener {
                name: "mesh",
                port: crate::compile::HBONE_PORT,
                protocol: "HBONE",
            }],
        },
    }
}

fn gateway_ref(waypoint: &Waypoint) -> TargetRef {
    TargetRef {
        group: "gateway.networking.k8s.io",
        kind: "Gateway",
        name: waypoint.name.clone(),
    }
}

/// The target of a service's own policies at its waypoint: its Kubernetes Service.
pub fn service_ref(service: &Service) -> TargetRef {
    TargetRef {
        group: "",
        kind: "Service",
        name: service.name().to_string(),
    }
}

/// An ALLOW policy without rules bound to the waypoint: it admits nothing, so the
/// waypoint passes on only what some service's own ALLOW policy admits.
pub fn allow_nothing(waypoint: &Waypoint) -> AuthorizationPolicy {
    AuthorizationPolicy {
        api_version: SECURITY_V1,
        kind: "AuthorizationPolicy",
        metadata: metadata(WAYPOINT_ALLOW_NOTHING, waypoint.namespace()),
        spec: AuthorizationPolicySpec {
            target_refs: vec![gateway_ref(waypoint)],
            ..AuthorizationPolicySpec::default()
        },
    }
}

/// Rebind a selector policy to SERVICE's waypoint.
pub fn at_waypoint(mut policy: AuthorizationPolicy, service: &Service) -> AuthorizationPolicy {
    policy.spec.selector = None;
    policy.spec.target_refs = vec![service_ref(service)];
    policy
}

/// Rebind a RequestAuthentication to SERVICE's waypoint, which validates the tokens the
/// waypoint's policies read.
pub fn authentication_at_waypoint(
    mut authentication: RequestAuthentication,
    service: &Service,
) -> RequestAuthentication {
    authentication.spec.selector = None;
    authentication.spec.target_refs = vec![service_ref(service)];
    authentication
}

/// `<service>.ztunnel`: what ztunnel at SERVICE's pods admits beyond its own selector
/// policies: WAYPOINT's identity when one serves it, and the scraper (ztunnel captures the
/// metrics ports a sidecar would leave alone). None when that is nothing.
pub fn ztunnel_policy(
    service: &Service,
    waypoint: Option<&Waypoint>,
    settings: &Settings,
) -> Option<AuthorizationPolicy> {
    let ports = |indices: &mut dyn Iterator<Item = usize>| -> Vec<String> {
        let mut ports: Vec<u16> = indices
            .filter_map(|i| service.ports.get(i))
            .map(|p| p.target)
            .collect();
        ports.sort_unstable();
        ports.dedup();
        ports.iter().map(u16::to_string).collect()
    };
    let rule = |principals: Vec<String>, ports: Vec<String>| AuthorizationRule {
        from: if principals.is_empty() {
            Vec::new()
        } else {
            vec![From {
                source: Source {
                    principals,
                    ..Source::default()
                },
            }]
        },
        to: vec![To {
            operation: Operation {
                ports,
                ..Operation::default()
            },
        }],
        when: Vec::new(),
    };
    let mut rules = Vec::new();
    let called = ports(&mut service.allows.iter().flat_map(|a| a.ports.iter().copied()));
    if let (Some(w), false) = (waypoint, called.is_empty()) {
        rules.push(rule(vec![w.principal(&settings.trust_domain)], called));
    }
    if let Some(scraper) = &settings.scraper {
        let scrape = SCRAPE_PORTS.iter().map(u16::to_string).collect();
        let who = principal(&settings.trust_domain, &scraper.namespace, &scraper.account);
        rules.push(rule(vec![who], scrape));
    }
    // Without a waypoint, the service's own selector policy already admits them.
    if service.mtls == Mtls::Permissive && waypoint.is_some() {
        // Plain text never passes a waypoint; the checks allow only ports it may use whole.
        let open = ports(
            &mut service
                .allows
                .iter()
                .filter(|a| a.callers.contains(&Caller::Anyone) && a.rules.is_empty())
                .flat_map(|a| a.ports.iter().copied()),
        );
        if !open.is_empty() {
            rules.push(rule(Vec::new(), open));
        }
    }
    (!rules.is_empty()).then(|| AuthorizationPolicy {
        api_version: SECURITY_V1,
        kind: "AuthorizationPolicy",
        metadata: metadata(&format!("{}.ztunnel", service.name()), service.namespace()),
        spec: AuthorizationPolicySpec {
            selector: Some(WorkloadSelector {
                match_labels: service.identity.selector.clone(),
            }),
            action: Some("ALLOW"),
            rules,
            ..AuthorizationPolicySpec::default()
        },
    })
}
