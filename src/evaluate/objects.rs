//! The policy objects, read once from their JSON form into shapes that can be matched
//! without touching JSON again.
//!
//! The self-check asks millions of questions of a 10,000-service tree; walking
//! `serde_json::Value` maps for each of them was nearly all of a build's time. Reading is
//! exactly as lenient as the evaluator always was: a field of the wrong type counts as
//! absent, a `null` counts as absent, an empty list of strings counts as "not set" (as
//! Istio reads it), and an unknown protocol or selector operator matches nothing.

use super::{MtlsMode, Protocol};
use serde_json::Value;

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
    /// An absent selector selects everything, like an empty one.
    pub fn read(value: Option<&Value>) -> Selector {
        let Some(value) = value else {
            return Selector::default();
        };
        let expressions = array(field(value, "matchExpressions"))
            .iter()
            .map(|e| Expression {
                key: text(field(e, "key")),
                operator: match field(e, "operator").and_then(Value::as_str) {
                    Some("In") => Some(Operator::In),
                    Some("NotIn") => Some(Operator::NotIn),
                    Some("Exists") => Some(Operator::Exists),
                    Some("DoesNotExist") => Some(Operator::DoesNotExist),
                    _ => None,
                },
                values: strings(field(e, "values")).unwrap_or_default(),
            })
            .collect();
        Selector {
            match_labels: string_map(field(value, "matchLabels")),
            expressions,
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

const UNSUPPORTED_SOURCE: &[&str] = &[
    "requestPrincipals",
    "notRequestPrincipals",
    "ipBlocks",
    "notIpBlocks",
    "remoteIpBlocks",
    "notRemoteIpBlocks",
];
const UNSUPPORTED_OPERATION: &[&str] = &["hosts", "notHosts"];
const HTTP_ONLY_OPERATION: &[&str] = &["methods", "notMethods", "paths", "notPaths"];

impl Object {
    /// Read OBJECT when it is a NetworkPolicy, an AuthorizationPolicy or a
    /// PeerAuthentication; `None` for every other kind. ROOT_NAMESPACE is Istio's root
    /// namespace, for the notes.
    pub fn read(object: &Value, root_namespace: &str) -> Option<Object> {
        let kind = field(object, "kind").and_then(Value::as_str).unwrap_or("");
        let api = field(object, "apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        let group = api.split('/').next().unwrap_or("");
        let namespace = meta(object, "namespace").to_string();
        let name = meta(object, "name").to_string();
        let spec = field(object, "spec").unwrap_or(&Value::Null);
        Some(match (group, kind) {
            ("networking.k8s.io", "NetworkPolicy") => {
                Object::Network(network_policy(namespace, name, spec))
            }
            ("security.istio.io", "AuthorizationPolicy") => {
                Object::Authorization(authorization_policy(namespace, name, spec, root_namespace))
            }
            ("security.istio.io", "PeerAuthentication") => Object::Peer(PeerAuthentication {
                namespace,
                name,
                selector: match_labels(spec),
                mtls: field(spec, "mtls").and_then(mode_of),
                port_level: field(spec, "portLevelMtls")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(port, mtls)| (port.clone(), mode_of(mtls)))
                    .collect(),
            }),
            _ => return None,
        })
    }
}

fn network_policy(namespace: String, name: String, spec: &Value) -> NetworkPolicy {
    let rules = |section: &str, peers_key: &str| -> Vec<NetworkRule> {
        array(field(spec, section))
            .iter()
            .map(|rule| NetworkRule {
                peers: array(field(rule, peers_key)).iter().map(peer).collect(),
                ports: array(field(rule, "ports"))
                    .iter()
                    .map(network_port)
                    .collect(),
            })
            .collect()
    };
    let ingress = rules("ingress", "from");
    let egress = rules("egress", "to");
    let (isolates_ingress, isolates_egress) = match strings(field(spec, "policyTypes")) {
        Some(types) => (
            types.iter().any(|t| t == "Ingress"),
            types.iter().any(|t| t == "Egress"),
        ),
        None => (true, !egress.is_empty()),
    };
    NetworkPolicy {
        namespace,
        name,
        pod_selector: Selector::read(field(spec, "podSelector")),
        isolates_ingress,
        isolates_egress,
        ingress,
        egress,
    }
}

fn peer(peer: &Value) -> Peer {
    if let Some(block) = field(peer, "ipBlock") {
        return Peer::IpBlock {
            cidr: text(field(block, "cidr")),
            except: strings(field(block, "except")).unwrap_or_default(),
        };
    }
    Peer::Pods {
        namespaces: field(peer, "namespaceSelector").map(|s| Selector::read(Some(s))),
        pods: field(peer, "podSelector").map(|s| Selector::read(Some(s))),
    }
}

fn network_port(entry: &Value) -> NetworkPort {
    let protocol = match field(entry, "protocol").and_then(Value::as_str) {
        None => Some(Protocol::Tcp),
        Some("TCP") => Some(Protocol::Tcp),
        Some("UDP") => Some(Protocol::Udp),
        Some("SCTP") => Some(Protocol::Sctp),
        Some(_) => None,
    };
    let port = match field(entry, "port") {
        None => PortValue::Any,
        Some(Value::Number(n)) => {
            let start = n.as_u64().unwrap_or(u64::MAX);
            let end_port = field(entry, "endPort");
            PortValue::Number {
                start,
                end: end_port.and_then(Value::as_u64).unwrap_or(start),
                ranged: end_port.is_some(),
            }
        }
        Some(Value::String(name)) => PortValue::Named(name.clone()),
        Some(_) => PortValue::Invalid,
    };
    NetworkPort { protocol, port }
}

fn authorization_policy(
    namespace: String,
    name: String,
    spec: &Value,
    root_namespace: &str,
) -> AuthorizationPolicy {
    let title = format!("AuthorizationPolicy {namespace}/{name}");
    let mut notes = Vec::new();
    let action = match field(spec, "action").and_then(Value::as_str) {
        None | Some("ALLOW") => Some(Action::Allow),
        Some("DENY") => Some(Action::Deny),
        Some(other) => {
            if matches!(other, "CUSTOM" | "AUDIT") {
                notes.push(format!("{title}: action {other} ignored"));
            }
            None
        }
    };
    let targeted = field(spec, "targetRef").is_some() || field(spec, "targetRefs").is_some();
    if targeted {
        notes.push(format!("{title}: targetRef(s) policy ignored for sidecars"));
    }
    if namespace == root_namespace {
        notes.push(format!(
            "{title}: root-namespace policy not given mesh-wide reach"
        ));
    }
    let rules = array(field(spec, "rules"))
        .iter()
        .map(|rule| {
            let mut unknown: Vec<&str> = Vec::new();
            let when = field(rule, "when").is_some();
            if when {
                unknown.push("when");
            }
            let from = array(field(rule, "from"))
                .iter()
                .map(|f| {
                    let source = field(f, "source").unwrap_or(&Value::Null);
                    let unsupported: Vec<&str> = present(source, UNSUPPORTED_SOURCE).collect();
                    unknown.extend(&unsupported);
                    Source {
                        unsupported: !unsupported.is_empty(),
                        principals: strings(field(source, "principals")),
                        not_principals: strings(field(source, "notPrincipals")),
                        namespaces: strings(field(source, "namespaces")),
                        not_namespaces: strings(field(source, "notNamespaces")),
                    }
                })
                .collect();
            let to = array(field(rule, "to"))
                .iter()
                .map(|t| {
                    let operation = field(t, "operation").unwrap_or(&Value::Null);
                    let unsupported: Vec<&str> =
                        present(operation, UNSUPPORTED_OPERATION).collect();
                    unknown.extend(&unsupported);
                    Operation {
                        unsupported: !unsupported.is_empty(),
                        http_only: present(operation, HTTP_ONLY_OPERATION).next().is_some(),
                        ports: strings(field(operation, "ports")),
                        not_ports: strings(field(operation, "notPorts")),
                        methods: strings(field(operation, "methods")),
                        not_methods: strings(field(operation, "notMethods")),
                        paths: strings(field(operation, "paths")),
                        not_paths: strings(field(operation, "notPaths")),
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
        selector: match_labels(spec),
        targeted,
        action,
        rules,
        notes,
    }
}

/// `spec.selector.matchLabels`, the only selector form Istio's policies have.
fn match_labels(spec: &Value) -> Vec<(String, String)> {
    string_map(field(spec, "selector").and_then(|s| field(s, "matchLabels")))
}

fn mode_of(mtls: &Value) -> Option<MtlsMode> {
    match field(mtls, "mode").and_then(Value::as_str) {
        Some("STRICT") => Some(MtlsMode::Strict),
        Some("PERMISSIVE") => Some(MtlsMode::Permissive),
        Some("DISABLE") => Some(MtlsMode::Disable),
        _ => None, // UNSET or absent: inherit
    }
}

// ---------------------------------------------------------------- JSON helpers

/// OBJECT[KEY], treating `null` as absent.
fn field<'a>(object: &'a Value, key: &str) -> Option<&'a Value> {
    object.get(key).filter(|v| !v.is_null())
}

fn meta<'a>(object: &'a Value, key: &str) -> &'a str {
    field(object, "metadata")
        .and_then(|m| field(m, key))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_string)
}

fn array(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// A list of strings; `None` when absent or empty (Istio treats both as "not set").
fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    let list: Vec<String> = array(value)
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    (!list.is_empty()).then_some(list)
}

/// The string entries of a map, sorted by key; other values are ignored.
fn string_map(value: Option<&Value>) -> Vec<(String, String)> {
    let mut map: Vec<(String, String)> = value
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect();
    map.sort();
    map
}

/// The KEYS set in OBJECT.
fn present<'a>(object: &'a Value, keys: &'a [&'a str]) -> impl Iterator<Item = &'a str> + 'a {
    keys.iter()
        .copied()
        .filter(move |key| field(object, key).is_some())
}
