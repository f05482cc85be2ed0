//! CiliumNetworkPolicy (`network cilium`): the network layer in Cilium's own API, with
//! the meaning of the NetworkPolicies it replaces, and `host` externals named exactly.
//!
//! Cilium has sharp edges the shapes here stay clear of (docs/output.md, "Cilium"):
//!
//! - Default deny is a rule that admits the entity `none` in each direction: a non-empty
//!   rule list isolates on every Cilium version, and `none` selects nothing. The older
//!   idiom, an empty rule `{}`, denies up to Cilium 1.18 but admits everything from the
//!   1.19 policy engine on, and an empty list (or a policy with no rule at all) is
//!   rejected by the agent, which then enforces nothing.
//! - Every endpoint selector names its namespace (`k8s:io.kubernetes.pod.namespace`):
//!   Cilium adds the policy's own namespace to a selector that does not, so nothing is
//!   left to that rule. Keys carry the `k8s:` source prefix.
//! - One kind of peer per rule item (endpoints, entities, CIDRs, FQDNs), as Cilium
//!   requires of `toFQDNs`; items with the same ports repeat them.
//! - A `host` external is `toFQDNs`, which only admits the addresses Cilium's DNS proxy
//!   saw the pod look up: the DNS egress of every namespace carries the proxy rule
//!   `matchPattern: "*"`, which lets every lookup through (in-cluster names included) and
//!   lets Cilium learn the answers. Istio's `*.example.com` matches names at any depth,
//!   Cilium's `*` one label (its `**.` is read as one label before 1.19): a wildcard host
//!   is written for one, two and three labels, and a deeper name is refused at L4 (an
//!   outage, documented, never a widening).
//! - Ports are single (`endPort` is honoured only from Cilium 1.16).
//!
//! No HTTP or Kafka rules: L7 stays with Istio, whose mTLS Cilium cannot read.

use super::metadata::metadata;
use crate::compile::{Outside, Peer, Rule, ServiceTables, L4};
use crate::ir::{Labels, PodGroup, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use std::collections::BTreeMap;

pub const CILIUM_V2: &str = "cilium.io/v2";
/// The pod label Cilium gives every endpoint with its namespace.
pub const NAMESPACE_KEY: &str = "k8s:io.kubernetes.pod.namespace";
/// How deep a wildcard host is written out (`*.x`, `*.*.x`, `*.*.*.x`).
pub const WILDCARD_DEPTH: usize = 3;
/// Cilium accepts at most this many ports in one `toPorts` entry.
const PORTS_PER_ENTRY: usize = 40;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CiliumNetworkPolicy {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: CiliumSpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CiliumSpec {
    pub endpoint_selector: EndpointSelector,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingress: Option<Vec<CiliumRule>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub egress: Option<Vec<CiliumRule>>,
}

#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub struct EndpointSelector {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
}

/// One rule item, ingress or egress: the field names differ by direction, so each peer
/// kind has both spellings and only one direction's is ever set.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CiliumRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_entities: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_endpoints: Option<Vec<EndpointSelector>>,
    #[serde(rename = "fromCIDRSet", skip_serializing_if = "Option::is_none")]
    pub from_cidr_set: Option<Vec<CidrRule>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_entities: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_endpoints: Option<Vec<EndpointSelector>>,
    #[serde(rename = "toCIDRSet", skip_serializing_if = "Option::is_none")]
    pub to_cidr_set: Option<Vec<CidrRule>>,
    #[serde(rename = "toFQDNs", skip_serializing_if = "Option::is_none")]
    pub to_fqdns: Option<Vec<FqdnSelector>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_ports: Option<Vec<PortRule>>,
}

