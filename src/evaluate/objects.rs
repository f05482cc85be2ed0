//! The policy objects, read once from their JSON form into shapes that can be matched
//! without touching JSON again.
//!
//! The self-check asks millions of questions of a 10,000-service tree; walking
//! `serde_json::Value` maps for each of them was nearly all of a build's time. Objects are
//! read with serde from JSON text (the self-check) or from a `Value` (tests, `explain`):
//! one reader, so both give the same objects. A `null` counts as absent, an empty list of
//! strings counts as "not set" (as Istio reads it), an unknown protocol, operator or port
//! form matches nothing, and a field of the wrong type makes the object unreadable (the
//! self-check reports that as a fault; it never guesses).

use super::{MtlsMode, Protocol};
use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// A label selector: `matchLabels` (sorted) and `matchExpressions`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    pub match_labels: Vec<(String, String)>,
    pub expressions: Vec<Expression>,
}

/// One `matchExpressions` entry; a missing key or an unknown operator matches nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expression {
    pub key: Option<String>,
    pub operator: Option<Operator>,
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
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

    /// Kubernetes label selector semantics over labels given by LABEL (key → value), so
    /// namespaces can be matched without building a label map for each question.
    pub fn matches_by<'l>(&self, label: impl Fn(&str) -> Option<&'l str>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| label(k) == Some(v.as_str()))
            && self.expressions.iter().all(|e| {
                let Some(key) = &e.key else {
                    return false;
                };
                let value = label(key);
                let listed = |v: &str| e.values.iter().any(|x| x == v);
                match e.operator {
                    Some(Operator::In) => value.is_some_and(listed),
                    Some(Operator::NotIn) => value.is_none_or(|v| !listed(v)),
                    Some(Operator::Exists) => value.is_some(),
                    Some(Operator::DoesNotExist) => value.is_none(),
                    None => false,
                }
            })
    }

    pub fn matches(&self, labels: &super::Labels) -> bool {
        self.matches_by(|k| labels.get(k).map(String::as_str))
    }
}

/// A `networking.k8s.io/v1` NetworkPolicy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkPolicy {
    pub namespace: String,
    pub name: String,
    pub pod_selector: Selector,
    /// Whether the policy isolates the pods it selects for ingress / egress: `policyTypes`
    /// when set, else ingress always and egress when there are egress rules.
    pub isolates_ingress: bool,
    pub isolates_egress: bool,
    pub ingress: Vec<NetworkRule>,
    pub egress: Vec<NetworkRule>,
}

/// One `ingress`/`egress` rule. Empty `peers` (absent or `[]`) means every peer, empty
/// `ports` every port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkRule {
    pub peers: Vec<Peer>,
    pub ports: Vec<NetworkPort>,
}

/// One `from`/`to` element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Peer {
    /// Outside addresses; `cidr` absent matches nothing.
    IpBlock {
        cidr: Option<String>,
        except: Vec<String>,
    },
    /// Pods. With neither selector the API server would reject it: it matches nothing.
    Pods {
        namespaces: Option<Selector>,
        pods: Option<Selector>,
    },
}

/// One `ports` element; `protocol` is `None` for a protocol this model does not know
/// (the entry then matches nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkPort {
    pub protocol: Option<Protocol>,
    pub port: PortValue,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortValue {
    /// No `port`: every port of the protocol.
    Any,
    /// `port`, up to `endPort` when it is set (`ranged`); a negative number never matches.
    Number { start: u64, end: u64, ranged: bool },
    /// A container port name, resolved on the destination pod.
    Named(String),
    /// Neither a number nor a string: matches nothing.
    Invalid,
}

/// A `security.istio.io/v1` AuthorizationPolicy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationPolicy {
    pub namespace: String,
    pub name: String,
    /// `spec.selector.matchLabels`; empty means namespace-wide.
    pub selector: Vec<(String, String)>,
    /// A `targetRef(s)` policy: it applies to waypoints or gateways, not sidecars.
    pub targeted: bool,
    /// `ALLOW` when absent; `None` for CUSTOM, AUDIT and unknown actions (ignored).
    pub action: Option<Action>,
    pub rules: Vec<AuthorizationRule>,
    /// What this model ignores or cannot evaluate in the policy, for [`super::Cluster::notes`].
    pub notes: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Allow,
    Deny,
}

