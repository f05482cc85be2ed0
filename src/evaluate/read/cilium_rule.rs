//! The items of a CiliumNetworkPolicy rule's `ingress`, `egress`, `ingressDeny` and
//! `egressDeny` lists, each read into a [`NetworkRule`]: peers (endpoints, entities,
//! CIDRs, FQDNs), ports, and the DNS proxy's name patterns.
//!
//! An item with several peer fields needs all of them to match (Cilium rejects most such
//! mixes; their peers are read as alternatives here). An item with no peer field admits
//! every peer on its ports. What this model cannot evaluate makes an allow item match
//! nothing and is left out of a deny item (it then refuses all it could); both noted.

use super::endpoint_selector;
use super::selector::RawSelector;
use super::strings::Strings;
use crate::evaluate::connection::Transport;
use crate::evaluate::policy::{Entity, NamePattern, NetworkPort, NetworkRule, Peer, PortValue};
use crate::evaluate::selector::Selector;
use serde::de::IgnoredAny;
use serde::Deserialize;

/// An `ingress`/`egress` item: the `from*` fields on ingress, the `to*` ones on egress.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawItem {
    #[serde(default)]
    from_endpoints: Option<Vec<RawSelector>>,
    #[serde(default)]
    to_endpoints: Option<Vec<RawSelector>>,
    #[serde(default)]
    from_entities: Strings,
    #[serde(default)]
    to_entities: Strings,
    #[serde(rename = "fromCIDR", default)]
    from_cidr: Strings,
    #[serde(rename = "toCIDR", default)]
    to_cidr: Strings,
    #[serde(rename = "fromCIDRSet", default)]
    from_cidr_set: Option<Vec<RawCidrSet>>,
    #[serde(rename = "toCIDRSet", default)]
    to_cidr_set: Option<Vec<RawCidrSet>>,
    #[serde(rename = "toFQDNs", default)]
    to_fqdns: Option<Vec<RawName>>,
    #[serde(default)]
    to_ports: Option<Vec<RawPortRule>>,
    // Peers and requirements this model does not evaluate.
    #[serde(default)]
    to_services: Option<IgnoredAny>,
    #[serde(default)]
    to_groups: Option<IgnoredAny>,
    #[serde(default)]
    from_groups: Option<IgnoredAny>,
    #[serde(default)]
    to_nodes: Option<IgnoredAny>,
    #[serde(default)]
    from_nodes: Option<IgnoredAny>,
    #[serde(default)]
    from_requires: Option<IgnoredAny>,
    #[serde(default)]
    to_requires: Option<IgnoredAny>,
    #[serde(default)]
    icmps: Option<IgnoredAny>,
    #[serde(default)]
    authentication: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCidrSet {
    #[serde(default)]
    cidr: Option<String>,
    #[serde(default)]
    except: Strings,
    #[serde(default)]
    cidr_group_ref: Option<IgnoredAny>,
    #[serde(default)]
    cidr_group_selector: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawName {
    #[serde(default)]
    match_name: Option<String>,
    #[serde(default)]
    match_pattern: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPortRule {
    #[serde(default)]
    ports: Option<Vec<RawPort>>,
    #[serde(default)]
    rules: Option<RawL7>,
    #[serde(default)]
    listener: Option<IgnoredAny>,
    #[serde(rename = "originatingTLS", default)]
    originating_tls: Option<IgnoredAny>,
    #[serde(rename = "terminatingTLS", default)]
    terminating_tls: Option<IgnoredAny>,
    #[serde(default)]
    server_names: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPort {
    #[serde(default)]
    port: Option<String>,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    end_port: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawL7 {
    #[serde(default)]
    dns: Option<Vec<RawName>>,
    #[serde(default)]
    http: Option<IgnoredAny>,
    #[serde(default)]
    kafka: Option<IgnoredAny>,
    #[serde(default)]
    l7: Option<IgnoredAny>,
    #[serde(default)]
    l7proto: Option<IgnoredAny>,
}

impl RawItem {
    /// The rule of this item of a policy in NAMESPACE: INGRESS reads the `from*` fields,
    /// else the `to*` ones; DENY for the deny lists. WHY gets what was simplified.
    pub(crate) fn rule(
        self,
        ingress: bool,
        deny: bool,
        namespace: &str,
        why: &mut Vec<String>,
    ) -> NetworkRule {
        let (endpoints, entities, cidrs, cidr_sets) = if ingress {
            (
                self.from_endpoints,
                self.from_entities,
                self.from_cidr,
                self.from_cidr_set,
            )
        } else {
            (
                self.to_endpoints,
                self.to_entities,
                self.to_cidr,
                self.to_cidr_set,
            )
        };
        // The fields present that this model cannot evaluate.
        let unevaluable: Vec<&str> = if ingress {
            vec![
                ("fromGroups", self.from_groups.is_some()),
                ("fromNodes", self.from_nodes.is_some()),
                ("fromRequires", self.from_requires.is_some()),
            ]
        } else {
            vec![
                ("toGroups", self.to_groups.is_some()),
                ("toNodes", self.to_nodes.is_some()),
                ("toServices", self.to_services.is_some()),
                ("toRequires", self.to_requires.is_some()),
            ]
        }
        .into_iter()
        .chain([
            ("icmps", self.icmps.is_some()),
            ("authentication", self.authentication.is_some()),
        ])
        .filter_map(|(field, present)| present.then_some(field))
        .collect();
        let mut peers = Vec::new();
        let mut empty_list = false;
        let mut list = |len: Option<usize>| match len {
            Some(0) => {
                empty_list = true;
                false
            }
            Some(_) => true,
            None => false,
        };
        if list(endpoints.as_ref().map(Vec::len)) {
            for selector in endpoints.unwrap_or_default() {
                peers.push(endpoint_selector::peer(
                    Selector::from(selector),
                    namespace,
                    why,
                ));
            }
        }
        if list(entities.as_ref().map(Vec::len)) {
            for name in entities.unwrap_or_default() {
                peers.push(Peer::Entity(entity(&name, why)));
            }
        }
        if list(cidrs.as_ref().map(Vec::len)) {
            for cidr in cidrs.unwrap_or_default() {
                peers.push(Peer::IpBlock {
                    cidr: Some(cidr),
                    except: Vec::new(),
                });
            }
        }
        if list(cidr_sets.as_ref().map(Vec::len)) {
            for set in cidr_sets.unwrap_or_default() {
                if set.cidr_group_ref.is_some() || set.cidr_group_selector.is_some() {
                    why.push(
                        "CIDR groups (cidrGroupRef, cidrGroupSelector) not evaluated".to_string(),
                    );
                    peers.push(Peer::Entity(if deny {
                        Entity::All
                    } else {
                        Entity::Nothing
                    }));
                } else {
                    peers.push(Peer::IpBlock {
                        cidr: set.cidr,
                        except: set.except.unwrap_or_default(),
                    });
                }
            }
        }
        let fqdns = if ingress { None } else { self.to_fqdns };
        if deny && fqdns.is_some() {
            why.push("toFQDNs in egressDeny is not allowed by Cilium: ignored".to_string());
        } else if list(fqdns.as_ref().map(Vec::len)) {
            for name in fqdns.unwrap_or_default() {
                peers.extend(names(name, why).into_iter().map(Peer::Name));
            }
        }
        let mut void = false;
        for field in &unevaluable {
            why.push(format!("`{field}` not evaluated: an allow item holding it matches nothing, a deny item is read without it"));
            if deny {
                continue;
            }
            if field.ends_with("Groups") || field.ends_with("Nodes") || *field == "toServices" {
                peers.push(Peer::Entity(Entity::Nothing));
            } else {
                void = true;
            }
        }
        let mut ports = Vec::new();
        let mut dns = Vec::new();
        for entry in self.to_ports.unwrap_or_default() {
            entry.read(&mut ports, &mut dns, deny, why);
        }
        if void {
            return NetworkRule {
                peers: vec![Peer::Entity(Entity::Nothing)],
                ports: Vec::new(),
                dns: Vec::new(),
            };
        }
        if empty_list && peers.is_empty() {
            // The wider reading: Cilium takes an empty list as no peer, but a re-encoding
            // with `omitempty` drops it, and then it is every peer.
            why.push(
                "an empty peer list (`fromEndpoints: []`, ...) is read as absent: every peer"
                    .to_string(),
            );
        }
        if peers.is_empty() && ports.is_empty() && unevaluable.is_empty() {
            why.push(if deny {
                "an empty deny item `{}` is read as refusing everything (the Cilium 1.19+ policy engine); Cilium up to 1.18 reads it otherwise".to_string()
            } else {
                "an empty allow item `{}` is read as allowing everything: Cilium up to 1.18 denies everything with it, 1.19+ allows everything".to_string()
            });
        }
        NetworkRule { peers, ports, dns }
    }
}

/// An entity; those naming what no endpoint of this model is match nothing.
fn entity(name: &str, why: &mut Vec<String>) -> Entity {
    match name {
        "all" => Entity::All,
        "world" => Entity::World,
        "cluster" => Entity::Cluster,
        "none" => Entity::Nothing,
        "host" | "remote-node" | "kube-apiserver" | "health" | "init" | "ingress" | "unmanaged" => {
            why.push(format!("entity `{name}` is no endpoint of this model: it matches nothing (the local host's kubelet is always allowed in by Cilium)"));
            Entity::Nothing
        }
        _ => {
            why.push(format!("unknown entity `{name}`: matches nothing"));
            Entity::Nothing
        }
    }
}

/// The patterns of a `toFQDNs` or `rules.dns` entry.
fn names(raw: RawName, why: &mut Vec<String>) -> Vec<NamePattern> {
    let mut out = Vec::new();
    if let Some(name) = raw.match_name {
        out.push(NamePattern::new(&name, true));
    }
    if let Some(pattern) = raw.match_pattern {
        let pattern = match pattern.strip_prefix("**.") {
            Some(rest) => {
                why.push(format!("matchPattern `{pattern}`: `**.` read as one label (`*.`), as Cilium up to 1.18 does; 1.19+ matches any depth"));
                format!("*.{rest}")
            }
            None => pattern,
        };
        out.push(NamePattern::new(&pattern, false));
    }
    out
}

impl RawPortRule {
    /// Add this `toPorts` entry's ports to PORTS and its DNS patterns to DNS.
    fn read(
        self,
        ports: &mut Vec<NetworkPort>,
        dns: &mut Vec<NamePattern>,
        deny: bool,
        why: &mut Vec<String>,
    ) {
        let list = self.ports.unwrap_or_default();
        if list.is_empty() {
            for protocol in [Transport::Tcp, Transport::Udp] {
                ports.push(NetworkPort {
                    protocol: Some(protocol),
                    port: PortValue::Any,
                });
            }
        }
        for raw in list {
            port(raw, ports, why);
        }
        if let Some(rules) = self.rules {
            if rules.http.is_some()
                || rules.kafka.is_some()
                || rules.l7.is_some()
                || rules.l7proto.is_some()
            {
                why.push(
                    "L7 rules (http, kafka, l7) not evaluated: the port is read as allowed at L4"
                        .to_string(),
                );
            }
            for name in rules.dns.unwrap_or_default() {
                let patterns = names(name, why);
                if !deny {
                    dns.extend(patterns);
                }
            }
        }
        if self.listener.is_some()
            || self.originating_tls.is_some()
            || self.terminating_tls.is_some()
            || self.server_names.is_some()
        {
            why.push("toPorts listener, TLS and serverNames ignored".to_string());
        }
    }
}

/// One `ports` element: `port` a number (`0` is every port) or a container port name;
/// `ANY` or no protocol is TCP and UDP.
fn port(raw: RawPort, ports: &mut Vec<NetworkPort>, why: &mut Vec<String>) {
    let protocols: &[Option<Transport>] = match raw.protocol.as_deref() {
        None | Some("" | "ANY") => &[Some(Transport::Tcp), Some(Transport::Udp)],
        Some("TCP") => &[Some(Transport::Tcp)],
        Some("UDP") => &[Some(Transport::Udp)],
        Some("SCTP") => &[Some(Transport::Sctp)],
        Some(_) => &[None],
    };
    let value = match raw.port.as_deref() {
        None | Some("" | "0") => PortValue::Any,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => match p.parse::<u64>() {
            Ok(start) if start <= 65535 => {
                let end = raw
                    .end_port
                    .and_then(|e| u64::try_from(e).ok())
                    .filter(|&e| e > start);
                if end.is_some() {
                    why.push("endPort honoured (Cilium before 1.16 ignores it)".to_string());
                }
                PortValue::Number {
                    start,
                    end: end.unwrap_or(start),
                    ranged: end.is_some(),
                }
            }
            _ => PortValue::Invalid,
        },
        Some(name) => PortValue::Named(name.to_string()),
    };
    for &protocol in protocols {
        ports.push(NetworkPort {
            protocol,
            port: value.clone(),
        });
    }
}
