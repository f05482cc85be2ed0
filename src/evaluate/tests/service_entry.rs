//! ServiceEntry: reading, `exportTo` visibility, and which entry and port a request for
//! an outside host resolves to.

use super::*;

fn stripe(ns: &str, export_to: Value) -> Value {
    service_entry(
        ns,
        "stripe",
        json!({"hosts": ["api.stripe.com"], "location": "MESH_EXTERNAL", "resolution": "DNS",
               "exportTo": export_to,
               "ports": [{"number": 443, "name": "https", "protocol": "TLS"}]}),
    )
}

/// `namespace/name` and port of the entry a forwarded request reached.
fn entry(outbound: &Outbound) -> Option<(String, u64, &str)> {
    match outbound {
        Outbound::Forwarded {
            destination:
                Destination::Entry {
                    namespace,
                    name,
                    port,
                    ..
                },
            ..
        } => Some((
            format!("{namespace}/{name}"),
            port.number,
            port.protocol.as_str(),
        )),
        _ => None,
    }
}

#[test]
fn reads_the_fields_that_decide_routing() {
    let object = service_entry(
        "web",
        "vault",
        json!({"hosts": ["vault.example.com"], "addresses": ["192.0.2.0/24"],
               "ports": [{"number": 8200, "name": "api", "protocol": "tcp", "targetPort": 8201},
                         {"number": 8201, "name": "cluster"}],
               "endpoints": [{"address": "192.0.2.1"}], "resolution": "STATIC",
               "subjectAltNames": ["vault"], "unknown": 1}),
    );
    let Ok(Some(Policy::ServiceEntry(entry))) = Cluster::read(&object) else {
        panic!("unread");
    };
    assert_eq!(entry.hosts, ["vault.example.com"]);
    assert_eq!(entry.addresses, ["192.0.2.0/24"]);
    assert_eq!(entry.ports[0].protocol, "TCP");
    assert_eq!(entry.ports[0].target_port, 8201);
    // targetPort defaults to the port number; protocol absent is empty (sniffed).
    assert_eq!(entry.ports[1].target_port, 8201);
    assert_eq!(entry.ports[1].protocol, "");
    assert_eq!(entry.export_to, ["*"]);
    assert_eq!(entry.location, "MESH_EXTERNAL");
    assert_eq!(entry.resolution, "STATIC");
    // The same from JSON text.
    let text = serde_json::to_vec(&object).unwrap();
    assert_eq!(
        Cluster::read_json(&text),
        Ok(Some(Policy::ServiceEntry(entry)))
    );
    // A field of the wrong type makes it unreadable.
    let bad = service_entry("web", "bad", json!({"hosts": "api.stripe.com"}));
    assert!(Cluster::read(&bad).is_err());
    let bad = service_entry(
        "web",
        "bad",
        json!({"hosts": ["a.b"], "ports": [{"number": "443"}]}),
    );
    assert!(Cluster::read_json(&serde_json::to_vec(&bad).unwrap()).is_err());
}

#[test]
fn an_imported_entry_names_itself_and_its_port() {
    let cluster = Cluster::from_objects([
        stripe("web", json!(["."])),
        registry_only("web", "default", json!(["./api.stripe.com"])),
    ]);
    let pod = web_pod();
    assert_eq!(
        cluster.sidecar_admits(&pod, "api.stripe.com", 443),
        Outbound::Forwarded {
            sidecar: Some("web/default".into()),
            destination: Destination::Entry {
                namespace: "web".into(),
                name: "stripe".into(),
                host: "api.stripe.com".into(),
                port: EntryPort {
                    number: 443,
                    name: "https".into(),
                    protocol: "TLS".into(),
                    target_port: 443
                },
            },
        }
    );
    // A port the entry does not declare is unknown to the proxy.
    assert!(matches!(
        cluster.sidecar_admits(&pod, "api.stripe.com", 80),
        Outbound::Dropped { .. }
    ));
    // Another host is not the entry's.
    assert!(matches!(
        cluster.sidecar_admits(&pod, "stripe.com", 443),
        Outbound::Dropped { .. }
    ));
}

#[test]
fn an_entry_exported_to_its_own_namespace_is_invisible_elsewhere() {
    let cluster = Cluster::from_objects([
        stripe("shared", json!(["."])),
        registry_only("web", "default", json!(["shared/api.stripe.com"])),
        registry_only("shared", "default", json!(["./api.stripe.com"])),
    ]);
    assert!(matches!(
        cluster.sidecar_admits(&web_pod(), "api.stripe.com", 443),
        Outbound::Dropped { .. }
    ));
    let local = Pod::new("p", "shared");
    assert_eq!(
        entry(&cluster.sidecar_admits(&local, "api.stripe.com", 443))
            .unwrap()
            .0,
        "shared/stripe"
    );
}

