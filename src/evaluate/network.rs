//! NetworkPolicy semantics (L3/L4): isolation, peers, ports, `ipBlock`; and those of
//! CiliumNetworkPolicy, read into the same shapes: deny rules, entities, `toFQDNs`.
//!
//! Questions are asked of a [`Cluster`] (one connection) or of a [`PodView`] (many
//! connections of one pod, and the grids the self-check asks). What is simplified is
//! listed in the module doc of `evaluate`.

use super::cluster::{Cluster, PodView};
use super::connection::{Direction, Transport};
use super::pod::{Endpoint, Pod};
use super::policy::{
    Entity, NetworkPolicy, NetworkPort, NetworkRule, Peer, PortValue, SERVICE_ACCOUNT_KEY,
};
use super::selector::Selector;
use std::net::IpAddr;

impl Cluster {
    /// The NetworkPolicies that select POD and isolate it for DIRECTION.
    pub(crate) fn isolating<'a>(
        &'a self,
        pod: &Pod,
        direction: Direction,
    ) -> Vec<&'a NetworkPolicy> {
        let ns = self.namespace(&pod.namespace);
        ns.network_index
            .candidates(&pod.labels)
            .into_iter()
            .map(|i| &ns.network[i])
            .filter(|policy| {
                let isolates = match direction {
                    Direction::Ingress => policy.isolates_ingress,
                    Direction::Egress => policy.isolates_egress,
                };
                isolates
                    && policy.pod_selector.matches(&pod.labels)
                    && policy.namespace_selector.as_ref().is_none_or(|s| {
                        s.matches_by(|key| self.namespace_label(&pod.namespace, key))
                    })
                    && policy
                        .accounts
                        .as_ref()
                        .is_none_or(|s| account_matches(s, pod))
            })
            .collect()
    }

    /// Whether some policy selecting POD isolates it for DIRECTION.
    pub fn isolated(&self, pod: &Pod, direction: Direction) -> bool {
        !self.isolating(pod, direction).is_empty()
    }

    /// Whether DST's NetworkPolicies admit a connection from SRC on PORT/PROTO.
    pub fn ingress_allows(&self, dst: &Pod, src: Endpoint, port: u16, proto: Transport) -> bool {
        self.view(dst).ingress_allows(src, port, proto)
    }

    /// Whether SRC's NetworkPolicies let it open a connection to DST on PORT/PROTO.
    pub fn egress_allows(&self, src: &Pod, dst: Endpoint, port: u16, proto: Transport) -> bool {
        self.view(src).egress_allows(dst, port, proto)
    }

    /// Egress on the source side (when it is a pod) and ingress on the destination side
    /// (when it is a pod).
    pub fn connection_allowed(
        &self,
        src: Endpoint,
        dst: Endpoint,
        port: u16,
        proto: Transport,
    ) -> bool {
        let egress = match src {
            Endpoint::Pod(pod) => self.egress_allows(pod, dst, port, proto),
            Endpoint::Ip(_) | Endpoint::Name(..) => true,
        };
        let ingress = match dst {
            Endpoint::Pod(pod) => self.ingress_allows(pod, src, port, proto),
            Endpoint::Ip(_) | Endpoint::Name(..) => true,
        };
        egress && ingress
    }

    /// Whether some rule in RULES (of a policy in POLICY_NS) admits PEER on PORT/PROTO.
    /// DST_POD resolves named ports.
    fn rules_allow(
        &self,
        rules: &[NetworkRule],
        policy_ns: &str,
        peer: Endpoint,
        dst_pod: Option<&Pod>,
        port: u16,
        proto: Transport,
    ) -> bool {
        rules.iter().any(|rule| {
            let peer_ok = rule.peers.is_empty()
                || rule
                    .peers
                    .iter()
                    .any(|p| self.peer_matches(p, policy_ns, peer));
            peer_ok && ports_match(&rule.ports, port, proto, dst_pod)
        })
    }

    /// One `from`/`to` element of a policy in namespace POLICY_NS. A [`Peer::Name`]
    /// matches an [`Endpoint::Name`] by name alone here: whether Cilium learned the
    /// address (its DNS proxy saw the lookup) is the source pod's to say, and its
    /// [`PodView::egress_allows`] asks it.
    pub fn peer_matches(&self, peer: &Peer, policy_ns: &str, endpoint: Endpoint) -> bool {
        match (peer, endpoint) {
            (Peer::Entity(entity), endpoint) => match entity {
                Entity::All => true,
                Entity::World => !matches!(endpoint, Endpoint::Pod(_)),
                Entity::Cluster => matches!(endpoint, Endpoint::Pod(_)),
                Entity::Nothing => false,
            },
            (Peer::Name(pattern), Endpoint::Name(name, _)) => pattern.matches(name),
            (Peer::Name(_), _) => false,
            (Peer::IpBlock { cidr, except }, Endpoint::Ip(ip) | Endpoint::Name(_, ip)) => {
                cidr.as_deref().is_some_and(|cidr| cidr_contains(cidr, ip))
                    && except.iter().all(|e| !cidr_contains(e, ip))
            }
            (Peer::IpBlock { .. }, Endpoint::Pod(_))
            | (Peer::Pods { .. }, Endpoint::Ip(_) | Endpoint::Name(..)) => false,
            (
                Peer::Pods {
                    namespaces,
                    pods,
                    accounts,
                },
                Endpoint::Pod(pod),
            ) => {
                if namespaces.is_none() && pods.is_none() {
                    return false; // rejected by the API server; match nothing
                }
                let namespace_ok = match namespaces {
                    Some(selector) => {
                        selector.matches_by(|key| self.namespace_label(&pod.namespace, key))
                    }
                    None => pod.namespace == policy_ns,
                };
                namespace_ok
                    && pods.as_ref().is_none_or(|s| s.matches(&pod.labels))
                    && accounts.as_ref().is_none_or(|s| account_matches(s, pod))
            }
        }
    }
}

