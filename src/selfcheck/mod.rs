//! Self-check: before anything is written, prove that the rendered objects admit exactly
//! what the intents allow, at L4 on both ends of every edge and at L7.
//!
//! Two independent readings meet here. The *expected* side comes straight from the
//! resolved intents ([`ir::Mesh`](crate::ir::Mesh)), with the language's own matching
//! rules written out in `expected.rs`. The *rendered* side asks
//! [`evaluate`](crate::evaluate), which judges the objects the way Kubernetes and Istio
//! would and knows nothing of meshward's model. A disagreement is a compiler bug: the
//! build stops with exit 3 and names the pair and both verdicts.
//!
//! Sources and destinations are *probe pods*: one per service, workload, DNS and istiod
//! group (carrying exactly its selector's labels), one "other" pod per namespace that
//! the tree mentions plus one in a namespace it never mentions (pods nobody declared),
//! and an address outside the cluster. It never walks pod pairs: for each destination it
//! asks only about the probes that some peer of its policies could match, found through
//! a label index, so the cost grows with the rules, not with the square of the services.
//!
//! The entry is in `check.rs`, the report it fills in `report.rs`. The probes are built in
//! `probes.rs`, the intents' side in `expected.rs`; `l4.rs`, `l7.rs`, `mtls.rs`,
//! `routes.rs` and `resilience.rs` (header routes, circuit breaking) each compare one
//! layer of the objects against it; `l7.rs` hands services
//! with denies or conditions to `invariant10.rs`, which also varies headers and tokens
//! (both ask what `asks.rs` derives from the rules). Under `dataplane ambient`,
//! `ambient.rs` asks the same questions where ambient answers them (the waypoint, each
//! pod's ztunnel, HBONE hops) and follows every call along its path. In a mesh of several
//! clusters each cluster's tree is checked on its own, then `clusters.rs` follows every
//! call between two clusters through both trees (invariant 14).

mod addresses;
mod ambient;
mod arrivals;
mod asks;
mod check;
mod clusters;
mod dryrun;
mod expected;
mod invariant10;
mod l4;
mod l7;
mod mtls;
mod names;
mod probes;
mod reach;
mod remote;
mod report;
mod resilience;
mod routes;
mod scope;
mod waves;

pub use ambient::environment;
pub use check::{check, check_as, is_routing, self_check, self_check_as};
pub use clusters::across;
pub use remote::{address, federation};
pub use report::Fault;
pub use waves::Placed;
