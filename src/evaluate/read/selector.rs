//! Label selectors as JSON (`matchLabels`, `matchExpressions`), read into
//! [`Selector`]. A selector that cannot be read selects nothing; an unknown operator
//! matches nothing. Istio's policies only have `matchLabels`, read by [`match_labels`].

use super::strings::Strings;
use crate::evaluate::selector::{Expression, Operator, Selector};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

impl Selector {
    /// A selector written as JSON; one that cannot be read selects nothing at all.
    pub fn read(value: &Value) -> Selector {
        match RawSelector::deserialize(value) {
            Ok(raw) => raw.into(),
            Err(_) => Selector {
                match_labels: Vec::new(),
                expressions: vec![Expression {
                    key: None,
                    operator: None,
                    values: Vec::new(),
                }],
            },
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawSelector {
    #[serde(default)]
    match_labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    match_expressions: Option<Vec<RawExpression>>,
}

#[derive(Deserialize)]
struct RawExpression {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    values: Strings,
}

impl From<RawSelector> for Selector {
    fn from(raw: RawSelector) -> Selector {
        Selector {
            // A BTreeMap iterates sorted by key.
            match_labels: raw.match_labels.unwrap_or_default().into_iter().collect(),
            expressions: raw
                .match_expressions
                .unwrap_or_default()
                .into_iter()
                .map(|e| Expression {
                    key: e.key,
                    operator: match e.operator.as_deref() {
                        Some("In") => Some(Operator::In),
                        Some("NotIn") => Some(Operator::NotIn),
                        Some("Exists") => Some(Operator::Exists),
                        Some("DoesNotExist") => Some(Operator::DoesNotExist),
                        _ => None,
                    },
                    values: e.values.unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// `selector.matchLabels`, the only selector form Istio's policies have.
pub(crate) fn match_labels(selector: Option<RawSelector>) -> Vec<(String, String)> {
    selector
        .and_then(|s| s.match_labels)
        .unwrap_or_default()
        .into_iter()
        .collect()
}
