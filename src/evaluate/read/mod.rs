//! Reading the policy objects back from their JSON form, into [`Policy`] values.
//!
//! The self-check asks millions of questions of a 10,000-service tree; walking
//! `serde_json::Value` maps for each of them would be nearly all of a build's time. Objects
//! are read with serde from JSON text (the self-check) or from a `Value` (tests, `explain`):
//! one reader, so both give the same objects. A `null` counts as absent, an empty list of
//! strings counts as "not set" (as Istio reads it), an unknown protocol, operator or port
//! form matches nothing, and a field of the wrong type makes the object unreadable (the
//! self-check reports that as a fault; it never guesses).
//!
//! The shapes here mirror the JSON; `network.rs` and `authorization.rs` hold each kind's
//! own fields and turn them into the typed policy. PeerAuthentication is small enough to
//! live here.

mod authorization;
mod network;

use super::{Expression, MtlsMode, Operator, PeerAuthentication, Policy, Selector};
use authorization::RawRule;
use network::RawNetworkRule;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

impl Policy {
    /// Read OBJECT (JSON) when it is a NetworkPolicy, an AuthorizationPolicy or a
    /// PeerAuthentication; `Ok(None)` for every other kind. ROOT_NAMESPACE is Istio's
    /// root namespace, for the notes.
    pub fn read(object: &Value, root_namespace: &str) -> Result<Option<Policy>, String> {
        match Doc::deserialize(object) {
            Ok(doc) => Ok(doc.object(root_namespace)),
            // Only an error in a kind this model judges counts: another kind's spec may
            // use the same field names with other shapes.
            Err(e) => match Head::deserialize(object).map(|h| h.kind()) {
                Ok(Kind::Other) => Ok(None),
                _ => Err(e.to_string()),
            },
        }
    }

    /// [`Policy::read`] from JSON text, in one pass.
    pub fn read_json(json: &[u8], root_namespace: &str) -> Result<Option<Policy>, String> {
        match serde_json::from_slice::<Doc>(json) {
            Ok(doc) => Ok(doc.object(root_namespace)),
            Err(e) => match serde_json::from_slice::<Head>(json).map(|h| h.kind()) {
                Ok(Kind::Other) => Ok(None),
                _ => Err(e.to_string()),
            },
        }
    }
}

enum Kind {
    Network,
    Authorization,
    Peer,
    Other,
}

/// What is read first, to know which shape the spec has. Anything else is skipped.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "apiVersion", default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

impl Head {
    fn kind(&self) -> Kind {
        let group = self
            .api_version
            .as_deref()
            .unwrap_or("")
            .split('/')
            .next()
            .unwrap_or("");
        match (group, self.kind.as_deref().unwrap_or("")) {
            ("networking.k8s.io", "NetworkPolicy") => Kind::Network,
            ("security.istio.io", "AuthorizationPolicy") => Kind::Authorization,
            ("security.istio.io", "PeerAuthentication") => Kind::Peer,
            _ => Kind::Other,
        }
    }
}

/// An object of any of the three kinds: the spec holds the fields of all three (their
/// names never clash), so one pass reads any of them.
#[derive(Deserialize)]
struct Doc {
    #[serde(rename = "apiVersion", default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    metadata: Option<Meta>,
    #[serde(default)]
    spec: Option<RawSpec>,
}

#[derive(Deserialize, Default)]
struct Meta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
}

