//! An L7 request as the destination's sidecar sees it, and the sidecar's verdict.
//!
//! The identity a request carries is the peer's SPIFFE id from mTLS, or none for
//! plaintext; Istio reads the peer's namespace from that id, and so does
//! [`principal_namespace`]. An HTTP request may also carry headers and an end user's
//! token ([`Token`]), which RequestAuthentication validates and AuthorizationPolicy reads.

use super::pod::Pod;

/// An L7 request as the destination's sidecar sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Peer identity from mTLS, without `spiffe://`; `None` for plaintext.
    pub principal: Option<String>,
    /// Peer namespace from mTLS; `None` for plaintext.
    pub namespace: Option<String>,
    /// Destination (target) port.
    pub port: u16,
    /// `None` for TCP traffic.
    pub method: Option<String>,
    pub path: Option<String>,
    /// Request headers, names lower-case, in the order given; none on TCP.
    pub headers: Vec<(String, String)>,
    /// A well-signed end-user token (`Authorization: Bearer`), if any.
    pub token: Option<Token>,
}

/// An end user's JWT as the proxy would decode it once its signature is verified: the
/// issuer, the subject and the other claims. Whether it is accepted is for the pod's
/// RequestAuthentication to decide (an issuer it does not know is refused).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub issuer: String,
    pub subject: String,
    /// Claims besides `iss` and `sub`: a string claim holds one value, a list several.
    pub claims: Vec<(String, Vec<String>)>,
}

impl Token {
    pub fn new(issuer: &str, subject: &str) -> Token {
        Token {
            issuer: issuer.to_string(),
            subject: subject.to_string(),
            claims: Vec::new(),
        }
    }

    /// The token with claim NAME holding VALUES (one value: a string claim).
    pub fn claim(mut self, name: &str, values: &[&str]) -> Token {
        let values = values.iter().map(|v| v.to_string()).collect();
        self.claims.push((name.to_string(), values));
        self
    }

    /// `request.auth.principal`: `<iss>/<sub>`.
    pub fn principal(&self) -> String {
        format!("{}/{}", self.issuer, self.subject)
    }

    /// The values of claim NAME; `iss` and `sub` are claims too.
    pub fn claim_values(&self, name: &str) -> Option<Vec<&str>> {
        match name {
            "iss" => Some(vec![self.issuer.as_str()]),
            "sub" => Some(vec![self.subject.as_str()]),
            _ => self
                .claims
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, vs)| vs.iter().map(String::as_str).collect()),
        }
    }
}

impl Request {
    /// A plaintext TCP connection to PORT.
    pub fn plaintext(port: u16) -> Request {
        Request {
            principal: None,
            namespace: None,
            port,
            method: None,
            path: None,
            headers: Vec::new(),
            token: None,
        }
    }

    /// An mTLS connection from PRINCIPAL (`td/ns/NS/sa/SA`); the namespace is read from it.
    pub fn from_principal(principal: &str, port: u16) -> Request {
        Request {
            principal: Some(principal.to_string()),
            namespace: principal_namespace(principal).map(str::to_string),
            ..Request::plaintext(port)
        }
    }

    /// An mTLS connection from POD's sidecar.
    pub fn from_pod(pod: &Pod, trust_domain: &str, port: u16) -> Request {
        Request::from_principal(&pod.principal(trust_domain), port)
    }

    /// The same connection carrying an HTTP (or gRPC) request.
    pub fn http(mut self, method: &str, path: &str) -> Request {
        self.method = Some(method.to_string());
        self.path = Some(path.to_string());
        self
    }

    /// The same request with header NAME (any case) set to VALUE.
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    /// The same request carrying TOKEN.
    pub fn token(mut self, token: Token) -> Request {
        self.token = Some(token);
        self
    }

    /// The value of header NAME (lower-case); Envoy joins repeated headers with `,`.
    pub fn header_value(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(","))
    }
}

/// The namespace Istio reads from a peer's SPIFFE id (`td/ns/NS/sa/SA`).
pub fn principal_namespace(principal: &str) -> Option<&str> {
    principal
        .split_once("/ns/")
        .and_then(|(_, rest)| rest.split('/').next())
}

/// An L7 verdict, with the reason (naming the deciding policy) for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow(String),
    Deny(String),
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow(_))
    }

    /// Why: the policy and rule that decided, or what refused.
    pub fn reason(&self) -> &str {
        match self {
            Decision::Allow(why) | Decision::Deny(why) => why,
        }
    }
}
