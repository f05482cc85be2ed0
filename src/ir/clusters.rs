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

impl Cluster {
    /// The N-th address of its first pod range (wrapping inside the range): where a probe
    /// of its pods stands when another cluster sees it by address. `None` without pod
    /// ranges, when no other cluster reaches its pods by address.
    pub fn address(&self, n: u128) -> Option<std::net::IpAddr> {
        let range = self.pod_cidrs.first()?;
        let host = u32::from(range.bits() - range.prefix);
        let offset = if host >= 128 { n } else { n % (1u128 << host) };
        Some(match range.address {
            std::net::IpAddr::V4(a) => {
                std::net::IpAddr::V4(((u128::from(u32::from(a)) + offset) as u32).into())
            }
            std::net::IpAddr::V6(a) => {
                std::net::IpAddr::V6(u128::from(a).wrapping_add(offset).into())
            }
        })
    }
}
