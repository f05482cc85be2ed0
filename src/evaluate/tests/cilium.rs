//! CiliumNetworkPolicy read into the NetworkPolicy model: selectors and their keys,
//! rule lists and isolation, deny over allow, entities, CIDRs, ports, FQDNs.

use super::*;

/// A CNP selecting every pod of NS, with SPEC's lists.
pub(super) fn all_pods(ns: &str, name: &str, lists: Value) -> Value {
    let mut spec = json!({"endpointSelector": {}});
    if let (Some(spec), Some(lists)) = (spec.as_object_mut(), lists.as_object()) {
        spec.extend(lists.clone());
    }
    cnp(ns, name, spec)
}

fn ingress_from(selector: Value) -> Value {
    all_pods(
        "db",
        "in",
        json!({"ingress": [{"fromEndpoints": [selector],
                             "toPorts": [{"ports": [{"port": "5432", "protocol": "TCP"}]}]}]}),
    )
}

fn db() -> Pod {
    Pod::new("db", "db").label("app", "db")
}

#[test]
fn endpoints_without_namespace_key_are_pinned_to_the_policy_namespace() {
    let cluster = Cluster::from_objects([ingress_from(json!({"matchLabels": {"k8s:app": "api"}}))]);
    let here = Pod::new("a", "db").label("app", "api");
    let there = Pod::new("a", "web").label("app", "api");
    assert!(cluster.ingress_allows(&db(), Endpoint::Pod(&here), 5432, TCP));
    assert!(!cluster.ingress_allows(&db(), Endpoint::Pod(&there), 5432, TCP));
    assert!(!cluster.ingress_allows(&db(), Endpoint::Pod(&here), 5433, TCP));
    assert!(cluster.notes().is_empty(), "{:?}", cluster.notes());
}

#[test]
fn namespace_key_reaches_other_namespaces_and_unprefixed_keys_match() {
    let cluster = Cluster::from_objects([ingress_from(json!({"matchLabels": {
        "k8s:io.kubernetes.pod.namespace": "web", "app": "api"}}))]);
    let there = Pod::new("a", "web").label("app", "api");
    let here = Pod::new("a", "db").label("app", "api");
    assert!(cluster.ingress_allows(&db(), Endpoint::Pod(&there), 5432, TCP));
    assert!(!cluster.ingress_allows(&db(), Endpoint::Pod(&here), 5432, TCP));

    // Every namespace: the key with Exists.
    let cluster = Cluster::from_objects([ingress_from(json!({"matchExpressions": [
        {"key": "io.kubernetes.pod.namespace", "operator": "Exists"}]}))]);
    assert!(cluster.ingress_allows(&db(), Endpoint::Pod(&there), 5432, TCP));
    assert!(cluster.ingress_allows(&db(), Endpoint::Pod(&here), 5432, TCP));
    assert!(!cluster.ingress_allows(&db(), ip("1.2.3.4"), 5432, TCP));
}

#[test]
fn namespace_label_keys_without_namespace_key_stay_in_the_policy_namespace() {
    let team = LabelMap::from([("team".to_string(), "pay".to_string())]);
    let label_only = ingress_from(json!({"matchLabels": {
        "k8s:io.cilium.k8s.namespace.labels.team": "pay"}}));
    let cluster = Cluster::from_objects([label_only])
        .with_namespace_labels("web", team.clone())
        .with_namespace_labels("db", team.clone());
    let web = Pod::new("w", "web");
    let here = Pod::new("h", "db");
    assert!(!cluster.ingress_allows(&db(), Endpoint::Pod(&web), 5432, TCP));
    assert!(cluster.ingress_allows(&db(), Endpoint::Pod(&here), 5432, TCP));

    let with_exists = ingress_from(json!({
        "matchLabels": {"k8s:io.cilium.k8s.namespace.labels.team": "pay"},
        "matchExpressions": [{"key": "k8s:io.kubernetes.pod.namespace", "operator": "Exists"}]}));
    let cluster = Cluster::from_objects([with_exists]).with_namespace_labels("web", team);
    let other = Pod::new("o", "else");
    assert!(cluster.ingress_allows(&db(), Endpoint::Pod(&web), 5432, TCP));
    assert!(!cluster.ingress_allows(&db(), Endpoint::Pod(&other), 5432, TCP));
}

