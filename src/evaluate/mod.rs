//! What Kubernetes and Istio would decide, given the objects meshward wrote.
//!
//! This module exists to judge the compiler from the outside. It reads the rendered objects
//! from their JSON form (apiVersion, kind, metadata, spec, exactly as they are written to
//! YAML), once, into its own typed shapes ([`Policy`], read by `read/`), and answers the
//! questions the cluster answers: may this connection exist (NetworkPolicy, L3/L4), which
//! mTLS mode does this pod run in (PeerAuthentication), may this request go through
//! (AuthorizationPolicy, L7), and where does this pod's proxy send a request for a host
//! (Sidecar, ServiceEntry). It deliberately imports nothing from meshward's model
//! (`ir`, `check`, `compile`, `render`): a bug there cannot hide itself by being repeated
//! here. Tests build a [`Cluster`] from a built tree and check the invariants of
//! `docs/output.md` against it.
//!
//! This file only names the parts and re-exports what callers use. The [`Cluster`] built
//! from read policies, and the [`PodView`] of one pod, are in `cluster.rs` (with the
//! per-namespace index in `index.rs`). Each kind's semantics has its own file
//! (`network.rs`, `mtls.rs`, `authorization.rs`; `sidecar.rs` and `outbound.rs` for
//! Sidecar and ServiceEntry; `ambient.rs` for ztunnel and waypoints; `federation.rs` for
//! calls between the clusters of one mesh); the shapes they judge are in `policy.rs` and
//! `selector.rs`,
//! the questions asked of them in `pod.rs`, `connection.rs` and `request.rs`.
//!
//! Semantics, and the simplifications made:
//!
//! - **NetworkPolicy** (`networking.k8s.io/v1`): `podSelector`/`namespaceSelector` with
//!   `matchLabels` and `matchExpressions` (`In`, `NotIn`, `Exists`, `DoesNotExist`);
//!   selectors within one peer AND, peers of a rule OR, rules OR, policies OR. A pod is
//!   isolated for a direction when some policy selecting it has that type (`policyTypes`,
//!   or when absent: Ingress always, Egress when the policy has egress rules); a direction
//!   that is not isolated allows everything. Ports: protocol (default TCP), number, named
//!   port (looked up in the destination pod's [`Pod::named_ports`], assumed to be declared
//!   with the protocol the rule names), `endPort`. `ipBlock` (with `except`) matches
//!   outside addresses only: **pods never match an `ipBlock` here**, although a real CNI
//!   would match a pod's IP against it; and outside addresses never match selectors. An
//!   address is asked about as [`Endpoint::Ip`], IPv4 or IPv6; a block of the other family
//!   never holds it, so "everywhere" takes both `0.0.0.0/0` and `::/0`. An address in an
//!   `except` is outside that block, but another peer, rule or policy may still admit it.
//! - **CiliumNetworkPolicy** (`cilium.io/v2`, namespaced; read by `read/cilium.rs` into
//!   the NetworkPolicy shapes, so every NetworkPolicy question answers for both kinds and
//!   for a pod both select; the union of allows, any deny refusing). Each rule (`spec`,
//!   `specs[i]`) is one policy named `name` or `name[i]`. Label keys lose `k8s:`/`any:`;
//!   a key of another source (`reserved:`, `cidr:`, ...) is one no pod carries.
//!   `io.kubernetes.pod.namespace` is the pod's namespace,
//!   `io.cilium.k8s.namespace.labels.K` its namespace's label K,
//!   `io.cilium.k8s.policy.serviceaccount` its [`Pod::service_account`]; the cluster key
//!   is taken as matching (one cluster). `endpointSelector` selects pods of the policy's
//!   namespace only; `nodeSelector` selects none. `fromEndpoints`/`toEndpoints` that do
//!   not name the namespace key are pinned to the policy's namespace, as Cilium does. A
//!   direction is isolated by a non-empty `ingress`/`ingressDeny` (resp. egress) list;
//!   `enableDefaultDeny` is ignored; an object with a rule whose four lists are all empty
//!   is rejected by the agent and restricts nothing. An item is the AND of its fields: no
//!   peer field admits every peer on its `toPorts`; the empty item `{}` is read as
//!   admitting everything (Cilium up to 1.18 denies, 1.19+ allows: noted). Entities:
//!   `all`, `world` (every outside address), `cluster` (every pod), `none`; the others
//!   (`host`, `remote-node`, `kube-apiserver`, ...) name no endpoint here and match
//!   nothing. The local host (kubelet) that Cilium always lets in is not modelled as an
//!   endpoint. CIDR rules (`fromCIDR`, `toCIDRSet` with `except`) match outside addresses
//!   and never pods, which for Cilium is exactly its semantics. Ports are strings (number,
//!   `0` for all, or a container port name); `ANY` or no protocol is TCP and UDP; `endPort`
//!   is honoured (Cilium before 1.16 ignores it: noted). `toFQDNs` (`matchName` exact,
//!   `matchPattern` with `*` inside one label, `*` alone for every name, `**.` read as one
//!   label as up to 1.18: noted; case and trailing dot ignored) matches only an
//!   [`Endpoint::Name`], and only when some egress policy of the source pod has a
//!   `rules.dns` pattern allowing the lookup (Cilium learns addresses from its DNS proxy).
//!   Not evaluated (noted): L7 rules (the port is read as allowed at L4), `toServices`,
//!   `toGroups`, `fromNodes`/`toNodes`, `fromRequires`/`toRequires`, `icmps`,
//!   `authentication`, CIDR groups: an allow item holding one matches nothing, a deny item
//!   is read without it. CiliumClusterwideNetworkPolicy is not read.
//! - **Sidecar** and **ServiceEntry** (`networking.istio.io/v1`): which Sidecar applies to
//!   a pod, which hosts it imports among those visible to the pod's namespace, and what
//!   REGISTRY_ONLY and ALLOW_ANY do with the rest (see `sidecar.rs`, `outbound.rs`). Two
//!   Sidecars applying equally are reported as ambiguous, not resolved by age. Traffic
//!   that a pod's annotations exclude from its proxy is not modelled.
//! - **VirtualService** (`routing.rs`): which `http` route a request with given headers
//!   takes (first match by port and exact headers), and its weighted subsets. Read
//!   straight from the JSON, since only routing questions ask it.
//! - **AuthorizationPolicy** (`security.istio.io/v1`): scope by `spec.selector.matchLabels`
//!   or namespace-wide. Policies of the root namespace are not given mesh-wide reach, and
//!   `targetRef(s)` policies (waypoints, gateways) do not apply to sidecars; both are
//!   recorded in [`Cluster::notes`]. `CUSTOM` and `AUDIT` are ignored (noted). DENY is
//!   evaluated before ALLOW; without an applicable ALLOW policy a request is allowed;
//!   with one, some rule of some ALLOW policy must match. A policy without rules is
//!   "allow-nothing". A rule is the AND of its sources (any), operations (any) and `when`
//!   conditions (all): `request.headers[..]` (exact, prefix, suffix, presence),
//!   `request.auth.claims[..]` (one level; string or list claims), `request.auth.principal`,
//!   `source.principal`, `source.namespace`, `destination.port`; `requestPrincipals` in
//!   sources (see `conditions.rs`). On TCP traffic (a request without method/path) an
//!   ALLOW rule holding an HTTP-only field matches nothing and a DENY rule is read without
//!   those fields, as Istio's TCP filter does. Fields this model cannot evaluate (other
//!   `when` keys, `ipBlocks`, `remoteIpBlocks`, `hosts` and their `not` forms) make the
//!   condition fail in an ALLOW rule and hold in a DENY rule.
//! - **RequestAuthentication** (`security.istio.io/v1`): the issuers of every policy that
//!   selects the pod (or is namespace-wide) are accepted; a token of another issuer is
//!   refused (401) before authorization; without a token, or with no policy, a request has
//!   no request principal (`authentication.rs`). Root-namespace and `targetRef(s)`
//!   policies are noted, not applied.
//! - **PeerAuthentication**: a workload policy (selector) overrides the namespace-wide one
//!   (no selector), `UNSET` inherits, `portLevelMtls` is honoured on workload policies, the
//!   mesh default is PERMISSIVE. When several policies tie, the first by name wins (Istio
//!   takes the oldest, which a static reading cannot know). A STRICT destination refuses a
//!   request without a principal (plaintext); a DISABLE one sees every request as plaintext.