/// One rule. Empty `from`/`to` match everything; `when` cannot be evaluated here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationRule {
    pub when: bool,
    pub from: Vec<Source>,
    pub to: Vec<Operation>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Source {
    /// Holds a field this model cannot evaluate (`requestPrincipals`, `ipBlocks`, ...).
    pub unsupported: bool,
    pub principals: Option<Vec<String>>,
    pub not_principals: Option<Vec<String>>,
    pub namespaces: Option<Vec<String>>,
    pub not_namespaces: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Operation {
    /// Holds `hosts` or `notHosts`.
    pub unsupported: bool,
    /// Holds a field that only HTTP traffic has (methods, paths and their `not` forms).
    pub http_only: bool,
    pub ports: Option<Vec<String>>,
    pub not_ports: Option<Vec<String>>,
    pub methods: Option<Vec<String>>,
    pub not_methods: Option<Vec<String>>,
    pub paths: Option<Vec<String>>,
    pub not_paths: Option<Vec<String>>,
}

/// A `security.istio.io/v1` PeerAuthentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerAuthentication {
    pub namespace: String,
    pub name: String,
    /// `spec.selector.matchLabels`; empty means namespace-wide.
    pub selector: Vec<(String, String)>,
    /// `None` for UNSET or absent: inherit.
    pub mtls: Option<MtlsMode>,
    /// `portLevelMtls`, by the port number as written.
    pub port_level: Vec<(String, Option<MtlsMode>)>,
}

/// A policy object the evaluator understands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Object {
    Network(NetworkPolicy),
    Authorization(AuthorizationPolicy),
    Peer(PeerAuthentication),
}

