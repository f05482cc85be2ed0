//! Several clusters in one mesh (Istio multi-primary): each cluster's objects are read as
//! their own [`Cluster`], and a call between pods of two clusters is judged along the path
//! the clusters' networks give it (Istio 1.30, "Install Multi-Primary on different
//! networks" and its east-west gateway).
//!
//! - **Same cluster**: as ever, NetworkPolicy at both ends, pod to pod.
//! - **Same network**: pod to pod across clusters. Neither cluster's NetworkPolicy can
//!   select the other's pods, so the caller's egress is judged toward the remote pod's
//!   address, and the destination's ingress from the caller's address, on the target port.
//! - **Other networks**: through the destination cluster's east-west gateway. The caller's
//!   egress is judged toward each of the gateway's addresses on TCP 15443 (the gateway's
//!   mTLS passthrough port); in the destination cluster, the gateway's pods open the
//!   connection to the pod on the target port, judged at both ends there. The gateway
//!   itself (its namespace's policies, its load balancer) is the platform's, not judged.
//!
//! mTLS runs end to end on every path: the destination's sidecar sees the caller's own
//! principal, in the trust domain of the caller's cluster.

use super::cluster::Cluster;
use super::connection::Transport;
use super::network::cidr_contains;
use super::pod::{Endpoint, Pod};
use super::request::{principal_namespace, Decision, Request};
use std::net::IpAddr;

/// The port east-west gateways pass mTLS through on, by SNI.
pub const EASTWEST_PORT: u16 = 15443;

/// One cluster of the mesh: what the network needs to know of it, and its objects.
pub struct Member {
    pub name: String,
    pub network: String,
    pub trust_domain: String,
    /// Its pods' address ranges (`10.1.0.0/16`).
    pub pod_cidrs: Vec<String>,
    /// The addresses its east-west gateway is reached at from other networks.
    pub gateway: Vec<IpAddr>,
    /// One of its east-west gateway's pods (namespace and labels).
    pub eastwest: Pod,
    pub cluster: Cluster,
}

/// A pod of one member, at an address of that member's pod ranges.
#[derive(Clone, Copy)]
pub struct Placed<'a> {
    pub cluster: &'a str,
    pub pod: &'a Pod,
    pub address: IpAddr,
}

/// How a call crosses from one member to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crossing {
    Local,
    Direct,
    Gateway,
}

/// One connection of a call's path, judged by the NetworkPolicies of CLUSTER at one end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leg {
    /// Whose policies judge this end.
    pub cluster: String,
    /// `egress of POD to ADDRESS:PORT`, `ingress of POD from ...`: for messages.
    pub what: String,
    pub allowed: bool,
}

/// The mesh's members.
pub struct Federation {
    pub members: Vec<Member>,
}