#[test]
fn service_account_key_matches_the_pod_account_in_peers_and_endpoint_selector() {
    let cluster = Cluster::from_objects([ingress_from(json!({"matchLabels": {
        "k8s:io.kubernetes.pod.namespace": "web",
        "k8s:io.cilium.k8s.policy.serviceaccount": "front"}}))]);
    let front = web_pod();
    let other = Pod::new("o", "web").account("other");
    assert!(cluster.ingress_allows(&db(), Endpoint::Pod(&front), 5432, TCP));
    assert!(!cluster.ingress_allows(&db(), Endpoint::Pod(&other), 5432, TCP));

    let by_account = cnp(
        "web",
        "sa",
        json!({"endpointSelector": {"matchLabels": {"io.cilium.k8s.policy.serviceaccount": "front"}},
               "ingress": [{"fromEntities": ["none"]}]}),
    );
    let cluster = Cluster::from_objects([by_account]);
    assert!(cluster.isolated(&front, Direction::Ingress));
    assert!(!cluster.isolated(&other, Direction::Ingress));
    assert!(!cluster.isolated(&front, Direction::Egress));
}

#[test]
fn other_label_sources_match_no_pod_and_are_noted() {
    let cluster =
        Cluster::from_objects([ingress_from(json!({"matchLabels": {"reserved:host": ""}}))]);
    let here = Pod::new("h", "db");
    assert!(!cluster.ingress_allows(&db(), Endpoint::Pod(&here), 5432, TCP));
    assert!(
        cluster.notes().iter().any(|n| n.contains("reserved")),
        "{:?}",
        cluster.notes()
    );
}

#[test]
fn entities() {
    let policy = |entities: Value| {
        Cluster::from_objects([all_pods(
            "db",
            "e",
            json!({"ingress": [{"fromEntities": entities}]}),
        )])
    };
    let pod = Pod::new("p", "else");
    let all = policy(json!(["all"]));
    assert!(all.ingress_allows(&db(), Endpoint::Pod(&pod), 1, TCP));
    assert!(all.ingress_allows(&db(), ip("1.2.3.4"), 1, UDP));
    let world = policy(json!(["world"]));
    assert!(!world.ingress_allows(&db(), Endpoint::Pod(&pod), 1, TCP));
    assert!(world.ingress_allows(&db(), ip("2001:db8::1"), 1, TCP));
    let cluster = policy(json!(["cluster"]));
    assert!(cluster.ingress_allows(&db(), Endpoint::Pod(&pod), 1, TCP));
    assert!(!cluster.ingress_allows(&db(), ip("1.2.3.4"), 1, TCP));
    let none = policy(json!(["none"]));
    assert!(none.isolated(&db(), Direction::Ingress));
    assert!(!none.ingress_allows(&db(), Endpoint::Pod(&pod), 1, TCP));
    assert!(none.notes().is_empty());
    let host = policy(json!(["host", "kube-apiserver"]));
    assert!(!host.ingress_allows(&db(), Endpoint::Pod(&pod), 1, TCP));
    assert!(!host.ingress_allows(&db(), ip("1.2.3.4"), 1, TCP));
    assert!(host.notes().iter().any(|n| n.contains("`host`")));
}

