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

use super::cluster::{Cluster, PodView};
use super::conditions::Ask;
use super::pod::Pod;
use super::policy::{Action, AuthorizationPolicy, MtlsMode};
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
