//! The policy objects as the evaluator holds them: typed, read once from JSON (by
//! `read/`), so that matching never touches JSON again.
//!
//! A field this model does not evaluate is kept only as a flag (`unsupported`, `when`) or
//! a note, never as its value. Sidecar and ServiceEntry shape what a pod's proxy sends
//! where; their semantics are in `sidecar.rs` and `outbound.rs`.

use super::connection::Transport;
use super::selector::Selector;

/// A `networking.k8s.io/v1` NetworkPolicy, or one rule (`spec`, `specs[i]`) of a
/// `cilium.io/v2` CiliumNetworkPolicy: both kinds are read into this one shape so that
/// every question answers for both, and for a pod that both select.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkPolicy {
    pub namespace: String,
    pub name: String,
    /// Read from a CiliumNetworkPolicy: messages name the kind the user wrote.
    pub cilium: bool,
    /// The pod labels the policy requires (only those: the LabelIndex finds the policy by
    /// them).
    pub pod_selector: Selector,
    /// Cilium's `endpointSelector` may also require labels of the policy's namespace
    /// (`io.cilium.k8s.namespace.labels.K`, held under K) and the pod's service account
    /// (held under [`SERVICE_ACCOUNT_KEY`]); `None` requires nothing (always for a
    /// NetworkPolicy).
    pub namespace_selector: Option<Box<Selector>>,
    pub accounts: Option<Box<Selector>>,
    /// Whether the policy isolates the pods it selects for ingress / egress: `policyTypes`
    /// when set, else ingress always and egress when there are egress rules. For Cilium, a
    /// non-empty allow or deny list of that direction.
    pub isolates_ingress: bool,
    pub isolates_egress: bool,
    pub ingress: Vec<NetworkRule>,
    pub egress: Vec<NetworkRule>,
    /// Cilium `ingressDeny`/`egressDeny`: a connection one of them matches is refused
    /// whatever any policy allows. Always empty for a NetworkPolicy.
    pub deny_ingress: Vec<NetworkRule>,
    pub deny_egress: Vec<NetworkRule>,
}

/// The key a Cilium selector names a pod's service account with; selectors in
/// [`NetworkPolicy::accounts`] and [`Peer::Pods`] `accounts` are matched against a pod's
/// [`Pod::service_account`](super::pod::Pod::service_account) under this key alone.
pub const SERVICE_ACCOUNT_KEY: &str = "io.cilium.k8s.policy.serviceaccount";

/// One `ingress`/`egress` rule. Empty `peers` (absent or `[]`) means every peer, empty
/// `ports` every port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkRule {
    pub peers: Vec<Peer>,
    pub ports: Vec<NetworkPort>,
    /// Cilium `toPorts[].rules.dns`: the names the DNS proxy lets the pod look up. Only
    /// names looked up through it teach Cilium the addresses a `toFQDNs` peer admits.
    pub dns: Vec<NamePattern>,
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
    /// `namespaces: None` is the policy's own namespace. `accounts` (Cilium's
    /// service-account key, see [`SERVICE_ACCOUNT_KEY`]) is `None` when not required.
    Pods {
        namespaces: Option<Selector>,
        pods: Option<Selector>,
        accounts: Option<Box<Selector>>,
    },
    /// A Cilium entity (`fromEntities`/`toEntities`).
    Entity(Entity),
    /// A Cilium `toFQDNs` entry: matches an [`Endpoint::Name`] by its name.
    ///
    /// [`Endpoint::Name`]: super::pod::Endpoint::Name
    Name(NamePattern),
}

/// The Cilium entities this model can tell apart. Entities naming something no
/// [`Endpoint`](super::pod::Endpoint) is (`host`, `remote-node`, `kube-apiserver`,
/// `health`, `init`, `ingress`, `unmanaged`) are read as `Nothing`, as is `none`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    /// Everything.
    All,
    /// Outside addresses: every `Endpoint::Ip` and `Endpoint::Name`.
    World,
    /// Every pod.
    Cluster,
    Nothing,
}

/// A DNS name pattern (`matchName`, `matchPattern`), lower-cased, without a trailing
/// dot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamePattern {
    pub pattern: String,
    /// `matchName`: the name itself; else `*` stands for part of one label.
    pub exact: bool,
}

