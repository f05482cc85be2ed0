//! The `when` conditions of an HTTP rule: header and claim names, their values, and the
//! `jwt` they name. A mistyped header name never matches and Istio says nothing, so names
//! and values are held to the characters a proxy compares literally.

use super::sink::Sink;
use crate::ast;
use crate::code::Code;
use crate::ir::{Condition, Jwt};
use crate::source::Span;
use crate::suggest;

/// The conditions of RULE resolved, or `None` when one had an error (reported).
pub(crate) fn conditions(
    rule: &ast::HttpRule,
    jwts: &[(Jwt, Span)],
    sink: &mut Sink,
) -> Option<Vec<Condition>> {
    let before = sink.errors();
    let mut out = Vec::new();
    let mut jwt: Option<(&Jwt, Span)> = None;
    // A `jwt` condition was written, known or not: an unknown one is its own error, and
    // its claims are not reported again as claims without a `jwt`.
    let mut asks_jwt = false;
    for c in &rule.conditions {
        match c {
            ast::Condition::Header {
                name,
                negated,
                values,
                ..
            } => {
                header_name(name, sink);
                let values = checked_values(values, sink);
                out.push(Condition::Header {
                    name: name.text.clone(),
                    negated: *negated,
                    values,
                });
            }
            ast::Condition::Claim { name, values, .. } => {
                claim_name(name, sink);
                let values = checked_values(values, sink);
                out.push(Condition::Claim {
                    name: name.text.clone(),
                    values,
                });
            }
            ast::Condition::Jwt { name, span } => {
                asks_jwt = true;
                let Some((found, _)) = jwts.iter().find(|(j, _)| j.name == name.text) else {
                    unknown_jwt(name, jwts, sink);
                    continue;
                };
                match jwt {
                    Some((first, at)) if first.name != found.name => {
                        sink.error(
                            Code::TwoJwts,
                            *span,
                            format!(
                                "this rule asks for a token of `{}` and of `{}`, but a request carries one token",
                                first.name, found.name
                            ),
                        )
                        .help("write one rule per issuer")
                        .note(at, "the first `jwt` condition");
                    }
                    Some(_) => {}
                    None => jwt = Some((found, *span)),
                }
                if !out.contains(&Condition::Jwt(found.clone())) {
                    out.push(Condition::Jwt(found.clone()));
                }
            }
        }
    }
    if !asks_jwt {
        let issuer = jwts.first().map_or("NAME", |(j, _)| j.name.as_str());
        for c in &rule.conditions {
            if let ast::Condition::Claim { span, name, .. } = c {
                sink.error(
                    Code::ClaimWithoutJwt,
                    *span,
                    format!(
                        "`claim {}` needs a `jwt` condition in the same rule",
                        name.text
                    ),
                )
                .help(format!(
                    "claims come from a validated token: write `when jwt {issuer} and claim {} = ...`",
                    name.text
                ));
            }
        }
    }
    (sink.errors() == before).then_some(out)
}

/// Headers the sidecar sets, appends to or rewrites before the AuthorizationPolicy reads
/// them, with what it does: a condition on one judges the proxy's value, not the caller's.
const PROXY_HEADERS: [(&str, &str); 6] = [
    (
        "host",
        "HTTP/2 and gRPC carry it as `:authority`, and routing rewrites it",
    ),
    (
        "x-forwarded-for",
        "the proxy appends the peer's address to it",
    ),
    ("x-forwarded-proto", "the proxy sets it from the connection"),
    (
        "x-forwarded-client-cert",
        "the sidecar sets it from the peer's certificate",
    ),
    ("x-request-id", "the proxy generates it when absent"),
    (
        "x-envoy-",
        "Envoy sets and strips its own `x-envoy-*` headers",
    ),
];

