//! DNS name patterns, as Cilium matches them in `toFQDNs` and in the DNS proxy's
//! `rules.dns` (`pkg/fqdn/matchpattern`): case-insensitive, trailing dot ignored; in a
//! pattern `*` stands for `[-a-zA-Z0-9_]*` inside one label, never for a dot, and the
//! pattern `*` alone for every name.

use super::policy::NamePattern;

impl NamePattern {
    /// A `matchName` (EXACT) or `matchPattern` as written; `**.` is read as `*.` by the
    /// reader, which notes it.
    pub fn new(written: &str, exact: bool) -> NamePattern {
        NamePattern {
            pattern: normal(written),
            exact,
        }
    }

    pub fn matches(&self, name: &str) -> bool {
        let name = normal(name);
        if self.exact {
            return self.pattern == name;
        }
        if self.pattern == "*" {
            return !name.is_empty();
        }
        // Dots are literal and a `*` never crosses one: labels pair up one to one.
        let (pattern, name): (Vec<&str>, Vec<&str>) =
            (self.pattern.split('.').collect(), name.split('.').collect());
        pattern.len() == name.len()
            && pattern
                .iter()
                .zip(&name)
                .all(|(p, n)| glob(p.as_bytes(), n.as_bytes()))
    }
}

/// Lower-cased, without the trailing dot that makes a name fully qualified.
fn normal(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// One label of a pattern against one label of a name. Iterative, so a hostile pattern
/// cannot recurse deeply.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    let wild = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
    let (mut p, mut n) = (0, 0);
    // The last `*` seen and the name position it has absorbed up to.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, n));
            p += 1;
        } else if p < pattern.len() && pattern[p] == name[n] {
            p += 1;
            n += 1;
        } else if let Some((sp, sn)) = star.filter(|&(_, sn)| wild(name[sn])) {
            star = Some((sp, sn + 1));
            p = sp + 1;
            n = sn + 1;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}
