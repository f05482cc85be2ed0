//! Label selectors, and the pods built to satisfy them.

use super::*;

#[test]
fn match_expressions() {
    let labels: LabelMap = [
        ("app".to_string(), "a".to_string()),
        ("tier".to_string(), "x".to_string()),
    ]
    .into();
    let sel = |e: Value| json!({"matchExpressions": [e]});
    assert!(selector_matches(
        &sel(json!({"key": "app", "operator": "In", "values": ["a", "b"]})),
        &labels
    ));
    assert!(!selector_matches(
        &sel(json!({"key": "app", "operator": "In", "values": ["b"]})),
        &labels
    ));
    assert!(selector_matches(
        &sel(json!({"key": "app", "operator": "NotIn", "values": ["b"]})),
        &labels
    ));
    assert!(selector_matches(
        &sel(json!({"key": "zone", "operator": "NotIn", "values": ["b"]})),
        &labels
    ));
    assert!(!selector_matches(
        &sel(json!({"key": "tier", "operator": "NotIn", "values": ["x"]})),
        &labels
    ));
    assert!(selector_matches(
        &sel(json!({"key": "tier", "operator": "Exists"})),
        &labels
    ));
    assert!(!selector_matches(
        &sel(json!({"key": "zone", "operator": "Exists"})),
        &labels
    ));
    assert!(selector_matches(
        &sel(json!({"key": "zone", "operator": "DoesNotExist"})),
        &labels
    ));
    // matchLabels and matchExpressions AND.
    let both = json!({"matchLabels": {"app": "a"},
                      "matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]});
    assert!(!selector_matches(&both, &labels));
    assert!(selector_matches(&json!({}), &labels));
}

#[test]
fn pod_from_selector() {
    let selector = json!({"matchLabels": {"app": "a"},
        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["x", "y"]},
                             {"key": "zone", "operator": "Exists"},
                             {"key": "canary", "operator": "DoesNotExist"}]});
    let pod = Pod::selected_by("a", "ns", &selector).unwrap();
    assert_eq!(pod.labels.get("app").map(String::as_str), Some("a"));
    assert_eq!(pod.labels.get("tier").map(String::as_str), Some("x"));
    assert!(pod.labels.contains_key("zone"));
    assert!(selector_matches(&selector, &pod.labels));
    let impossible = json!({"matchLabels": {"app": "a"},
        "matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["a"]}]});
    assert!(Pod::selected_by("a", "ns", &impossible).is_none());
    assert_eq!(
        Pod::new("a", "ns").account("sa").principal(TD),
        "cluster.local/ns/ns/sa/sa"
    );
}
