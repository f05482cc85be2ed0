//! AuthorizationPolicy semantics (L7), and the sidecar's verdict on a request.
//!
//! The token is judged first (RequestAuthentication, `authentication.rs`), then DENY
//! before ALLOW; without an applicable ALLOW policy a request is allowed. A rule is the
//! AND of its `from` (any source), its `to` (any operation) and every `when` condition.
//! On TCP traffic a rule holding an HTTP-only field (methods, paths, hosts, request
//! principals, `request.*` conditions) matches nothing in an ALLOW policy and is read
//! without those fields in a DENY policy: Istio drops such an ALLOW rule from the TCP
//! filter and drops the fields from a DENY rule, which widens the deny to the whole port.
//! Fields this model cannot evaluate fail in an ALLOW rule and hold in a DENY rule.

use super::cluster::{Cluster, PodView};
use super::conditions::{conditions_ok, string_condition, Ask};
use super::pod::Pod;
use super::policy::{Action, AuthorizationPolicy, AuthorizationRule, MtlsMode, Source};
use super::request::{principal_namespace, Decision, Request, Token};

impl Cluster {
    /// The AuthorizationPolicy verdict on REQ arriving at DST (mTLS not considered: see
    /// [`Cluster::request_allowed`]).
    pub fn authorize(&self, dst: &Pod, req: &Request) -> Decision {
        self.view(dst).authorize(req)
    }

    /// The sidecar's verdict: mTLS mode first (STRICT refuses plaintext, DISABLE drops the
    /// peer identity), then [`Cluster::authorize`].
    pub fn request_allowed(&self, dst: &Pod, req: &Request) -> Decision {
        match self.mtls_mode_on_port(dst, Some(req.port)) {
            MtlsMode::Strict if req.principal.is_none() => {
                Decision::Deny("plaintext refused: STRICT mTLS".to_string())
            }
            MtlsMode::Disable => {
                let plain = Request {
                    principal: None,
                    namespace: None,
                    ..req.clone()
                };
                self.authorize(dst, &plain)
            }
            _ => self.authorize(dst, req),
        }
    }
}

impl<'a> PodView<'a> {
    /// The verdict on REQ arriving at this pod (mTLS not considered): its token first
    /// (RequestAuthentication), then the AuthorizationPolicies.
    pub fn authorize(&self, req: &Request) -> Decision {
        let token = match self.authenticate(req) {
            Ok(token) => token,
            Err(refused) => return refused,
        };
        let port = req.port.to_string();
        let ask = Ask {
            principal: req.principal.as_deref(),
            namespace: req.namespace.as_deref(),
            port: &port,
            http: req.method.as_deref().zip(req.path.as_deref()),
            tcp: req.method.is_none() && req.path.is_none(),
            request: Some(req),
            token,
            ztunnel: false,
        };
        let matching = |policy: &AuthorizationPolicy, deny: bool| {
            policy
                .rules
                .iter()
                .position(|rule| peer_ok(rule, &ask, deny) && request_ok(rule, &ask, deny))
        };
        let name = |policy: &AuthorizationPolicy| format!("{}/{}", policy.namespace, policy.name);
        for policy in self.policies(Action::Deny) {
            if let Some(i) = matching(policy, true) {
                return Decision::Deny(format!("DENY policy {} rule {i}", name(policy)));
            }
        }
        let allow: Vec<&AuthorizationPolicy> = self.policies(Action::Allow).collect();
        if allow.is_empty() {
            return Decision::Allow("no ALLOW policy applies".to_string());
        }
        for policy in &allow {
            if let Some(i) = matching(policy, false) {
                return Decision::Allow(format!("ALLOW policy {} rule {i}", name(policy)));
            }
        }
        let names: Vec<String> = allow.iter().map(|p| name(p)).collect();
        Decision::Deny(format!("no rule of ALLOW policies {names:?} matches"))
    }

    /// Whether [`PodView::authorize`] allows each PRINCIPAL × REQUEST on PORT (rows by
    /// principal; a request is `(method, path)`, `None` for TCP), for requests without
    /// headers or token. The same verdicts, but each rule's peer half (`from`, and the
    /// `when` conditions on the peer) is judged once per principal and its request half
    /// once per request, so a destination's whole probe grid costs principals + requests
    /// rule checks rather than their product. A rule is the AND of the two halves; only
    /// request principals in `from` depend on the request, and without a token only on
    /// whether it is TCP, so the peer half is judged for both kinds.
    pub fn authorize_all(
        &self,
        port: u16,
        principals: &[Option<&str>],
        requests: &[Option<(&str, &str)>],
    ) -> Vec<bool> {
        let port = port.to_string();
        let namespaces: Vec<Option<&str>> = principals
            .iter()
            .map(|p| p.and_then(principal_namespace))
            .collect();
        let grid = |action: Action| {
            let deny = action == Action::Deny;
            let rules: Vec<&AuthorizationRule> =
                self.policies(action).flat_map(|p| p.rules.iter()).collect();
            // from[(p * 2 + tcp) * n + k]
            let mut from = Vec::with_capacity(principals.len() * 2 * rules.len());
            for (&principal, &namespace) in principals.iter().zip(&namespaces) {
                for tcp in [false, true] {
                    let ask = Ask {
                        principal,
                        namespace,
                        port: &port,
                        http: None,
                        tcp,
                        request: None,
                        token: None,
                        ztunnel: false,
                    };
                    from.extend(rules.iter().map(|r| peer_ok(r, &ask, deny)));
                }
            }
            let mut to = Vec::with_capacity(requests.len() * rules.len());
            for &http in requests {
                let ask = Ask {
                    principal: None,
                    namespace: None,
                    port: &port,
                    http,
                    tcp: http.is_none(),
                    request: None,
                    token: None,
                    ztunnel: false,
                };
                to.extend(rules.iter().map(|r| request_ok(r, &ask, deny)));
            }
            (rules.len(), from, to)
        };
        let (deny_rules, deny_from, deny_to) = grid(Action::Deny);
        let (allow_rules, allow_from, allow_to) = grid(Action::Allow);
        let any_allow_policy = self.policies(Action::Allow).next().is_some();
        let hit = |n: usize, from: &[bool], to: &[bool], p: usize, r: usize| {
            let row = (p * 2 + usize::from(requests[r].is_none())) * n;
            (0..n).any(|k| from[row + k] && to[r * n + k])
        };
        let mut out = Vec::with_capacity(principals.len() * requests.len());
        for p in 0..principals.len() {
            for r in 0..requests.len() {
                let denied = hit(deny_rules, &deny_from, &deny_to, p, r);
                let allowed = !any_allow_policy || hit(allow_rules, &allow_from, &allow_to, p, r);
                out.push(!denied && allowed);
            }
        }
        out
    }

