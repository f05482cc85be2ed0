//! Sidecar's JSON shapes, and the [`Sidecar`] built from them.
//!
//! Fields this model does not judge (`ingress`, `inboundConnectionPool`, `egress[].bind`,
//! `captureMode`, `egressProxy`) are skipped unread. `egress[].hosts` entries are parsed
//! here, once, by the rules Istio's admission webhook applies: `namespace/dnsName` with
//! the namespace `*`, `.`, `~` or a DNS label, the name `*`, `*.suffix` or a name with a
//! dot. An entry the webhook would reject (`./reviews`, `prod/foo*.com`, `~prod/*`) imports
//! nothing and is noted. Only the literal `~` is read as a namespace: the `~ns` exclusion
//! forms belong to a later Istio than the one the schemas are taken from.

use super::object::Meta;
use crate::evaluate::policy::{
    EgressListener, HostImport, ImportName, ImportNamespace, OutboundMode, Sidecar,
};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
pub(crate) struct SidecarDoc {
    #[serde(default)]
    metadata: Option<Meta>,
    #[serde(default)]
    spec: Option<RawSidecarSpec>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawSidecarSpec {
    #[serde(default)]
    workload_selector: Option<RawWorkloadSelector>,
    #[serde(default)]
    egress: Option<Vec<RawEgress>>,
    #[serde(default)]
    outbound_traffic_policy: Option<RawOutbound>,
}

#[derive(Deserialize)]
struct RawWorkloadSelector {
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct RawEgress {
    #[serde(default)]
    port: Option<RawEgressPort>,
    #[serde(default)]
    hosts: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawEgressPort {
    #[serde(default)]
    number: Option<u64>,
    #[serde(default)]
    protocol: Option<String>,
}

#[derive(Deserialize)]
struct RawOutbound {
    #[serde(default)]
    mode: Option<String>,
}

impl SidecarDoc {
    /// The Sidecar; an `outboundTrafficPolicy.mode` outside the CRD's enum makes it
    /// unreadable, since no API server would have stored it.
    pub(crate) fn policy(self) -> Result<Sidecar, String> {
        let (namespace, name) = Meta::names(self.metadata);
        let spec = self.spec.unwrap_or_default();
        let outbound = match spec.outbound_traffic_policy {
            None => None,
            // The proto enum's zero value: a policy without a mode is REGISTRY_ONLY, not
            // the mesh default.
            Some(RawOutbound { mode: None }) => Some(OutboundMode::RegistryOnly),
            Some(RawOutbound { mode: Some(mode) }) => Some(match mode.as_str() {
                "REGISTRY_ONLY" => OutboundMode::RegistryOnly,
                "ALLOW_ANY" => OutboundMode::AllowAny,
                other => {
                    return Err(format!(
                        "Sidecar {namespace}/{name}: outboundTrafficPolicy.mode `{other}` \
                         is neither REGISTRY_ONLY nor ALLOW_ANY"
                    ))
                }
            }),
        };
        let mut notes = Vec::new();
        let egress = spec
            .egress
            .unwrap_or_default()
            .into_iter()
            .map(|listener| {
                let port = listener.port.map(|p| {
                    if p.protocol.as_deref() == Some("HTTP_PROXY") {
                        notes.push(format!(
                            "Sidecar {namespace}/{name}: an HTTP_PROXY egress listener is \
                             read as a listener on its port number only"
                        ));
                    }
                    p.number.unwrap_or(0)
                });
                let hosts = listener.hosts.unwrap_or_default();
                if hosts.is_empty() {
                    notes.push(format!(
                        "Sidecar {namespace}/{name}: an egress listener without hosts is \
                         rejected by Istio; it imports nothing here"
                    ));
                }
                let hosts = hosts
                    .iter()
                    .map(|entry| {
                        let import = host_import(entry);
                        if import.is_none() {
                            notes.push(format!(
                                "Sidecar {namespace}/{name}: egress host `{entry}` is \
                                 rejected by Istio; it imports nothing here"
                            ));
                        }
                        import
                    })
                    .collect();
                EgressListener { port, hosts }
            })
            .collect();
        Ok(Sidecar {
            selector: spec
                .workload_selector
                .map(|s| s.labels.unwrap_or_default().into_iter().collect()),
            namespace,
            name,
            egress,
            outbound,
            notes,
        })
    }
}

/// One `egress[].hosts` entry, or `None` when Istio's webhook rejects it.
pub(crate) fn host_import(entry: &str) -> Option<HostImport> {
    let (namespace, dns) = entry.split_once('/')?;
    let namespace = match namespace {
        "*" => ImportNamespace::Any,
        "." => ImportNamespace::Own,
        "~" => ImportNamespace::Nothing,
        name if dns_label(name) => ImportNamespace::Named(name.to_string()),
        _ => return None,
    };
    let dns = if dns == "*" {
        ImportName::Any
    } else if let Some(suffix) = dns.strip_prefix('*') {
        // `*.example.com` only: no partial wildcard, no bare `*.`.
        let rest = suffix.strip_prefix('.')?;
        if rest.is_empty() || !name_chars(rest) {
            return None;
        }
        ImportName::Suffix(suffix.to_string())
    } else if dns.contains('.') && name_chars(dns) {
        // A short name (`reviews`) is rejected: Services are named by their FQDN.
        ImportName::Exact(dns.to_string())
    } else {
        return None;
    };
    Some(HostImport { namespace, dns })
}

/// A DNS-1123 label (a namespace name).
fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A host name without wildcards: labels of letters, digits, `-` and `_`, none empty.
fn name_chars(s: &str) -> bool {
    s.split('.').all(|label| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}