impl<'a> PodView<'a> {
    /// Whether this pod's NetworkPolicies admit a connection from SRC on PORT/PROTO.
    pub fn ingress_allows(&self, src: Endpoint, port: u16, proto: Transport) -> bool {
        let allowed = self.ingress.is_empty()
            || self.ingress.iter().any(|policy| {
                self.cluster.rules_allow(
                    &policy.ingress,
                    &policy.namespace,
                    src,
                    Some(self.pod),
                    port,
                    proto,
                )
            });
        allowed && !self.denied(Direction::Ingress, src, Some(self.pod), port, proto)
    }

    /// Whether a Cilium deny rule of a policy isolating this pod for DIRECTION matches
    /// PEER on PORT/PROTO: it refuses whatever any policy allows.
    fn denied(
        &self,
        direction: Direction,
        peer: Endpoint,
        dst_pod: Option<&Pod>,
        port: u16,
        proto: Transport,
    ) -> bool {
        self.isolating(direction).iter().any(|policy| {
            let rules = match direction {
                Direction::Ingress => &policy.deny_ingress,
                Direction::Egress => &policy.deny_egress,
            };
            self.cluster
                .rules_allow(rules, &policy.namespace, peer, dst_pod, port, proto)
        })
    }

    /// Whether some egress policy of this pod has a DNS rule (`rules.dns`) letting a
    /// lookup of NAME through Cilium's DNS proxy: only then does Cilium learn the
    /// addresses a `toFQDNs` peer stands for.
    pub fn dns_proxied(&self, name: &str) -> bool {
        self.egress.iter().any(|policy| {
            policy
                .egress
                .iter()
                .any(|rule| rule.dns.iter().any(|d| d.matches(name)))
        })
    }

