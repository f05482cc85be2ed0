//! The question `explain` is asked and the answer it gives: per port, one verdict per
//! layer plus the intent lines that allow the call or come closest. Both serialise to
//! the JSON form as they stand; the text form reads them in `text`.

use serde::Serialize;

/// What was asked, resolved against the tree.
#[derive(Default)]
pub struct Question {
    pub from: String,
    pub to: String,
    pub port: Option<String>,
    pub request: Option<(String, String)>,
    /// Headers the request carries (`--header`), names lower-case.
    pub headers: Vec<(String, String)>,
    /// An end user's valid token the request carries (`--jwt`).
    pub token: Option<crate::evaluate::Token>,
}

impl Question {
    /// REQ with the question's headers and token: what an HTTP request of FROM carries.
    pub(crate) fn dress(&self, mut req: crate::evaluate::Request) -> crate::evaluate::Request {
        for (name, value) in &self.headers {
            req = req.header(name, value);
        }
        if let Some(token) = &self.token {
            req = req.token(token.clone());
        }
        req
    }

    /// How the request is dressed, for the L7 line: empty without headers or token.
    pub(crate) fn carrying(&self) -> String {
        let mut parts: Vec<String> = self
            .headers
            .iter()
            .map(|(n, v)| format!("header {n}={v}"))
            .collect();
        if let Some(t) = &self.token {
            let claims: Vec<String> = t
                .claims
                .iter()
                .map(|(n, vs)| format!("{n}={}", vs.join(",")))
                .collect();
            parts.push(if claims.is_empty() {
                format!("a token of {}", t.issuer)
            } else {
                format!("a token of {} with {}", t.issuer, claims.join(", "))
            });
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" with {}", parts.join(" and "))
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Explanation {
    pub from: String,
    pub to: String,
    /// What TO is: `service`, `workload` (a declared workload with ports) or `external`.
    pub kind: &'static str,
    pub allowed: bool,
    pub ports: Vec<PortAnswer>,
    /// FROM's and TO's namespaces that are in dry-run: `allowed` and the layers are then
    /// the verdict once enforced, and `allowed_now` what the cluster does today.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dry_run: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_now: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct PortAnswer {
    pub port: String,
    pub service_port: u16,
    pub target_port: u16,
    pub protocol: &'static str,
    pub allowed: bool,
    pub layers: Vec<Layer>,
    /// The intent lines that allow this call.
    pub allowed_by: Vec<String>,
    /// When denied: what comes closest to allowing it.
    pub nearest: Vec<String>,
    /// What a reader should know besides the verdict: a call the cluster admits although
    /// no intent line grants it, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// With a dry-run namespace on either side: the verdict today, on the objects as
    /// written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_now: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct Layer {
    pub layer: &'static str,
    pub allowed: bool,
    pub detail: String,
}

pub(crate) fn layer(name: &'static str, allowed: bool, detail: impl Into<String>) -> Layer {
    Layer {
        layer: name,
        allowed,
        detail: detail.into(),
    }
}
