//! Sidecar: which one applies to a pod (selector, namespace, root namespace, default),
//! and the ambiguous cases Istio resolves by age.

use super::*;

#[test]
fn a_selector_sidecar_beats_the_namespace_one() {
    let cluster = Cluster::from_objects([
        registry_only("web", "namespace", json!(["./*"])),
        sidecar(
            "web",
            "front",
            json!({"workloadSelector": {"labels": {"app": "front"}},
            "egress": [{"hosts": ["payments/*"]}], "outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}}),
        ),
    ]);
    let front = web_pod();
    let back = Pod::new("back", "web").label("app", "back");
    assert!(matches!(cluster.sidecar_scope(&front), SidecarScope::Applied(s) if s.name == "front"));
    assert!(forwarded_to_service(
        &cluster.sidecar_admits(&front, PAYMENTS, 80)
    ));
    assert_eq!(
        sidecar_name(&cluster.sidecar_admits(&front, PAYMENTS, 80)),
        Some("web/front")
    );
    // No inheritance: the selector Sidecar does not import the namespace one's hosts.
    assert!(matches!(
        cluster.sidecar_admits(&front, "back.web.svc.cluster.local", 80),
        Outbound::Dropped { .. }
    ));
    // A pod the selector does not match falls back to the namespace Sidecar.
    assert!(
        matches!(cluster.sidecar_scope(&back), SidecarScope::Applied(s) if s.name == "namespace")
    );
    assert!(matches!(
        cluster.sidecar_admits(&back, PAYMENTS, 80),
        Outbound::Dropped { .. }
    ));
}

#[test]
fn an_empty_selector_selects_every_pod_ahead_of_the_namespace_one() {
    let cluster = Cluster::from_objects([
        registry_only("web", "namespace", json!(["./*"])),
        sidecar(
            "web",
            "all",
            json!({"workloadSelector": {}, "egress": [{"hosts": ["*/*"]}]}),
        ),
    ]);
    assert!(
        matches!(cluster.sidecar_scope(&web_pod()), SidecarScope::Applied(s) if s.name == "all")
    );
}

#[test]
fn a_sidecar_applies_to_its_own_namespace_only() {
    let cluster = Cluster::from_objects([registry_only("other", "s", json!(["./*"]))]);
    assert_eq!(cluster.sidecar_scope(&web_pod()), SidecarScope::Default);
}

#[test]
fn two_matching_selector_sidecars_are_ambiguous() {
    let by_label = |name: &str, key: &str, value: &str| {
        sidecar(
            "web",
            name,
            json!({"workloadSelector": {"labels": {key: value}},
            "egress": [{"hosts": ["./*"]}]}),
        )
    };
    let pod = web_pod().label("tier", "edge");
    let cluster =
        Cluster::from_objects([by_label("b", "app", "front"), by_label("a", "tier", "edge")]);
    assert_eq!(
        cluster.sidecar_admits(&pod, PAYMENTS, 80),
        Outbound::Ambiguous {
            sidecars: vec!["web/a".into(), "web/b".into()]
        }
    );
    // One matching selector Sidecar is not ambiguous.
    assert!(matches!(cluster.sidecar_scope(&web_pod()), SidecarScope::Applied(s) if s.name == "b"));
}

#[test]
fn two_namespace_sidecars_are_ambiguous_unless_a_selector_one_applies() {
    let cluster = Cluster::from_objects([
        registry_only("web", "one", json!(["./*"])),
        registry_only("web", "two", json!(["*/*"])),
        sidecar(
            "web",
            "front",
            json!({"workloadSelector": {"labels": {"app": "front"}},
            "egress": [{"hosts": ["./*"]}]}),
        ),
    ]);
    let other = Pod::new("o", "web");
    assert!(
        matches!(cluster.sidecar_scope(&other), SidecarScope::Ambiguous(list) if list.len() == 2)
    );
    assert!(matches!(
        cluster.sidecar_admits(&other, PAYMENTS, 80),
        Outbound::Ambiguous { .. }
    ));
    assert!(
        matches!(cluster.sidecar_scope(&web_pod()), SidecarScope::Applied(s) if s.name == "front")
    );
}

#[test]
fn the_root_namespace_sidecar_is_the_default_read_in_the_pods_namespace() {
    let cluster = Cluster::from_objects([
        registry_only("istio-system", "default", json!(["./*", "istio-system/*"])),
        // A selector Sidecar of the root namespace applies to the root's own pods only.
        sidecar(
            "istio-system",
            "picky",
            json!({"workloadSelector": {"labels": {"app": "front"}},
            "egress": [{"hosts": ["*/*"]}]}),
        ),
    ]);
    let pod = web_pod();
    assert!(matches!(cluster.sidecar_scope(&pod), SidecarScope::Applied(s) if s.name == "default"));
    // `.` is the pod's namespace, not the root's.
    assert!(forwarded_to_service(&cluster.sidecar_admits(
        &pod,
        "back.web.svc.cluster.local",
        80
    )));
    assert!(forwarded_to_service(&cluster.sidecar_admits(
        &pod,
        "istiod.istio-system.svc.cluster.local",
        15012
    )));
    assert!(matches!(
        cluster.sidecar_admits(&pod, PAYMENTS, 80),
        Outbound::Dropped { .. }
    ));
    // A namespace Sidecar of the pod's own namespace wins over the root's.
    let own = Cluster::from_objects([
        registry_only("istio-system", "default", json!(["./*"])),
        registry_only("web", "own", json!(["payments/*"])),
    ]);
    assert!(forwarded_to_service(
        &own.sidecar_admits(&pod, PAYMENTS, 80)
    ));
}
