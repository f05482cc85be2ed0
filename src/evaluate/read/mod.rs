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
//! This file holds the entry, [`Policy::read`] and [`Policy::read_json`]. The shapes
//! mirror the JSON: `object.rs` holds the object (head, metadata, and one spec with every
//! policy kind's fields) and builds the PeerAuthentication, which is small; `network.rs`
//! and `authorization.rs` hold each of those kinds' own shapes and build its policy from
//! the spec's fields; `selector.rs` and `strings.rs` hold the shapes all kinds share.
//! Sidecar and ServiceEntry reuse NetworkPolicy's field names (`egress`, `ingress`) in
//! other shapes, so they have whole objects of their own (`sidecar.rs`,
//! `service_entry.rs`), read in a second pass once the first has named the kind: the
//! policy kinds, which a large tree holds by the ten thousand, keep their single pass.
//! CiliumNetworkPolicy is read the same way (`cilium.rs`, its items in `cilium_rule.rs`,
//! its selectors in `endpoint_selector.rs`), into NetworkPolicy's shapes.

mod authorization;
mod cilium;
mod cilium_rule;
mod endpoint_selector;
mod network;
mod object;
mod selector;
mod service_entry;
mod sidecar;
mod strings;
mod target;

use super::policy::Policy;
use cilium::CiliumDoc;
use object::{Doc, Head, Kind};
use serde::Deserialize;
use serde_json::Value;
use service_entry::EntryDoc;
use sidecar::SidecarDoc;

impl Policy {
    /// Read OBJECT (JSON) when it is a NetworkPolicy, an AuthorizationPolicy, a
    /// PeerAuthentication, a Sidecar or a ServiceEntry; `Ok(None)` for every other kind.
    /// ROOT_NAMESPACE is Istio's root namespace, for the notes.
    pub fn read(object: &Value, root_namespace: &str) -> Result<Option<Policy>, String> {
        let kind = match Doc::deserialize(object) {
            Ok(doc) => match doc.kind() {
                kind @ (Kind::Sidecar | Kind::ServiceEntry | Kind::Cilium) => kind,
                _ => return Ok(doc.object(root_namespace)),
            },
            // Only an error in a kind this model judges counts: another kind's spec may
            // use the same field names with other shapes.
            Err(e) => match Head::deserialize(object).map(|h| h.kind()) {
                Ok(Kind::Other) => return Ok(None),
                Ok(kind @ (Kind::Sidecar | Kind::ServiceEntry | Kind::Cilium)) => kind,
                _ => return Err(e.to_string()),
            },
        };
        if kind == Kind::Sidecar {
            let doc = SidecarDoc::deserialize(object).map_err(|e| e.to_string())?;
            doc.policy().map(|p| Some(Policy::Sidecar(p)))
        } else if kind == Kind::Cilium {
            let doc = CiliumDoc::deserialize(object).map_err(|e| e.to_string())?;
            let (rules, notes) = doc.policy();
            Ok(Some(Policy::Cilium(rules, notes)))
        } else {
            let doc = EntryDoc::deserialize(object).map_err(|e| e.to_string())?;
            Ok(Some(Policy::ServiceEntry(doc.policy())))
        }
    }

    /// [`Policy::read`] from JSON text, in one pass for the policy kinds.
    pub fn read_json(json: &[u8], root_namespace: &str) -> Result<Option<Policy>, String> {
        let kind = match serde_json::from_slice::<Doc>(json) {
            Ok(doc) => match doc.kind() {
                kind @ (Kind::Sidecar | Kind::ServiceEntry | Kind::Cilium) => kind,
                _ => return Ok(doc.object(root_namespace)),
            },
            Err(e) => match serde_json::from_slice::<Head>(json).map(|h| h.kind()) {
                Ok(Kind::Other) => return Ok(None),
                Ok(kind @ (Kind::Sidecar | Kind::ServiceEntry | Kind::Cilium)) => kind,
                _ => return Err(e.to_string()),
            },
        };
        if kind == Kind::Sidecar {
            let doc = serde_json::from_slice::<SidecarDoc>(json).map_err(|e| e.to_string())?;
            doc.policy().map(|p| Some(Policy::Sidecar(p)))
        } else if kind == Kind::Cilium {
            let doc = serde_json::from_slice::<CiliumDoc>(json).map_err(|e| e.to_string())?;
            let (rules, notes) = doc.policy();
            Ok(Some(Policy::Cilium(rules, notes)))
        } else {
            let doc = serde_json::from_slice::<EntryDoc>(json).map_err(|e| e.to_string())?;
            Ok(Some(Policy::ServiceEntry(doc.policy())))
        }
    }
}
