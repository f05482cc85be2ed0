//! Several clusters in a synthetic tree (`Options::clusters`): east and central share a
//! network, west is on another; every cluster has a gateway (the ingress gateway, a
//! workload, runs everywhere and may send to any cluster), and services are placed so
//! that every kind of crossing occurs: one cluster, two across networks, one on the
//! shared network, and every cluster.

/// The mesh block's lines for the three clusters and the east-west pods.
pub(super) const CLUSTERS: &str = "
  cluster central {
    trust-domain central.mesh.example
    network net-a
    pod-cidrs 10.68.0.0/14
    gateway 198.51.100.20
  }

  cluster east {
    trust-domain east.mesh.example
    network net-a
    pod-cidrs 10.64.0.0/14
    gateway 198.51.100.10
  }

  cluster west {
    trust-domain west.mesh.example
    network net-b
    pod-cidrs 10.72.0.0/14, fd00:72::/48
    gateway 198.51.100.30, 2001:db8:30::1
  }

  eastwest istio-system istio=eastwestgateway
";

/// The `clusters` line of service T, if it has one (without one it runs everywhere).
pub(super) fn line(t: usize) -> Option<&'static str> {
    match t % 4 {
        0 => Some("  clusters east\n"),
        1 => Some("  clusters east, west\n"),
        2 => Some("  clusters central\n"),
        _ => None,
    }
}
