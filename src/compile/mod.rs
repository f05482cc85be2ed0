//! Resolved model to connection tables: who may open a connection to whom, on which pod
//! ports, seen from both ends, and what each managed pod may call by name.
//!
//! - `tables`: the walk over every `allow` of the mesh and the tables it fills in;
//! - `peer`: the ends of a connection and the NetworkPolicy rules made of them;
//! - `outside`: the addresses outside the cluster, per family, that a `host` external opens;
//! - `remote`: in a mesh of several clusters, how callers and destinations in the other
//!   clusters are named (by pod range or east-west gateway);
//! - `reach`: the destinations a pod may call by name (its Sidecar's hosts), and whose
//!   egress a caller of an `allow` stands for.

mod outside;
mod peer;
mod reach;
mod remote;
mod tables;

pub use outside::{network, Outside};
pub use peer::{Family, Peer, Pods, Rule, L4};
pub use reach::Reach;
pub use remote::EASTWEST_PORT;
pub use tables::{
    compile, ServiceTables, Tables, DNS_PORT, HBONE_PORT, ISTIOD_PORT, PROBE_SOURCE, SCRAPE_PORTS,
};
