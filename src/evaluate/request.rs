//! An L7 request as the destination's sidecar sees it, and the sidecar's verdict.
//!
//! The identity a request carries is the peer's SPIFFE id from mTLS, or none for
//! plaintext; Istio reads the peer's namespace from that id, and so does
//! [`principal_namespace`].

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
}