#[test]
fn cidr_set_with_except_matches_outside_addresses_never_pods() {
    let cluster = Cluster::from_objects([all_pods(
        "web",
        "out",
        json!({"egress": [{"toCIDRSet": [{"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}]},
                          {"toCIDR": ["2001:db8::/32"]}]}),
    )]);
    let front = web_pod();
    let pod = Pod::new("p", "web");
    assert!(cluster.egress_allows(&front, ip("8.8.8.8"), 443, TCP));
    assert!(!cluster.egress_allows(&front, ip("10.1.2.3"), 443, TCP));
    assert!(cluster.egress_allows(&front, ip("2001:db8::1"), 443, TCP));
    assert!(!cluster.egress_allows(&front, ip("2001:db9::1"), 443, TCP));
    assert!(!cluster.egress_allows(&front, Endpoint::Pod(&pod), 443, TCP));
}

#[test]
fn deny_in_one_policy_wins_over_allow_in_another() {
    let allow = all_pods(
        "db",
        "allow",
        json!({"ingress": [{"fromEntities": ["all"]}]}),
    );
    let deny = all_pods(
        "db",
        "deny",
        json!({"ingressDeny": [{"fromEndpoints": [{"matchLabels": {"app": "bad"}}],
                                "toPorts": [{"ports": [{"port": "5432", "protocol": "TCP"}]}]}]}),
    );
    let cluster = Cluster::from_objects([allow, deny]);
    let bad = Pod::new("b", "db").label("app", "bad");
    let good = Pod::new("g", "db").label("app", "good");
    assert!(!cluster.ingress_allows(&db(), Endpoint::Pod(&bad), 5432, TCP));
    assert!(cluster.ingress_allows(&db(), Endpoint::Pod(&bad), 5433, TCP));
    assert!(cluster.ingress_allows(&db(), Endpoint::Pod(&good), 5432, TCP));
    let dst = db();
    let view = cluster.view(&dst);
    let grid = view.l4_grid(
        Direction::Ingress,
        &[Endpoint::Pod(&bad), Endpoint::Pod(&good)],
        &[(TCP, 5432), (TCP, 5433)],
    );
    assert_eq!(grid, [false, true, true, true]);
    assert!(view
        .admitting(Direction::Ingress, Endpoint::Pod(&bad), 5432, TCP)
        .is_empty());
    assert_eq!(
        view.admitting(Direction::Ingress, Endpoint::Pod(&good), 5432, TCP),
        ["db/allow"]
    );

    // A deny list alone isolates the direction.
    let only_deny = all_pods(
        "db",
        "d",
        json!({"egressDeny": [{"toEntities": ["world"]}]}),
    );
    let cluster = Cluster::from_objects([only_deny]);
    assert!(cluster.isolated(&db(), Direction::Egress));
    assert!(!cluster.egress_allows(&db(), Endpoint::Pod(&good), 1, TCP));
}

#[test]
fn empty_item_is_read_as_allow_all_with_a_note() {
    let cluster = Cluster::from_objects([all_pods("db", "open", json!({"ingress": [{}]}))]);
    let pod = Pod::new("p", "else");
    assert!(cluster.isolated(&db(), Direction::Ingress));
    assert!(cluster.ingress_allows(&db(), Endpoint::Pod(&pod), 1, TCP));
    assert!(cluster.ingress_allows(&db(), ip("1.2.3.4"), 9, UDP));
    assert!(cluster
        .notes()
        .iter()
        .any(|n| n.contains("1.18") && n.contains("1.19")));
}

#[test]
fn all_lists_empty_is_rejected_and_restricts_nothing() {
    let cluster =
        Cluster::from_objects([all_pods("db", "void", json!({"ingress": [], "egress": []}))]);
    assert!(!cluster.isolated(&db(), Direction::Ingress));
    assert!(!cluster.isolated(&db(), Direction::Egress));
    assert!(cluster
        .notes()
        .iter()
        .any(|n| n.contains("db/void") && n.contains("rejects")));

    // An empty list beside a non-empty one is no section: it does not isolate.
    let egress_only = all_pods(
        "db",
        "e",
        json!({"ingress": [], "egress": [{"toEntities": ["all"]}]}),
    );
    let cluster = Cluster::from_objects([egress_only]);
    assert!(!cluster.isolated(&db(), Direction::Ingress));
    assert!(cluster.isolated(&db(), Direction::Egress));
}

#[test]
fn ports_named_any_protocol_ranges_and_peerless_items() {
    let cluster = Cluster::from_objects([all_pods(
        "db",
        "ports",
        json!({"ingress": [{"toPorts": [{"ports": [
            {"port": "metrics"}, {"port": "53", "protocol": "ANY"},
            {"port": "8000", "endPort": 8010, "protocol": "TCP"}]}]}]}),
    )]);
    let dst = db().port("metrics", 9090);
    let pod = Pod::new("p", "else");
    let from = Endpoint::Pod(&pod);
    assert!(cluster.ingress_allows(&dst, from, 9090, TCP));
    assert!(cluster.ingress_allows(&dst, from, 9090, UDP));
    assert!(!cluster.ingress_allows(&dst, from, 9091, TCP));
    assert!(cluster.ingress_allows(&dst, from, 53, UDP));
    assert!(cluster.ingress_allows(&dst, from, 53, TCP));
    assert!(!cluster.ingress_allows(&dst, from, 53, Transport::Sctp));
    assert!(cluster.ingress_allows(&dst, from, 8005, TCP));
    assert!(!cluster.ingress_allows(&dst, from, 8011, TCP));
    assert!(cluster.ingress_allows(&dst, ip("1.2.3.4"), 53, UDP));
    assert!(cluster.notes().iter().any(|n| n.contains("endPort")));
}

/// An allow and a deny item on `toServices`, which this model does not evaluate.
fn cluster_svc() -> Value {
    all_pods(
        "web",
        "svc",
        json!({"egress": [{"toServices": [{"k8sService": {"serviceName": "x", "namespace": "y"}}]}],
               "egressDeny": [{"toServices": [{"k8sService": {"serviceName": "x", "namespace": "y"}}],
                               "toPorts": [{"ports": [{"port": "25", "protocol": "TCP"}]}]}]}),
    )
}

#[test]
fn unevaluable_fields_allow_nothing_and_deny_everything() {
    let cluster = Cluster::from_objects([cluster_svc()]);
    let front = web_pod();
    assert!(!cluster.egress_allows(&front, ip("1.2.3.4"), 80, TCP));
    assert!(cluster.notes().iter().any(|n| n.contains("toServices")));
    let open = all_pods("web", "open", json!({"egress": [{"toEntities": ["all"]}]}));
    let cluster = Cluster::from_objects([open, cluster_svc()]);
    assert!(cluster.egress_allows(&front, ip("1.2.3.4"), 80, TCP));
    assert!(!cluster.egress_allows(&front, ip("1.2.3.4"), 25, TCP));
}

#[test]
fn specs_list_gives_one_policy_per_rule() {
    let object = json!({"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "many", "namespace": "db"},
        "specs": [
            {"endpointSelector": {"matchLabels": {"app": "db"}}, "ingress": [{"fromEntities": ["cluster"]}]},
            {"endpointSelector": {}, "egress": [{"toEntities": ["world"]}]}]});
    let cluster = Cluster::from_objects([object]);
    let dst = db();
    let view = cluster.view(&dst);
    let names = |d| {
        view.isolating(d)
            .iter()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(Direction::Ingress), ["many[0]"]);
    assert!(view.isolating(Direction::Ingress)[0].cilium);
    assert_eq!(names(Direction::Egress), ["many[1]"]);
    let pod = Pod::new("p", "else");
    assert!(cluster.connection_allowed(Endpoint::Pod(&pod), Endpoint::Pod(&db()), 1, TCP));
    assert!(!cluster.egress_allows(&db(), Endpoint::Pod(&pod), 1, TCP));
}

#[test]
fn network_policy_and_cnp_on_one_pod_both_isolate_and_allows_add_up() {
    let knp = np(
        "db",
        "k",
        json!({"podSelector": {}, "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "api"}}}],
                                                "ports": [{"port": 5432}]}]}),
    );
    let cilium = ingress_from(json!({"matchLabels": {"k8s:io.kubernetes.pod.namespace": "web"}}));
    let cluster = Cluster::from_objects([knp, cilium]);
    let api = Pod::new("a", "db").label("app", "api");
    let web = Pod::new("w", "web");
    let other = Pod::new("o", "db");
    assert_eq!(cluster.view(&db()).isolating(Direction::Ingress).len(), 2);
    assert!(cluster.ingress_allows(&db(), Endpoint::Pod(&api), 5432, TCP));
    assert!(cluster.ingress_allows(&db(), Endpoint::Pod(&web), 5432, TCP));
    assert!(!cluster.ingress_allows(&db(), Endpoint::Pod(&other), 5432, TCP));
}

#[test]
fn endpoint_selector_namespace_key_is_ignored_and_noted() {
    let cluster = Cluster::from_objects([cnp(
        "db",
        "pin",
        json!({"endpointSelector": {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "web"}},
               "ingress": [{"fromEntities": ["none"]}]}),
    )]);
    assert!(cluster.isolated(&db(), Direction::Ingress));
    assert!(!cluster.isolated(&web_pod(), Direction::Ingress));
    assert!(cluster
        .notes()
        .iter()
        .any(|n| n.contains("endpointSelector")));
}

