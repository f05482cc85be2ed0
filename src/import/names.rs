//! Whether a value read from someone's YAML can be written in an intent file as it is.
//!
//! The intent language is stricter than Kubernetes and Istio (names are DNS labels, label
//! values are non-empty, paths and header values use a narrow alphabet). A value that
//! fails here is not rewritten into something close: the object it came from is listed
//! as not importable, since a near miss would change what the policy means.

/// Words the grammar reserves; a workload named like one cannot be named in an intent.
const RESERVED: [&str; 5] = ["in", "to", "namespace", "anyone", "external"];

/// A DNS-1123 label that is not a reserved word.
pub(super) fn name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !RESERVED.contains(&s)
}

/// A label key (an optional DNS prefix and `/`, then a name part) as the language reads it.
pub(super) fn label_key(s: &str) -> bool {
    let (prefix, part) = match s.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|l| {
                !l.is_empty()
                    && l.bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
            })
    });
    prefix_ok && label_value(part)
}

/// A non-empty label value (the language has no way to write an empty one).
pub(super) fn label_value(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

pub(super) fn method(s: &str) -> bool {
    METHODS.contains(&s)
}

/// A path pattern as the language writes one: exact or `/prefix/*` starting with `/`, or a
/// suffix `*tail`; the characters of a URL path.
pub(super) fn path(s: &str) -> bool {
    let chars_ok = |t: &str| {
        t.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._~!$&'()+;=:@/%".contains(&c))
    };
    if let Some(tail) = s.strip_prefix('*') {
        return !tail.is_empty() && !tail.contains('*') && chars_ok(tail);
    }
    if !s.starts_with('/') {
        return false;
    }
    match s.strip_suffix('*') {
        Some(head) => head.ends_with('/') && !head.contains('*') && chars_ok(head),
        None => !s.contains('*') && chars_ok(s),
    }
}

/// A lower-case header name.
pub(super) fn header(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// A header or claim value: the language's alphabet, at most one `*`, first or last.
pub(super) fn value(s: &str) -> bool {
    let body = s
        .strip_prefix('*')
        .or_else(|| s.strip_suffix('*'))
        .unwrap_or(s);
    !body.is_empty()
        && body
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._~:/@+%".contains(&c))
}

/// A claim name: letters, digits, `_` and `-`.
pub(super) fn claim(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// A name for the issuer URL's `jwt` declaration: its host, dots as dashes.
pub(super) fn jwt_name(issuer: &str) -> String {
    let host = issuer
        .split("://")
        .nth(1)
        .unwrap_or(issuer)
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    let mut out: String = host
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => c,
            _ => '-',
        })
        .collect();
    out = out.trim_matches('-').to_string();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out = format!("jwt-{out}");
    }
    out.truncate(50);
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_language_can_write() {
        assert!(name("web-7d9f") && !name("Web") && !name("anyone") && !name("a.b"));
        assert!(label_key("app.kubernetes.io/name") && !label_key("/x"));
        assert!(label_value("yes") && !label_value("") && !label_value("-a"));
        assert!(path("/api/*") && path("*.png") && path("/a") && !path("/a*") && !path("*"));
        // A comma ends a path in a rule, `?` and `#` are never in one.
        assert!(!path("/a,b") && !path("/a?x") && !path("/a#b"));
        assert!(value("canary-*") && !value("*") && !value("a b"));
        assert_eq!(jwt_name("https://login.example.com/x"), "login-example-com");
        assert_eq!(jwt_name("https://1.2.3.4"), "jwt-1-2-3-4");
    }
}