/// One `ports` element; `protocol` is `None` for a protocol this model does not know
/// (the entry then matches nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkPort {
    pub protocol: Option<Transport>,
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
    /// `targetRef` and `targetRefs`, for finding the waypoint policies of a Service.
    pub targets: Vec<Target>,
    /// `ALLOW` when absent; `None` for CUSTOM, AUDIT and unknown actions (ignored).
    pub action: Option<Action>,
    /// `istio.io/dry-run: "true"`: the proxy only reports its verdict. A [`PodView`]
    /// leaves it out unless asked for the enforced reading
    /// ([`Cluster::view_enforcing`]).
    ///
    /// [`PodView`]: super::cluster::PodView
    /// [`Cluster::view_enforcing`]: super::cluster::Cluster::view_enforcing
    pub dry_run: bool,
    pub rules: Vec<AuthorizationRule>,
    /// What this model ignores or cannot evaluate in the policy, for
    /// [`Cluster::notes`](super::cluster::Cluster::notes).
    pub notes: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Allow,
    Deny,
}

/// One rule. Empty `from`/`to`/`when` match everything; every condition of `when` must
/// hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationRule {
    pub when: Vec<Condition>,
    pub from: Vec<Source>,
    pub to: Vec<Operation>,
}

/// One `when` entry: the attribute named by `key` must match one of `values` (when set)
/// and none of `not_values` (when set). An absent attribute matches no value, so it fails
/// `values` and passes `not_values`, as Envoy's matchers do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub key: ConditionKey,
    pub values: Option<Vec<String>>,
    pub not_values: Option<Vec<String>>,
}

/// The `when` keys this model evaluates; any other is [`ConditionKey::Unsupported`]
/// (fails in an ALLOW rule, holds in a DENY rule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConditionKey {
    /// `request.headers[NAME]`, NAME lower-cased (header names are case-insensitive).
    Header(String),
    /// `request.auth.claims[NAME]`: one level; a nested claim is unsupported.
    Claim(String),
    /// `request.auth.principal`: `<iss>/<sub>` of a validated token.
    RequestPrincipal,
    /// `source.principal`, `source.namespace`: the mTLS peer, as in `from`.
    SourcePrincipal,
    SourceNamespace,
    /// `destination.port`.
    DestinationPort,
    Unsupported(String),
}

impl ConditionKey {
    /// Whether only HTTP traffic carries the attribute: on TCP an ALLOW rule holding it
    /// matches nothing and a DENY rule is read without it (Istio's TCP filter drops it).
    pub fn http_only(&self) -> bool {
        matches!(
            self,
            ConditionKey::Header(_) | ConditionKey::Claim(_) | ConditionKey::RequestPrincipal
        ) || matches!(self, ConditionKey::Unsupported(k) if k.starts_with("request."))
    }

    /// Whether the attribute belongs to the peer (decided by the connection's identity)
    /// rather than to the request: the self-check's grid judges the two halves apart.
    pub fn of_source(&self) -> bool {
        matches!(
            self,
            ConditionKey::SourcePrincipal | ConditionKey::SourceNamespace
        )
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Source {
    /// Holds a field this model cannot evaluate (`ipBlocks`, `remoteIpBlocks`, ...).
    pub unsupported: bool,
    /// `requestPrincipals`/`notRequestPrincipals`: `<iss>/<sub>` of a validated token,
    /// an attribute only HTTP traffic has. Boxed: most sources have neither, and a large
    /// tree holds sources by the hundred thousand.
    pub request_principals: Option<Box<RequestPrincipals>>,
    pub principals: Option<Vec<String>>,
    pub not_principals: Option<Vec<String>>,
    pub namespaces: Option<Vec<String>>,
    pub not_namespaces: Option<Vec<String>>,
}

/// A source's `requestPrincipals` (one must match, when set) and `notRequestPrincipals`
/// (none may match, when set).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestPrincipals {
    pub values: Option<Vec<String>>,
    pub not_values: Option<Vec<String>>,
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

/// One `targetRef` of an Istio policy: what it attaches to (a Service, a Gateway, a
/// GatewayClass, a ServiceEntry); `namespace` when the reference names one (it then
/// attaches only when that is the policy's own).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    pub group: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

/// A Gateway API `Gateway` of class `istio-waypoint`: an ambient waypoint proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waypoint {
    pub namespace: String,
    pub name: String,
    /// `istio.io/waypoint-for`: `service` (the default), `workload`, `all` or `none`.
    pub traffic: String,
    /// The service account its pods run as: the Gateway's name unless the annotation
    /// `gateway.istio.io/service-account` names another.
    pub account: String,
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

/// PeerAuthentication mode in effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MtlsMode {
    Strict,
    Permissive,
    Disable,
}

/// A `security.istio.io/v1` RequestAuthentication: which token issuers a pod's proxy
/// validates. A request carrying a token of any other issuer is refused (401) before
/// authorization; a request without a token passes with no request principal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestAuthentication {
    pub namespace: String,
    pub name: String,
    /// `spec.selector.matchLabels`; empty means namespace-wide.
    pub selector: Vec<(String, String)>,
    /// A `targetRef(s)` policy: it applies to waypoints or gateways, not sidecars.
    pub targeted: bool,
    pub targets: Vec<Target>,
    /// `jwtRules[].issuer`, each with its `jwksUri` (empty when absent).
    pub issuers: Vec<(String, String)>,
}

