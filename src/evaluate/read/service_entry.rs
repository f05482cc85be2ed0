//! ServiceEntry's JSON shapes, and the [`ServiceEntry`] built from them.
//!
//! Only what decides where a pod's proxy sends a request is kept: hosts, addresses,
//! ports, `exportTo`, and `location`/`resolution` as written (for explanations).
//! `endpoints`, `workloadSelector` and `subjectAltNames` are skipped unread.

use super::object::Meta;
use super::strings::{set, Strings};
use crate::evaluate::policy::{EntryPort, ServiceEntry};
use serde::Deserialize;

#[derive(Deserialize)]
pub(crate) struct EntryDoc {
    #[serde(default)]
    metadata: Option<Meta>,
    #[serde(default)]
    spec: Option<RawEntrySpec>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawEntrySpec {
    #[serde(default)]
    hosts: Strings,
    #[serde(default)]
    addresses: Strings,
    #[serde(default)]
    ports: Option<Vec<RawEntryPort>>,
    #[serde(default)]
    export_to: Strings,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    resolution: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEntryPort {
    #[serde(default)]
    number: Option<u64>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    target_port: Option<u64>,
}

impl EntryDoc {
    pub(crate) fn policy(self) -> ServiceEntry {
        let (namespace, name) = Meta::names(self.metadata);
        let spec = self.spec.unwrap_or_default();
        ServiceEntry {
            namespace,
            name,
            hosts: spec.hosts.unwrap_or_default(),
            addresses: spec.addresses.unwrap_or_default(),
            ports: spec
                .ports
                .unwrap_or_default()
                .into_iter()
                .map(|p| {
                    // A port without a number is rejected by the CRD; 0 matches no request.
                    let number = p.number.unwrap_or(0);
                    EntryPort {
                        number,
                        name: p.name.unwrap_or_default(),
                        // Istio parses protocols case-insensitively.
                        protocol: p.protocol.unwrap_or_default().to_ascii_uppercase(),
                        target_port: p.target_port.unwrap_or(number),
                    }
                })
                .collect(),
            // Empty means the mesh's `defaultServiceExportTo`, `*` by default.
            export_to: set(spec.export_to).unwrap_or_else(|| vec!["*".to_string()]),
            location: spec.location.unwrap_or_else(|| "MESH_EXTERNAL".to_string()),
            resolution: spec.resolution.unwrap_or_else(|| "NONE".to_string()),
        }
    }
}
