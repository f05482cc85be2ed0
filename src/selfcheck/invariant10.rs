//! Invariant 10: on a service with denies or conditions, the AuthorizationPolicies and
//! RequestAuthentication admit a request exactly when its token is absent or from an
//! issuer the service's rules use, some allow covers it with its conditions holding, and
//! no deny covers it.
//!
//! The headerless, tokenless half is the grid of `l7.rs`, which asks every principal
//! about every request derived from the allows' and denies' rules (each deny from inside
//! and just outside its callers, ports and paths). This module asks what headers and
//! tokens change, rule by rule, so the cost grows with the conditions written, not with
//! their product over every peer and path:
//!
//! - for every rule with conditions, a request inside each of its paths that meets every
//!   condition, from each caller of its statement, a stranger beside them and plain text
//!   (a source a `jwt` rule's `from` lost, or a condition that leaked away, shows here);
//! - the same request breaking one condition at a time, from the statement's first
//!   caller: each header condition with the header absent and at values just outside each
//!   pattern (one character more or less, another case) or inside a `!=` pattern; each
//!   `jwt` with no token, with a token of every other issuer the mesh declares and of an
//!   issuer whose URL extends this one's; each `claim` with the claim missing, at a value
//!   no pattern names and just outside each pattern;
//! - inside and just outside each path of each deny rule, with the conditions of each
//!   conditioned allow rule met, from that allow's first caller: what a deny refuses of a
//!   grant that needs headers or a token;
//! - on a service whose rules use `jwt`, or whose pods a RequestAuthentication selects, a
//!   request inside each unconditioned rule (any request, for a statement without rules)
//!   with a token of every declared issuer, every issuer the proxy validates and the
//!   extended ones: an issuer the service does not use must be refused (401), one it uses
//!   must not change the verdict, and without `jwt` in the rules a token changes nothing.
//!
//! The language's answer (`ir::Condition::holds`, with the 401 rule here) and the
//! evaluator's must agree on each.

use super::asks::{inside, probe_paths};
use super::expected::caller_admits;
use super::probes::{ELSEWHERE, STRANGER};
use super::report::{verdict, Report};
use crate::evaluate::{Decision, PodView, Request, Token};
use crate::ir::{
    value_covers, Allow, Caller, Condition, EndUser, Extras, HttpRule, Service, Settings,
};

/// The subject of every probe token.
const SUBJECT: &str = "meshward-probe-user";
/// A header value or claim no pattern is built from.
const STRANGE: &str = "meshward-probe";

/// One request's headers and token, as both readings need them.
#[derive(Clone, Default)]
struct Variant {
    headers: Vec<(String, String)>,
    token: Option<EndUser>,
}

impl Variant {
    fn set_header(&mut self, name: &str, value: Option<String>) {
        self.headers.retain(|(n, _)| n != name);
        if let Some(v) = value {
            self.headers.push((name.to_string(), v));
        }
    }

    fn set_claim(&mut self, name: &str, values: Option<Vec<String>>) {
        if let Some(t) = &mut self.token {
            t.claims.retain(|(n, _)| n != name);
            if let Some(vs) = values {
                t.claims.push((name.to_string(), vs));
            }
        }
    }

    fn with_issuer(&self, issuer: &str) -> Variant {
        let mut v = self.clone();
        let claims = v.token.take().map(|t| t.claims).unwrap_or_default();
        v.token = Some(user(issuer, claims));
        v
    }
}

fn user(issuer: &str, claims: Vec<(String, Vec<String>)>) -> EndUser {
    EndUser {
        issuer: issuer.to_string(),
        subject: SUBJECT.to_string(),
        claims,
    }
}

/// A value PATTERN matches, and values just outside it.
fn values_around(pattern: &str) -> (String, Vec<String>) {
    let (inside, outside) = if let Some(suffix) = pattern.strip_prefix('*') {
        let inside = format!("probe{suffix}");
        (
            inside.clone(),
            vec![
                suffix[1.min(suffix.len())..].to_string(),
                format!("{inside}x"),
            ],
        )
    } else if let Some(prefix) = pattern.strip_suffix('*') {
        let shorter = prefix[..prefix.len().saturating_sub(1)].to_string();
        (
            format!("{prefix}probe"),
            vec![shorter, format!("x{prefix}")],
        )
    } else {
        let shorter = pattern[..pattern.len().saturating_sub(1)].to_string();
        let outside = vec![format!("{pattern}x"), shorter, pattern.to_ascii_uppercase()];
        (pattern.to_string(), outside)
    };
    let outside = outside
        .into_iter()
        .filter(|o| !o.is_empty() && !value_covers(pattern, o))
        .collect();
    (inside, outside)
}

