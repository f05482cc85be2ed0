//! Invariant 10: on a service with denies or conditions, the AuthorizationPolicies and
//! RequestAuthentication admit a request exactly when its token is absent or from an
//! issuer the service's rules use, some allow covers it with its conditions holding, and
//! no deny covers it.
//!
//! The requests vary what conditions read. Headers: none, each header a condition names
//! alone at a value inside each pattern and just outside it (one character more or less,
//! another case), and every header at once at a matching value. Tokens (only when a
//! rule uses one or a RequestAuthentication selects the pod; otherwise they pass unread):
//! none; for every issuer of the mesh, every issuer the pod's RequestAuthentication
//! validates, and one whose URL extends a used issuer's (prefix-sharing), a token
//! whose claims match every claim condition, one with no such claims, one whose claims
//! match nothing. Headers vary with no token and with a matching token of each used
//! issuer; tokens vary with no headers and with every header matching. Each variant meets
//! every principal and request of [`super::asks`], so every deny is asked about from inside
//! and just outside its callers, ports and paths.

use super::asks;
use super::expected::{caller_admits, Expected};
use super::report::{verdict, Report};
use crate::evaluate::{Decision, PodView, Request, Token};
use crate::ir::{Allow, Condition, EndUser, Extras, Jwt, Service};
use std::collections::{BTreeMap, BTreeSet};

/// The subject of every probe token.
const SUBJECT: &str = "meshward-probe-user";
/// A header value or claim no pattern is built from.
const STRANGE: &str = "meshward-probe";

/// Request headers, `(name, value)`.
type Headers = Vec<(String, String)>;

/// One probe token: the evaluator's and the language's view of it.
struct ProbeToken {
    token: Token,
    user: EndUser,
}

fn probe_token(issuer: &str, claims: &[(String, Vec<String>)]) -> ProbeToken {
    let mut token = Token::new(issuer, SUBJECT);
    for (name, values) in claims {
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        token = token.claim(name, &values);
    }
    ProbeToken {
        token,
        user: EndUser {
            issuer: issuer.to_string(),
            subject: SUBJECT.to_string(),
            claims: claims.to_vec(),
        },
    }
}

/// A value PATTERN matches, and values just outside it.
fn values_around(pattern: &str) -> (String, Vec<String>) {
    if let Some(suffix) = pattern.strip_prefix('*') {
        let inside = format!("probe{suffix}");
        let outside = vec![
            suffix[1.min(suffix.len())..].to_string(),
            format!("{inside}x"),
        ];
        (inside, outside)
    } else if let Some(prefix) = pattern.strip_suffix('*') {
        let inside = format!("{prefix}probe");
        let outside = vec![
            prefix[..prefix.len().saturating_sub(1)].to_string(),
            format!("x{prefix}"),
        ];
        (inside, outside)
    } else {
        let outside = vec![
            format!("{pattern}x"),
            pattern[..pattern.len().saturating_sub(1)].to_string(),
            pattern.to_ascii_uppercase(),
        ];
        (pattern.to_string(), outside)
    }
}

/// Every condition of the service's allows and denies.
fn conditions(d: &Service) -> impl Iterator<Item = &Condition> {
    d.allows
        .iter()
        .chain(&d.denies)
        .flat_map(|a| &a.rules)
        .flat_map(|r| &r.conditions)
}

/// The header sets to send: none, one header at a time, all matching.
fn header_sets(d: &Service) -> (Vec<Headers>, Headers) {
    let mut by_name: BTreeMap<&str, (Vec<String>, BTreeSet<String>)> = BTreeMap::new();
    for c in conditions(d) {
        if let Condition::Header { name, values, .. } = c {
            let entry = by_name.entry(name).or_default();
            for v in values {
                let (inside, outside) = values_around(v);
                entry.0.push(inside.clone());
                entry.1.insert(inside);
                entry
                    .1
                    .extend(outside.into_iter().filter(|o| !o.is_empty()));
            }
            entry.1.insert(STRANGE.to_string());
        }
    }
    let all: Vec<(String, String)> = by_name
        .iter()
        .map(|(name, (inside, _))| (name.to_string(), inside[0].clone()))
        .collect();
    let mut sets = vec![Vec::new()];
    for (name, (_, values)) in &by_name {
        for v in values {
            sets.push(vec![(name.to_string(), v.clone())]);
        }
    }
    if by_name.len() > 1 {
        sets.push(all.clone());
    }
    (sets, all)
}

