//! The authorization features in a synthetic tree (`Options::authz`): what a service with
//! conditions and denies adds, written so that the tree still checks clean and no lint
//! fires (each deny carves a path out of the allow beside it).

/// Two issuers, the second's URL extending the first's: the case where a request
/// principal prefix alone would admit the wrong tokens.
pub(super) const JWTS: &str = "
  jwt corp {
    issuer https://login.example.com
    jwks https://login.example.com/keys
  }

  jwt corp-eu {
    issuer https://login.example.com/eu
    jwks https://login.example.com/eu/keys
  }
";

/// Rules with conditions, inside an allow's braces on HTTP ports.
pub(super) fn conditioned_rules(base: &str) -> String {
    format!(
        "    GET /api/{base}/beta/* when header x-tenant = acme, beta-*\n    \
         * /api/{base}/admin/* when jwt corp and claim groups = admin\n    \
         GET /api/{base}/eu/* when jwt corp-eu and header x-region != us\n"
    )
}

/// A deny on the HTTP ports TO, carving an internal path out of the allows.
pub(super) fn deny(base: &str, to: &str) -> String {
    format!("  deny anyone to {to} {{\n    * /api/{base}/internal/*\n  }}\n")
}
