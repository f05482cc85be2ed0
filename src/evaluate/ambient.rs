//! Istio ambient mode: what the per-node ztunnel decides for a pod that runs without a
//! sidecar (Istio 1.30, read in istio/istio `pilot/pkg/serviceregistry/ambient/
//! authorization.go` and istio/ztunnel `src/rbac.rs`, `src/state.rs`).
//!
//! ztunnel enforces only what a connection carries: the peer's identity (principals,
//! namespaces), the destination port, and `when` keys on those. It reads the
//! AuthorizationPolicies that select the pod (or its namespace) and never a `targetRefs`
//! one, which is a waypoint's. HTTP fields change a policy as follows:
//!
//! - an ALLOW rule holding any HTTP field is dropped whole (istiod sends the policy without
//!   it), so a policy whose every rule had one admits nothing: the pods deny everything no
//!   other ALLOW admits. This is the sidecar's reading of an ALLOW rule on a TCP port.
//! - a DENY rule keeps its L4 fields; an entry (a `from` source, a `to` operation, a `when`
//!   condition) left empty by stripping never matches, so a DENY rule with such an entry
//!   refuses nothing. This is where ztunnel differs from a sidecar on a TCP port, which
//!   drops the fields and refuses the whole port: `deny ... { * /admin/* }` bound to pods
//!   by `selector` does nothing under ambient.
//!
//! A request reaching ztunnel is judged as the connection it travels in: the method, path,
//! headers and token are never seen. There is no RequestAuthentication at ztunnel.
//! PeerAuthentication STRICT refuses connections without a peer identity; DISABLE does not
//! turn mTLS off between ambient pods (Istio ignores it there), so it reads as PERMISSIVE.

use super::cluster::{Cluster, PodView, ServiceInfo};
use super::conditions::Ask;
use super::pod::Pod;
use super::policy::{Action, AuthorizationPolicy, MtlsMode, Waypoint};
use super::request::{Decision, Request};

impl Cluster {
    /// ztunnel's verdict on REQ arriving at DST: STRICT refuses plaintext, then
    /// [`PodView::authorize_ztunnel`].
    pub fn ztunnel_allowed(&self, dst: &Pod, req: &Request) -> Decision {
        if req.principal.is_none()
            && self.mtls_mode_on_port(dst, Some(req.port)) == MtlsMode::Strict
        {
            return Decision::Deny("plaintext refused: STRICT mTLS (ztunnel)".to_string());
        }
        self.view(dst).authorize_ztunnel(req)
    }
}

impl PodView<'_> {
    /// The verdict of this pod's ztunnel on the connection REQ travels in: DENY before
    /// ALLOW, no ALLOW policy admits everything, HTTP fields read as the module says.
    pub fn authorize_ztunnel(&self, req: &Request) -> Decision {
        let port = req.port.to_string();
        let ask = Ask {
            principal: req.principal.as_deref(),
            namespace: req.namespace.as_deref(),
            port: &port,
            http: None,
            tcp: true,
            request: None,
            token: None,
            ztunnel: true,
        };
        let name = |p: &AuthorizationPolicy| format!("{}/{}", p.namespace, p.name);
        let of = |action: Action| {
            self.authorization
                .iter()
                .copied()
                .filter(move |p| p.action == Some(action))
        };
        for policy in of(Action::Deny) {
            if let Some(i) = policy
                .rules
                .iter()
                .position(|r| super::authorization::rule_matches(r, &ask, true))
            {
                return Decision::Deny(format!("DENY policy {} rule {i} (ztunnel)", name(policy)));
            }
        }
        let allow: Vec<&AuthorizationPolicy> = of(Action::Allow).collect();
        if allow.is_empty() {
            return Decision::Allow("no ALLOW policy applies (ztunnel)".to_string());
        }
        for policy in &allow {
            if let Some(i) = policy
                .rules
                .iter()
                .position(|r| super::authorization::rule_matches(r, &ask, false))
            {
                return Decision::Allow(format!(
                    "ALLOW policy {} rule {i} (ztunnel)",
                    name(policy)
                ));
            }
        }
        let names: Vec<String> = allow.iter().map(|p| name(p)).collect();
        Decision::Deny(format!("no rule of ALLOW policies {names:?} matches at ztunnel (rules with HTTP fields are dropped there)"))
    }
}

/// The label (on a namespace, or a pod to override it) that puts pods in ambient mode.
pub const DATAPLANE_MODE: &str = "istio.io/dataplane-mode";
/// The label (on a Service, or its namespace) that binds Service traffic to a waypoint.
pub const USE_WAYPOINT: &str = "istio.io/use-waypoint";
const USE_WAYPOINT_NAMESPACE: &str = "istio.io/use-waypoint-namespace";
/// The port HBONE (mTLS tunnels between ambient pods and waypoints) arrives on.
pub const HBONE_PORT: u16 = 15008;
/// The address kubelet health probes of an ambient pod come from (Istio CNI SNATs them),
/// which the pod's NetworkPolicy must admit.
pub const PROBE_SOURCE: &str = "169.254.7.127";
/// The label a waypoint's pods carry, set by Istio from the Gateway's name.
pub const GATEWAY_NAME_LABEL: &str = "gateway.networking.k8s.io/gateway-name";