/// The request meeting every condition of RULE (as far as they can all be met).
fn meeting(rule: &HttpRule) -> Variant {
    let mut v = Variant::default();
    for c in &rule.conditions {
        if let Condition::Jwt(j) = c {
            v.token = Some(user(&j.issuer, Vec::new()));
        }
    }
    for c in &rule.conditions {
        match c {
            Condition::Header {
                name,
                negated: false,
                values,
            } => v.set_header(name, values.first().map(|p| values_around(p).0)),
            Condition::Claim { name, values } => {
                let mut vs: Vec<String> = values.iter().map(|p| values_around(p).0).collect();
                vs.push(STRANGE.to_string());
                v.set_claim(name, Some(vs));
            }
            _ => {}
        }
    }
    v
}

/// MEETING with one condition of RULE changed at a time: met by each of its other values,
/// and broken each way.
fn breaking(
    rule: &HttpRule,
    meeting: &Variant,
    settings: &Settings,
    view: &PodView,
) -> Vec<Variant> {
    let mut out = Vec::new();
    for c in &rule.conditions {
        match c {
            Condition::Header {
                name,
                negated,
                values,
            } => {
                let mut candidates = vec![None, Some(STRANGE.to_string())];
                for p in values {
                    // Inside every pattern (the meeting request has the first only) and,
                    // for `=`, just outside each.
                    let (inside, outside) = values_around(p);
                    candidates.push(Some(inside));
                    if !*negated {
                        candidates.extend(outside.into_iter().map(Some));
                    }
                }
                for value in candidates {
                    let mut v = meeting.clone();
                    v.set_header(name, value);
                    out.push(v);
                }
            }
            Condition::Jwt(j) => {
                let mut v = meeting.clone();
                v.token = None;
                out.push(v);
                for other in issuers(settings, view, std::slice::from_ref(&j.issuer)) {
                    if other != j.issuer {
                        out.push(meeting.with_issuer(&other));
                    }
                }
            }
            Condition::Claim { name, values } => {
                let mut candidates = vec![None, Some(vec![STRANGE.to_string()])];
                for p in values {
                    let (inside, outside) = values_around(p);
                    candidates.push(Some(vec![inside]));
                    candidates.extend(outside.into_iter().map(|o| Some(vec![o])));
                }
                for claim in candidates {
                    let mut v = meeting.clone();
                    v.set_claim(name, claim);
                    out.push(v);
                }
            }
        }
    }
    out
}

/// Every issuer the mesh declares or the pod's proxy validates (an issuer the objects
/// added must be refused all the same), and each of USED extended by a path segment.
fn issuers(settings: &Settings, view: &PodView, used: &[String]) -> Vec<String> {
    let mut out: Vec<String> = settings.jwts.iter().map(|j| j.issuer.clone()).collect();
    out.extend(view.token_issuers().into_iter().map(str::to_string));
    out.extend(used.iter().map(|i| format!("{i}/{STRANGE}")));
    out.sort();
    out.dedup();
    out
}

/// The peers that may send what STATEMENT covers, and strangers beside them.
fn peers(statement: &Allow, d: &Service, td: &str) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = Vec::new();
    for c in &statement.callers {
        match c {
            Caller::Pods(i) => out.push(Some(format!("{td}/ns/{}/sa/{}", i.namespace, i.account))),
            Caller::Namespace(ns) => out.push(Some(format!("{td}/ns/{ns}/sa/{STRANGER}"))),
            Caller::Anyone => out.push(Some(format!("{td}/ns/{ELSEWHERE}/sa/{STRANGER}"))),
        }
    }
    out.push(Some(format!("{td}/ns/{}/sa/{STRANGER}", d.namespace())));
    out.push(None);
    out.dedup();
    out
}

/// The language's verdict on one request.
fn admits(
    d: &Service,
    port: u16,
    principal: Option<&str>,
    (m, x): (&str, &str),
    variant: &Variant,
    settings: &Settings,
) -> bool {
    let used = d.token_issuers();
    let mut token = None;
    if let Some(t) = &variant.token {
        if !used.is_empty() {
            if !used.iter().any(|j| j.issuer == t.issuer) {
                return false;
            }
            token = Some(t);
        }
    }
    let extras = Extras {
        headers: &variant.headers,
        token,
    };
    let covers = |a: &Allow| {
        a.ports.iter().any(|&p| d.ports[p].target == port)
            && a.callers
                .iter()
                .any(|c| caller_admits(c, principal, settings))
            && a.covers_with(m, x, &extras)
    };
    d.allows.iter().any(covers) && !d.denies.iter().any(covers)
}

/// One question: what the language says, what the objects say; a fault when they differ.
struct Asker<'a> {
    d: &'a Service,
    view: &'a PodView<'a>,
    settings: &'a Settings,
    port: u16,
}

