//! The Istio kinds meshward emits, as small serde structs (Istio publishes no Rust types).
//!
//! Only the fields meshward writes are modelled; unset fields are skipped, never `null`,
//! and field order here is the order in the YAML.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use std::collections::BTreeMap;

pub const SECURITY_V1: &str = "security.istio.io/v1";
pub const NETWORKING_V1: &str = "networking.istio.io/v1";

#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSelector {
    pub match_labels: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationPolicy {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: AuthorizationPolicySpec,
}

/// A policy bound to a Service or a Gateway rather than to pods by `selector`: under
/// ambient, only a waypoint reads it, for traffic to what it names.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct TargetRef {
    pub group: &'static str,
    pub kind: &'static str,
    pub name: String,
}

#[derive(Debug, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationPolicySpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub target_refs: Vec<TargetRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<AuthorizationRule>,
}

#[derive(Debug, Serialize, Default, Clone, PartialEq, Eq)]
pub struct AuthorizationRule {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<From>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<To>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<Condition>,
}

/// One `when` entry: `values` (one must match) or `notValues` (none may).
#[derive(Debug, Serialize, Default, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    pub key: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_values: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestAuthentication {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: RequestAuthenticationSpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestAuthenticationSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub target_refs: Vec<TargetRef>,
    pub jwt_rules: Vec<JwtRule>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JwtRule {
    pub issuer: String,
    pub jwks_uri: String,
}

#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct From {
    pub source: Source,
}

#[derive(Debug, Serialize, Default, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub request_principals: Vec<String>,
}

#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct To {
    pub operation: Operation,
}

#[derive(Debug, Serialize, Default, Clone, PartialEq, Eq)]
pub struct Operation {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerAuthentication {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: PeerAuthenticationSpec,
}

#[derive(Debug, Serialize)]
pub struct PeerAuthenticationSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    pub mtls: MutualTls,
}

#[derive(Debug, Serialize)]
pub struct MutualTls {
    pub mode: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VirtualService {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: VirtualServiceSpec,
}

#[derive(Debug, Serialize)]
pub struct VirtualServiceSpec {
    pub hosts: Vec<String>,
    pub http: Vec<HttpRoute>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRoute {
    pub name: String,
    #[serde(rename = "match")]
    pub matches: Vec<PortMatch>,
    pub route: Vec<RouteDestination>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<HttpRetry>,
}

#[derive(Debug, Serialize)]
pub struct PortMatch {
    pub port: u16,
    /// `NAME: {exact: VALUE}` for a header route; absent on the default route.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, ExactMatch>,
}

#[derive(Debug, Serialize)]
pub struct ExactMatch {
    pub exact: String,
}

#[derive(Debug, Serialize)]
pub struct RouteDestination {
    pub destination: Destination,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<u8>,
}

#[derive(Debug, Serialize)]
pub struct Destination {
    pub host: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    pub port: PortSelector,
}

#[derive(Debug, Serialize)]
pub struct PortSelector {
    pub number: u16,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpRetry {
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_try_timeout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_on: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DestinationRule {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: DestinationRuleSpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DestinationRuleSpec {
    pub host: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<TrafficPolicy>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subsets: Vec<Subset>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficPolicy {
    pub port_level_settings: Vec<PortTrafficPolicy>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortTrafficPolicy {
    pub port: PortSelector,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<OutlierDetection>,
}

#[derive(Debug, Serialize)]
pub struct ConnectionPool {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpPool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpPool>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TcpPool {
    pub max_connections: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpPool {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http1_max_pending_requests: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http2_max_requests: Option<u32>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutlierDetection {
    pub consecutive_5xx_errors: u32,
    pub interval: String,
    pub base_ejection_time: String,
    pub max_ejection_percent: u8,
}

#[derive(Debug, Serialize)]
pub struct Subset {
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntry {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: ServiceEntrySpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntrySpec {
    pub hosts: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    pub ports: Vec<ServiceEntryPort>,
    pub location: &'static str,
    pub resolution: &'static str,
    pub export_to: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ServiceEntryPort {
    pub number: u16,
    pub name: String,
    pub protocol: &'static str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sidecar {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: SidecarSpec,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SidecarSpec {
    /// A Sidecar's selector is `labels`, not `matchLabels`; absent for the namespace's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<SidecarSelector>,
    pub egress: Vec<EgressListener>,
    pub outbound_traffic_policy: OutboundTrafficPolicy,
}

#[derive(Debug, Serialize)]
pub struct SidecarSelector {
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
pub struct EgressListener {
    pub hosts: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct OutboundTrafficPolicy {
    pub mode: &'static str,
}