/// Which way a call travels to an ambient pod.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Path {
    /// Not an ambient destination: its sidecar (or nothing) judges the call.
    Sidecar,
    /// Straight to the destination's ztunnel: no waypoint serves the Service, or the
    /// caller speaks plain text (it never reaches a waypoint).
    Ztunnel,
    /// Through a waypoint, which judges the request with the caller's identity; the
    /// destination's ztunnel then sees the waypoint's.
    Waypoint(Waypoint),
}

/// One network hop of a call: SOURCE opens a TCP connection to TARGET on PORT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    pub source: Option<Pod>,
    pub target: Pod,
    pub port: u16,
}

impl Waypoint {
    /// The identity the destination's ztunnel sees for traffic from this waypoint.
    pub fn principal(&self, trust_domain: &str) -> String {
        format!("{trust_domain}/ns/{}/sa/{}", self.namespace, self.account)
    }

    /// One of its pods: labelled with the Gateway's name, outside ambient capture.
    pub fn pod(&self) -> Pod {
        Pod::new(&self.name, &self.namespace)
            .label(GATEWAY_NAME_LABEL, &self.name)
            .label(DATAPLANE_MODE, "none")
            .account(&self.account)
    }
}

impl Cluster {
    /// Whether POD runs in ambient mode: its namespace says so and the pod does not opt
    /// out, or the pod opts in itself.
    pub fn ambient(&self, pod: &Pod) -> bool {
        match pod.labels.get(DATAPLANE_MODE).map(String::as_str) {
            Some("ambient") => true,
            Some(_) => false,
            None => self.namespace_label(&pod.namespace, DATAPLANE_MODE) == Some("ambient"),
        }
    }

    /// The Services that select POD.
    pub fn services_of(&self, pod: &Pod) -> Vec<&ServiceInfo> {
        self.services
            .iter()
            .filter(|s| {
                s.namespace == pod.namespace
                    && !s.selector.is_empty()
                    && s.selector.iter().all(|(k, v)| pod.labels.get(k) == Some(v))
            })
            .collect()
    }

    /// The waypoint serving SERVICE's traffic: named by the Service's `istio.io/use-waypoint`
    /// label (`none` opts out), else its namespace's; it must exist and take Service traffic.
    pub fn waypoint_of(&self, service: &ServiceInfo) -> Option<&Waypoint> {
        // The Service's own label wins over its namespace's, and brings its namespace key.
        let label = |key: &str| match service.labels.contains_key(USE_WAYPOINT) {
            true => service.labels.get(key).map(String::as_str),
            false => self.namespace_label(&service.namespace, key),
        };
        let name = label(USE_WAYPOINT)?;
        if name == "none" {
            return None;
        }
        let namespace = label(USE_WAYPOINT_NAMESPACE).unwrap_or(&service.namespace);
        self.waypoints.iter().find(|w| {
            w.name == name
                && w.namespace == namespace
                && matches!(w.traffic.as_str(), "service" | "all")
        })
    }

    /// The path a call from a caller with PRINCIPAL (`None`: plain text) to DST through
    /// SERVICE takes.
    pub fn path(&self, dst: &Pod, service: Option<&ServiceInfo>, principal: Option<&str>) -> Path {
        if !self.ambient(dst) {
            return Path::Sidecar;
        }
        match service.and_then(|s| self.waypoint_of(s)) {
            Some(w) if principal.is_some() => Path::Waypoint(w.clone()),
            _ => Path::Ztunnel,
        }
    }

    /// The waypoint's verdict on REQ for SERVICE: the `targetRefs` policies naming the
    /// Service (in its namespace), the waypoint's Gateway (in the waypoint's namespace) or
    /// the class `istio-waypoint` (in the root namespace), with a sidecar's semantics and
    /// the caller's identity; `selector` policies never apply at a waypoint.
    pub fn waypoint_authorize(
        &self,
        waypoint: &Waypoint,
        service: &ServiceInfo,
        req: &Request,
    ) -> Decision {
        let pod = waypoint.pod();
        self.waypoint_view(&pod, waypoint, service, false)
            .authorize(req)
    }

