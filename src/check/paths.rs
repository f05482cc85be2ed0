//! Paths that differ only before normalization (W0008). Istio matches an AuthorizationPolicy
//! path against the request path after the proxy normalizes it, as far as
//! `meshConfig.pathNormalization` says: `BASE` (the default) resolves `/./` and `/../`;
//! `MERGE_SLASHES` also merges `//`; `DECODE_AND_MERGE_SLASHES` also decodes `%2F` and
//! `%5C`. Two rules of one service whose paths become one under the strictest setting say
//! the same thing twice, or, more likely, one of them was meant to catch what normalization
//! already folds away; under the default setting the one not in normal form matches only
//! requests that still carry `//` or `%2F`.

use super::draft::Draft;
use super::names;
use super::sink::Sink;
use crate::ast::Statement;
use crate::code::Code;
use crate::source::Span;
use std::collections::BTreeMap;

/// Warn at each path of D's `allow` rules that normalizes to a path written otherwise in
/// an earlier rule of the same service.
pub(crate) fn normalization(d: &Draft, sink: &mut Sink) {
    let mut seen: BTreeMap<String, (String, Span)> = BTreeMap::new();
    let paths = d
        .ast
        .statements
        .iter()
        .filter_map(|s| match s {
            Statement::Allow(a) => a.rules.as_ref(),
            _ => None,
        })
        .flatten()
        .flat_map(|r| r.paths.iter())
        .filter(|p| names::path(&p.text).is_ok());
    for path in paths {
        let normal = normalize(&path.text);
        match seen.get(&normal) {
            Some((first, at)) if *first != path.text => {
                let message = if normal == path.text {
                    format!(
                        "path `{}` is what `{first}` becomes after path normalization",
                        path.text
                    )
                } else {
                    format!(
                        "path `{}` becomes `{normal}` after path normalization, the same as `{first}`",
                        path.text
                    )
                };
                sink.warning(Code::PathNormalization, path.span, message)
                .note(*at, format!("`{first}` is written here"))
                .help(
                    "write each path once, in normal form (no `//`, `/./`, `/../`, `%2F`); Istio's default \
                     `pathNormalization` (BASE) keeps `//` and `%2F`, so a path holding them matches only \
                     requests that still carry them, and MERGE_SLASHES or DECODE_AND_MERGE_SLASHES make both the same",
                );
            }
            Some(_) => {}
            None => {
                seen.insert(normal, (path.text.clone(), path.span));
            }
        }
    }
}

/// PATH as the strictest normalization leaves it: `%2F` and `%5C` decoded (any case), then
/// slashes merged, then dot segments removed (RFC 3986 5.2.4). A `*` stays where it is.
pub(crate) fn normalize(path: &str) -> String {
    let mut decoded = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(i) = rest.find('%') {
        decoded.push_str(&rest[..i]);
        let code = rest.get(i + 1..i + 3).map(str::to_ascii_uppercase);
        match code.as_deref() {
            Some("2F") => decoded.push('/'),
            Some("5C") => decoded.push('\\'),
            _ => {
                decoded.push('%');
                rest = &rest[i + 1..];
                continue;
            }
        }
        rest = &rest[i + 3..];
    }
    decoded.push_str(rest);
    let leading = decoded.starts_with('/');
    let trailing = decoded.ends_with('/') && decoded.len() > 1;
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let last_is_dot = matches!(decoded.rsplit('/').next(), Some("." | ".."));
    let mut out = String::new();
    if leading {
        out.push('/');
    }
    out.push_str(&segments.join("/"));
    if (trailing || last_is_dot) && !out.ends_with('/') {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn the_strictest_normalization() {
        for (path, normal) in [
            ("/api/orders", "/api/orders"),
            ("/api//orders", "/api/orders"),
            ("/api/%2forders", "/api/orders"),
            ("/api/%2F%2Forders", "/api/orders"),
            ("/api/./orders", "/api/orders"),
            ("/api/x/../orders", "/api/orders"),
            ("/../orders", "/orders"),
            ("/api/", "/api/"),
            ("/api//", "/api/"),
            ("/api/.", "/api/"),
            ("/api//*", "/api/*"),
            ("*.png", "*.png"),
            ("/a%20b", "/a%20b"),
            ("/a%2", "/a%2"),
            ("/", "/"),
        ] {
            assert_eq!(normalize(path), normal, "{path}");
        }
    }
}
