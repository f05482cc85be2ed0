//! The other end of a connection and the NetworkPolicy rules made of them.
//!
//! Peers with identical port sets are grouped into one rule, which makes the output
//! canonical: two intents that mean the same give the same policy.

use crate::ir::{Cidr, Identity, Labels, PodGroup};
use std::collections::{BTreeMap, BTreeSet};

/// The other end of a connection. It borrows from the model: a 10,000-service mesh has
/// about 100,000 edge ends, and copying a selector for each would be most of this stage.
/// The order of the variants is the order peers are written in a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Peer<'m> {
    /// Pods matching a selector in one namespace.
    Pods(Pods<'m>),
    /// Every pod of a namespace.
    Namespace(&'m str),
    /// Any source or destination at all.
    Anywhere,
    /// Exactly this address range (a `cidr` external).
    Block(Cidr),
    /// Every address of one family outside the cluster: the family's whole range less
    /// the cluster's ranges of that family (`Outside` holds them). This
    /// is what a `host` external opens, since NetworkPolicy cannot name a host.
    Outside(Family),
    /// The hosts of a `host` external, by name: under `network cilium`, which can name
    /// them (`toFQDNs`).
    Hosts(&'m [String]),
}

/// An IP address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn of(cidr: &Cidr) -> Family {
        if cidr.is_ipv4() {
            Family::V4
        } else {
            Family::V6
        }
    }

    /// The whole family as a range: `0.0.0.0/0` or `::/0`.
    pub fn everything(self) -> Cidr {
        let address = match self {
            Family::V4 => std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            Family::V6 => std::net::IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
        };
        Cidr { address, prefix: 0 }
    }
}

/// Pods matching SELECTOR in NAMESPACE; ordered as [`PodGroup`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pods<'m> {
    pub namespace: &'m str,
    pub selector: &'m Labels,
}

impl<'m> Pods<'m> {
    pub fn of(identity: &'m Identity) -> Pods<'m> {
        Pods {
            namespace: &identity.namespace,
            selector: &identity.selector,
        }
    }

    pub fn group(group: &'m PodGroup) -> Pods<'m> {
        Pods {
            namespace: &group.namespace,
            selector: &group.selector,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum L4 {
    Tcp,
    Udp,
}

/// One NetworkPolicy rule: these peers on these ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule<'m> {
    /// Sorted; `[Peer::Anywhere]` alone when the rule has no peer restriction.
    pub peers: Vec<Peer<'m>>,
    /// Sorted `(protocol, port)`.
    pub ports: Vec<(L4, u16)>,
}

/// The ports granted toward (or from) each peer.
pub type Grants<'m> = BTreeMap<Peer<'m>, BTreeSet<(L4, u16)>>;

/// Group peers that share a port set into one rule, in a fixed order.
pub fn rules(grants: Grants<'_>) -> Vec<Rule<'_>> {
    let mut by_ports: BTreeMap<Vec<(L4, u16)>, Vec<Peer>> = BTreeMap::new();
    for (peer, ports) in grants {
        if ports.is_empty() {
            continue;
        }
        by_ports
            .entry(ports.into_iter().collect())
            .or_default()
            .push(peer);
    }
    by_ports
        .into_iter()
        .map(|(ports, mut peers)| {
            // A rule that admits anything needs no list of what else it admits.
            if peers.contains(&Peer::Anywhere) {
                peers = vec![Peer::Anywhere];
            }
            Rule { peers, ports }
        })
        .collect()
}
