//! Connection tables and the resolved model to typed Kubernetes and Istio objects, grouped
//! into the files of the output tree.
//!
//! One file per service (its NetworkPolicy, ALLOW and DENY AuthorizationPolicies,
//! RequestAuthentication, PeerAuthentication, VirtualService, DestinationRule and
//! Sidecar), one `_namespace.yaml` per namespace for
//! the defaults (and the namespace's Sidecar), one `_external.<name>.yaml` per external
//! per namespace holding a caller it allows, and a `kustomization.yaml` in every folder.
//! Namespace-wide objects are named with a `.` (`meshward.default-deny`), which no service
//! name can hold, except Istio's conventional `default` PeerAuthentication and Sidecar; a
//! service's own PeerAuthentication is `<service>-mtls` and the Sidecar of a service named
//! `default` is `default.service`, and its DENY policy `<service>.deny`, so none of them can clash with a service's objects.
//!
//! - `tree`: the whole tree, rendered in parallel and sorted by path;
//! - `document`: the files and objects it holds, and the generated-file marks;
//! - `network`, `authorization` (ALLOW and DENY), `security` (the allow-nothing default,
//!   Peer- and RequestAuthentication), `traffic`: the objects of one layer each, with the
//!   Istio kinds in `istio`;
//! - `external`: an external's ServiceEntry; `sidecar`: the Sidecars and their hosts;
//! - `metadata`: the name, namespace and managed-by label every object carries; `waves`:
//!   the Argo CD sync wave of each object, with `sync-waves on`; `dryrun`: what an
//!   observed (`dry-run`) namespace gets instead of the enforced objects; `ambient`: the
//!   waypoint's objects and the policies rebound to it under `dataplane ambient`.

pub mod ambient;
mod authorization;
pub mod cilium;
mod document;
mod dryrun;
mod external;
pub mod istio;
mod metadata;
mod network;
mod security;
mod sidecar;
#[cfg(test)]
mod tests;
mod traffic;
mod tree;
mod waves;

pub use document::{
    Document, Kustomization, Object, GENERATED, GENERATED_MARK, KUSTOMIZATION_FILE, NAMESPACE_FILE,
};
pub use dryrun::{DRY_RUN_KEY, EVERY_HOST};
pub use external::{cidr_host, entry_name};
pub use metadata::{MANAGED_BY_KEY, MANAGED_BY_VALUE};
pub use sidecar::{sidecar_name, NAMESPACE_SIDECAR};
pub use tree::{external_file, render, render_as, render_with, service_file, Reading};
pub use waves::WAVE_KEY;