    /// What WAYPOINT (its pod POD) judges SERVICE's requests by: the policies
    /// [`Cluster::waypoint_authorize`] finds, dry-run ones too when ENFORCING. The view
    /// has no NetworkPolicies: ask [`Cluster::view`] of POD for those.
    pub fn waypoint_view<'a>(
        &'a self,
        pod: &'a Pod,
        waypoint: &Waypoint,
        service: &ServiceInfo,
        enforcing: bool,
    ) -> PodView<'a> {
        let (authorization, authentication) = self.attached(waypoint, service, enforcing);
        PodView {
            cluster: self,
            pod,
            ingress: Vec::new(),
            egress: Vec::new(),
            authorization,
            authentication,
        }
    }

    /// The AuthorizationPolicies WAYPOINT applies to SERVICE's traffic (dry-run ones left
    /// out), as [`Cluster::waypoint_authorize`] finds them.
    pub fn waypoint_policies(
        &self,
        waypoint: &Waypoint,
        service: &ServiceInfo,
    ) -> Vec<&AuthorizationPolicy> {
        self.attached(waypoint, service, false).0
    }

    #[allow(clippy::type_complexity)]
    fn attached(
        &self,
        waypoint: &Waypoint,
        service: &ServiceInfo,
        enforcing: bool,
    ) -> (
        Vec<&AuthorizationPolicy>,
        Vec<&super::policy::RequestAuthentication>,
    ) {
        let attached = |policy_ns: &str, targets: &[super::policy::Target]| {
            targets.iter().any(|t| {
                let same_ns = t.namespace.as_deref().is_none_or(|n| n == policy_ns);
                same_ns
                    && match (t.group.as_str(), t.kind.as_str()) {
                        ("", "Service") => policy_ns == service.namespace && t.name == service.name,
                        ("gateway.networking.k8s.io", "Gateway") => {
                            policy_ns == waypoint.namespace && t.name == waypoint.name
                        }
                        ("gateway.networking.k8s.io", "GatewayClass") => {
                            policy_ns == super::cluster::ROOT_NAMESPACE
                                && t.name == "istio-waypoint"
                        }
                        _ => false,
                    }
            })
        };
        let mut namespaces = vec![
            service.namespace.as_str(),
            waypoint.namespace.as_str(),
            super::cluster::ROOT_NAMESPACE,
        ];
        namespaces.sort_unstable();
        namespaces.dedup();
        let mut authorization = Vec::new();
        let mut authentication = Vec::new();
        for ns in namespaces {
            let policies = self.namespace(ns);
            authorization.extend(policies.authorization.iter().filter(|p| {
                p.targeted && (enforcing || !p.dry_run) && attached(&p.namespace, &p.targets)
            }));
            authentication.extend(
                policies
                    .authentication
                    .iter()
                    .filter(|p| p.targeted && attached(&p.namespace, &p.targets)),
            );
        }
        (authorization, authentication)
    }

    /// The verdict on REQ sent to DST through SERVICE, on DST's data plane: a sidecar's
    /// ([`Cluster::request_allowed`]) for a pod not in ambient; otherwise the waypoint's
    /// and then the destination ztunnel's on the waypoint's identity, or the destination
    /// ztunnel's alone (see [`Cluster::path`]).
    pub fn call_allowed(
        &self,
        dst: &Pod,
        service: Option<&ServiceInfo>,
        req: &Request,
        trust_domain: &str,
    ) -> Decision {
        match self.path(dst, service, req.principal.as_deref()) {
            Path::Sidecar => self.request_allowed(dst, req),
            Path::Ztunnel => self.ztunnel_allowed(dst, req),
            Path::Waypoint(w) => {
                let Some(service) = service else {
                    return self.ztunnel_allowed(dst, req);
                };
                let at_waypoint = self.waypoint_authorize(&w, service, req);
                if !at_waypoint.is_allowed() {
                    return at_waypoint;
                }
                let relayed = Request::from_principal(&w.principal(trust_domain), req.port);
                self.ztunnel_allowed(dst, &relayed)
            }
        }
    }

    /// The TCP connections a call from SOURCE (`None`: outside the cluster) to DST on
    /// PORT opens, for NetworkPolicy to admit: the port itself to a pod not in ambient or
    /// for plain text; HBONE (15008) to DST, or to the waypoint and from it to DST.
    pub fn hops(
        &self,
        source: Option<&Pod>,
        dst: &Pod,
        service: Option<&ServiceInfo>,
        port: u16,
    ) -> Vec<Hop> {
        let principal = source.map(|_| "mesh");
        match self.path(dst, service, principal) {
            Path::Sidecar => vec![Hop {
                source: source.cloned(),
                target: dst.clone(),
                port,
            }],
            Path::Ztunnel if source.is_none() => vec![Hop {
                source: None,
                target: dst.clone(),
                port,
            }],
            Path::Ztunnel => vec![Hop {
                source: source.cloned(),
                target: dst.clone(),
                port: HBONE_PORT,
            }],
            Path::Waypoint(w) => vec![
                Hop {
                    source: source.cloned(),
                    target: w.pod(),
                    port: HBONE_PORT,
                },
                Hop {
                    source: Some(w.pod()),
                    target: dst.clone(),
                    port: HBONE_PORT,
                },
            ],
        }
    }
}
