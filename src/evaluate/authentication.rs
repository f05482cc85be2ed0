//! RequestAuthentication semantics: which end-user tokens a pod's proxy accepts.
//!
//! Every RequestAuthentication that selects the pod (by `selector`, or namespace-wide)
//! adds its `jwtRules` issuers. With none, the proxy does not look at tokens: a token
//! passes unread and gives no request principal. With some, a token of a listed issuer is
//! validated and its principal (`<iss>/<sub>`) and claims reach the AuthorizationPolicies;
//! a token of any other issuer is refused with 401 before authorization ("Jwt issuer is
//! not configured"), whatever the AuthorizationPolicies say; a request without a token
//! passes with no request principal. Tokens are modelled as well-signed (signature and
//! expiry are the identity provider's business, not the policies'). TCP traffic carries no
//! token.

use super::cluster::PodView;
use super::request::{Decision, Request, Token};

impl<'a> PodView<'a> {
    /// The token the proxy accepts from REQ (`Ok(None)` when there is none or nothing
    /// reads it), or the 401 that refuses the request.
    pub fn authenticate<'r>(&self, req: &'r Request) -> Result<Option<&'r Token>, Decision> {
        let Some(token) = req.token.as_ref() else {
            return Ok(None);
        };
        if req.method.is_none() || self.authentication.is_empty() {
            return Ok(None);
        }
        let known = self
            .authentication
            .iter()
            .any(|p| p.issuers.iter().any(|(issuer, _)| issuer == &token.issuer));
        if known {
            return Ok(Some(token));
        }
        let names: Vec<String> = self
            .authentication
            .iter()
            .map(|p| format!("{}/{}", p.namespace, p.name))
            .collect();
        Err(Decision::Deny(format!(
            "401: token issuer {} is not configured in RequestAuthentication {names:?}",
            token.issuer
        )))
    }

    /// The issuers whose tokens this pod's proxy validates, sorted.
    pub fn token_issuers(&self) -> Vec<&'a str> {
        let mut issuers: Vec<&str> = self
            .authentication
            .iter()
            .flat_map(|p| p.issuers.iter().map(|(i, _)| i.as_str()))
            .collect();
        issuers.sort_unstable();
        issuers.dedup();
        issuers
    }
}
