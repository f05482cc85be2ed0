//! The question `explain` is asked and the answer it gives: per port, one verdict per
//! layer plus the intent lines that allow the call or come closest. Both serialise to
//! the JSON form as they stand; the text form reads them in `text`.

use serde::Serialize;

/// What was asked, resolved against the tree.
pub struct Question {
    pub from: String,
    pub to: String,
    pub port: Option<String>,
    pub request: Option<(String, String)>,
}

#[derive(Debug, Serialize)]
pub struct Explanation {
    pub from: String,
    pub to: String,
    /// What TO is: `service`, `workload` (a declared workload with ports) or `external`.
    pub kind: &'static str,
    pub allowed: bool,
    pub ports: Vec<PortAnswer>,
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