impl Object {
    /// Read OBJECT (JSON) when it is a NetworkPolicy, an AuthorizationPolicy or a
    /// PeerAuthentication; `Ok(None)` for every other kind. ROOT_NAMESPACE is Istio's
    /// root namespace, for the notes.
    pub fn read(object: &Value, root_namespace: &str) -> Result<Option<Object>, String> {
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

    /// [`Object::read`] from JSON text, in one pass.
    pub fn read_json(json: &[u8], root_namespace: &str) -> Result<Option<Object>, String> {
        match serde_json::from_slice::<Doc>(json) {
            Ok(doc) => Ok(doc.object(root_namespace)),
            Err(e) => match serde_json::from_slice::<Head>(json).map(|h| h.kind()) {
                Ok(Kind::Other) => Ok(None),
                _ => Err(e.to_string()),
            },
        }
    }
}

// ---------------------------------------------------------------- the JSON shapes

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
    fn object(self, root_namespace: &str) -> Option<Object> {
        let meta = self.metadata.unwrap_or_default();
        let namespace = meta.namespace.unwrap_or_default();
        let name = meta.name.unwrap_or_default();
        let spec = self.spec.unwrap_or_default();
        let head = Head {
            api_version: self.api_version,
            kind: self.kind,
        };
        Some(match head.kind() {
            Kind::Network => Object::Network(spec.network(namespace, name)),
            Kind::Authorization => {
                Object::Authorization(spec.authorization(namespace, name, root_namespace))
            }
            Kind::Peer => Object::Peer(spec.peer(namespace, name)),
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

/// `from` on ingress rules, `to` on egress rules.
#[derive(Deserialize)]
struct RawNetworkRule {
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

impl RawSpec {
    fn network(self, namespace: String, name: String) -> NetworkPolicy {
        let spec = self;
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
                })
                .collect()
        };
        let ingress = rules(spec.ingress, true);
        let egress = rules(spec.egress, false);
        let (isolates_ingress, isolates_egress) = match set(spec.policy_types) {
            Some(types) => (
                types.iter().any(|t| t == "Ingress"),
                types.iter().any(|t| t == "Egress"),
            ),
            None => (true, !egress.is_empty()),
        };
        NetworkPolicy {
            namespace,
            name,
            pod_selector: spec.pod_selector.map(Selector::from).unwrap_or_default(),
            isolates_ingress,
            isolates_egress,
            ingress,
            egress,
        }
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
    }
}

fn port(raw: RawPort) -> NetworkPort {
    let protocol = match raw.protocol.as_deref() {
        None | Some("TCP") => Some(Protocol::Tcp),
        Some("UDP") => Some(Protocol::Udp),
        Some("SCTP") => Some(Protocol::Sctp),
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

#[derive(Deserialize)]
struct RawRule {
    #[serde(default)]
    from: Option<Vec<RawFrom>>,
    #[serde(default)]
    to: Option<Vec<RawTo>>,
    #[serde(default)]
    when: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct RawFrom {
    #[serde(default)]
    source: Option<RawSource>,
}

#[derive(Deserialize)]
struct RawTo {
    #[serde(default)]
    operation: Option<RawOperation>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawSource {
    #[serde(default)]
    principals: Strings,
    #[serde(default)]
    not_principals: Strings,
    #[serde(default)]
    namespaces: Strings,
    #[serde(default)]
    not_namespaces: Strings,
    #[serde(default)]
    request_principals: Option<IgnoredAny>,
    #[serde(default)]
    not_request_principals: Option<IgnoredAny>,
    #[serde(default)]
    ip_blocks: Option<IgnoredAny>,
    #[serde(default)]
    not_ip_blocks: Option<IgnoredAny>,
    #[serde(default)]
    remote_ip_blocks: Option<IgnoredAny>,
    #[serde(default)]
    not_remote_ip_blocks: Option<IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawOperation {
    #[serde(default)]
    ports: Strings,
    #[serde(default)]
    not_ports: Strings,
    #[serde(default)]
    methods: Strings,
    #[serde(default)]
    not_methods: Strings,
    #[serde(default)]
    paths: Strings,
    #[serde(default)]
    not_paths: Strings,
    #[serde(default)]
    hosts: Option<IgnoredAny>,
    #[serde(default)]
    not_hosts: Option<IgnoredAny>,
}

impl RawSpec {
    fn authorization(
        self,
        namespace: String,
        name: String,
        root_namespace: &str,
    ) -> AuthorizationPolicy {
        let spec = self;
        let title = format!("AuthorizationPolicy {namespace}/{name}");
        let mut notes = Vec::new();
        let action = match spec.action.as_deref() {
            None | Some("ALLOW") => Some(Action::Allow),
            Some("DENY") => Some(Action::Deny),
            Some(other) => {
                if matches!(other, "CUSTOM" | "AUDIT") {
                    notes.push(format!("{title}: action {other} ignored"));
                }
                None
            }
        };
        let targeted = spec.target_ref.is_some() || spec.target_refs.is_some();
        if targeted {
            notes.push(format!("{title}: targetRef(s) policy ignored for sidecars"));
        }
        if namespace == root_namespace {
            notes.push(format!(
                "{title}: root-namespace policy not given mesh-wide reach"
            ));
        }
        let rules = spec
            .rules
            .unwrap_or_default()
            .into_iter()
            .map(|rule| {
                let mut unknown: Vec<&str> = Vec::new();
                let when = rule.when.is_some();
                if when {
                    unknown.push("when");
                }
                let from = rule
                    .from
                    .unwrap_or_default()
                    .into_iter()
                    .map(|f| {
                        let s = f.source.unwrap_or_default();
                        let unsupported: Vec<&str> = [
                            ("requestPrincipals", s.request_principals.is_some()),
                            ("notRequestPrincipals", s.not_request_principals.is_some()),
                            ("ipBlocks", s.ip_blocks.is_some()),
                            ("notIpBlocks", s.not_ip_blocks.is_some()),
                            ("remoteIpBlocks", s.remote_ip_blocks.is_some()),
                            ("notRemoteIpBlocks", s.not_remote_ip_blocks.is_some()),
                        ]
                        .into_iter()
                        .filter_map(|(key, set)| set.then_some(key))
                        .collect();
                        unknown.extend(&unsupported);
                        Source {
                            unsupported: !unsupported.is_empty(),
                            principals: set(s.principals),
                            not_principals: set(s.not_principals),
                            namespaces: set(s.namespaces),
                            not_namespaces: set(s.not_namespaces),
                        }
                    })
                    .collect();
                let to = rule
                    .to
                    .unwrap_or_default()
                    .into_iter()
                    .map(|t| {
                        let o = t.operation.unwrap_or_default();
                        let unsupported: Vec<&str> = [
                            ("hosts", o.hosts.is_some()),
                            ("notHosts", o.not_hosts.is_some()),
                        ]
                        .into_iter()
                        .filter_map(|(key, set)| set.then_some(key))
                        .collect();
                        unknown.extend(&unsupported);
                        Operation {
                            unsupported: !unsupported.is_empty(),
                            // Present even when empty: an ALLOW rule with `methods: []`
                            // still holds an HTTP-only field.
                            http_only: o.methods.is_some()
                                || o.not_methods.is_some()
                                || o.paths.is_some()
                                || o.not_paths.is_some(),
                            ports: set(o.ports),
                            not_ports: set(o.not_ports),
                            methods: set(o.methods),
                            not_methods: set(o.not_methods),
                            paths: set(o.paths),
                            not_paths: set(o.not_paths),
                        }
                    })
                    .collect();
                if !unknown.is_empty() {
                    notes.push(format!("{title}: fields not evaluated: {unknown:?}"));
                }
                AuthorizationRule { when, from, to }
            })
            .collect();
        AuthorizationPolicy {
            namespace,
            name,
            selector: match_labels(spec.selector),
            targeted,
            action,
            rules,
            notes,
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