    fn policies(&self, action: Action) -> impl Iterator<Item = &'a AuthorizationPolicy> + '_ {
        self.authorization
            .iter()
            .copied()
            .filter(move |p| p.action == Some(action))
    }
}

/// Whether RULE matches what ASK describes, in a DENY policy (DENY true) or an ALLOW one.
pub(crate) fn rule_matches(rule: &AuthorizationRule, ask: &Ask, deny: bool) -> bool {
    peer_ok(rule, ask, deny) && request_ok(rule, ask, deny)
}

/// The peer half of RULE: some `from` source admits the peer (and the token's request
/// principal), and every `when` condition on the peer holds. In a DENY policy (DENY
/// true) what this model cannot evaluate holds; in an ALLOW policy it fails.
fn peer_ok(rule: &AuthorizationRule, ask: &Ask, deny: bool) -> bool {
    let request_principal = ask.token.map(Token::principal);
    let sources = rule.from.is_empty()
        || rule.from.iter().any(|source| {
            // ztunnel strips the HTTP-only fields; an entry left empty never matches.
            !(ask.ztunnel && source_l7_only(source))
                && (deny || !source.unsupported)
                && string_condition(&source.principals, &source.not_principals, ask.principal)
                && string_condition(&source.namespaces, &source.not_namespaces, ask.namespace)
                // HTTP-only: dropped from a DENY rule on TCP (an ALLOW rule holding it
                // never reaches here on TCP: `request_ok` fails it).
                && (ask.tcp
                    || source.request_principals.as_ref().is_none_or(|r| {
                        string_condition(&r.values, &r.not_values, request_principal.as_deref())
                    }))
        });
    sources && conditions_ok(&rule.when, ask, deny, true)
}

/// The request half of RULE: on TCP an ALLOW rule with an HTTP-only field matches
/// nothing; some `to` operation admits the port and the request; every `when` condition
/// on the request holds.
fn request_ok(rule: &AuthorizationRule, ask: &Ask, deny: bool) -> bool {
    if ask.tcp && !deny && http_only(rule) {
        return false;
    }
    let operations = rule.to.is_empty()
        || rule.to.iter().any(|op| {
            if !deny && op.unsupported {
                return false;
            }
            if ask.ztunnel && op.ports.is_none() && op.not_ports.is_none() {
                // Only HTTP fields (a DENY rule: an ALLOW one never gets here on TCP):
                // ztunnel leaves the entry empty, and an empty entry never matches.
                if op.http_only || op.unsupported {
                    return false;
                }
            }
            let ports_ok = op
                .ports
                .as_ref()
                .is_none_or(|ps| ps.iter().any(|p| p == ask.port))
                && op
                    .not_ports
                    .as_ref()
                    .is_none_or(|ps| !ps.iter().any(|p| p == ask.port));
            if !ports_ok {
                return false;
            }
            if ask.tcp {
                // Only a DENY rule gets here with HTTP-only fields: they are dropped.
                return true;
            }
            let (method, path) = (ask.http.map(|h| h.0), ask.http.map(|h| h.1));
            string_condition(&op.methods, &op.not_methods, method)
                && string_condition(&op.paths, &op.not_paths, path)
        });
    operations && conditions_ok(&rule.when, ask, deny, false)
}

/// Whether SOURCE says nothing ztunnel reads: its only field is the request principal.
fn source_l7_only(source: &Source) -> bool {
    source.request_principals.is_some()
        && source.principals.is_none()
        && source.not_principals.is_none()
        && source.namespaces.is_none()
        && source.not_namespaces.is_none()
        && !source.unsupported
}

/// Whether RULE holds a field only HTTP traffic has.
fn http_only(rule: &AuthorizationRule) -> bool {
    rule.to.iter().any(|op| op.http_only || op.unsupported)
        || rule.from.iter().any(|s| s.request_principals.is_some())
        || rule.when.iter().any(|c| c.key.http_only())
}