#[derive(Debug, Serialize)]
pub struct CidrRule {
    pub cidr: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FqdnSelector {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_pattern: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PortRule {
    pub ports: Vec<PortProtocol>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<L7Rules>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PortProtocol {
    pub port: String,
    pub protocol: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct L7Rules {
    pub dns: Vec<FqdnSelector>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Ingress,
    Egress,
}

fn policy(name: &str, namespace: &str, selector: EndpointSelector) -> CiliumNetworkPolicy {
    CiliumNetworkPolicy {
        api_version: CILIUM_V2,
        kind: "CiliumNetworkPolicy",
        metadata: metadata(name, namespace),
        spec: CiliumSpec {
            endpoint_selector: selector,
            ingress: None,
            egress: None,
        },
    }
}

/// A selector of pods by their own labels (the policy's namespace is implied for the
/// pods a policy selects).
fn own_pods(labels: &Labels) -> EndpointSelector {
    EndpointSelector {
        match_labels: labels
            .iter()
            .map(|(k, v)| (format!("k8s:{k}"), v.clone()))
            .collect(),
    }
}

/// A peer selector: always with its namespace, never left to Cilium to add.
fn peer_pods(namespace: &str, labels: &Labels) -> EndpointSelector {
    let mut selector = own_pods(labels);
    selector
        .match_labels
        .insert(NAMESPACE_KEY.to_string(), namespace.to_string());
    selector
}

/// A rule item admitting nothing: how an empty direction still isolates.
fn nothing(direction: Direction) -> CiliumRule {
    match direction {
        Direction::Ingress => CiliumRule {
            from_entities: Some(vec!["none"]),
            ..CiliumRule::default()
        },
        Direction::Egress => CiliumRule {
            to_entities: Some(vec!["none"]),
            ..CiliumRule::default()
        },
    }
}

/// The FQDN selectors of a host: exact, or a wildcard written for one to
/// [`WILDCARD_DEPTH`] labels.
pub fn fqdn_selectors(host: &str) -> Vec<FqdnSelector> {
    match host.strip_prefix("*.") {
        None => vec![FqdnSelector {
            match_name: Some(host.to_string()),
            match_pattern: None,
        }],
        Some(domain) => (1..=WILDCARD_DEPTH)
            .map(|depth| FqdnSelector {
                match_name: None,
                match_pattern: Some(format!("{}{domain}", "*.".repeat(depth))),
            })
            .collect(),
    }
}

fn port_rules(ports: &[(L4, u16)], dns: bool) -> Vec<PortRule> {
    ports
        .chunks(PORTS_PER_ENTRY)
        .map(|chunk| PortRule {
            ports: chunk
                .iter()
                .map(|(l4, port)| PortProtocol {
                    port: port.to_string(),
                    protocol: match l4 {
                        L4::Tcp => "TCP",
                        L4::Udp => "UDP",
                    },
                })
                .collect(),
            rules: dns.then(|| L7Rules {
                dns: vec![FqdnSelector {
                    match_name: None,
                    match_pattern: Some("*".to_string()),
                }],
            }),
        })
        .collect()
}

/// The rule items of one compiled rule: one per kind of peer, in a fixed order. DNS, when
/// given, is the pod group whose port-53 rule carries the DNS-proxy rule.
fn items(
    rule: &Rule,
    direction: Direction,
    outside: &Outside,
    dns: Option<&PodGroup>,
) -> Vec<CiliumRule> {
    let ports = Some(port_rules(&rule.ports, false));
    let mut out = Vec::new();
    let mut endpoints = Vec::new();
    let mut proxied = Vec::new();
    let mut cidrs = Vec::new();
    let mut fqdns = Vec::new();
    let mut anywhere = false;
    for peer in &rule.peers {
        match peer {
            Peer::Anywhere => anywhere = true,
            Peer::Pods(p) => {
                let selector = peer_pods(p.namespace, p.selector);
                let is_dns =
                    dns.is_some_and(|d| d.namespace == p.namespace && d.selector == *p.selector);
                if is_dns && rule.ports.iter().all(|&(_, port)| port == 53) {
                    proxied.push(selector);
                } else {
                    endpoints.push(selector);
                }
            }
            Peer::Namespace(ns) => endpoints.push(EndpointSelector {
                match_labels: BTreeMap::from([(NAMESPACE_KEY.to_string(), ns.to_string())]),
            }),
            Peer::Block(cidr) => cidrs.push(CidrRule {
                cidr: cidr.to_string(),
                except: Vec::new(),
            }),
            Peer::Outside(family) => cidrs.push(CidrRule {
                cidr: family.everything().to_string(),
                except: outside
                    .of(*family)
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            }),
            Peer::Hosts(hosts) => fqdns.extend(hosts.iter().flat_map(|h| fqdn_selectors(h))),
        }
    }
    if anywhere {
        out.push(match direction {
            Direction::Ingress => CiliumRule {
                from_entities: Some(vec!["all"]),
                to_ports: ports.clone(),
                ..CiliumRule::default()
            },
            Direction::Egress => CiliumRule {
                to_entities: Some(vec!["all"]),
                to_ports: ports.clone(),
                ..CiliumRule::default()
            },
        });
    }
    let with = |selectors: Vec<EndpointSelector>, ports: Option<Vec<PortRule>>| match direction {
        Direction::Ingress => CiliumRule {
            from_endpoints: Some(selectors),
            to_ports: ports,
            ..CiliumRule::default()
        },
        Direction::Egress => CiliumRule {
            to_endpoints: Some(selectors),
            to_ports: ports,
            ..CiliumRule::default()
        },
    };
    if !endpoints.is_empty() {
        out.push(with(endpoints, ports.clone()));
    }
    if !proxied.is_empty() {
        out.push(with(proxied, Some(port_rules(&rule.ports, true))));
    }
    if !cidrs.is_empty() {
        out.push(match direction {
            Direction::Ingress => CiliumRule {
                from_cidr_set: Some(cidrs),
                to_ports: ports.clone(),
                ..CiliumRule::default()
            },
            Direction::Egress => CiliumRule {
                to_cidr_set: Some(cidrs),
                to_ports: ports.clone(),
                ..CiliumRule::default()
            },
        });
    }
    if !fqdns.is_empty() && direction == Direction::Egress {
        out.push(CiliumRule {
            to_fqdns: Some(fqdns),
            to_ports: ports,
            ..CiliumRule::default()
        });
    }
    out
}

fn section(
    rules: &[Rule],
    direction: Direction,
    outside: &Outside,
    dns: Option<&PodGroup>,
) -> Vec<CiliumRule> {
    let out: Vec<CiliumRule> = rules
        .iter()
        .flat_map(|r| items(r, direction, outside, dns))
        .collect();
    if out.is_empty() {
        vec![nothing(direction)]
    } else {
        out
    }
}

/// Default deny in both directions for every pod of the namespace.
pub fn default_deny(namespace: &str) -> CiliumNetworkPolicy {
    let mut p = policy(
        "meshward.default-deny",
        namespace,
        EndpointSelector::default(),
    );
    p.spec.ingress = Some(vec![nothing(Direction::Ingress)]);
    p.spec.egress = Some(vec![nothing(Direction::Egress)]);
    p
}

/// Egress every pod of the namespace gets: DNS (through Cilium's DNS proxy), istiod, and
/// namespace-wide grants.
pub fn namespace_egress(
    namespace: &str,
    rules: &[Rule],
    outside: &Outside,
    dns: &PodGroup,
) -> CiliumNetworkPolicy {
    let mut p = policy(
        "meshward.namespace-egress",
        namespace,
        EndpointSelector::default(),
    );
    p.spec.egress = Some(section(rules, Direction::Egress, outside, Some(dns)));
    p
}

/// A service's own ingress (its callers, the scraper) and egress (what it may call).
pub fn service_policy(
    service: &Service,
    tables: &ServiceTables,
    outside: &Outside,
) -> CiliumNetworkPolicy {
    let pods = (service.namespace(), &service.identity.selector);
    pods_policy(service.name(), pods, tables, outside)
}

/// The policy NAME for the PODS (namespace, selector): a service's, or a waypoint's.
pub fn pods_policy(
    name: &str,
    (home, pods): (&str, &Labels),
    tables: &ServiceTables,
    outside: &Outside,
) -> CiliumNetworkPolicy {
    let mut p = policy(name, home, own_pods(pods));
    p.spec.ingress = Some(section(&tables.ingress, Direction::Ingress, outside, None));
    p.spec.egress = Some(section(&tables.egress, Direction::Egress, outside, None));
    p
}
