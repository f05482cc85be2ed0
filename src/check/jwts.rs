//! The mesh block's `jwt` blocks: the issuers of end-user tokens that rules may name.
//! Each needs one `issuer` and one `jwks`, both https URLs; names and issuers are unique,
//! since a RequestAuthentication lists an issuer once and a rule must name one issuer.

use super::names;
use super::sink::Sink;
use crate::ast::{self, MeshStatement};
use crate::code::Code;
use crate::ir::Jwt;
use crate::source::Span;

/// The declared issuers, sorted by name, each with the span of its name.
pub(crate) fn jwts(mesh: Option<&ast::Mesh>, sink: &mut Sink) -> Vec<(Jwt, Span)> {
    let mut out: Vec<(Jwt, Span)> = Vec::new();
    let blocks = mesh.into_iter().flat_map(|m| &m.statements);
    for block in blocks.filter_map(|s| match s {
        MeshStatement::Jwt(j) => Some(j),
        _ => None,
    }) {
        sink.ok(
            Code::InvalidName,
            block.name.span,
            names::dns_label("jwt", &block.name.text),
        );
        let issuer = one(block, "issuer", &block.issuers, sink);
        let jwks = one(block, "jwks", &block.jwks, sink);
        if let Some((first, at)) = out.iter().find(|(j, _)| j.name == block.name.text) {
            sink.error(
                Code::DuplicateJwt,
                block.name.span,
                format!("`jwt {}` is declared twice", first.name),
            )
            .help("give each issuer one `jwt` block: merge the two, or rename this one")
            .note(*at, "first declared here");
            continue;
        }
        if let Some(issuer) = issuer {
            if let Some((first, at)) = out.iter().find(|(j, _)| j.issuer == issuer.text) {
                sink.error(
                    Code::DuplicateJwt,
                    issuer.span,
                    format!(
                        "issuer `{}` is already declared by `jwt {}`",
                        issuer.text, first.name
                    ),
                )
                .help(format!(
                    "declare each issuer once: remove `jwt {}`, and write `when jwt {}` where rules name it",
                    block.name.text, first.name
                ))
                .note(*at, "declared here");
                continue;
            }
        }
        // A block with an error is kept, so that the rules naming it are not also told
        // that it does not exist; the errors stop the build before its URLs are used.
        let text = |w: Option<&ast::Word>| w.map(|w| w.text.clone()).unwrap_or_default();
        out.push((
            Jwt {
                name: block.name.text.clone(),
                issuer: text(issuer),
                jwks: text(jwks),
            },
            block.name.span,
        ));
    }
    out.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    out
}

/// The one URL of a `issuer` or `jwks` line, checked; `None` when missing, repeated or
/// not an https URL (each reported).
fn one<'a>(
    block: &ast::Jwt,
    what: &str,
    lines: &'a [(Span, ast::Word)],
    sink: &mut Sink,
) -> Option<&'a ast::Word> {
    let Some((first_keyword, url)) = lines.first() else {
        sink.error(
            Code::IncompleteJwt,
            block.name.span,
            format!("`jwt {}` has no `{what}`", block.name.text),
        )
        .help(if what == "issuer" {
            "add the URL its tokens carry in `iss`: `issuer https://accounts.example.com`"
        } else {
            "add where it publishes its keys: `jwks https://accounts.example.com/jwks.json`"
        });
        return None;
    };
    for (keyword, _) in &lines[1..] {
        sink.error(
            Code::DuplicateSetting,
            *keyword,
            format!("`{what}` is given twice in `jwt {}`", block.name.text),
        )
        .help(format!("keep one `{what}` line"))
        .note(*first_keyword, "first given here");
    }
    if let Err(why) = https_url(&url.text) {
        sink.error(
            Code::InvalidJwtUrl,
            url.span,
            format!("`{}` is not an https URL: {why}", url.text),
        )
        .help(url_help(what, &url.text));
        return None;
    }
    (lines.len() == 1).then_some(url)
}

/// What to write instead of TEXT, a bad URL of an `issuer` or `jwks` (WHAT) line: the
/// https form when the fix is plain, else an example.
fn url_help(what: &str, text: &str) -> String {
    let fixed = match text.strip_prefix("http://") {
        Some(rest) => Some(format!("https://{rest}")),
        None if !text.contains("://") => Some(format!("https://{text}")),
        None => None,
    }
    .filter(|f| https_url(f).is_ok());
    match (what, fixed) {
        ("issuer", Some(f)) => format!(
            "write `{f}`, if that is what the tokens carry in `iss`: meshward trusts https issuers only"
        ),
        (_, Some(f)) => format!("write `{f}`: the proxy fetches signing keys over https only"),
        ("issuer", None) => "write the issuer exactly as its tokens carry it in `iss`, such as `https://accounts.google.com`".into(),
        _ => "write where the keys are published, such as `https://www.googleapis.com/oauth2/v3/certs`".into(),
    }
}

/// `https://HOST[:PORT][/PATH]`, HOST made of letters, digits, `-` and `.`; the rest
/// printable ASCII without quotes, angle brackets, backslash or braces.
fn https_url(text: &str) -> Result<(), &'static str> {
    let Some(rest) = text.strip_prefix("https://") else {
        return Err(if text.starts_with("http://") {
            "tokens and keys must come over https"
        } else {
            "it must start with `https://`"
        });
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if host.is_empty()
        || host.starts_with(['.', '-'])
        || host.ends_with(['.', '-'])
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(
            "the host is missing or holds other characters than letters, digits, `-` and `.`",
        );
    }
    if port.is_some_and(|p| p.parse::<u16>().map_or(true, |n| n == 0)) {
        return Err("the port after the host is not a number from 1 to 65535");
    }
    if !rest
        .chars()
        .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '|'))
    {
        return Err("it holds a character that a URL cannot");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::https_url;

    #[test]
    fn https_urls() {
        for ok in [
            "https://accounts.google.com",
            "https://www.googleapis.com/oauth2/v3/certs",
            "https://login.example.com:8443/realms/corp",
        ] {
            assert_eq!(https_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://accounts.google.com",
            "accounts.google.com",
            "https://",
            "https:///x",
            "https://a_b.com",
            "https://a.com:0",
            "https://a.com:x",
            "https://a.com/\"x\"",
        ] {
            assert!(https_url(bad).is_err(), "{bad}");
        }
    }
}
