//! Sidecar: which hosts its `egress` imports, and what REGISTRY_ONLY and ALLOW_ANY do
//! with the rest; reading it.

use super::*;

#[test]
fn no_sidecar_imports_everything_and_passes_unknown_hosts_through() {
    let cluster = Cluster::default();
    let pod = web_pod();
    assert_eq!(cluster.sidecar_scope(&pod), SidecarScope::Default);
    assert_eq!(
        cluster.sidecar_admits(&pod, PAYMENTS, 8080),
        Outbound::Forwarded {
            sidecar: None,
            destination: Destination::Service {
                namespace: "payments".into(),
                name: "pay".into()
            }
        }
    );
    assert_eq!(
        cluster.sidecar_admits(&pod, "api.stripe.com", 443),
        Outbound::Passthrough { sidecar: None }
    );
}

#[test]
fn registry_only_drops_what_is_not_imported() {
    let cluster = Cluster::from_objects([registry_only(
        "web",
        "default",
        json!(["./*", "payments/*"]),
    )]);
    let pod = web_pod();
    assert!(forwarded_to_service(
        &cluster.sidecar_admits(&pod, PAYMENTS, 8080)
    ));
    assert!(forwarded_to_service(&cluster.sidecar_admits(
        &pod,
        "front.web.svc.cluster.local",
        80
    )));
    assert_eq!(
        cluster.sidecar_admits(&pod, "db.data.svc.cluster.local", 5432),
        Outbound::Dropped {
            sidecar: Some("web/default".into())
        }
    );
    assert_eq!(
        cluster.sidecar_admits(&pod, "api.stripe.com", 443),
        Outbound::Dropped {
            sidecar: Some("web/default".into())
        }
    );
}

#[test]
fn allow_any_passes_what_is_not_imported_through() {
    let cluster = Cluster::from_objects([sidecar(
        "web",
        "default",
        json!({"egress": [{"hosts": ["./*"]}], "outboundTrafficPolicy": {"mode": "ALLOW_ANY"}}),
    )]);
    let pod = web_pod();
    assert!(forwarded_to_service(&cluster.sidecar_admits(
        &pod,
        "front.web.svc.cluster.local",
        80
    )));
    assert_eq!(
        cluster.sidecar_admits(&pod, PAYMENTS, 8080),
        Outbound::Passthrough {
            sidecar: Some("web/default".into())
        }
    );
}

#[test]
fn mode_defaults_mesh_without_the_policy_registry_only_without_the_mode() {
    let pod = web_pod();
    // No outboundTrafficPolicy: the mesh default, ALLOW_ANY.
    let mesh =
        Cluster::from_objects([sidecar("web", "s", json!({"egress": [{"hosts": ["./*"]}]}))]);
    assert!(matches!(
        mesh.sidecar_admits(&pod, PAYMENTS, 80),
        Outbound::Passthrough { .. }
    ));
    // outboundTrafficPolicy without mode: the enum's zero, REGISTRY_ONLY.
    let zero = Cluster::from_objects([sidecar(
        "web",
        "s",
        json!({"egress": [{"hosts": ["./*"]}], "outboundTrafficPolicy": {}}),
    )]);
    assert!(matches!(
        zero.sidecar_admits(&pod, PAYMENTS, 80),
        Outbound::Dropped { .. }
    ));
}

#[test]
fn an_unknown_mode_is_unreadable() {
    let cluster = Cluster::from_objects([sidecar(
        "web",
        "s",
        json!({"outboundTrafficPolicy": {"mode": "ALLOW_ANY_DYNAMIC_DNS"}}),
    )]);
    assert_eq!(cluster.unreadable().len(), 1);
    assert!(
        cluster.unreadable()[0].contains("web/s"),
        "{:?}",
        cluster.unreadable()
    );
    assert_eq!(cluster.sidecar_scope(&web_pod()), SidecarScope::Default);
}

#[test]
fn a_field_of_the_wrong_type_is_unreadable_unknown_fields_are_not() {
    let wrong = sidecar("web", "a", json!({"egress": [{"hosts": "./*"}]}));
    let port = sidecar(
        "web",
        "b",
        json!({"egress": [{"hosts": ["./*"], "port": {"number": -1}}]}),
    );
    let unknown = sidecar(
        "web",
        "c",
        json!({"egress": [{"hosts": ["./*"], "bind": "0.0.0.0",
        "future": {"x": 1}}], "ingress": [{"port": {"number": 80}}], "novel": true}),
    );
    let cluster = Cluster::from_objects([wrong, port, unknown]);
    assert_eq!(cluster.unreadable().len(), 2, "{:?}", cluster.unreadable());
    assert!(matches!(cluster.sidecar_scope(&web_pod()), SidecarScope::Applied(s) if s.name == "c"));
    // JSON text reads the same.
    let text = serde_json::to_vec(&sidecar("web", "a", json!({"egress": 3}))).unwrap();
    assert!(Cluster::read_json(&text).is_err());
    let text = serde_json::to_vec(&sidecar("web", "c", json!({"egress": []}))).unwrap();
    assert!(matches!(
        Cluster::read_json(&text),
        Ok(Some(Policy::Sidecar(_)))
    ));
}

