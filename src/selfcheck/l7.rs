//! L7: the AuthorizationPolicies allow exactly the requests the intents allow, probed
//! with requests derived from every rule, from every caller, strangers and plaintext.

use super::asks::{principals, requests};
use super::expected::Expected;
use super::invariant10;
use super::report::{verdict, Report};
use crate::evaluate::{Decision, PodView, Request};
use crate::ir::Service;

/// L7: requests derived from every rule, from every caller, a stranger and plaintext,
/// without headers or token. On a service with denies or conditions, or whose pods a
/// RequestAuthentication selects, [`invariant10`] then asks what headers and tokens
/// change.
pub(crate) fn authorization(d: &Service, view: &PodView, expected: &Expected, report: &mut Report) {
    let principals = principals(d, &expected.mesh.settings);
    let principals: Vec<Option<&str>> = principals.iter().map(Option::as_deref).collect();
    if !d.denies.is_empty()
        || d.allows.iter().any(|a| a.is_conditioned())
        || !view.token_issuers().is_empty()
    {
        invariant10::authorization(d, view, &expected.mesh.settings, report);
    }
    for port in &d.ports {
        let requests = requests(d, port);
        let requests: Vec<Option<(&str, &str)>> = requests
            .iter()
            .map(|r| r.as_ref().map(|(m, x)| (*m, x.as_str())))
            .collect();
        let want = expected.requests(d, port.target, &principals, &requests);
        let got = view.authorize_all(port.target, &principals, &requests);
        let grid = principals
            .iter()
            .flat_map(|p| requests.iter().map(move |r| (p, r)));
        for (((principal, http), want), got) in grid.zip(want).zip(got) {
            if want == got {
                continue;
            }
            // Disagreements are rare: only now build the request and ask for the reason.
            let mut req = match principal {
                Some(p) => Request::from_principal(p, port.target),
                None => Request::plaintext(port.target),
            };
            if let Some((m, x)) = http {
                req = req.http(m, x);
            }
            let decision = view.authorize(&req);
            let what = http.map_or("a TCP connection".to_string(), |(m, x)| format!("{m} {x}"));
            let who = principal.unwrap_or("a plaintext caller");
            report.push(format!(
                "L7 {what} to {}.{}:{} from {who}: intent {}, AuthorizationPolicy {} ({})",
                d.name(),
                d.namespace(),
                port.target,
                verdict(want),
                verdict(got),
                match &decision {
                    Decision::Allow(why) | Decision::Deny(why) => why,
                }
            ));
        }
    }
}