#[test]
fn namespace_label_key_in_endpoint_selector_reads_the_policy_namespace() {
    let cluster = Cluster::from_objects([cnp(
        "db",
        "lab",
        json!({"endpointSelector": {"matchLabels": {"io.cilium.k8s.namespace.labels.tier": "data"}},
               "egress": [{"toEntities": ["none"]}]}),
    )]);
    assert!(!cluster.isolated(&db(), Direction::Egress));
    let labelled = cluster.with_namespace_labels(
        "db",
        LabelMap::from([("tier".to_string(), "data".to_string())]),
    );
    assert!(labelled.isolated(&db(), Direction::Egress));
}

#[test]
fn empty_deny_item_refuses_everything_and_requires_void_allow_items() {
    let cluster = Cluster::from_objects([all_pods(
        "db",
        "d",
        json!({"ingress": [{"fromEntities": ["all"]}], "ingressDeny": [{}]}),
    )]);
    assert!(!cluster.ingress_allows(&db(), ip("1.2.3.4"), 1, TCP));

    let requires = all_pods(
        "db",
        "r",
        json!({"ingress": [{"fromEntities": ["all"],
                            "fromRequires": [{"matchLabels": {"env": "prod"}}]}]}),
    );
    let cluster = Cluster::from_objects([requires]);
    assert!(!cluster.ingress_allows(&db(), ip("1.2.3.4"), 1, TCP));
    assert!(cluster.notes().iter().any(|n| n.contains("fromRequires")));
}

