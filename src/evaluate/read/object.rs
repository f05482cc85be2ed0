//! An object of any of the three kinds as JSON: its head (`apiVersion`, `kind`), its
//! metadata, and a spec that holds every kind's fields, so one pass reads any of them.
//! The kind decides which policy the spec becomes; NetworkPolicy and
//! AuthorizationPolicy are built by their own files, PeerAuthentication is small enough
//! to be built here.

use super::authorization::{self, RawRule};
use super::network::{self, RawNetworkRule};
use super::selector::{match_labels, RawSelector};
use super::strings::Strings;
use crate::evaluate::policy::{MtlsMode, PeerAuthentication, Policy};
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::collections::BTreeMap;

pub(crate) enum Kind {
    Network,
    Authorization,
    Peer,
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

#[derive(Deserialize, Default)]
struct Meta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
}

impl Doc {
    pub(crate) fn object(self, root_namespace: &str) -> Option<Policy> {
        let meta = self.metadata.unwrap_or_default();
        let namespace = meta.namespace.unwrap_or_default();
        let name = meta.name.unwrap_or_default();
        let spec = self.spec.unwrap_or_default();
        let head = Head {
            api_version: self.api_version,
            kind: self.kind,
        };
        Some(match head.kind() {
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
                root_namespace,
                spec.selector,
                spec.action,
                spec.target_ref,
                spec.target_refs,
                spec.rules,
            )),
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