mod ambient;
mod authentication;
mod authorization;
mod cluster;
mod conditions;
mod connection;
mod federation;
mod fqdn;
mod index;
mod mtls;
mod network;
mod outbound;
mod pod;
mod policy;
mod read;
mod request;
mod routing;
mod selector;
mod sidecar;
#[cfg(test)]
mod tests;

pub use ambient::{
    Hop as AmbientHop, Path as AmbientPath, DATAPLANE_MODE, GATEWAY_NAME_LABEL, PROBE_SOURCE,
    USE_WAYPOINT,
};
pub use cluster::{Cluster, PodView, ServiceInfo, NAMESPACE_NAME_LABEL};
pub use conditions::istio_match;
pub use connection::{Direction, Transport};
pub use federation::{Crossing, Federation, Leg, Member, Placed, EASTWEST_PORT};
pub use network::cidr_contains;
pub use outbound::{Destination, Outbound, Proxy, MESH_OUTBOUND};
pub use pod::{Endpoint, Pod};
pub use policy::{
    Action, AuthorizationPolicy, AuthorizationRule, Condition, ConditionKey, EgressListener,
    Entity, EntryPort, HostImport, ImportName, ImportNamespace, MtlsMode, NamePattern,
    NetworkPolicy, NetworkPort, NetworkRule, Operation, OutboundMode, Peer, PeerAuthentication,
    Policy, PortValue, RequestAuthentication, ServiceEntry, Sidecar, Source, Target, Waypoint,
    SERVICE_ACCOUNT_KEY,
};
pub use request::{principal_namespace, Decision, Request, Token};
pub use routing::{route, Hop};
pub use selector::{selector_matches, Expression, LabelMap, Operator, Selector};
pub use sidecar::{name_covers, SidecarScope};
