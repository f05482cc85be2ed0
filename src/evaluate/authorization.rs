//! AuthorizationPolicy semantics (L7), and the sidecar's verdict on a request.
//!
//! DENY before ALLOW; without an applicable ALLOW policy a request is allowed. Fields this
//! model cannot evaluate fail in an ALLOW rule and hold in a DENY rule.

use super::cluster::{Cluster, PodView};
use super::pod::Pod;
use super::policy::{Action, AuthorizationPolicy, AuthorizationRule, MtlsMode};
use super::request::{principal_namespace, Decision, Request};

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
    /// The AuthorizationPolicy verdict on REQ arriving at this pod (mTLS not considered).
    pub fn authorize(&self, req: &Request) -> Decision {
        let port = req.port.to_string();
        let http = req.method.as_deref().zip(req.path.as_deref());
        let principal = req.principal.as_deref();
        let namespace = req.namespace.as_deref();
        let matching = |policy: &AuthorizationPolicy, deny: bool| {
            policy.rules.iter().position(|rule| {
                source_ok(rule, principal, namespace, deny)
                    && operation_ok(
                        rule,
                        &port,
                        req.method.is_none() && req.path.is_none(),
                        http,
                        deny,
                    )
            })
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
    /// principal; a request is `(method, path)`, `None` for TCP). The same verdicts, but
    /// each rule's `from` is judged once per principal and its `to` once per request, so a
    /// destination's whole probe grid costs principals + requests rule checks rather than
    /// their product.
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
            let from: Vec<bool> = principals
                .iter()
                .zip(&namespaces)
                .flat_map(|(&p, &ns)| rules.iter().map(move |r| source_ok(r, p, ns, deny)))
                .collect();
            let to: Vec<bool> = requests
                .iter()
                .flat_map(|&http| {
                    let port = &port;
                    rules
                        .iter()
                        .map(move |r| operation_ok(r, port, http.is_none(), http, deny))
                })
                .collect();
            (rules.len(), from, to)
        };
        let (deny_rules, deny_from, deny_to) = grid(Action::Deny);
        let (allow_rules, allow_from, allow_to) = grid(Action::Allow);
        let any_allow_policy = self.policies(Action::Allow).next().is_some();
        let hit = |n: usize, from: &[bool], to: &[bool], p: usize, r: usize| {
            (0..n).any(|k| from[p * n + k] && to[r * n + k])
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

/// Whether RULE's `when` and `from` admit the peer. In a DENY policy (DENY true)
/// conditions this model cannot evaluate hold; in an ALLOW policy they fail.
fn source_ok(
    rule: &AuthorizationRule,
    principal: Option<&str>,
    namespace: Option<&str>,
    deny: bool,
) -> bool {
    if rule.when && !deny {
        return false;
    }
    rule.from.is_empty()
        || rule.from.iter().any(|source| {
            (deny || !source.unsupported)
                && string_condition(&source.principals, &source.not_principals, principal)
                && string_condition(&source.namespaces, &source.not_namespaces, namespace)
        })
}

/// Whether RULE's `to` admits the request: PORT as written in policies, TCP when the
/// request carries no method and path, HTTP (method, path) otherwise.
fn operation_ok(
    rule: &AuthorizationRule,
    port: &str,
    tcp: bool,
    http: Option<(&str, &str)>,
    deny: bool,
) -> bool {
    rule.to.is_empty()
        || rule.to.iter().any(|op| {
            if !deny && op.unsupported {
                return false;
            }
            let ports_ok = op
                .ports
                .as_ref()
                .is_none_or(|ps| ps.iter().any(|p| p == port))
                && op
                    .not_ports
                    .as_ref()
                    .is_none_or(|ps| !ps.iter().any(|p| p == port));
            if !ports_ok {
                return false;
            }
            if tcp {
                // TCP traffic: HTTP-only fields make an ALLOW rule match nothing and are
                // dropped from a DENY rule.
                return deny || !op.http_only;
            }
            let (method, path) = (http.map(|h| h.0), http.map(|h| h.1));
            string_condition(&op.methods, &op.not_methods, method)
                && string_condition(&op.paths, &op.not_paths, path)
        })
}

/// A positive list (one must match, when set) and a negative list (none may match).
fn string_condition(
    patterns: &Option<Vec<String>>,
    not_patterns: &Option<Vec<String>>,
    value: Option<&str>,
) -> bool {
    let any =
        |patterns: &Vec<String>| value.is_some_and(|v| patterns.iter().any(|p| istio_match(p, v)));
    patterns.as_ref().is_none_or(any) && not_patterns.as_ref().is_none_or(|ps| !any(ps))
}

/// Istio string matching: exact, prefix `abc*`, suffix `*abc`, presence `*`.
pub fn istio_match(pattern: &str, value: &str) -> bool {
    if pattern == "*" {
        !value.is_empty()
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        value.ends_with(suffix)
    } else if let Some(prefix) = pattern.strip_suffix('*') {
        value.starts_with(prefix)
    } else {
        pattern == value
    }
}
