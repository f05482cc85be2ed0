//! Calls between clusters, seen from the cluster being compiled.
//!
//! NetworkPolicy cannot select a pod of another cluster, so the far end of a call that
//! crosses clusters is an address: on one network, the other cluster's pod ranges (pods
//! reach each other directly); across networks, the destination cluster's east-west
//! gateway, which the caller reaches at its addresses on 15443 and which opens the
//! connection to the pod from its own pods. So at L4 a remote caller is admitted per
//! cluster and port, never per pod: the AuthorizationPolicy, which sees the caller's own
//! principal end to end, narrows it to the caller.

use super::peer::{Peer, Pods};
use crate::ir::{Caller, Cidr, Cluster, Identity, Settings};

/// TCP port east-west gateways pass mTLS through on, by SNI (Istio's
/// `ISTIO_META_ROUTER_MODE=sni-dnat` listener).
pub const EASTWEST_PORT: u16 = 15443;

/// How the cluster being compiled reaches, and is reached from, the others.
pub struct Remote<'m> {
    settings: &'m Settings,
    site: &'m Cluster,
    eastwest: Option<Pods<'m>>,
}

/// Where a caller here sends a call to a destination's pods in another cluster.
pub enum Departure {
    /// To the pods' addresses, on the destination's own ports.
    Direct(Cidr),
    /// To an address of the destination cluster's east-west gateway, on 15443.
    Gateway(Cidr),
}

impl<'m> Remote<'m> {
    /// `None` for a mesh of one cluster.
    pub fn new(settings: &'m Settings) -> Option<Remote<'m>> {
        Some(Remote {
            settings,
            site: settings.site()?,
            eastwest: settings.eastwest.as_ref().map(Pods::group),
        })
    }

    /// Whether the pods of IDENTITY run in this cluster.
    pub fn here(&self, identity: &Identity) -> bool {
        self.settings.runs_in(identity, &self.site.name)
    }

    /// The other clusters CALLER's pods run in: those it names by pods run where they
    /// are placed; a namespace's pods may run in any cluster.
    fn others(&self, caller: &Caller) -> Vec<&'m Cluster> {
        let all = self.settings.clusters.iter();
        let elsewhere = |c: &&Cluster| c.name != self.site.name;
        match caller {
            Caller::Pods(i) => all
                .filter(|c| self.settings.runs_in(i, &c.name))
                .filter(elsewhere)
                .collect(),
            Caller::Namespace(_) => all.filter(elsewhere).collect(),
            // `anyone` is admitted from everywhere already.
            Caller::Anyone => Vec::new(),
        }
    }

    /// The peers CALLER's connections from other clusters arrive from at a pod here: the
    /// pod ranges of each cluster on this network, the east-west gateway's pods for
    /// clusters on others.
    pub fn arrivals(&self, caller: &Caller) -> Vec<Peer<'m>> {
        let mut out = Vec::new();
        for c in self.others(caller) {
            if c.network == self.site.network {
                out.extend(c.pod_cidrs.iter().map(|r| Peer::Block(*r)));
            } else if let Some(pods) = self.eastwest {
                out.push(Peer::Pods(pods));
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Where a call from here to DESTINATION's pods in other clusters goes.
    pub fn departures(&self, destination: &Identity) -> Vec<Departure> {
        let mut out = Vec::new();
        for c in self.settings.clusters_of(destination) {
            if c.name == self.site.name {
                continue;
            }
            if c.network == self.site.network {
                out.extend(c.pod_cidrs.iter().map(|r| Departure::Direct(*r)));
            } else {
                out.extend(c.gateway.iter().map(|&address| {
                    let prefix = if address.is_ipv4() { 32 } else { 128 };
                    Departure::Gateway(Cidr { address, prefix })
                }));
            }
        }
        out
    }
}
