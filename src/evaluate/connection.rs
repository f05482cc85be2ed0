//! What a connection is, apart from its ends ([`Endpoint`](super::pod::Endpoint)): its
//! transport protocol, and the direction a NetworkPolicy sees it in. The policy shapes (a
//! port's protocol) and the [`Cluster`](super::cluster::Cluster) (a pod's isolation) name
//! these as well as the NetworkPolicy verdicts, so they sit below all three.

/// Transport protocol of a connection or a NetworkPolicy port (`protocol:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Transport {
    Tcp,
    Udp,
    Sctp,
}

/// Traffic direction, for NetworkPolicy isolation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Ingress,
    Egress,
}
