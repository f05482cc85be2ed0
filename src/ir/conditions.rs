//! Conditions on HTTP rules and the token issuers they name, with the language's own
//! reading of them: what `when header ...`, `when jwt ...` and `when claim ...` admit.

/// `jwt NAME { issuer URL  jwks URL }`: an issuer of end-user tokens.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Jwt {
    pub name: String,
    /// An https URL, exactly as tokens carry it in `iss`.
    pub issuer: String,
    /// An https URL where the issuer publishes its signing keys.
    pub jwks: String,
}

/// One condition of a rule, resolved.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Condition {
    /// `header NAME = V, ...` (one value matches) or, `negated`, `header NAME != V, ...`
    /// (no value matches; an absent header matches none). NAME is lower case; a value may
    /// start or end with `*` (suffix, prefix), never be `*` alone.
    Header {
        name: String,
        negated: bool,
        values: Vec<String>,
    },
    /// `jwt NAME`: a valid token of that issuer.
    Jwt(Jwt),
    /// `claim NAME = V, ...`: the token's claim (a string, or a list one element of which)
    /// matches one of the values. Only with a `jwt` condition in the same rule.
    Claim { name: String, values: Vec<String> },
}

/// What the language needs of a request beyond its method and path.
#[derive(Clone, Copy, Debug, Default)]
pub struct Extras<'a> {
    /// `(name, value)`, names lower case; an absent header is absent here.
    pub headers: &'a [(String, String)],
    /// The end user's token, when the request carries one the proxy accepted.
    pub token: Option<&'a EndUser>,
}

/// A validated end-user token: its issuer, subject and other claims (a claim may hold
/// several strings).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndUser {
    pub issuer: String,
    pub subject: String,
    pub claims: Vec<(String, Vec<String>)>,
}

/// The language's value matching: exact, `abc*` prefix, `*abc` suffix.
pub fn value_covers(pattern: &str, value: &str) -> bool {
    if let Some(suffix) = pattern.strip_prefix('*') {
        value.ends_with(suffix)
    } else if let Some(prefix) = pattern.strip_suffix('*') {
        value.starts_with(prefix)
    } else {
        pattern == value
    }
}

impl Condition {
    /// Whether the condition holds for a request with EXTRAS.
    pub fn holds(&self, extras: &Extras) -> bool {
        match self {
            Condition::Header {
                name,
                negated,
                values,
            } => {
                let value = extras.headers.iter().find(|(n, _)| n == name);
                let any = value.is_some_and(|(_, v)| values.iter().any(|p| value_covers(p, v)));
                any != *negated
            }
            Condition::Jwt(j) => extras.token.is_some_and(|t| t.issuer == j.issuer),
            Condition::Claim { name, values } => extras.token.is_some_and(|t| {
                let special = match name.as_str() {
                    "iss" => Some(&t.issuer),
                    "sub" => Some(&t.subject),
                    _ => None,
                };
                let listed = t.claims.iter().filter(|(n, _)| n == name);
                special
                    .into_iter()
                    .chain(listed.flat_map(|(_, vs)| vs))
                    .any(|v| values.iter().any(|p| value_covers(p, v)))
            }),
        }
    }

    /// The condition as an intent file writes it.
    pub fn text(&self) -> String {
        match self {
            Condition::Header {
                name,
                negated,
                values,
            } => format!(
                "header {name} {} {}",
                if *negated { "!=" } else { "=" },
                values.join(", ")
            ),
            Condition::Jwt(j) => format!("jwt {}", j.name),
            Condition::Claim { name, values } => format!("claim {name} = {}", values.join(", ")),
        }
    }
}
