//! CiliumNetworkPolicy's JSON shapes (`cilium.io/v2`), and the [`NetworkPolicy`] each of
//! its rules (`spec`, `specs[i]`) is read into.
//!
//! Its `ingress`/`egress` items have other shapes than NetworkPolicy's under the same
//! names, so the object is read whole here, in the second pass (`mod.rs`). What a rule
//! holds that this model cannot evaluate follows the convention of AuthorizationPolicy's
//! fields: an allow rule holding it matches nothing, a deny rule is read without it (so it
//! refuses everything it could); either way it is noted.

use super::cilium_rule::RawItem;
use super::endpoint_selector::split;
use super::object::Meta;
use super::selector::RawSelector;
use crate::evaluate::cluster::NAMESPACE_NAME_LABEL;
use crate::evaluate::policy::{NetworkPolicy, NetworkRule};
use crate::evaluate::selector::{Expression, Selector};
use serde::de::IgnoredAny;
use serde::Deserialize;

#[derive(Deserialize)]
pub(crate) struct CiliumDoc {
    #[serde(default)]
    metadata: Option<Meta>,
    #[serde(default)]
    spec: Option<RawRule>,
    #[serde(default)]
    specs: Option<Vec<RawRule>>,
}

/// One rule (`spec` or a `specs` item). `description`, `labels` and `log` change no
/// verdict and are skipped unread.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRule {
    #[serde(default)]
    endpoint_selector: Option<RawSelector>,
    #[serde(default)]
    node_selector: Option<IgnoredAny>,
    #[serde(default)]
    ingress: Option<Vec<RawItem>>,
    #[serde(default)]
    ingress_deny: Option<Vec<RawItem>>,
    #[serde(default)]
    egress: Option<Vec<RawItem>>,
    #[serde(default)]
    egress_deny: Option<Vec<RawItem>>,
    #[serde(default)]
    enable_default_deny: Option<IgnoredAny>,
}

impl CiliumDoc {
    /// Each rule's NetworkPolicy, and the notes (each naming the object).
    pub(crate) fn policy(self) -> (Vec<NetworkPolicy>, Vec<String>) {
        let (namespace, name) = Meta::names(self.metadata);
        let title = format!("CiliumNetworkPolicy {namespace}/{name}");
        let mut rules: Vec<(String, RawRule)> = Vec::new();
        if let Some(spec) = self.spec {
            rules.push((name.clone(), spec));
        }
        for (i, spec) in self.specs.unwrap_or_default().into_iter().enumerate() {
            rules.push((format!("{name}[{i}]"), spec));
        }
        let mut why = Vec::new();
        if rules.is_empty() {
            why.push(
                "neither `spec` nor `specs`: the agent rejects it, so it restricts nothing"
                    .to_string(),
            );
        }
        let empty = |r: &RawRule| {
            [&r.ingress, &r.ingress_deny, &r.egress, &r.egress_deny]
                .iter()
                .all(|l| l.as_ref().is_none_or(Vec::is_empty))
        };
        if rules.iter().any(|(_, r)| empty(r)) {
            why.push("a rule has no ingress, ingressDeny, egress or egressDeny item: the agent rejects the whole object (Valid=False), so it restricts nothing".to_string());
            rules.clear();
        }
        let out = rules
            .into_iter()
            .map(|(rule_name, rule)| read_rule(&namespace, rule_name, rule, &mut why))
            .collect();
        why.sort();
        why.dedup();
        (
            out,
            why.into_iter().map(|w| format!("{title}: {w}")).collect(),
        )
    }
}

/// A selector that selects nothing: an expression without a key.
fn nothing() -> Selector {
    Selector {
        match_labels: Vec::new(),
        expressions: vec![Expression {
            key: None,
            operator: None,
            values: Vec::new(),
        }],
    }
}

/// The `endpointSelector` of a rule in NAMESPACE: pod labels, then the namespace's labels
/// and the service account when required. Cilium pins it to the policy's namespace, so a
/// requirement on `io.kubernetes.pod.namespace` is dropped (noted unless it names NAMESPACE).
fn subject(
    rule: &mut RawRule,
    namespace: &str,
    why: &mut Vec<String>,
) -> (Selector, Option<Selector>, Option<Selector>) {
    match (rule.endpoint_selector.take(), &rule.node_selector) {
        (Some(selector), None) => {
            let mut s = split(Selector::from(selector), why);
            if s.names_namespace {
                // Naming the policy's own namespace changes nothing; another is dropped.
                if s.namespaces
                    .match_labels
                    .iter()
                    .any(|(k, v)| k == NAMESPACE_NAME_LABEL && v != namespace)
                    || s.namespaces
                        .expressions
                        .iter()
                        .any(|e| e.key.as_deref() == Some(NAMESPACE_NAME_LABEL))
                {
                    why.push("`io.kubernetes.pod.namespace` in endpointSelector ignored: it selects pods of the policy's namespace only".to_string());
                }
                s.namespaces
                    .match_labels
                    .retain(|(k, _)| k != NAMESPACE_NAME_LABEL);
                s.namespaces
                    .expressions
                    .retain(|e| e.key.as_deref() != Some(NAMESPACE_NAME_LABEL));
            }
            let some = |s: Selector| (s != Selector::default()).then_some(s);
            (s.pods, some(s.namespaces), some(s.accounts))
        }
        (_, Some(_)) => {
            why.push("nodeSelector (host policy) selects no pod".to_string());
            (nothing(), None, None)
        }
        (None, None) => {
            why.push(
                "a rule without endpointSelector is rejected by the agent: it selects nothing"
                    .to_string(),
            );
            (nothing(), None, None)
        }
    }
}

fn read_rule(
    namespace: &str,
    name: String,
    mut rule: RawRule,
    why: &mut Vec<String>,
) -> NetworkPolicy {
    let (pod_selector, namespace_selector, accounts) = subject(&mut rule, namespace, why);
    if rule.enable_default_deny.is_some() {
        why.push("enableDefaultDeny (Cilium 1.16+) ignored: every non-empty list is read as default deny".to_string());
    }
    let mut items = |list: Option<Vec<RawItem>>, ingress: bool, deny: bool| -> Vec<NetworkRule> {
        list.unwrap_or_default()
            .into_iter()
            .map(|item| item.rule(ingress, deny, namespace, why))
            .collect()
    };
    let ingress = items(rule.ingress, true, false);
    let deny_ingress = items(rule.ingress_deny, true, true);
    let egress = items(rule.egress, false, false);
    let deny_egress = items(rule.egress_deny, false, true);
    NetworkPolicy {
        namespace: namespace.to_string(),
        name,
        cilium: true,
        pod_selector,
        namespace_selector: namespace_selector.map(Box::new),
        accounts: accounts.map(Box::new),
        isolates_ingress: !ingress.is_empty() || !deny_ingress.is_empty(),
        isolates_egress: !egress.is_empty() || !deny_egress.is_empty(),
        ingress,
        egress,
        deny_ingress,
        deny_egress,
    }
}
