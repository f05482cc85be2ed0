//! Kubernetes label selectors: `matchLabels` and `matchExpressions`, and how they match
//! the labels of a pod or a namespace ([`LabelMap`]).

use serde_json::Value;
use std::collections::BTreeMap;

/// Labels of a pod or a namespace (`metadata.labels`), sorted by key.
pub type LabelMap = BTreeMap<String, String>;

/// A label selector: `matchLabels` (sorted) and `matchExpressions`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    pub match_labels: Vec<(String, String)>,
    pub expressions: Vec<Expression>,
}

/// One `matchExpressions` entry; a missing key or an unknown operator matches nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expression {
    pub key: Option<String>,
    pub operator: Option<Operator>,
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl Selector {
    /// Kubernetes label selector semantics over labels given by LABEL (key → value), so
    /// namespaces can be matched without building a label map for each question.
    pub fn matches_by<'l>(&self, label: impl Fn(&str) -> Option<&'l str>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| label(k) == Some(v.as_str()))
            && self.expressions.iter().all(|e| {
                let Some(key) = &e.key else {
                    return false;
                };
                let value = label(key);
                let listed = |v: &str| e.values.iter().any(|x| x == v);
                match e.operator {
                    Some(Operator::In) => value.is_some_and(listed),
                    Some(Operator::NotIn) => value.is_none_or(|v| !listed(v)),
                    Some(Operator::Exists) => value.is_some(),
                    Some(Operator::DoesNotExist) => value.is_none(),
                    None => false,
                }
            })
    }

    pub fn matches(&self, labels: &LabelMap) -> bool {
        self.matches_by(|k| labels.get(k).map(String::as_str))
    }
}

/// Kubernetes label selector semantics on a selector as JSON; an empty selector selects
/// everything, a null one (absent) too.
pub fn selector_matches(selector: &Value, labels: &LabelMap) -> bool {
    Selector::read(selector).matches(labels)
}
