//! Lexical validation of names, labels, numbers and durations.
//!
//! Each helper returns `Err((message, help))` and leaves the span to the caller, so the
//! checker can attach it where the token stands and keep going.

use crate::parse::keywords::RESERVED;

/// What is wrong with a token, and how to fix it when there is more to say.
pub type NameError = (String, Option<String>);

/// A DNS-1123 label: what Kubernetes accepts as a namespace, Service or port name.
pub fn dns_label(what: &str, name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err((format!("missing {what} name"), None));
    }
    if RESERVED.contains(&name) {
        return Err((
            format!("`{name}` is a reserved word and cannot be a {what} name"),
            None,
        ));
    }
    if name.len() > 63 {
        return Err((
            format!(
                "{what} name `{name}` is {} characters long; the limit is 63",
                name.len()
            ),
            Some("Kubernetes names are DNS-1123 labels of at most 63 characters".into()),
        ));
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err((
            format!("{what} name `{name}` has upper-case letters"),
            Some(format!(
                "names are DNS-1123 labels; write `{}`",
                name.to_ascii_lowercase()
            )),
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err((
            format!("{what} name `{name}` contains `{c}`"),
            Some("names use lower-case letters, digits and `-` only".into()),
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err((
            format!("{what} name `{name}` must start with a letter"),
            None,
        ));
    }
    if name.ends_with('-') {
        return Err((
            format!("{what} name `{name}` must end with a letter or digit"),
            None,
        ));
    }
    Ok(())
}

/// A Kubernetes label name segment: 63 characters, alphanumeric at both ends.
fn label_segment(what: &str, text: &str) -> Result<(), NameError> {
    let ok_inner = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if text.is_empty() {
        return Err((format!("empty {what}"), None));
    }
    if text.len() > 63 {
        return Err((
            format!("{what} `{text}` is longer than 63 characters"),
            None,
        ));
    }
    if !text.chars().all(ok_inner)
        || !text.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !text.ends_with(|c: char| c.is_ascii_alphanumeric())
    {
        return Err((
            format!("{what} `{text}` is not a valid Kubernetes label"),
            Some(
                "labels start and end with a letter or digit, with `-`, `_` or `.` between".into(),
            ),
        ));
    }
    Ok(())
}

pub fn label_key(key: &str) -> Result<(), NameError> {
    match key.rsplit_once('/') {
        Some((prefix, name)) => {
            let prefix_ok = !prefix.is_empty()
                && prefix.len() <= 253
                && prefix.split('.').all(|part| {
                    !part.is_empty()
                        && part
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                        && !part.starts_with('-')
                        && !part.ends_with('-')
                });
            if !prefix_ok {
                return Err((
                    format!("label key prefix `{prefix}` is not a DNS subdomain"),
                    Some("a prefix looks like `app.kubernetes.io`".into()),
                ));
            }
            label_segment("label key", name)
        }
        None => label_segment("label key", key),
    }
}

pub fn label_value(value: &str) -> Result<(), NameError> {
    label_segment("label value", value)
}

/// A port number, 1 to 65535.
pub fn port_number(text: &str) -> Result<u16, NameError> {
    match text.parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) => Ok(n as u16),
        _ => Err((
            format!("port number `{text}` is out of range"),
            Some("ports are numbers from 1 to 65535".into()),
        )),
    }
}

/// The plain form of a number written with leading zeros (`80` for `0080`), or `None` when
/// TEXT is not such a number. A port is a number people compare by eye with the ones in
/// their manifests and firewalls: `0080` may be a typo, or octal to some readers, so it is
/// refused rather than read as 80.
pub fn leading_zeros(text: &str) -> Option<&str> {
    if text.len() < 2 || !text.starts_with('0') || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let plain = text.trim_start_matches('0');
    Some(if plain.is_empty() { "0" } else { plain })
}

/// `500ms`, `2s`, `1m`, `1h` in milliseconds.
pub fn duration_ms(text: &str) -> Result<u64, NameError> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    let scale = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => {
            return Err((
                format!("unknown duration unit in `{text}`"),
                Some("durations are written like `500ms`, `2s`, `1m` or `1h`".into()),
            ))
        }
    };
    let value: u64 = digits
        .parse()
        .map_err(|_| (format!("duration `{text}` is too large"), None::<String>))?;
    let ms = value
        .checked_mul(scale)
        .filter(|ms| *ms <= 315_576_000_000_000);
    match ms {
        Some(0) => Err((
            format!("duration `{text}` is zero"),
            Some("durations must be positive; remove the setting to keep Istio's default".into()),
        )),
        Some(ms) => Ok(ms),
        None => Err((format!("duration `{text}` is too large"), None)),
    }
}