#[test]
fn missing_egress_imports_everything() {
    let cluster = Cluster::from_objects([sidecar(
        "web",
        "s",
        json!({"outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}}),
    )]);
    let pod = web_pod();
    assert!(forwarded_to_service(
        &cluster.sidecar_admits(&pod, PAYMENTS, 80)
    ));
    // Known hosts only: REGISTRY_ONLY still drops what no registry has.
    assert!(matches!(
        cluster.sidecar_admits(&pod, "api.stripe.com", 443),
        Outbound::Dropped { .. }
    ));
}

#[test]
fn tilde_imports_nothing() {
    let cluster = Cluster::from_objects([registry_only("web", "s", json!(["~/*"]))]);
    let pod = web_pod();
    assert!(matches!(
        cluster.sidecar_admits(&pod, PAYMENTS, 80),
        Outbound::Dropped { .. }
    ));
    assert!(matches!(
        cluster.sidecar_admits(&pod, "front.web.svc.cluster.local", 80),
        Outbound::Dropped { .. }
    ));
    assert!(cluster.notes().is_empty(), "{:?}", cluster.notes());
}

#[test]
fn host_entries_namespace_and_name_parts() {
    let cluster = Cluster::from_objects([registry_only(
        "web",
        "s",
        json!([
            "payments/pay.payments.svc.cluster.local",
            "*/*.data.svc.cluster.local"
        ]),
    )]);
    let pod = web_pod();
    assert!(forwarded_to_service(
        &cluster.sidecar_admits(&pod, PAYMENTS, 80)
    ));
    // The exact name imports only itself.
    assert!(matches!(
        cluster.sidecar_admits(&pod, "refund.payments.svc.cluster.local", 80),
        Outbound::Dropped { .. }
    ));
    // `*` namespace with a wildcard name.
    assert!(forwarded_to_service(&cluster.sidecar_admits(
        &pod,
        "db.data.svc.cluster.local",
        80
    )));
    // A named namespace part must be the Service's namespace.
    let wrong_ns = Cluster::from_objects([registry_only(
        "web",
        "s",
        json!(["data/pay.payments.svc.cluster.local"]),
    )]);
    assert!(matches!(
        wrong_ns.sidecar_admits(&pod, PAYMENTS, 80),
        Outbound::Dropped { .. }
    ));
}

#[test]
fn wildcard_names_cover_any_depth_but_not_the_bare_suffix() {
    let import = |host: &str| HostImport {
        namespace: ImportNamespace::Any,
        dns: ImportName::Suffix(host.to_string()),
    };
    let suffix = import(".example.com").dns;
    assert!(name_covers(&suffix, "a.example.com"));
    assert!(name_covers(&suffix, "a.b.example.com"));
    assert!(!name_covers(&suffix, "example.com"));
    assert!(!name_covers(&suffix, "aexample.com"));
    // A wildcard host is covered by an equal or broader wildcard only.
    assert!(name_covers(&suffix, "*.example.com"));
    assert!(name_covers(&import(".com").dns, "*.example.com"));
    assert!(!name_covers(&import(".a.example.com").dns, "*.example.com"));
    assert!(!name_covers(
        &ImportName::Exact("a.example.com".into()),
        "*.example.com"
    ));
    assert!(name_covers(&ImportName::Any, "*.example.com"));
}

#[test]
fn entries_istio_rejects_import_nothing_and_are_noted() {
    let cluster = Cluster::from_objects([registry_only(
        "web",
        "s",
        json!([
            "./pay",
            "payments/pay*.svc",
            "~payments/*",
            "payments",
            "Payments/*",
            "./*.",
            "*/**.com"
        ]),
    )]);
    let pod = web_pod();
    assert!(matches!(
        cluster.sidecar_admits(&pod, PAYMENTS, 80),
        Outbound::Dropped { .. }
    ));
    assert!(matches!(
        cluster.sidecar_admits(&pod, "front.web.svc.cluster.local", 80),
        Outbound::Dropped { .. }
    ));
    assert_eq!(cluster.notes().len(), 7, "{:?}", cluster.notes());
}

#[test]
fn a_listener_with_a_port_takes_that_port_from_the_catch_all() {
    let cluster = Cluster::from_objects([sidecar(
        "web",
        "s",
        json!({"egress": [
            {"port": {"number": 9080, "protocol": "HTTP", "name": "http"}, "hosts": ["payments/*"]},
            {"hosts": ["./*", "istio-system/*"]}],
            "outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"}}),
    )]);
    let pod = web_pod();
    assert!(forwarded_to_service(
        &cluster.sidecar_admits(&pod, PAYMENTS, 9080)
    ));
    assert!(matches!(
        cluster.sidecar_admits(&pod, PAYMENTS, 80),
        Outbound::Dropped { .. }
    ));
    assert!(forwarded_to_service(&cluster.sidecar_admits(
        &pod,
        "back.web.svc.cluster.local",
        80
    )));
    assert!(matches!(
        cluster.sidecar_admits(&pod, "back.web.svc.cluster.local", 9080),
        Outbound::Dropped { .. }
    ));
}

#[test]
fn a_pod_view_answers_as_the_cluster_does() {
    let cluster = Cluster::from_objects([registry_only("web", "s", json!(["./*"]))]);
    let pod = web_pod();
    let view = cluster.view(&pod);
    for (host, port) in [(PAYMENTS, 80), ("back.web.svc.cluster.local", 8080)] {
        assert_eq!(
            view.sidecar_admits(host, port),
            cluster.sidecar_admits(&pod, host, port)
        );
    }
    assert!(matches!(
        view.sidecar_admits(PAYMENTS, 80),
        Outbound::Dropped { .. }
    ));
}
