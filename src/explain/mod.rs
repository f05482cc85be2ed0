//! `meshward explain DIR FROM TO [PORT [METHOD PATH]]`: may FROM call TO, layer by layer.
//!
//! The verdicts come from [`crate::evaluate`] reading the rendered objects (the ones `build`
//! writes), so an explanation shows what the cluster will do, not what meshward meant.
//! The intent side only supplies what a person needs next: the `file:line` that allows
//! the call, or that nothing does and the nearest thing that would.
//!
//! TO is a service, a declared workload with ports (named like a service, `vault.vault`),
//! or an external (`external:stripe`). A call to an external is answered at both layers
//! that can stop it: the caller's NetworkPolicy egress (`ipBlock`s; NetworkPolicy cannot
//! name a host, so a `host` external opens its ports to every address outside
//! `cluster-cidrs`) and the caller's proxy (the ServiceEntry of its namespace, imported by
//! its Sidecar under REGISTRY_ONLY).
//!
//! `answer` holds the question and the answer's shape, `resolve` finds the parties and
//! judges each port, `port` judges one port of a service layer by layer, `workload` and
//! `external` one port of the other destinations, `layers` the layers they share (egress,
//! the caller's proxy), `nearest` finds what comes closest to allowing a denied call,
//! `text` prints the answer for a terminal, `dryrun` gives both verdicts when a side is
//! in a dry-run namespace, `ambient` answers a service's port under `dataplane ambient`
//! (the path, each HBONE hop, the waypoint's and the destination ztunnel's verdicts),
//! `clusters` answers `FROM@CLUSTER TO@CLUSTER` in a mesh of several clusters (the path
//! between them, each leg judged by its cluster's tree, the principal in the caller's
//! trust domain).

mod ambient;
mod answer;
mod clusters;
mod dryrun;
mod external;
mod layers;
mod nearest;
mod port;
mod resolve;
mod text;
mod workload;

pub use answer::{Explanation, Layer, PortAnswer, Question};
pub use clusters::explain_clusters;
pub use dryrun::{explain_observed, observed_namespaces};
pub use resolve::explain;
pub use text::render_text;
#[cfg(test)]
mod tests;