impl Doc {
    fn object(self, root_namespace: &str) -> Option<Policy> {
        let meta = self.metadata.unwrap_or_default();
        let namespace = meta.namespace.unwrap_or_default();
        let name = meta.name.unwrap_or_default();
        let spec = self.spec.unwrap_or_default();
        let head = Head {
            api_version: self.api_version,
            kind: self.kind,
        };
        Some(match head.kind() {
            Kind::Network => Policy::Network(spec.network(namespace, name)),
            Kind::Authorization => {
                Policy::Authorization(spec.authorization(namespace, name, root_namespace))
            }
            Kind::Peer => Policy::Peer(spec.peer(namespace, name)),
            Kind::Other => return None,
        })
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawSpec {
    // NetworkPolicy
    #[serde(default)]
    pod_selector: Option<RawSelector>,
    #[serde(default)]
    policy_types: Strings,
    #[serde(default)]
    ingress: Option<Vec<RawNetworkRule>>,
    #[serde(default)]
    egress: Option<Vec<RawNetworkRule>>,
    // AuthorizationPolicy and PeerAuthentication
    #[serde(default)]
    selector: Option<RawSelector>,
    // AuthorizationPolicy
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    target_ref: Option<IgnoredAny>,
    #[serde(default)]
    target_refs: Option<IgnoredAny>,
    #[serde(default)]
    rules: Option<Vec<RawRule>>,
    // PeerAuthentication
    #[serde(default)]
    mtls: Option<RawMtls>,
    #[serde(default)]
    port_level_mtls: Option<BTreeMap<String, Option<RawMtls>>>,
}

/// A list of strings; `None` when absent, `null` or empty (Istio treats all as "not set").
type Strings = Option<Vec<String>>;

fn set(list: Strings) -> Strings {
    list.filter(|l| !l.is_empty())
}

impl Selector {
    /// A selector written as JSON; one that cannot be read selects nothing at all.
    pub fn read(value: &Value) -> Selector {
        match RawSelector::deserialize(value) {
            Ok(raw) => raw.into(),
            Err(_) => Selector {
                match_labels: Vec::new(),
                expressions: vec![Expression {
                    key: None,
                    operator: None,
                    values: Vec::new(),
                }],
            },
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawSelector {
    #[serde(default)]
    match_labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    match_expressions: Option<Vec<RawExpression>>,
}

#[derive(Deserialize)]
struct RawExpression {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    values: Strings,
}

impl From<RawSelector> for Selector {
    fn from(raw: RawSelector) -> Selector {
        Selector {
            // A BTreeMap iterates sorted by key.
            match_labels: raw.match_labels.unwrap_or_default().into_iter().collect(),
            expressions: raw
                .match_expressions
                .unwrap_or_default()
                .into_iter()
                .map(|e| Expression {
                    key: e.key,
                    operator: match e.operator.as_deref() {
                        Some("In") => Some(Operator::In),
                        Some("NotIn") => Some(Operator::NotIn),
                        Some("Exists") => Some(Operator::Exists),
                        Some("DoesNotExist") => Some(Operator::DoesNotExist),
                        _ => None,
                    },
                    values: e.values.unwrap_or_default(),
                })
                .collect(),
        }
    }
}

#[derive(Deserialize)]
struct RawMtls {
    #[serde(default)]
    mode: Option<String>,
}

impl RawMtls {
    fn mode(&self) -> Option<MtlsMode> {
        match self.mode.as_deref() {
            Some("STRICT") => Some(MtlsMode::Strict),
            Some("PERMISSIVE") => Some(MtlsMode::Permissive),
            Some("DISABLE") => Some(MtlsMode::Disable),
            _ => None, // UNSET or absent: inherit
        }
    }
}

impl RawSpec {
    fn peer(self, namespace: String, name: String) -> PeerAuthentication {
        PeerAuthentication {
            namespace,
            name,
            selector: match_labels(self.selector),
            mtls: self.mtls.as_ref().and_then(RawMtls::mode),
            port_level: self
                .port_level_mtls
                .unwrap_or_default()
                .into_iter()
                .map(|(port, mtls)| (port, mtls.as_ref().and_then(RawMtls::mode)))
                .collect(),
        }
    }
}

/// `selector.matchLabels`, the only selector form Istio's policies have.
fn match_labels(selector: Option<RawSelector>) -> Vec<(String, String)> {
    selector
        .and_then(|s| s.match_labels)
        .unwrap_or_default()
        .into_iter()
        .collect()
}