/// The tokens to send, the first of each used issuer with every claim matching. EXTRA:
/// issuers the pod's proxy validates, which may be none of the mesh's.
fn tokens(d: &Service, jwts: &[Jwt], extra: &[&str]) -> (Vec<ProbeToken>, Vec<usize>) {
    let mut claims: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for c in conditions(d) {
        if let Condition::Claim { name, values } = c {
            let entry = claims.entry(name).or_default();
            entry.extend(values.iter().map(|v| values_around(v).0));
        }
    }
    let matching: Vec<(String, Vec<String>)> = claims
        .iter()
        .map(|(n, vs)| {
            let mut vs = vs.clone();
            vs.push(STRANGE.to_string());
            (n.to_string(), vs)
        })
        .collect();
    let strange: Vec<(String, Vec<String>)> = claims
        .keys()
        .map(|n| (n.to_string(), vec![STRANGE.to_string()]))
        .collect();
    let used = d.token_issuers();
    if used.is_empty() && extra.is_empty() {
        // No RequestAuthentication selects the pod and no rule reads a token: a token
        // passes unread and changes no verdict, for the language as for the proxy.
        return (Vec::new(), Vec::new());
    }
    let mut issuers: BTreeSet<String> = jwts.iter().map(|j| j.issuer.clone()).collect();
    issuers.extend(used.iter().map(|j| format!("{}/{STRANGE}", j.issuer)));
    issuers.extend(extra.iter().map(|i| i.to_string()));
    let mut out = Vec::new();
    let mut full = Vec::new();
    for issuer in &issuers {
        if used.iter().any(|j| &j.issuer == issuer) {
            full.push(out.len());
        }
        out.push(probe_token(issuer, &matching));
        if !claims.is_empty() {
            out.push(probe_token(issuer, &[]));
            out.push(probe_token(issuer, &strange));
        }
    }
    (out, full)
}

/// The language's verdict on one request.
fn admits(
    d: &Service,
    port: u16,
    principal: Option<&str>,
    http: Option<(&str, &str)>,
    headers: &[(String, String)],
    token: Option<&ProbeToken>,
    td: &str,
) -> bool {
    let used = d.token_issuers();
    let mut user = None;
    if let (Some(t), Some(_)) = (token, http) {
        if !used.is_empty() {
            if !used.iter().any(|j| j.issuer == t.user.issuer) {
                return false;
            }
            user = Some(&t.user);
        }
    }
    let extras = Extras {
        headers: if http.is_some() { headers } else { &[] },
        token: user,
    };
    let covers = |a: &Allow| {
        a.ports.iter().any(|&p| d.ports[p].target == port)
            && a.callers.iter().any(|c| caller_admits(c, principal, td))
            && match http {
                Some((m, x)) => a.covers_with(m, x, &extras),
                None => a.rules.is_empty(),
            }
    };
    d.allows.iter().any(covers) && !d.denies.iter().any(covers)
}

