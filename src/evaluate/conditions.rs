//! AuthorizationPolicy `when` conditions: what each key reads from the request, and how
//! its values match.
//!
//! Istio compiles each condition to an Envoy matcher. A header is matched exactly, by
//! prefix `abc*`, by suffix `*abc`, or by presence `*` (any value, even empty); claims,
//! request principals and peers use Istio's string matching, where `*` needs a non-empty
//! value. An absent attribute matches no value: it fails `values` and passes `notValues`.
//! A claim may be a string or a list of strings; a list matches when one of its elements
//! does.

use super::policy::{Condition, ConditionKey};
use super::request::{Request, Token};

/// What one rule is judged against. The self-check's grid fills only the half it judges
/// (the peer, or the request), which is why every part is optional.
pub(crate) struct Ask<'r> {
    pub(crate) principal: Option<&'r str>,
    pub(crate) namespace: Option<&'r str>,
    /// The destination port as policies write it.
    pub(crate) port: &'r str,
    /// `(method, path)`; `None` for TCP.
    pub(crate) http: Option<(&'r str, &'r str)>,
    pub(crate) tcp: bool,
    /// For headers; `None` when the request carries none.
    pub(crate) request: Option<&'r Request>,
    /// The token RequestAuthentication accepted, if any.
    pub(crate) token: Option<&'r Token>,
    /// Judged by ztunnel (ambient) rather than a sidecar: see `PodView::authorize_ztunnel`.
    pub(crate) ztunnel: bool,
}

/// Whether every condition of WHEN on one side holds: the peer's (PEER true: the mTLS
/// principal and namespace) or the request's (every other key).
pub(crate) fn conditions_ok(when: &[Condition], ask: &Ask, deny: bool, peer: bool) -> bool {
    when.iter()
        .filter(|c| c.key.of_source() == peer)
        .all(|c| condition_ok(c, ask, deny))
}

fn condition_ok(condition: &Condition, ask: &Ask, deny: bool) -> bool {
    if ask.tcp && condition.key.http_only() {
        // Only a DENY rule is judged on TCP with an HTTP-only condition: a sidecar drops
        // it; ztunnel empties the entry, and an empty entry never matches.
        return !ask.ztunnel;
    }
    let header;
    let principal;
    let (values, presence_matches_empty): (Vec<&str>, bool) = match &condition.key {
        ConditionKey::Header(name) => {
            header = ask.request.and_then(|r| r.header_value(name));
            (header.as_deref().into_iter().collect(), true)
        }
        ConditionKey::Claim(name) => (
            ask.token
                .and_then(|t| t.claim_values(name))
                .unwrap_or_default(),
            false,
        ),
        ConditionKey::RequestPrincipal => {
            principal = ask.token.map(Token::principal);
            (principal.as_deref().into_iter().collect(), false)
        }
        ConditionKey::SourcePrincipal => (ask.principal.into_iter().collect(), false),
        ConditionKey::SourceNamespace => (ask.namespace.into_iter().collect(), false),
        ConditionKey::DestinationPort => {
            let port = ask.port;
            let exact = |ps: &Option<Vec<String>>| {
                ps.as_ref().is_none_or(|ps| ps.iter().any(|p| p == port))
            };
            let none = |ps: &Option<Vec<String>>| {
                ps.as_ref().is_none_or(|ps| !ps.iter().any(|p| p == port))
            };
            return exact(&condition.values) && none(&condition.not_values);
        }
        ConditionKey::Unsupported(_) => return deny,
    };
    let matches = |pattern: &str| {
        values.iter().any(|v| {
            if pattern == "*" && presence_matches_empty {
                true
            } else {
                istio_match(pattern, v)
            }
        })
    };
    condition
        .values
        .as_ref()
        .is_none_or(|ps| ps.iter().any(|p| matches(p)))
        && condition
            .not_values
            .as_ref()
            .is_none_or(|ps| !ps.iter().any(|p| matches(p)))
}

/// A positive list (one must match, when set) and a negative list (none may match).
pub(crate) fn string_condition(
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