#[test]
fn export_to_names_star_absent_and_tilde() {
    let web = web_pod();
    let sidecar = registry_only("web", "default", json!(["*/*"]));
    let seen = |export_to: Value| {
        let cluster = Cluster::from_objects([stripe("shared", export_to), sidecar.clone()]);
        entry(&cluster.sidecar_admits(&web, "api.stripe.com", 443)).is_some()
    };
    assert!(seen(json!(["web"])));
    assert!(!seen(json!(["other"])));
    assert!(seen(json!(["*"])));
    assert!(seen(json!([])));
    assert!(seen(Value::Null));
    assert!(!seen(json!(["~"])));
    // `~` hides the entry from its own namespace too.
    let cluster = Cluster::from_objects([stripe("web", json!(["~"]))]);
    assert!(matches!(
        cluster.sidecar_admits(&web, "api.stripe.com", 443),
        Outbound::Passthrough { .. }
    ));
}

#[test]
fn an_entry_needs_importing_even_when_visible() {
    let cluster = Cluster::from_objects([
        stripe("shared", json!(["*"])),
        registry_only("web", "default", json!(["./*"])),
    ]);
    assert!(matches!(
        cluster.sidecar_admits(&web_pod(), "api.stripe.com", 443),
        Outbound::Dropped { .. }
    ));
    // Without any Sidecar it is imported, and reached.
    let open = Cluster::from_objects([stripe("shared", json!(["*"]))]);
    assert_eq!(
        entry(&open.sidecar_admits(&web_pod(), "api.stripe.com", 443))
            .unwrap()
            .0,
        "shared/stripe"
    );
}

#[test]
fn a_wildcard_entry_answers_any_depth_and_needs_a_wildcard_import() {
    let wildcard = service_entry(
        "web",
        "google",
        json!({"hosts": ["*.googleapis.com"], "ports": [{"number": 443, "name": "tls", "protocol": "TLS"}]}),
    );
    let pod = web_pod();
    let broad = Cluster::from_objects([
        wildcard.clone(),
        registry_only("web", "default", json!(["./*.googleapis.com"])),
    ]);
    assert!(entry(&broad.sidecar_admits(&pod, "storage.googleapis.com", 443)).is_some());
    assert!(entry(&broad.sidecar_admits(&pod, "eu.storage.googleapis.com", 443)).is_some());
    assert!(entry(&broad.sidecar_admits(&pod, "googleapis.com", 443)).is_none());
    // An exact import under the wildcard does not import the wildcard entry.
    let exact = Cluster::from_objects([
        wildcard,
        registry_only("web", "default", json!(["./storage.googleapis.com"])),
    ]);
    assert!(matches!(
        exact.sidecar_admits(&pod, "storage.googleapis.com", 443),
        Outbound::Dropped { .. }
    ));
}

#[test]
fn the_most_specific_host_and_the_own_namespace_win() {
    let pod = web_pod();
    let exact = service_entry(
        "a",
        "exact",
        json!({"hosts": ["s.example.com"],
        "ports": [{"number": 443, "name": "tls", "protocol": "TLS"}]}),
    );
    let wide = service_entry(
        "a",
        "wide",
        json!({"hosts": ["*.example.com"],
        "ports": [{"number": 443, "name": "tls", "protocol": "TLS"}]}),
    );
    let own = service_entry(
        "web",
        "own",
        json!({"hosts": ["s.example.com"],
        "ports": [{"number": 443, "name": "https", "protocol": "HTTPS"}]}),
    );
    let cluster = Cluster::from_objects([exact.clone(), wide.clone()]);
    assert_eq!(
        entry(&cluster.sidecar_admits(&pod, "s.example.com", 443))
            .unwrap()
            .0,
        "a/exact"
    );
    assert_eq!(
        entry(&cluster.sidecar_admits(&pod, "t.example.com", 443))
            .unwrap()
            .0,
        "a/wide"
    );
    let cluster = Cluster::from_objects([exact, wide.clone(), own]);
    assert_eq!(
        entry(&cluster.sidecar_admits(&pod, "s.example.com", 443)).unwrap(),
        ("web/own".to_string(), 443, "HTTPS")
    );
    // When the exact host is not imported, the wildcard still answers.
    let cluster = Cluster::from_objects([
        wide,
        service_entry(
            "web",
            "own",
            json!({"hosts": ["s.example.com"],
            "ports": [{"number": 443, "name": "tls"}]}),
        ),
        registry_only("web", "default", json!(["a/*"])),
    ]);
    assert_eq!(
        entry(&cluster.sidecar_admits(&pod, "s.example.com", 443))
            .unwrap()
            .0,
        "a/wide"
    );
}

#[test]
fn a_kubernetes_service_wins_over_an_entry_of_another_namespace() {
    let pay = "pay.payments.svc.cluster.local";
    let shadow = service_entry(
        "shared",
        "shadow",
        json!({"hosts": [pay],
        "ports": [{"number": 80, "name": "http", "protocol": "HTTP"}]}),
    );
    let cluster = Cluster::from_objects([shadow.clone()]);
    assert!(matches!(
        cluster.sidecar_admits(&web_pod(), pay, 80),
        Outbound::Forwarded {
            destination: Destination::Service { .. },
            ..
        }
    ));
    // A pod of the entry's own namespace gets the entry.
    let local = Pod::new("p", "shared");
    assert_eq!(
        entry(&cluster.sidecar_admits(&local, pay, 80)).unwrap().0,
        "shared/shadow"
    );
}
