//! Invariant 12, apply order: with `sync-waves on`, every object that restricts has a
//! strictly higher Argo CD sync wave than every object that grants or defines, and every
//! VirtualService a strictly higher wave than the DestinationRule for its host; with it
//! off, no object carries a wave.
//!
//! Each object is read back from the JSON meshward is about to write, into the few fields
//! that say what it does, and classed here on its own terms: a NetworkPolicy without
//! rules (a CiliumNetworkPolicy whose rules admit only the entity `none`), an
//! AuthorizationPolicy that is DENY or has no rules, a STRICT PeerAuthentication, a
//! RequestAuthentication and a REGISTRY_ONLY Sidecar restrict; the rest grant or define.

use super::report::Report;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The annotation Argo CD reads.
const WAVE: &str = "argocd.argoproj.io/sync-wave";

/// What one object says about its place in the apply order.
#[derive(Clone, Debug)]
pub struct Placed {
    /// `Kind namespace/name`, for messages.
    what: String,
    role: Role,
    /// The annotation as written, if any.
    wave: Option<String>,
    /// A VirtualService's hosts or a DestinationRule's host.
    hosts: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Grants,
    Restricts,
    /// A VirtualService: after the DestinationRules of its hosts.
    Routes,
}

#[derive(Deserialize)]
struct Shape {
    kind: String,
    metadata: Meta,
    #[serde(default)]
    spec: Spec,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    ingress: Option<Vec<Value>>,
    egress: Option<Vec<Value>>,
    action: Option<String>,
    rules: Option<Vec<IgnoredAny>>,
    mtls: Option<Mode>,
    outbound_traffic_policy: Option<Mode>,
    host: Option<String>,
    hosts: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct Mode {
    mode: Option<String>,
}

impl Placed {
    /// Read from an object's JSON text; `None` for a kustomization or unreadable text
    /// (which the evaluator reports). With WAVES off only an object that carries a wave
    /// is kept (it is a fault): a 10,000-service build then holds no record per object.
    pub fn read(json: &[u8], waves: bool) -> Option<Placed> {
        if !waves && !contains(json, WAVE.as_bytes()) {
            return None;
        }
        Self::from_shape(serde_json::from_slice(json).ok()?)
    }

    pub fn from_value(object: &Value) -> Option<Placed> {
        Self::from_shape(Shape::deserialize(object).ok()?)
    }

    fn from_shape(s: Shape) -> Option<Placed> {
        let has = |v: &Option<Vec<IgnoredAny>>| v.as_ref().is_some_and(|r| !r.is_empty());
        let grants = |v: &Option<Vec<Value>>| v.iter().flatten().any(admits_something);
        let mode = |m: &Option<Mode>| m.as_ref().and_then(|m| m.mode.clone()).unwrap_or_default();
        let role = match s.kind.as_str() {
            "Kustomization" => return None,
            "NetworkPolicy" | "CiliumNetworkPolicy"
                if !grants(&s.spec.ingress) && !grants(&s.spec.egress) =>
            {
                Role::Restricts
            }
            "AuthorizationPolicy"
                if s.spec.action.as_deref() == Some("DENY") || !has(&s.spec.rules) =>
            {
                Role::Restricts
            }
            "PeerAuthentication" if mode(&s.spec.mtls) != "PERMISSIVE" => Role::Restricts,
            "RequestAuthentication" => Role::Restricts,
            "Sidecar" if mode(&s.spec.outbound_traffic_policy) != "ALLOW_ANY" => Role::Restricts,
            "VirtualService" => Role::Routes,
            _ => Role::Grants,
        };
        let mut hosts = s.spec.hosts.unwrap_or_default();
        hosts.extend(s.spec.host);
        Some(Placed {
            what: format!("{} {}/{}", s.kind, s.metadata.namespace, s.metadata.name),
            role,
            wave: s.metadata.annotations.get(WAVE).cloned(),
            hosts,
        })
    }
}

/// Whether a NetworkPolicy or CiliumNetworkPolicy rule may admit something: every rule
/// does, except a Cilium rule whose one peer is the entity `none` (how default deny is
/// written there).
fn admits_something(rule: &Value) -> bool {
    let Some(fields) = rule.as_object() else {
        return true;
    };
    let none = |v: &Value| v.as_array().is_some_and(|a| a.len() == 1 && a[0] == "none");
    !(fields.len() == 1
        && fields
            .iter()
            .all(|(k, v)| (k == "fromEntities" || k == "toEntities") && none(v)))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub(crate) fn waves(on: bool, placed: &[Placed], report: &mut Report) {
    if !on {
        for p in placed.iter().filter(|p| p.wave.is_some()) {
            report.push(format!(
                "{} has a sync wave, but `sync-waves` is off",
                p.what
            ));
        }
        return;
    }
    let mut numbered = Vec::with_capacity(placed.len());
    for p in placed {
        match p.wave.as_deref().map(str::parse::<i64>) {
            Some(Ok(w)) => numbered.push((p, w)),
            _ => report.push(format!(
                "{} has no valid sync wave ({:?}), but `sync-waves` is on",
                p.what, p.wave
            )),
        }
    }
    let highest_grant = numbered
        .iter()
        .filter(|(p, _)| p.role == Role::Grants)
        .max_by_key(|(_, w)| *w);
    let lowest_restriction = numbered
        .iter()
        .filter(|(p, _)| p.role == Role::Restricts)
        .min_by_key(|(_, w)| *w);
    if let (Some((g, gw)), Some((r, rw))) = (highest_grant, lowest_restriction) {
        if rw <= gw {
            report.push(format!(
                "{} restricts in wave {rw}, not after {} which grants in wave {gw}",
                r.what, g.what
            ));
        }
    }
    for (vs, w) in numbered.iter().filter(|(p, _)| p.role == Role::Routes) {
        for (dr, dw) in numbered.iter().filter(|(p, _)| {
            p.what.starts_with("DestinationRule ") && p.hosts.iter().any(|h| vs.hosts.contains(h))
        }) {
            if w <= dw {
                report.push(format!(
                    "{} is in wave {w}, not after {} (wave {dw}) which defines its subsets",
                    vs.what, dr.what
                ));
            }
        }
    }
}