#[test]
fn node_selector_and_missing_spec_restrict_nothing() {
    let node = cnp(
        "db",
        "node",
        json!({"nodeSelector": {}, "ingress": [{"fromEntities": ["none"]}]}),
    );
    let bare = json!({"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
                      "metadata": {"name": "bare", "namespace": "db"}});
    let cluster = Cluster::from_objects([node, bare]);
    assert!(!cluster.isolated(&db(), Direction::Ingress));
    assert!(cluster
        .notes()
        .iter()
        .any(|n| n.contains("db/node") && n.contains("nodeSelector")));
    assert!(cluster.notes().iter().any(|n| n.contains("db/bare")));
}

#[test]
fn json_text_reads_as_the_value_does_and_wrong_types_are_unreadable() {
    let object = all_pods("db", "t", json!({"ingress": [{"fromEntities": ["world"]}]}));
    let text = serde_json::to_vec(&object).unwrap();
    assert_eq!(Cluster::read(&object), Cluster::read_json(&text));
    let wrong = all_pods("db", "w", json!({"ingress": [{"fromEntities": "world"}]}));
    let cluster = Cluster::from_objects([wrong]);
    assert_eq!(cluster.unreadable().len(), 1);
}

#[test]
fn any_prefix_and_cluster_key() {
    let cluster = Cluster::from_objects([ingress_from(json!({"matchLabels": {
        "any:app": "api", "k8s:io.cilium.k8s.policy.cluster": "default"}}))]);
    let api = Pod::new("a", "db").label("app", "api");
    let other = Pod::new("o", "db").label("app", "other");
    assert!(cluster.ingress_allows(&db(), Endpoint::Pod(&api), 5432, TCP));
    assert!(!cluster.ingress_allows(&db(), Endpoint::Pod(&other), 5432, TCP));
    assert!(cluster.notes().iter().any(|n| n.contains("single cluster")));
}
