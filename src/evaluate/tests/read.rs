//! Reading policies back: an unreadable policy is listed, another kind is skipped.

use super::*;

#[test]
fn unreadable_policies_are_listed_and_other_kinds_skipped() {
    let bad = np(
        "x",
        "bad",
        json!({"podSelector": {}, "ingress": "everything"}),
    );
    // An Ingress's `spec.rules` has another shape than an AuthorizationPolicy's: it is
    // another kind, so it is skipped, not reported.
    let ingress = json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "x"},
        "spec": {"rules": [{"host": "example.com"}], "ingress": 3}});
    let cluster = Cluster::from_objects([bad, ingress, deny_all("x")]);
    assert_eq!(cluster.unreadable().len(), 1, "{:?}", cluster.unreadable());
    assert!(cluster.unreadable()[0].contains("invalid type"));
    // The readable policy still applies.
    assert!(cluster.isolated(&Pod::new("p", "x"), Direction::Ingress));
    // The same objects read from JSON text give the same result.
    let text = serde_json::to_vec(&np("x", "bad", json!({"ingress": "everything"}))).unwrap();
    assert!(Cluster::read_json(&text).is_err());
    assert_eq!(
        Cluster::read_json(b"{\"kind\": \"ConfigMap\", \"spec\": 1}"),
        Ok(None)
    );
}