pub const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

pub const RETRY_CONDITIONS: [&str; 14] = [
    "5xx",
    "gateway-error",
    "reset",
    "connect-failure",
    "retriable-4xx",
    "refused-stream",
    "retriable-status-codes",
    "retriable-headers",
    "envoy-ratelimited",
    "cancelled",
    "deadline-exceeded",
    "internal",
    "resource-exhausted",
    "unavailable",
];

/// Where `*` may stand in a path: first (suffix match) or last right after `/` (prefix).
pub fn path(text: &str) -> Result<(), NameError> {
    // RFC 3986 path characters only: anything else is not what a request carries (a query
    // after `?` is not part of the path Istio matches), and some of it (NEL, U+2028) would
    // not read back as the same string under a YAML 1.1 reader.
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~!$&'()*+;=:@/%".contains(c);
    if let Some(c) = text.chars().find(|c| !allowed(*c)) {
        let help = if c == '?' {
            "Istio matches the path without its query string; drop everything from `?` on"
        } else {
            "write the character percent-encoded, as it travels in the request (`%20` for a space)"
        };
        return Err((
            format!(
                "path `{}` contains `{}`, which cannot appear in a URL path",
                text.escape_debug(),
                c.escape_debug()
            ),
            Some(help.into()),
        ));
    }
    let stars = text.matches('*').count();
    let ok = match stars {
        0 => text.starts_with('/'),
        1 if text == "*" => false,
        1 => text.starts_with('*') || (text.ends_with("/*") && text.starts_with('/')),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let help =
        "write an exact path `/a/b`, a prefix `/a/*` or a suffix `*.png`; `/*` matches every path";
    let message = if text == "*" {
        "`*` alone is not a path".to_string()
    } else {
        format!("`*` may only stand first or last after `/` in a path, not as in `{text}`")
    };
    Err((message, Some(help.into())))
}

#[cfg(test)]
mod tests {
    use crate::check::names::{
        dns_label, duration_ms, label_key, label_value, leading_zeros, path,
    };

    #[test]
    fn leading_zeros_are_found_in_numbers_only() {
        assert_eq!(leading_zeros("0080"), Some("80"));
        assert_eq!(leading_zeros("00"), Some("0"));
        assert_eq!(leading_zeros("80"), None);
        assert_eq!(leading_zeros("0"), None);
        assert_eq!(leading_zeros("0x50"), None);
    }

    #[test]
    fn dns_labels() {
        assert!(dns_label("service", "orders-v2").is_ok());
        assert!(dns_label("service", "Orders").is_err());
        assert!(dns_label("service", "2fast").is_err());
        assert!(dns_label("service", "a-").is_err());
        assert!(dns_label("service", "a_b").is_err());
        assert!(dns_label("service", &"a".repeat(64)).is_err());
        assert!(dns_label("service", &"a".repeat(63)).is_ok());
    }

    #[test]
    fn paths() {
        for ok in ["/", "/a/b", "/a/*", "/*", "*.png", "*/x"] {
            assert!(path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "*",
            "/a*",
            "/a/*/b",
            "**",
            "a/b",
            "*a*",
            "/a?b=1",
            "/a\u{85}b",
            "/\"x\"",
            "/ü",
        ] {
            assert!(path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(duration_ms("500ms").ok(), Some(500));
        assert_eq!(duration_ms("2s").ok(), Some(2000));
        assert_eq!(duration_ms("1m").ok(), Some(60_000));
        assert!(duration_ms("0s").is_err());
        assert!(duration_ms("5d").is_err());
        assert!(duration_ms("99999999999999999999s").is_err());
    }

    #[test]
    fn labels() {
        assert!(label_key("app.kubernetes.io/name").is_ok());
        assert!(label_key("app").is_ok());
        assert!(label_key("/x").is_err());
        assert!(label_value("on").is_ok());
        assert!(label_value("-x").is_err());
    }
}
