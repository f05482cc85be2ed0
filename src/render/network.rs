//! NetworkPolicy, the L4 layer, through k8s-openapi's types.
//!
//! A peer in the policy's own namespace is a bare podSelector; in another namespace it is
//! one element holding both a namespaceSelector and a podSelector, so they AND. `anyone`
//! is a rule without `from`. An empty selector is written only for "every pod of this
//! namespace", where it is meant.

use super::metadata::metadata;
use crate::compile::{Outside, Peer, Rule, ServiceTables, L4};
use crate::ir::{Labels, Service};
use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

/// The label every namespace carries with its own name (Kubernetes 1.21 and later).
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

fn selector(labels: &Labels) -> LabelSelector {
    LabelSelector {
        match_labels: Some(labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        ..LabelSelector::default()
    }
}

/// `{}`: every pod of the namespace.
fn everything() -> LabelSelector {
    LabelSelector::default()
}

fn namespace_selector(namespace: &str) -> LabelSelector {
    LabelSelector {
        match_labels: Some(BTreeMap::from([(
            NAMESPACE_NAME_LABEL.to_string(),
            namespace.to_string(),
        )])),
        ..LabelSelector::default()
    }
}

fn ip_block(cidr: String, except: Vec<String>) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        ip_block: Some(IPBlock {
            cidr,
            except: (!except.is_empty()).then_some(except),
        }),
        ..NetworkPolicyPeer::default()
    }
}

/// Peers of a rule, seen from a policy in `home`; `None` means any peer.
fn peers(rule: &Rule, home: &str, outside: &Outside) -> Option<Vec<NetworkPolicyPeer>> {
    if rule.peers.contains(&Peer::Anywhere) {
        return None;
    }
    Some(
        rule.peers
            .iter()
            .flat_map(|p| peer(p, home, outside))
            .collect(),
    )
}

/// One compiled peer as NetworkPolicy peers (none for `Anywhere`, which `peers` handles).
fn peer(peer: &Peer, home: &str, outside: &Outside) -> Vec<NetworkPolicyPeer> {
    match peer {
        Peer::Pods(group) if group.namespace == home => vec![NetworkPolicyPeer {
            pod_selector: Some(selector(group.selector)),
            ..NetworkPolicyPeer::default()
        }],
        Peer::Pods(group) => vec![NetworkPolicyPeer {
            namespace_selector: Some(namespace_selector(group.namespace)),
            pod_selector: Some(selector(group.selector)),
            ..NetworkPolicyPeer::default()
        }],
        Peer::Namespace(ns) => vec![NetworkPolicyPeer {
            namespace_selector: Some(namespace_selector(ns)),
            ..NetworkPolicyPeer::default()
        }],
        Peer::Anywhere => Vec::new(),
        Peer::Block(cidr) => vec![ip_block(cidr.to_string(), Vec::new())],
        // Hosts by name are compiled only under `network cilium`; NetworkPolicy cannot
        // name a host, so here they would mean every outside address, as for a `host`
        // external (never a peer dropped, which could leave `to` empty: every destination).
        Peer::Hosts(_) => outside
            .peers()
            .iter()
            .flat_map(|p| self::peer(p, home, outside))
            .collect(),
        Peer::Outside(family) => vec![ip_block(
            family.everything().to_string(),
            outside
                .of(*family)
                .iter()
                .map(ToString::to_string)
                .collect(),
        )],
    }
}

fn ports(rule: &Rule) -> Option<Vec<NetworkPolicyPort>> {
    Some(
        rule.ports
            .iter()
            .map(|(l4, port)| NetworkPolicyPort {
                protocol: Some(
                    match l4 {
                        L4::Tcp => "TCP",
                        L4::Udp => "UDP",
                    }
                    .to_string(),
                ),
                port: Some(IntOrString::Int(i32::from(*port))),
                ..NetworkPolicyPort::default()
            })
            .collect(),
    )
}

fn ingress(rules: &[Rule], home: &str, outside: &Outside) -> Option<Vec<NetworkPolicyIngressRule>> {
    (!rules.is_empty()).then(|| {
        rules
            .iter()
            .map(|r| NetworkPolicyIngressRule {
                from: peers(r, home, outside),
                ports: ports(r),
            })
            .collect()
    })
}

fn egress(rules: &[Rule], home: &str, outside: &Outside) -> Option<Vec<NetworkPolicyEgressRule>> {
    (!rules.is_empty()).then(|| {
        rules
            .iter()
            .map(|r| NetworkPolicyEgressRule {
                to: peers(r, home, outside),
                ports: ports(r),
            })
            .collect()
    })
}

fn both_directions() -> Option<Vec<String>> {
    Some(vec!["Ingress".to_string(), "Egress".to_string()])
}

/// Default deny in both directions for every pod of the namespace.
pub fn default_deny(namespace: &str) -> NetworkPolicy {
    NetworkPolicy {
        metadata: metadata("meshward.default-deny", namespace),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(everything()),
            policy_types: both_directions(),
            ..NetworkPolicySpec::default()
        }),
    }
}

/// Egress every pod of the namespace gets: DNS, istiod, and namespace-wide grants.
pub fn namespace_egress(namespace: &str, rules: &[Rule], outside: &Outside) -> NetworkPolicy {
    NetworkPolicy {
        metadata: metadata("meshward.namespace-egress", namespace),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(everything()),
            policy_types: Some(vec!["Egress".to_string()]),
            egress: egress(rules, namespace, outside),
            ..NetworkPolicySpec::default()
        }),
    }
}

/// A service's own ingress (its callers, the scraper) and egress (what it may call).
pub fn service_policy(
    service: &Service,
    tables: &ServiceTables,
    outside: &Outside,
) -> NetworkPolicy {
    let pods = (service.namespace(), &service.identity.selector);
    pods_policy(service.name(), pods, tables, outside)
}

/// The policy NAME for the PODS (namespace, selector): a service's, or a waypoint's.
pub fn pods_policy(
    name: &str,
    (home, pods): (&str, &Labels),
    tables: &ServiceTables,
    outside: &Outside,
) -> NetworkPolicy {
    NetworkPolicy {
        metadata: metadata(name, home),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(selector(pods)),
            policy_types: both_directions(),
            ingress: ingress(&tables.ingress, home, outside),
            egress: egress(&tables.egress, home, outside),
        }),
    }
}
