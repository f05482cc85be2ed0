//! Name resolution and semantic checks: syntax trees in, resolved [`ir::Mesh`](crate::ir::Mesh) out.
//!
//! Every rule of the language contract that is not grammar lives here: names are DNS
//! labels, ports exist and are unique, callers resolve, rules sit only on HTTP ports,
//! calls are allowed by their targets, routes are well formed. The checker never stops at
//! the first problem: each helper reports with a span and the walk goes on, so a run shows
//! every error at once. Errors about two declarations point at the later one in path
//! order, with a note at the other.
//!
//! The passes, in the order [`check`] runs them:
//!
//! - `mesh`: the `mesh` block's settings and declared workloads (checked against the
//!   index once it exists, with the scraper; a workload's `allow` lines with
//!   `destination`, as an external's);
//! - `draft`: each `service` block on its own (with `ports`, `routes` and its header
//!   routes and circuit breaking in `resilience`, `labels`), in parallel;
//! - `index`: every service and workload by namespace and name; services defined twice;
//! - `namespaces`: rules between the services of one namespace, and system namespaces;
//! - `externals`: each `external` block, its hosts or ranges (`addresses`), ports and
//!   callers (`destination`);
//! - `jwts`: the mesh block's token issuers;
//! - `allows`: callers and ports of `allow` and `deny` resolved, HTTP rules and their
//!   `conditions` checked, in parallel; `denies` refuses a deny identical to an allow;
//! - `calls`: every `calls` allowed by its target: a service, a workload or an external;
//! - `clusters`: several clusters (the mesh block's `cluster` and `eastwest`, a
//!   service's `clusters`), and a network path for every call between two of them;
//! - `lint`: warnings on the finished model.
//!
//! `passes` holds [`check`], which runs them; `names` validates single tokens; `sink`
//! collects what every pass reports.

mod addresses;
mod allows;
mod ambient;
mod calls;
mod clusters;
mod conditions;
mod denies;
mod destination;
mod draft;
mod dryrun;
mod externals;
mod index;
mod jwts;
mod labels;
mod lint;
mod mesh;
mod names;
mod namespaces;
mod passes;
mod paths;
mod ports;
mod resilience;
mod routes;
mod sink;
#[cfg(test)]
mod tests;

pub use names::{METHODS, RETRY_CONDITIONS};
pub use passes::{check, Parsed};
#[cfg(test)]
pub(crate) use tests::EXAMPLE;
