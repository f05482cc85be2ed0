//! Lexical validation of an external's hosts and of address ranges (`cidr`,
//! `cluster-cidrs`). The grammar lexes both loosely so that these helpers can say what is
//! wrong and what was meant, as `names` does for names.

use super::names::NameError;
use crate::ir::Cidr;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn err(message: String, help: impl Into<String>) -> NameError {
    (message, Some(help.into()))
}

/// A lower-case DNS name of at least two labels, optionally starting with `*.`.
pub fn host(text: &str) -> Result<(), NameError> {
    let last_label = text.trim_end_matches('.').rsplit('.').next().unwrap_or("");
    let numeric = !last_label.is_empty() && last_label.bytes().all(|b| b.is_ascii_digit());
    if text.parse::<IpAddr>().is_ok() || text.matches(':').count() > 1 || numeric {
        let bits = if text.contains(':') { 128 } else { 32 };
        return Err(err(
            format!("host `{text}` is an IP address, not a DNS name"),
            format!("name addresses with `cidr`: `cidr {text}/{bits}`"),
        ));
    }
    if text.contains("://") || text.contains('/') {
        let bare = text
            .split("://")
            .last()
            .unwrap_or(text)
            .split(['/', ':'])
            .next()
            .unwrap_or("");
        return Err(err(
            format!("host `{text}` is a URL, not a host name"),
            format!("write the name alone, `{bare}`, and declare the port with `port`"),
        ));
    }
    if let Some((name, _)) = text.split_once(':') {
        return Err(err(
            format!("host `{text}` carries a port"),
            format!("write `{name}` and declare the port with `port NAME NUMBER/PROTOCOL`"),
        ));
    }
    if text.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(err(
            format!("host `{text}` has upper-case letters"),
            format!(
                "DNS names are matched in lower case; write `{}`",
                text.to_ascii_lowercase()
            ),
        ));
    }
    if text.len() > 1 && text.ends_with('.') {
        return Err(err(
            format!("host `{text}` ends with a dot"),
            format!(
                "write `{}`: hosts are written without the root dot",
                text.trim_end_matches('.')
            ),
        ));
    }
    let name = text.strip_prefix("*.").unwrap_or(text);
    if name.contains('*') {
        return Err(err(
            format!("host `{text}` has a wildcard that is not its whole first label"),
            "a wildcard stands only first, as a label of its own: `*.stripe.com`",
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.')))
    {
        return Err(err(
            format!("host `{text}` contains `{c}`"),
            "host names use lower-case letters, digits, `-` and `.` only",
        ));
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return Err(err(
            format!("host `{text}` has an empty label"),
            "labels are joined by single dots: `api.stripe.com`",
        ));
    }
    if labels.len() < 2 {
        let wildcard = if name.len() < text.len() {
            "after the wildcard "
        } else {
            ""
        };
        return Err(err(
            format!("host `{text}` has a single label {wildcard}"),
            "write the full DNS name, with at least two labels, such as `api.stripe.com`",
        ));
    }
    if let Some(l) = labels
        .iter()
        .find(|l| l.len() > 63 || l.starts_with('-') || l.ends_with('-'))
    {
        return Err(err(
            format!("host `{text}` has an invalid label `{l}`"),
            "a label has at most 63 characters and starts and ends with a letter or digit",
        ));
    }
    if name.len() > 253 {
        return Err(err(
            format!("host `{text}` is longer than 253 characters"),
            "DNS names are at most 253 characters",
        ));
    }
    Ok(())
}

/// An IPv4 address in dotted quad, each part decimal without leading zeros.
fn ipv4(text: &str, whole: &str) -> Result<Ipv4Addr, NameError> {
    let parts: Vec<&str> = text.split('.').collect();
    let unparsable = || {
        err(
            format!("`{whole}` is not an address range"),
            "write an IPv4 range such as `10.20.0.0/16` or an IPv6 range such as `2001:db8::/48`",
        )
    };
    if parts.len() != 4 {
        return Err(unparsable());
    }
    let mut octets = [0u8; 4];
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(unparsable());
        }
        if part.len() > 1 && part.starts_with('0') {
            let plain: Vec<String> = parts
                .iter()
                .map(|p| p.trim_start_matches('0'))
                .map(|p| {
                    if p.is_empty() {
                        "0".into()
                    } else {
                        p.to_string()
                    }
                })
                .collect();
            return Err(err(
                format!("`{whole}` has a part with leading zeros, `{part}`"),
                format!(
                    "leading zeros are read as octal by some tools; write `{}`",
                    plain.join(".")
                ),
            ));
        }
        octets[i] = part.parse().map_err(|_| {
            err(
                format!("`{whole}` has a part out of range, `{part}`"),
                "each part of an IPv4 address is 0 to 255",
            )
        })?;
    }
    Ok(Ipv4Addr::from(octets))
}

