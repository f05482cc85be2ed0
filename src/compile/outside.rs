//! "Every address outside the cluster", per address family: what a `host` external opens
//! at L4, since NetworkPolicy cannot name a host.
//!
//! Kubernetes rejects an ipBlock whose `except` is not a strict subset of its `cidr`, so
//! the cluster's ranges are cut down here to what may stand there: masked to their
//! network, deduplicated, those inside another dropped, and a family whose cluster ranges
//! hold its whole space (a `/0`) gets no peer at all, since none of it is outside.

use super::peer::{Family, Peer};
use crate::ir::Cidr;

/// The `except` list of each family's outside peer; `None` when the family has no
/// address outside the cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outside {
    pub v4: Option<Vec<Cidr>>,
    pub v6: Option<Vec<Cidr>>,
}

/// CIDR with its host bits cleared, the only form Kubernetes' strict CIDR validation
/// accepts. The checker already rejects host bits; this keeps the output valid anyway.
pub fn network(cidr: &Cidr) -> Cidr {
    let bits = u32::from(cidr.bits());
    let prefix = cidr.prefix.min(cidr.bits());
    let keep = |value: u128| {
        let shift = bits - u32::from(prefix);
        if shift >= 128 {
            0
        } else {
            value >> shift << shift
        }
    };
    let address = match cidr.address {
        std::net::IpAddr::V4(a) => std::net::IpAddr::V4(std::net::Ipv4Addr::from(keep(u128::from(
            u32::from(a),
        ))
            as u32)),
        std::net::IpAddr::V6(a) => {
            std::net::IpAddr::V6(std::net::Ipv6Addr::from(keep(u128::from(a))))
        }
    };
    Cidr { address, prefix }
}

impl Outside {
    /// From the mesh's `cluster-cidrs`.
    pub fn new(cluster: &[Cidr]) -> Outside {
        Outside {
            v4: Self::except(cluster, Family::V4),
            v6: Self::except(cluster, Family::V6),
        }
    }

    fn except(cluster: &[Cidr], family: Family) -> Option<Vec<Cidr>> {
        let mut ranges: Vec<Cidr> = cluster
            .iter()
            .filter(|c| Family::of(c) == family)
            .map(network)
            .collect();
        if ranges.iter().any(|c| c.prefix == 0) {
            return None;
        }
        // Widest first, so a range inside an earlier one is seen after it.
        ranges.sort_by_key(|c| (c.prefix, c.address));
        let mut kept: Vec<Cidr> = Vec::with_capacity(ranges.len());
        for range in ranges {
            if !kept.iter().any(|k| k.contains(range.address)) {
                kept.push(range);
            }
        }
        kept.sort();
        Some(kept)
    }

    /// The except list of FAMILY's peer (empty when it has no peer).
    pub fn of(&self, family: Family) -> &[Cidr] {
        match family {
            Family::V4 => self.v4.as_deref().unwrap_or(&[]),
            Family::V6 => self.v6.as_deref().unwrap_or(&[]),
        }
    }

    /// The peers a `host` external opens: one per family with addresses outside.
    pub fn peers(&self) -> Vec<Peer<'static>> {
        let mut peers = Vec::with_capacity(2);
        if self.v4.is_some() {
            peers.push(Peer::Outside(Family::V4));
        }
        if self.v6.is_some() {
            peers.push(Peer::Outside(Family::V6));
        }
        peers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Cidr {
        let (address, prefix) = text.split_once('/').unwrap();
        Cidr {
            address: address.parse().unwrap(),
            prefix: prefix.parse().unwrap(),
        }
    }

    fn texts(list: &[Cidr]) -> Vec<String> {
        list.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn no_cluster_ranges_open_both_families_without_except() {
        let outside = Outside::new(&[]);
        assert_eq!(outside.v4, Some(vec![]));
        assert_eq!(outside.v6, Some(vec![]));
        assert_eq!(outside.peers().len(), 2);
    }

    #[test]
    fn except_is_per_family_sorted_and_without_nested_ranges() {
        let outside = Outside::new(&[
            cidr("fd00::/8"),
            cidr("10.1.0.0/16"),
            cidr("10.0.0.0/12"),
            cidr("192.168.0.0/16"),
            cidr("10.0.0.0/12"),
        ]);
        assert_eq!(
            texts(outside.of(Family::V4)),
            ["10.0.0.0/12", "192.168.0.0/16"]
        );
        assert_eq!(texts(outside.of(Family::V6)), ["fd00::/8"]);
        for family in [Family::V4, Family::V6] {
            for except in outside.of(family) {
                assert!(family.everything().strictly_contains(except));
            }
        }
    }

    #[test]
    fn a_whole_family_in_the_cluster_has_no_peer() {
        let outside = Outside::new(&[cidr("0.0.0.0/0"), cidr("fd00::/8")]);
        assert_eq!(outside.v4, None);
        assert_eq!(outside.peers(), vec![Peer::Outside(Family::V6)]);
    }

    #[test]
    fn host_bits_are_cleared() {
        assert_eq!(network(&cidr("10.1.2.3/16")).to_string(), "10.1.0.0/16");
        assert_eq!(
            network(&cidr("2001:db8::1/48")).to_string(),
            "2001:db8::/48"
        );
        assert_eq!(network(&cidr("10.1.2.3/32")).to_string(), "10.1.2.3/32");
        assert_eq!(network(&cidr("10.1.2.3/0")).to_string(), "0.0.0.0/0");
    }
}