    /// DST as Cilium sees it from this pod: an [`Endpoint::Name`] not
    /// [`PodView::dns_proxied`] is a bare address, which no `toFQDNs` peer admits.
    fn learned<'e>(&self, dst: Endpoint<'e>) -> Endpoint<'e> {
        match dst {
            Endpoint::Name(name, ip) if !self.dns_proxied(name) => Endpoint::Ip(ip),
            dst => dst,
        }
    }

    /// Whether this pod's NetworkPolicies let it open a connection to DST on PORT/PROTO.
    pub fn egress_allows(&self, dst: Endpoint, port: u16, proto: Transport) -> bool {
        let dst = self.learned(dst);
        let dst_pod = pod_of(dst);
        let allowed = self.egress.is_empty()
            || self.egress.iter().any(|policy| {
                self.cluster.rules_allow(
                    &policy.egress,
                    &policy.namespace,
                    dst,
                    dst_pod,
                    port,
                    proto,
                )
            });
        allowed && !self.denied(Direction::Egress, dst, dst_pod, port, proto)
    }

    /// Whether [`PodView::ingress_allows`] (DIRECTION ingress: PEERS are sources) or
    /// [`PodView::egress_allows`] (egress: PEERS are destinations) holds for each PEER ×
    /// PORT (rows by peer). The same verdicts, but each rule's peers are matched once per
    /// peer rather than once per peer and port: peer matching (selectors, namespaces) is
    /// the costly half.
    pub fn l4_grid(
        &self,
        direction: Direction,
        peers: &[Endpoint],
        ports: &[(Transport, u16)],
    ) -> Vec<bool> {
        let policies = self.isolating(direction);
        if policies.is_empty() {
            return vec![true; peers.len() * ports.len()];
        }
        // Each rule with whether it denies.
        let rules: Vec<(&NetworkRule, &str, bool)> = policies
            .iter()
            .flat_map(|p| {
                let (allow, deny) = match direction {
                    Direction::Ingress => (&p.ingress, &p.deny_ingress),
                    Direction::Egress => (&p.egress, &p.deny_egress),
                };
                let ns = p.namespace.as_str();
                allow
                    .iter()
                    .map(move |r| (r, ns, false))
                    .chain(deny.iter().map(move |r| (r, ns, true)))
            })
            .collect();
        let mut out = Vec::with_capacity(peers.len() * ports.len());
        let mut admits = vec![false; rules.len()];
        for &peer in peers {
            let peer = match direction {
                Direction::Ingress => peer,
                Direction::Egress => self.learned(peer),
            };
            for (slot, (rule, ns, _)) in admits.iter_mut().zip(&rules) {
                *slot = rule.peers.is_empty()
                    || rule
                        .peers
                        .iter()
                        .any(|p| self.cluster.peer_matches(p, ns, peer));
            }
            let dst_pod = match direction {
                Direction::Ingress => Some(self.pod),
                Direction::Egress => pod_of(peer),
            };
            for &(proto, port) in ports {
                let (mut allowed, mut denied) = (false, false);
                for ((rule, _, deny), &ok) in rules.iter().zip(&admits) {
                    if ok && ports_match(&rule.ports, port, proto, dst_pod) {
                        if *deny {
                            denied = true;
                            break;
                        }
                        allowed = true;
                    }
                }
                out.push(allowed && !denied);
            }
        }
        out
    }

    /// `namespace/name` of each policy whose DIRECTION rules admit PEER on PORT/PROTO:
    /// which policies let a connection through, for explanations. None when a Cilium
    /// deny rule refuses the connection.
    pub fn admitting(
        &self,
        direction: Direction,
        peer: Endpoint,
        port: u16,
        proto: Transport,
    ) -> Vec<String> {
        let peer = match direction {
            Direction::Ingress => peer,
            Direction::Egress => self.learned(peer),
        };
        let dst_pod = match direction {
            Direction::Ingress => Some(self.pod),
            Direction::Egress => pod_of(peer),
        };
        if self.denied(direction, peer, dst_pod, port, proto) {
            return Vec::new();
        }
        self.isolating(direction)
            .iter()
            .filter(|policy| {
                let rules = match direction {
                    Direction::Ingress => &policy.ingress,
                    Direction::Egress => &policy.egress,
                };
                self.cluster
                    .rules_allow(rules, &policy.namespace, peer, dst_pod, port, proto)
            })
            .map(|policy| format!("{}/{}", policy.namespace, policy.name))
            .collect()
    }
}

/// The pod an endpoint is, if any: it resolves named ports on egress.
fn pod_of<'a>(endpoint: Endpoint<'a>) -> Option<&'a Pod> {
    match endpoint {
        Endpoint::Pod(pod) => Some(pod),
        Endpoint::Ip(_) | Endpoint::Name(..) => None,
    }
}

/// A Cilium service-account requirement against POD's service account.
fn account_matches(selector: &Selector, pod: &Pod) -> bool {
    selector.matches_by(|key| (key == SERVICE_ACCOUNT_KEY).then_some(pod.service_account.as_str()))
}

/// A rule's `ports` list; empty matches every port.
fn ports_match(ports: &[NetworkPort], port: u16, proto: Transport, dst_pod: Option<&Pod>) -> bool {
    ports.is_empty()
        || ports.iter().any(|entry| {
            entry.protocol == Some(proto)
                && match &entry.port {
                    PortValue::Any => true,
                    PortValue::Number { start, end, .. } => {
                        (*start..=*end).contains(&u64::from(port))
                    }
                    PortValue::Named(name) => {
                        dst_pod.and_then(|pod| pod.named_ports.get(name)) == Some(&port)
                    }
                    PortValue::Invalid => false,
                }
        })
}

/// Whether CIDR (`10.0.0.0/8`, `2001:db8::/32`, or a bare address) holds IP. A CIDR of
/// the other family never holds it (`0.0.0.0/0` is every IPv4 address and no IPv6 one),
/// and one that does not parse (`10.0.0.0/x`, `10.0.0.0/33`) holds nothing. Host bits
/// after the prefix are ignored, as Go's `ParseCIDR` masks them.
pub fn cidr_contains(cidr: &str, ip: IpAddr) -> bool {
    let (address, length) = match cidr.split_once('/') {
        Some((a, l)) => match l.parse::<u32>() {
            // Digits only: `+8` parses as a number but is no prefix length.
            Ok(length) if l.bytes().all(|b| b.is_ascii_digit()) => (a, Some(length)),
            _ => return false,
        },
        None => (cidr, None),
    };
    let Ok(network) = address.parse::<IpAddr>() else {
        return false;
    };
    let (net, addr, bits) = match (network, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => (u128::from(u32::from(n)), u128::from(u32::from(a)), 32),
        (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n), u128::from(a), 128),
        _ => return false,
    };
    let length = length.unwrap_or(bits);
    if length > bits {
        return false;
    }
    let shift = bits - length;
    if shift >= 128 {
        return true;
    }
    (net >> shift) == (addr >> shift)
}