/// `ADDRESS/PREFIX`, IPv4 or IPv6, with the host bits zero.
pub fn cidr(text: &str) -> Result<Cidr, NameError> {
    let Some((address, prefix)) = text.split_once('/') else {
        let bits = if text.contains(':') { 128 } else { 32 };
        return Err(err(
            format!("`{text}` has no prefix length"),
            format!("a range ends in `/PREFIX`; for one address write `{text}/{bits}`"),
        ));
    };
    if address.contains('.') && address.contains(':') {
        return Err(err(
            format!("`{text}` mixes IPv4 and IPv6 notation"),
            "write each family's range on its own, such as `10.20.0.0/16, 2001:db8::/48`",
        ));
    }
    let address: IpAddr = if address.contains(':') {
        address.parse::<Ipv6Addr>().map(IpAddr::V6).map_err(|_| {
            err(
                format!("`{text}` is not an IPv6 range"),
                "write an IPv6 range such as `2001:db8::/48`",
            )
        })?
    } else {
        IpAddr::V4(ipv4(address, text)?)
    };
    let bits: u8 = if address.is_ipv4() { 32 } else { 128 };
    let family = if address.is_ipv4() { "IPv4" } else { "IPv6" };
    let out_of_range = || {
        err(
            format!("`{text}` has a prefix length out of range"),
            format!("an {family} prefix length is 0 to {bits}"),
        )
    };
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return Err(out_of_range());
    }
    if prefix.len() > 1 && prefix.starts_with('0') {
        return Err(err(
            format!("`{text}` has a prefix length with leading zeros"),
            format!("write `/{}`", prefix.trim_start_matches('0')),
        ));
    }
    let prefix: u8 = match prefix.parse() {
        Ok(p) if p <= bits => p,
        _ => return Err(out_of_range()),
    };
    let network = network(address, prefix);
    if network != address {
        return Err(err(
            format!("`{text}` has host bits set"),
            format!("the range that holds it is `{network}/{prefix}`"),
        ));
    }
    Ok(Cidr { address, prefix })
}

/// ADDRESS with every bit past PREFIX cleared.
fn network(address: IpAddr, prefix: u8) -> IpAddr {
    match address {
        IpAddr::V4(a) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
        }
        IpAddr::V6(a) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{cidr, host};

    #[test]
    fn hosts() {
        for ok in ["api.stripe.com", "*.stripe.com", "a-1.b2.io"] {
            assert!(host(ok).is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("Api.stripe.com", "upper-case"),
            ("api.stripe.com.", "ends with a dot"),
            ("api.*.com", "wildcard"),
            ("*stripe.com", "wildcard"),
            ("api.stripe.*", "wildcard"),
            ("localhost", "single label"),
            ("*.com", "single label"),
            ("a_b.com", "contains `_`"),
            ("a..com", "empty label"),
            ("-a.com", "invalid label"),
            ("api.stripe.com:443", "port"),
            ("https://api.stripe.com/v1", "URL"),
            ("10.0.0.1", "IP address"),
            ("2001:db8::1", "IP address"),
            ("a.b.300", "IP address"),
        ] {
            let message = host(bad).expect_err(bad).0;
            assert!(message.contains(says), "{bad}: {message}");
        }
    }

    #[test]
    fn cidrs() {
        assert_eq!(cidr("10.20.0.0/16").unwrap().to_string(), "10.20.0.0/16");
        assert_eq!(cidr("2001:db8::/48").unwrap().to_string(), "2001:db8::/48");
        assert_eq!(cidr("0.0.0.0/0").unwrap().prefix, 0);
        assert_eq!(cidr("::/0").unwrap().prefix, 0);
        assert_eq!(cidr("10.1.2.3/32").unwrap().prefix, 32);
        for (bad, says) in [
            ("10.20.1.0/16", "host bits set"),
            ("10.0.0.0/33", "out of range"),
            ("2001:db8::/129", "out of range"),
            ("::ffff:10.0.0.0/104", "mixes"),
            ("010.0.0.0/8", "leading zeros"),
            ("10.0.0.0/08", "leading zeros"),
            ("10.0.0/8", "not an address range"),
            ("10.0.0.256/32", "out of range"),
            ("10.0.0.0", "no prefix"),
            ("2001:db8:::/48", "not an IPv6"),
            ("x", "no prefix"),
        ] {
            let message = cidr(bad).expect_err(bad).0;
            assert!(message.contains(says), "{bad}: {message}");
        }
        let help = cidr("10.20.1.0/16").unwrap_err().1.unwrap();
        assert!(help.contains("`10.20.0.0/16`"), "{help}");
    }
}
