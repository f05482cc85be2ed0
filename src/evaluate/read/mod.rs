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
//! kind's fields) and builds the PeerAuthentication, which is small; `network.rs` and
//! `authorization.rs` hold each of those kinds' own shapes and build its policy from the
//! spec's fields; `selector.rs` and `strings.rs` hold the shapes all kinds share.

mod authorization;
mod network;
mod object;
mod selector;
mod strings;

use super::policy::Policy;
use object::{Doc, Head, Kind};
use serde::Deserialize;
use serde_json::Value;

impl Policy {
    /// Read OBJECT (JSON) when it is a NetworkPolicy, an AuthorizationPolicy or a
    /// PeerAuthentication; `Ok(None)` for every other kind. ROOT_NAMESPACE is Istio's
    /// root namespace, for the notes.
    pub fn read(object: &Value, root_namespace: &str) -> Result<Option<Policy>, String> {
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

    /// [`Policy::read`] from JSON text, in one pass.
    pub fn read_json(json: &[u8], root_namespace: &str) -> Result<Option<Policy>, String> {
        match serde_json::from_slice::<Doc>(json) {
            Ok(doc) => Ok(doc.object(root_namespace)),
            Err(e) => match serde_json::from_slice::<Head>(json).map(|h| h.kind()) {
                Ok(Kind::Other) => Ok(None),
                _ => Err(e.to_string()),
            },
        }
    }
}
