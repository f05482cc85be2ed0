//! An object of any of the four policy kinds as JSON: its head (`apiVersion`, `kind`),
//! its metadata, and a spec that holds every kind's fields, so one pass reads any of them.
//! The kind decides which policy the spec becomes; NetworkPolicy and
//! AuthorizationPolicy are built by their own files, PeerAuthentication and
//! RequestAuthentication are small enough to be built here. Sidecar and ServiceEntry share field names with NetworkPolicy
//! (`egress`, `ingress`) in other shapes, so the head only names them here and their own
//! files read them.

use super::authorization::{self, RawRule};
use super::network::{self, RawNetworkRule};
use super::selector::{match_labels, RawSelector};
use super::strings::Strings;
use super::target::{targets, RawTarget};
use crate::evaluate::policy::{
    MtlsMode, PeerAuthentication, Policy, RequestAuthentication, Waypoint,
};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Network,
    Authorization,
    Peer,
    Authentication,
    Sidecar,
    ServiceEntry,
    Cilium,
    Gateway,
    Other,
}

/// What is read first, to know which shape the spec has. Anything else is skipped.
#[derive(Deserialize)]
pub(crate) struct Head {
    #[serde(rename = "apiVersion", default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
}

impl Head {
    pub(crate) fn kind(&self) -> Kind {
        kind(self.api_version.as_deref(), self.kind.as_deref())
    }
}

fn kind(api_version: Option<&str>, kind: Option<&str>) -> Kind {
    let group = api_version.unwrap_or("").split('/').next().unwrap_or("");
    match (group, kind.unwrap_or("")) {
        ("networking.k8s.io", "NetworkPolicy") => Kind::Network,
        ("security.istio.io", "AuthorizationPolicy") => Kind::Authorization,
        ("security.istio.io", "PeerAuthentication") => Kind::Peer,
        ("security.istio.io", "RequestAuthentication") => Kind::Authentication,
        ("networking.istio.io", "Sidecar") => Kind::Sidecar,
        ("networking.istio.io", "ServiceEntry") => Kind::ServiceEntry,
        ("cilium.io", "CiliumNetworkPolicy") => Kind::Cilium,
        ("gateway.networking.k8s.io", "Gateway") => Kind::Gateway,
        _ => Kind::Other,
    }
}

/// An object of any of the four kinds: the spec holds the fields of all four (their
/// names never clash), so one pass reads any of them.
#[derive(Deserialize)]
pub(crate) struct Doc {
    #[serde(rename = "apiVersion", default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    metadata: Option<Meta>,
    #[serde(default)]
    spec: Option<RawSpec>,
}

/// `metadata`, as every kind has it.
#[derive(Deserialize, Default)]
pub(crate) struct Meta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    annotations: Option<Annotations>,
    #[serde(default)]
    labels: Option<Labels>,
}

/// The labels this model reads (a waypoint's traffic type); the others are skipped.
#[derive(Deserialize, Default)]
struct Labels {
    #[serde(rename = "istio.io/waypoint-for", default)]
    waypoint_for: Option<String>,
}

/// The annotations this model reads; the others are skipped without being kept.
#[derive(Deserialize, Default)]
struct Annotations {
    #[serde(rename = "istio.io/dry-run", default)]
    dry_run: Option<String>,
    #[serde(rename = "gateway.istio.io/service-account", default)]
    service_account: Option<String>,
}

/// Istio reads `istio.io/dry-run` with Go's `strconv.ParseBool`; a value it cannot parse
/// leaves the policy enforced.
fn parse_bool(value: &str) -> bool {
    matches!(value, "1" | "t" | "T" | "TRUE" | "true" | "True")
}

impl Meta {
    /// Namespace and name, empty when absent.
    pub(crate) fn names(meta: Option<Meta>) -> (String, String) {
        let meta = meta.unwrap_or_default();
        (
            meta.namespace.unwrap_or_default(),
            meta.name.unwrap_or_default(),
        )
    }
}

impl Doc {
    pub(crate) fn kind(&self) -> Kind {
        kind(self.api_version.as_deref(), self.kind.as_deref())
    }

    /// The policy of a NetworkPolicy, AuthorizationPolicy, PeerAuthentication or
    /// RequestAuthentication; `None`
    /// for any other kind (Sidecar and ServiceEntry are read by their own shapes).
    pub(crate) fn object(self, root_namespace: &str) -> Option<Policy> {
        let kind = self.kind();
        let dry_run = self
            .metadata
            .as_ref()
            .and_then(|m| m.annotations.as_ref())
            .and_then(|a| a.dry_run.as_deref())
            .is_some_and(parse_bool);
        let (waypoint_for, account) = self.metadata.as_ref().map_or((None, None), |m| {
            (
                m.labels.as_ref().and_then(|l| l.waypoint_for.clone()),
                m.annotations
                    .as_ref()
                    .and_then(|a| a.service_account.clone()),
            )
        });
        let (namespace, name) = Meta::names(self.metadata);
        let spec = self.spec.unwrap_or_default();
        Some(match kind {
            Kind::Network => Policy::Network(network::policy(
                namespace,
                name,
                spec.pod_selector,
                spec.policy_types,
                spec.ingress,
                spec.egress,
            )),
            Kind::Authorization => Policy::Authorization(authorization::policy(
                namespace,
                name,
                dry_run,
                root_namespace,
                spec.selector,
                spec.action,
                spec.target_ref,
                spec.target_refs,
                spec.rules,
            )),
            Kind::Peer => Policy::Peer(spec.peer(namespace, name)),
            Kind::Authentication => Policy::Authentication(spec.authentication(namespace, name)),
            Kind::Gateway => {
                if spec.gateway_class_name.as_deref() != Some("istio-waypoint") {
                    return None;
                }
                Policy::Waypoint(Waypoint {
                    account: account.unwrap_or_else(|| name.clone()),
                    namespace,
                    name,
                    traffic: waypoint_for.unwrap_or_else(|| "service".into()),
                })
            }
            Kind::Sidecar | Kind::ServiceEntry | Kind::Cilium | Kind::Other => return None,
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
    target_ref: Option<RawTarget>,
    #[serde(default)]
    target_refs: Option<Vec<RawTarget>>,
    // Gateway
    #[serde(default)]
    gateway_class_name: Option<String>,
    #[serde(default)]
    rules: Option<Vec<RawRule>>,
    // PeerAuthentication
    #[serde(default)]
    mtls: Option<RawMtls>,
    #[serde(default)]
    port_level_mtls: Option<BTreeMap<String, Option<RawMtls>>>,
    // RequestAuthentication
    #[serde(default)]
    jwt_rules: Option<Vec<RawJwtRule>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawJwtRule {
    #[serde(default)]
    issuer: Option<String>,
    #[serde(default)]
    jwks_uri: Option<String>,
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
    fn authentication(self, namespace: String, name: String) -> RequestAuthentication {
        RequestAuthentication {
            namespace,
            name,
            selector: match_labels(self.selector),
            targeted: self.target_ref.is_some() || self.target_refs.is_some(),
            targets: targets(self.target_ref, self.target_refs),
            issuers: self
                .jwt_rules
                .unwrap_or_default()
                .into_iter()
                .filter_map(|r| r.issuer.map(|i| (i, r.jwks_uri.unwrap_or_default())))
                .collect(),
        }
    }

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