/// A `networking.istio.io/v1` Sidecar: which hosts a pod's proxy knows, and what it does
/// with the others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sidecar {
    pub namespace: String,
    pub name: String,
    /// `workloadSelector.labels`; `None` for a namespace-wide Sidecar. `Some(empty)` (a
    /// `workloadSelector` without labels) still counts as a selector: it selects every pod
    /// of the namespace, ahead of the namespace-wide one.
    pub selector: Option<Vec<(String, String)>>,
    /// `egress` listeners; none (absent or `[]`) imports everything, as `*/*` does.
    pub egress: Vec<EgressListener>,
    /// `outboundTrafficPolicy.mode`; `None` when `outboundTrafficPolicy` is absent (the
    /// mesh default applies). Present without `mode` is REGISTRY_ONLY (the enum's zero).
    pub outbound: Option<OutboundMode>,
    /// What this model does not evaluate, or what Istio's webhook would reject.
    pub notes: Vec<String>,
}

/// One `egress` listener.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EgressListener {
    /// `port.number`; `None` for the catch-all listener.
    pub port: Option<u64>,
    /// `hosts`, each `namespace/dnsName`; an entry Istio would reject is `None` (it
    /// imports nothing).
    pub hosts: Vec<Option<HostImport>>,
}

/// One `egress[].hosts` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostImport {
    pub namespace: ImportNamespace,
    pub dns: ImportName,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportNamespace {
    /// `*`: every namespace.
    Any,
    /// `.`: the namespace of the pod the Sidecar is applied to.
    Own,
    /// `~`: no namespace; the entry imports nothing.
    Nothing,
    Named(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportName {
    /// `*`: every host of the namespace.
    Any,
    /// `*.suffix`, held as `.suffix`.
    Suffix(String),
    Exact(String),
}

/// `outboundTrafficPolicy.mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboundMode {
    /// Hosts the proxy does not know are dropped.
    RegistryOnly,
    /// Hosts the proxy does not know are passed through to the address asked for.
    AllowAny,
}

/// A `networking.istio.io/v1` ServiceEntry: hosts outside the cluster's Services added to
/// the registry of the namespaces it is exported to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceEntry {
    pub namespace: String,
    pub name: String,
    /// `hosts`, exact (`api.example.com`) or wildcard (`*.example.com`).
    pub hosts: Vec<String>,
    /// `addresses` (IPs or CIDRs) as written.
    pub addresses: Vec<String>,
    pub ports: Vec<EntryPort>,
    /// `exportTo`; absent or empty is every namespace (`*`).
    pub export_to: Vec<String>,
    /// `location` as written; `MESH_EXTERNAL` when absent.
    pub location: String,
    /// `resolution` as written; `NONE` when absent.
    pub resolution: String,
}

/// One `ports` element of a ServiceEntry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryPort {
    pub number: u64,
    pub name: String,
    /// `protocol` as written, upper-cased; empty when absent (Istio sniffs it).
    pub protocol: String,
    /// `targetPort`, or `number` when absent.
    pub target_port: u64,
}

/// A policy object the evaluator understands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Policy {
    Network(NetworkPolicy),
    Authorization(AuthorizationPolicy),
    Peer(PeerAuthentication),
    Authentication(RequestAuthentication),
    Sidecar(Sidecar),
    ServiceEntry(ServiceEntry),
    /// A CiliumNetworkPolicy: one [`NetworkPolicy`] per rule (`spec`, `specs`; none when
    /// the agent would reject the object), with what this model ignored in it.
    Cilium(Vec<NetworkPolicy>, Vec<String>),
    Waypoint(Waypoint),
}