impl Asker<'_> {
    fn ask(&self, principal: Option<&str>, http: (&str, &str), v: &Variant, report: &mut Report) {
        let want = admits(self.d, self.port, principal, http, v, self.settings);
        let mut req = match principal {
            Some(p) => Request::from_principal(p, self.port),
            None => Request::plaintext(self.port),
        }
        .http(http.0, http.1);
        for (n, value) in &v.headers {
            req = req.header(n, value);
        }
        if let Some(t) = &v.token {
            let mut token = Token::new(&t.issuer, &t.subject);
            for (name, values) in &t.claims {
                let values: Vec<&str> = values.iter().map(String::as_str).collect();
                token = token.claim(name, &values);
            }
            req = req.token(token);
        }
        let decision = self.view.authorize(&req);
        if want != decision.is_allowed() {
            report.push(mismatch(
                self.d, self.port, principal, http, v, want, &decision,
            ));
        }
    }
}

pub(crate) fn authorization(d: &Service, view: &PodView, settings: &Settings, report: &mut Report) {
    keys(d, view, report);
    let td = settings.trust_domain.as_str();
    let used: Vec<String> = d.token_issuers().iter().map(|j| j.issuer.clone()).collect();
    // Tokens matter where the rules use them or where a RequestAuthentication reads them
    // (one the intents did not ask for refuses every token of another issuer: an outage).
    let reads_tokens = !used.is_empty() || !view.token_issuers().is_empty();
    for port in d.ports.iter().filter(|p| p.protocol.is_http()) {
        let asker = Asker {
            d,
            view,
            settings,
            port: port.target,
        };
        let statements = d
            .allows
            .iter()
            .chain(&d.denies)
            .filter(|a| a.ports.iter().any(|&p| d.ports[p].target == port.target));
        let statements: Vec<&Allow> = statements.collect();
        // Where a deny meets an allow that needs headers or a token, the headerless grid
        // cannot see it: ask inside and just outside each deny path with each such
        // allow rule's conditions met.
        for deny in statements
            .iter()
            .filter(|s| d.denies.iter().any(|x| std::ptr::eq(x, **s)))
        {
            for allow in statements
                .iter()
                .filter(|s| d.allows.iter().any(|x| std::ptr::eq(x, **s)))
            {
                let peer = peers(allow, d, td).swap_remove(0);
                for granting in allow.rules.iter().filter(|r| !r.conditions.is_empty()) {
                    let meets = meeting(granting);
                    for refusing in &deny.rules {
                        let method = refusing
                            .methods
                            .first()
                            .or(granting.methods.first())
                            .map_or("GET", String::as_str);
                        for path in refusing.paths.iter().flat_map(|p| probe_paths(p)) {
                            asker.ask(peer.as_deref(), (method, &path), &meets, report);
                        }
                    }
                }
            }
        }
        for statement in statements {
            let peers = peers(statement, d, td);
            if statement.rules.is_empty() && reads_tokens {
                for issuer in issuers(settings, view, &used) {
                    let v = Variant::default().with_issuer(&issuer);
                    asker.ask(peers[0].as_deref(), ("GET", "/meshward/probe"), &v, report);
                }
            }
            for rule in &statement.rules {
                let method = rule.methods.first().map_or("GET", String::as_str);
                for path in rule.paths.iter().map(|p| inside(p)) {
                    let http = (method, path.as_str());
                    if rule.conditions.is_empty() {
                        if reads_tokens {
                            for issuer in issuers(settings, view, &used) {
                                let v = Variant::default().with_issuer(&issuer);
                                asker.ask(peers[0].as_deref(), http, &v, report);
                            }
                        }
                        continue;
                    }
                    let meets = meeting(rule);
                    for peer in &peers {
                        asker.ask(peer.as_deref(), http, &meets, report);
                    }
                    for v in breaking(rule, &meets, settings, view) {
                        asker.ask(peers[0].as_deref(), http, &v, report);
                    }
                }
            }
        }
    }
}

/// Tokens are modelled as well-signed, so the probes never see which keys the proxy
/// checks them with: the RequestAuthentication must fetch each used issuer's keys from
/// its `jwks` URL and nowhere else (other keys would refuse every token of the issuer).
fn keys(d: &Service, view: &PodView, report: &mut Report) {
    for j in d.token_issuers() {
        let uris: std::collections::BTreeSet<&str> = view
            .authentication
            .iter()
            .flat_map(|p| &p.issuers)
            .filter(|(issuer, uri)| *issuer == j.issuer && *uri != j.jwks)
            .map(|(_, uri)| uri.as_str())
            .collect();
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

fn mismatch(
    d: &Service,
    port: u16,
    principal: Option<&str>,
    (m, x): (&str, &str),
    v: &Variant,
    want: bool,
    decision: &Decision,
) -> String {
    let mut what = format!("{m} {x}");
    for (n, value) in &v.headers {
        what.push_str(&format!(" [{n}: {value}]"));
    }
    if let Some(t) = &v.token {
        what.push_str(&format!(" [token of {}", t.issuer));
        for (n, vs) in &t.claims {
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