pub(crate) fn authorization(
    d: &Service,
    view: &PodView,
    expected: &Expected,
    principals: &[Option<&str>],
    report: &mut Report,
) {
    let settings = &expected.mesh.settings;
    let td = settings.trust_domain.as_str();
    let (header_sets, all_headers) = header_sets(d);
    keys(d, view, report);
    let (tokens, full) = tokens(d, &settings.jwts, &view.token_issuers());
    let no_headers = Headers::new();
    // (headers, token): headers × {none, each used issuer's full token}, tokens × {no
    // headers, every header matching}.
    let mut variants: Vec<(&Headers, Option<&ProbeToken>)> = Vec::new();
    for set in &header_sets {
        variants.push((set, None));
        for &t in &full {
            variants.push((set, Some(&tokens[t])));
        }
    }
    for t in &tokens {
        variants.push((&no_headers, Some(t)));
        if !all_headers.is_empty() {
            variants.push((&all_headers, Some(t)));
        }
    }
    debug_assert!(matches!(variants.first(), Some((h, None)) if h.is_empty()));
    for port in &d.ports {
        let requests = asks::requests(d, port);
        let plain: Vec<Option<(&str, &str)>> = requests
            .iter()
            .map(|r| r.as_ref().map(|(m, x)| (*m, x.as_str())))
            .collect();
        // The first variant (no header, no token) for the whole grid at once; the others
        // one request at a time.
        let batch = view.authorize_all(port.target, principals, &plain);
        let mut batch = batch.into_iter();
        for principal in principals {
            for &http in &plain {
                let first = batch.next().expect("one verdict per principal and request");
                // TCP carries neither headers nor tokens: one question is enough.
                let variants = if http.is_some() {
                    &variants[..]
                } else {
                    &variants[..1]
                };
                for (i, &(headers, token)) in variants.iter().enumerate() {
                    let want = admits(d, port.target, *principal, http, headers, token, td);
                    if i == 0 && want == first {
                        continue;
                    }
                    let mut req = match principal {
                        Some(p) => Request::from_principal(p, port.target),
                        None => Request::plaintext(port.target),
                    };
                    if let Some((m, x)) = http {
                        req = req.http(m, x);
                        for (n, v) in headers {
                            req = req.header(n, v);
                        }
                        if let Some(t) = token {
                            req = req.token(t.token.clone());
                        }
                    }
                    let decision = view.authorize(&req);
                    // The first variant disagreed in the batch: a fault whatever this says.
                    if i != 0 && want == decision.is_allowed() {
                        continue;
                    }
                    report.push(mismatch(
                        d,
                        port.target,
                        principal,
                        http,
                        headers,
                        token,
                        want,
                        &decision,
                    ));
                }
            }
        }
    }
}

/// Tokens are modelled as well-signed, so the probes never see which keys the proxy
/// checks them with: the RequestAuthentication must fetch each used issuer's keys from its
/// `jwks` URL and nowhere else (other keys would refuse every token of the issuer).
fn keys(d: &Service, view: &PodView, report: &mut Report) {
    for j in d.token_issuers() {
        let mut uris: BTreeSet<&str> = view
            .authentication
            .iter()
            .flat_map(|p| &p.issuers)
            .filter(|(issuer, _)| issuer == &j.issuer)
            .map(|(_, uri)| uri.as_str())
            .collect();
        uris.remove(j.jwks.as_str());
        if !uris.is_empty() {
            report.push(format!(
                "RequestAuthentication of {}.{} validates tokens of {} with keys from {}, intent {}",
                d.name(),
                d.namespace(),
                j.issuer,
                uris.into_iter().collect::<Vec<_>>().join(", "),
                j.jwks
            ));
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn mismatch(
    d: &Service,
    port: u16,
    principal: &Option<&str>,
    http: Option<(&str, &str)>,
    headers: &[(String, String)],
    token: Option<&ProbeToken>,
    want: bool,
    decision: &Decision,
) -> String {
    let mut what = http.map_or("a TCP connection".to_string(), |(m, x)| format!("{m} {x}"));
    for (n, v) in headers {
        what.push_str(&format!(" [{n}: {v}]"));
    }
    if let Some(t) = token {
        what.push_str(&format!(" [token of {}", t.user.issuer));
        for (n, vs) in &t.user.claims {
            what.push_str(&format!(", {n}={}", vs.join("|")));
        }
        what.push(']');
    }
    let who = principal.unwrap_or("a plaintext caller");
    format!(
        "L7 {what} to {}.{}:{port} from {who}: intent {}, AuthorizationPolicy {} ({})",
        d.name(),
        d.namespace(),
        verdict(want),
        verdict(decision.is_allowed()),
        match decision {
            Decision::Allow(why) | Decision::Deny(why) => why,
        }
    )
}