/// Whether TEXT is a header name as the proxy compares it: lower-case letters, digits
/// and `-`, not starting with `-`.
fn lower_case_name(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('-')
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

pub(crate) fn header_name(name: &ast::Word, sink: &mut Sink) {
    let text = &name.text;
    if lower_case_name(text) {
        let set = PROXY_HEADERS
            .iter()
            .find(|(h, _)| text == h || (h.ends_with('-') && text.starts_with(h)));
        if let Some((_, what)) = set {
            sink.warning(
                Code::ProxyHeader,
                name.span,
                format!("`{text}` is a header the proxy sets or rewrites: {what}"),
            )
            .help("match a header the client sends, such as `x-tenant`; callers are matched by identity, not by these");
        }
        return;
    }
    let fixed = text.to_ascii_lowercase().replace('_', "-");
    let upper = text.chars().any(|c| c.is_ascii_uppercase());
    let (message, help) = if text.starts_with(':') {
        (
            format!("`{text}` is a pseudo-header, which a `when` condition cannot match"),
            "match the method and path in the rule itself, such as `GET /api/*`, and headers the client sends, such as `header x-tenant = acme`".to_string(),
        )
    } else if lower_case_name(&fixed) {
        let what = match (upper, text.contains('_')) {
            (true, true) => "upper-case letters and `_`",
            (true, false) => "upper-case letters",
            _ => "`_`",
        };
        let why = if text.contains('_') {
            "header names use `-`, and proxies such as nginx drop names with `_`"
        } else {
            "the proxy compares header names in lower case"
        };
        (
            format!("header name `{text}` holds {what}"),
            format!("write `{fixed}`: {why}"),
        )
    } else {
        let bad = text
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        let message = match bad {
            Some(bad) => format!("header name `{text}` holds `{bad}`"),
            None => format!("header name `{text}` starts with `-`"),
        };
        (
            message,
            "a header name is lower-case letters, digits and `-`, such as `x-tenant`".to_string(),
        )
    };
    sink.error(Code::InvalidConditionName, name.span, message)
        .help(help);
}

fn claim_name(name: &ast::Word, sink: &mut Sink) {
    let ok = name
        .text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        let bad = name
            .text
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or_default();
        sink.error(
            Code::InvalidConditionName,
            name.span,
            format!("claim name `{}` holds `{bad}`", name.text),
        )
        .help("a claim name is letters, digits, `_` and `-`, one level deep, such as `groups`");
    }
}

/// The values as written, each checked: letters, digits and `-._~:/@+%`, with at most one
/// `*`, first or last, never alone.
fn checked_values(values: &[ast::Word], sink: &mut Sink) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if let Err((why, help)) = value(&v.text) {
            sink.error(Code::InvalidConditionValue, v.span, why)
                .help(help);
        } else if !out.contains(&v.text) {
            out.push(v.text.clone());
        }
    }
    out
}

fn value(text: &str) -> Result<(), (String, &'static str)> {
    const STARS: &str = "one `*` may stand first (a suffix, `*-beta`) or last (a prefix, `beta-*`); list the values otherwise: `= beta-1, beta-2`";
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~:/@+%".contains(c);
    if let Some(bad) = text.chars().find(|&c| !allowed(c) && c != '*') {
        return Err((
            format!("condition value `{text}` holds `{bad}`"),
            "a value is letters, digits and `-._~:/@+%`; list several with commas: `= a, b`",
        ));
    }
    let stars = text.matches('*').count();
    if text == "*" {
        return Err((
            "`*` alone is not a condition value".to_string(),
            "list the values it may take; `v*` matches a prefix and `*v` a suffix",
        ));
    }
    if stars > 1 {
        return Err((
            format!("condition value `{text}` has {stars} `*`, but a value may hold one"),
            STARS,
        ));
    }
    if stars == 1 && !text.starts_with('*') && !text.ends_with('*') {
        return Err((
            format!("condition value `{text}` has a `*` in the middle"),
            STARS,
        ));
    }
    Ok(())
}

fn unknown_jwt(name: &ast::Word, jwts: &[(Jwt, Span)], sink: &mut Sink) {
    let d = sink.error(
        Code::UnknownJwt,
        name.span,
        format!("unknown jwt `{}`", name.text),
    );
    match suggest::closest(&name.text, jwts.iter().map(|(j, _)| j.name.as_str())) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None if jwts.is_empty() => d.help(format!(
            "declare the issuer in the mesh block: `jwt {} {{ issuer https://...  jwks https://... }}`",
            name.text
        )),
        None => d.help(format!(
            "the mesh block declares {}",
            jwts.iter()
                .map(|(j, _)| format!("`{}`", j.name))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    };
}

/// A value matched exactly (a route's `match header`): a condition value without `*`.
/// False when reported.
pub(crate) fn exact_value(word: &ast::Word, sink: &mut Sink) -> bool {
    if word.text.contains('*') {
        sink.error(
            Code::InvalidConditionValue,
            word.span,
            format!(
                "`{}` has a `*`, but a route matches a header value exactly",
                word.text
            ),
        )
        .help("write the exact value the header carries, such as `always`");
        return false;
    }
    match value(&word.text) {
        Ok(()) => true,
        Err((why, help)) => {
            sink.error(Code::InvalidConditionValue, word.span, why)
                .help(help);
            false
        }
    }
}