impl Federation {
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name == name)
    }

    /// How a call from cluster FROM to cluster TO travels; `None` for an unknown cluster.
    pub fn crossing(&self, from: &str, to: &str) -> Option<Crossing> {
        let (a, b) = (self.member(from)?, self.member(to)?);
        Some(if a.name == b.name {
            Crossing::Local
        } else if a.network == b.network {
            Crossing::Direct
        } else {
            Crossing::Gateway
        })
    }

    /// The principal A's pod presents: its account in its cluster's trust domain.
    pub fn principal(&self, a: &Placed) -> Option<String> {
        let m = self.member(a.cluster)?;
        Some(format!(
            "{}/ns/{}/sa/{}",
            m.trust_domain, a.pod.namespace, a.pod.service_account
        ))
    }

    /// Every end of every connection a call from A to B on target PORT opens, in order,
    /// each with its verdict. An error when a cluster is unknown or an address lies
    /// outside its cluster's pod ranges.
    pub fn legs(&self, a: &Placed, b: &Placed, port: u16) -> Result<Vec<Leg>, String> {
        Ok(self.legs_on(a, b, &[port])?.pop().unwrap_or_default())
    }

    /// [`Federation::legs`] on each of PORTS, in order: each pod's policies are looked up
    /// once for all of them.
    pub fn legs_on(&self, a: &Placed, b: &Placed, ports: &[u16]) -> Result<Vec<Vec<Leg>>, String> {
        let (y, x) = (self.known(a)?, self.known(b)?);
        let tcp = Transport::Tcp;
        let leg = |m: &Member, what: String, allowed: bool| Leg {
            cluster: m.name.clone(),
            what,
            allowed,
        };
        // Pods are named as their callers name them (`orders.shop`, `orders`).
        let name = |p: &Placed| format!("{}@{}", p.pod.name, p.cluster);
        let crossing = self
            .crossing(a.cluster, b.cluster)
            .ok_or("unknown cluster")?;
        if crossing == Crossing::Gateway && x.gateway.is_empty() {
            return Err(format!(
                "cluster {} has no east-west gateway address, and {} is on another network",
                x.name, y.name
            ));
        }
        let (from, to) = (y.cluster.view(a.pod), x.cluster.view(b.pod));
        let gw = &x.eastwest;
        let at = format!("the east-west gateway of {}", x.name);
        let gateway = x.cluster.view(gw);
        let mut out = Vec::with_capacity(ports.len());
        for &port in ports {
            out.push(match crossing {
                Crossing::Local => vec![
                    leg(
                        y,
                        format!("egress of {} to {}:{port}", name(a), name(b)),
                        from.egress_allows(Endpoint::Pod(b.pod), port, tcp),
                    ),
                    leg(
                        x,
                        format!("ingress of {} from {}", name(b), name(a)),
                        to.ingress_allows(Endpoint::Pod(a.pod), port, tcp),
                    ),
                ],
                Crossing::Direct => vec![
                    leg(
                        y,
                        format!("egress of {} to {}:{port}", name(a), b.address),
                        from.egress_allows(Endpoint::Ip(b.address), port, tcp),
                    ),
                    leg(
                        x,
                        format!("ingress of {} from {}", name(b), a.address),
                        to.ingress_allows(Endpoint::Ip(a.address), port, tcp),
                    ),
                ],
                Crossing::Gateway => {
                    let mut legs: Vec<Leg> = x
                        .gateway
                        .iter()
                        .map(|&g| {
                            leg(
                                y,
                                format!("egress of {} to {g}:{EASTWEST_PORT}", name(a)),
                                from.egress_allows(Endpoint::Ip(g), EASTWEST_PORT, tcp),
                            )
                        })
                        .collect();
                    legs.push(leg(
                        x,
                        format!("egress of {at} to {}:{port}", name(b)),
                        gateway.egress_allows(Endpoint::Pod(b.pod), port, tcp),
                    ));
                    legs.push(leg(
                        x,
                        format!("ingress of {} from {at}", name(b)),
                        to.ingress_allows(Endpoint::Pod(gw), port, tcp),
                    ));
                    legs
                }
            });
        }
        Ok(out)
    }

    /// Whether the network admits a call from A to B on target PORT: every leg.
    pub fn connects(&self, a: &Placed, b: &Placed, port: u16) -> Result<bool, String> {
        Ok(self.legs(a, b, port)?.iter().all(|l| l.allowed))
    }

    /// B's sidecar's verdict on REQ (its principal ignored) sent by A: REQ carries A's
    /// principal in A's cluster's trust domain, since mTLS runs end to end.
    pub fn request_allowed(
        &self,
        a: &Placed,
        b: &Placed,
        req: &Request,
    ) -> Result<Decision, String> {
        let x = self.known(b)?;
        let principal = self.principal(a).ok_or("unknown cluster")?;
        let asked = Request {
            namespace: principal_namespace(&principal).map(str::to_string),
            principal: Some(principal),
            ..req.clone()
        };
        Ok(x.cluster.request_allowed(b.pod, &asked))
    }

    fn known(&self, p: &Placed) -> Result<&Member, String> {
        let m = self
            .member(p.cluster)
            .ok_or_else(|| format!("no cluster named {}", p.cluster))?;
        // A cluster without pod ranges is never reached by address (only through its
        // gateway), so its pods' addresses are not asked about.
        if !m.pod_cidrs.is_empty() && !m.pod_cidrs.iter().any(|c| cidr_contains(c, p.address)) {
            return Err(format!(
                "{} is not in the pod ranges of cluster {} ({})",
                p.address,
                m.name,
                m.pod_cidrs.join(", ")
            ));
        }
        Ok(m)
    }
}
