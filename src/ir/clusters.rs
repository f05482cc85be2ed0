//! One cluster of a mesh spread over several: what the network needs to know of it.

use super::cidr::Cidr;

/// One cluster of a mesh spread over several (`cluster NAME { ... }`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    pub name: String,
    /// The SPIFFE trust domain its workloads' identities are issued in.
    pub trust_domain: String,
    /// Clusters on one network reach each other's pods directly; across networks, through
    /// the destination's east-west gateway.
    pub network: String,
    /// Its pods' address ranges: what NetworkPolicy sees of its pods elsewhere.
    pub pod_cidrs: Vec<Cidr>,
    /// Where callers on other networks reach its east-west gateway.
    pub gateway: Vec<std::net::IpAddr>,
}
