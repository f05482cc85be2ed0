//! NetworkPolicy's JSON shapes: rules, peers, and int-or-string ports; and the
//! [`NetworkPolicy`] built from them.

use super::selector::RawSelector;
use super::strings::{set, Strings};
use crate::evaluate::connection::Transport;
use crate::evaluate::policy::{NetworkPolicy, NetworkPort, NetworkRule, Peer, PortValue};
use crate::evaluate::selector::Selector;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;

/// `from` on ingress rules, `to` on egress rules.
#[derive(Deserialize)]
pub(crate) struct RawNetworkRule {
    #[serde(default)]
    from: Option<Vec<RawPeer>>,
    #[serde(default)]
    to: Option<Vec<RawPeer>>,
    #[serde(default)]
    ports: Option<Vec<RawPort>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPeer {
    #[serde(default)]
    ip_block: Option<RawIpBlock>,
    #[serde(default)]
    namespace_selector: Option<RawSelector>,
    #[serde(default)]
    pod_selector: Option<RawSelector>,
}

#[derive(Deserialize)]
struct RawIpBlock {
    #[serde(default)]
    cidr: Option<String>,
    #[serde(default)]
    except: Strings,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPort {
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    port: Option<PortField>,
    #[serde(default)]
    end_port: Option<PortField>,
}

/// An int-or-string port as written: a negative or fractional number never matches, and
/// a list or a map is invalid (it matches nothing).
enum PortField {
    Number(u64),
    Name(String),
    Invalid,
}

impl<'de> Deserialize<'de> for PortField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PortField, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PortField;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a port number or name")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<PortField, E> {
                Ok(PortField::Number(n))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<PortField, E> {
                Ok(PortField::Number(u64::try_from(n).unwrap_or(u64::MAX)))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<PortField, E> {
                Ok(PortField::Number(u64::MAX))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<PortField, E> {
                Ok(PortField::Name(s.to_string()))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<PortField, E> {
                Ok(PortField::Invalid)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<PortField, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(PortField::Invalid)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<PortField, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(PortField::Invalid)
            }
        }
        d.deserialize_any(V)
    }
}

/// The NetworkPolicy of a spec's NetworkPolicy fields. They come one by one because the
/// spec (`object.rs`) holds this file's rule shapes, so this file does not name it.
pub(crate) fn policy(
    namespace: String,
    name: String,
    pod_selector: Option<RawSelector>,
    policy_types: Strings,
    ingress: Option<Vec<RawNetworkRule>>,
    egress: Option<Vec<RawNetworkRule>>,
) -> NetworkPolicy {
    let rules = |rules: Option<Vec<RawNetworkRule>>, ingress: bool| -> Vec<NetworkRule> {
        rules
            .unwrap_or_default()
            .into_iter()
            .map(|rule| NetworkRule {
                peers: if ingress { rule.from } else { rule.to }
                    .unwrap_or_default()
                    .into_iter()
                    .map(peer)
                    .collect(),
                ports: rule
                    .ports
                    .unwrap_or_default()
                    .into_iter()
                    .map(port)
                    .collect(),
                dns: Vec::new(),
            })
            .collect()
    };
    let ingress = rules(ingress, true);
    let egress = rules(egress, false);
    let (isolates_ingress, isolates_egress) = match set(policy_types) {
        Some(types) => (
            types.iter().any(|t| t == "Ingress"),
            types.iter().any(|t| t == "Egress"),
        ),
        None => (true, !egress.is_empty()),
    };
    NetworkPolicy {
        namespace,
        name,
        cilium: false,
        pod_selector: pod_selector.map(Selector::from).unwrap_or_default(),
        namespace_selector: None,
        accounts: None,
        isolates_ingress,
        isolates_egress,
        ingress,
        egress,
        deny_ingress: Vec::new(),
        deny_egress: Vec::new(),
    }
}

fn peer(raw: RawPeer) -> Peer {
    if let Some(block) = raw.ip_block {
        return Peer::IpBlock {
            cidr: block.cidr,
            except: block.except.unwrap_or_default(),
        };
    }
    Peer::Pods {
        namespaces: raw.namespace_selector.map(Selector::from),
        pods: raw.pod_selector.map(Selector::from),
        accounts: None,
    }
}

fn port(raw: RawPort) -> NetworkPort {
    let protocol = match raw.protocol.as_deref() {
        None | Some("TCP") => Some(Transport::Tcp),
        Some("UDP") => Some(Transport::Udp),
        Some("SCTP") => Some(Transport::Sctp),
        Some(_) => None,
    };
    let port = match raw.port {
        None => PortValue::Any,
        Some(PortField::Number(start)) => PortValue::Number {
            start,
            end: match raw.end_port {
                Some(PortField::Number(end)) => end,
                _ => start,
            },
            ranged: raw.end_port.is_some(),
        },
        Some(PortField::Name(name)) => PortValue::Named(name),
        Some(PortField::Invalid) => PortValue::Invalid,
    };
    NetworkPort { protocol, port }
}
