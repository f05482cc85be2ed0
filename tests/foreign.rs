//! Anyone's YAML, generated: random namespaces, workloads, Services, waypoints and
//! policies (NetworkPolicy, AuthorizationPolicy, PeerAuthentication,
//! RequestAuthentication) from a small vocabulary that overlaps itself, so selectors
//! match, principals name real accounts, and ports meet. On every such cluster
//! `connectivity` and `import` must not panic, and `import`'s proof must hold: whatever
//! it writes admits exactly what the input admits (what it cannot say it lists; a
//! mismatch would be a bug it writes, exit 3).

use proptest::prelude::*;
use serde_json::{json, Value};

const NAMESPACES: [&str; 3] = ["a", "b", "istio-system"];
const APPS: [&str; 5] = ["web", "api", "db", "cache", "Bad_Name"];
const PORTS: [u16; 4] = [80, 8080, 5432, 15020];

fn pick<T: Copy>(xs: &[T], i: usize) -> T {
    xs[i % xs.len()]
}

fn namespace(i: usize, ambient: bool, waypoint: bool) -> Value {
    let mut labels = json!({"team": pick(&["x", "y"], i)});
    if ambient {
        labels["istio.io/dataplane-mode"] = json!("ambient");
    }
    if waypoint {
        labels["istio.io/use-waypoint"] = json!("wp");
    }
    json!({"apiVersion": "v1", "kind": "Namespace",
           "metadata": {"name": pick(&NAMESPACES, i), "labels": labels}})
}

fn workload(ns: usize, app: usize, account: usize, port: usize, extra: bool) -> Value {
    let mut labels = json!({"app": pick(&APPS, app)});
    if extra {
        labels["tier"] = json!("backend");
    }
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": pick(&APPS, app).to_lowercase(), "namespace": pick(&NAMESPACES, ns)},
           "spec": {"template": {"metadata": {"labels": labels},
             "spec": {"serviceAccountName": if account == 0 { "default".to_string() } else { pick(&APPS, app).to_lowercase() },
                      "containers": [{"name": "c", "ports": [{"name": "http", "containerPort": pick(&PORTS, port)}]}]}}}})
}

fn peer(kind: usize, ns: usize, app: usize) -> Value {
    match kind % 6 {
        0 | 4 | 5 => json!({"podSelector": {"matchLabels": {"app": pick(&APPS, app)}}}),
        1 => {
            json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": pick(&NAMESPACES, ns)}}})
        }
        2 => json!({"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}),
        _ => {
            json!({"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": pick(&APPS, app)}}})
        }
    }
}

fn port(k: usize) -> Value {
    match k % 5 {
        0 => json!({"protocol": "TCP", "port": pick(&PORTS, k / 5)}),
        1 => json!({"port": "http"}),
        2 => json!({"protocol": "UDP", "port": 53}),
        3 => json!({"protocol": "TCP", "port": 8000, "endPort": 8090}),
        _ => json!({"protocol": "TCP", "port": 15008}),
    }
}

fn network_policy(
    n: usize,
    ns: usize,
    app: usize,
    types: usize,
    rules: &[(usize, usize, usize, usize)],
) -> Value {
    let selector = if app % 5 == 4 {
        json!({})
    } else {
        json!({"matchLabels": {"app": pick(&APPS, app)}})
    };
    let rule = |&(kind, ns, app, p): &(usize, usize, usize, usize)| json!({"from": [peer(kind, ns, app)], "to": [peer(kind, ns, app)], "ports": [port(p)]});
    let ingress: Vec<Value> = rules
        .iter()
        .map(|r| {
            let mut v = rule(r);
            v.as_object_mut().map(|o| o.remove("to"));
            v
        })
        .collect();
    let egress: Vec<Value> = rules
        .iter()
        .map(|r| {
            let mut v = rule(r);
            v.as_object_mut().map(|o| o.remove("from"));
            v
        })
        .collect();
    let policy_types = match types % 3 {
        0 => json!(["Ingress"]),
        1 => json!(["Egress"]),
        _ => json!(["Ingress", "Egress"]),
    };
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": format!("np{n}"), "namespace": pick(&NAMESPACES, ns)},
           "spec": {"podSelector": selector, "policyTypes": policy_types, "ingress": ingress, "egress": egress}})
}

/// Both sides of one connection, as a careful author writes them: ingress on the
/// destination from the source, egress on the source to the destination.
fn edge(
    n: usize,
    (from_ns, from_app): (usize, usize),
    (to_ns, to_app): (usize, usize),
    p: usize,
) -> [Value; 2] {
    let pod = |ns: usize, app: usize| {
        json!({
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": pick(&NAMESPACES, ns)}},
            "podSelector": {"matchLabels": {"app": pick(&APPS, app)}},
        })
    };
    let ports = json!([port(p)]);
    [
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": format!("in{n}"), "namespace": pick(&NAMESPACES, to_ns)},
               "spec": {"podSelector": {"matchLabels": {"app": pick(&APPS, to_app)}}, "policyTypes": ["Ingress"],
                        "ingress": [{"from": [pod(from_ns, from_app)], "ports": ports}]}}),
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
               "metadata": {"name": format!("out{n}"), "namespace": pick(&NAMESPACES, from_ns)},
               "spec": {"podSelector": {"matchLabels": {"app": pick(&APPS, from_app)}}, "policyTypes": ["Egress"],
                        "egress": [{"to": [pod(to_ns, to_app)], "ports": ports}]}}),
    ]
}

/// A CiliumNetworkPolicy on APP in NS, of one of a few shapes: endpoints on a port,
/// entities, a CIDR, a deny.
fn cilium(n: usize, ns: usize, app: usize, shape: usize, peer_app: usize, p: usize) -> Value {
    let peer = json!([{"matchLabels": {"app": pick(&APPS, peer_app)}}]);
    let ports = json!([{"ports": [{"port": pick(&PORTS, p).to_string(), "protocol": "TCP"}]}]);
    let spec = match shape % 5 {
        0 => json!({"ingress": [{"fromEndpoints": peer, "toPorts": ports}]}),
        1 => json!({"ingress": [{"fromEntities": [pick(&["all", "cluster", "world"], p)]}]}),
        2 => json!({"egress": [{"toCIDR": ["10.0.0.0/8"], "toPorts": ports}]}),
        3 => {
            json!({"ingress": [{"fromEntities": ["all"]}], "ingressDeny": [{"fromEndpoints": peer}]})
        }
        _ => {
            json!({"egress": [{"toEndpoints": peer, "toPorts": ports}], "ingress": [{"fromEndpoints": peer}]})
        }
    };
    let mut spec = spec;
    spec["endpointSelector"] = json!({"matchLabels": {"app": pick(&APPS, app)}});
    json!({"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
           "metadata": {"name": format!("cnp{n}"), "namespace": pick(&NAMESPACES, ns)}, "spec": spec})
}

fn source(k: usize) -> Value {
    match k % 6 {
        0 => {
            json!({"principals": [format!("cluster.local/ns/{}/sa/{}", pick(&NAMESPACES, k / 6), pick(&APPS, k / 18).to_lowercase())]})
        }
        1 => json!({"namespaces": [pick(&NAMESPACES, k / 6)]}),
        2 => json!({"principals": ["cluster.local/ns/a/*"]}),
        3 => json!({"requestPrincipals": ["https://idp/*"]}),
        4 => json!({"notNamespaces": ["b"]}),
        _ => {
            json!({"principals": ["cluster.local/ns/b/sa/api"], "requestPrincipals": ["https://idp/*"]})
        }
    }
}

fn operation(k: usize) -> Value {
    match k % 6 {
        0 => json!({"ports": [pick(&PORTS, k / 6).to_string()]}),
        1 => json!({"methods": ["GET"], "paths": ["/api/*"]}),
        2 => json!({"paths": ["*.png", "/x"]}),
        3 => json!({"methods": ["POST"]}),
        4 => json!({"notPaths": ["/admin/*"]}),
        _ => json!({"ports": ["8080"], "methods": ["GET", "HEAD"]}),
    }
}

fn condition(k: usize) -> Value {
    match k % 5 {
        0 => json!({"key": "request.headers[x-tenant]", "values": ["acme", "beta-*"]}),
        1 => json!({"key": "request.headers[x-debug]", "notValues": ["1"]}),
        2 => json!({"key": "request.auth.claims[iss]", "values": ["https://idp"]}),
        3 => json!({"key": "request.auth.claims[groups]", "values": ["admin"]}),
        _ => json!({"key": "source.ip", "values": ["10.0.0.1"]}),
    }
}

fn authorization_policy(
    n: usize,
    ns: usize,
    app: usize,
    action: usize,
    rules: &[(Option<usize>, Option<usize>, Option<usize>)],
    targeted: bool,
) -> Value {
    let mut spec = json!({"action": pick(&["ALLOW", "ALLOW", "DENY", "CUSTOM"], action)});
    if targeted {
        spec["targetRefs"] =
            json!([{"group": "", "kind": "Service", "name": pick(&APPS, app).to_lowercase()}]);
    } else if app % 5 != 4 {
        spec["selector"] = json!({"matchLabels": {"app": pick(&APPS, app)}});
    }
    if action % 4 == 3 {
        spec["provider"] = json!({"name": "ext"});
    }
    spec["rules"] = rules
        .iter()
        .map(|(f, t, w)| {
            let mut r = json!({});
            if let Some(f) = f {
                r["from"] = json!([{"source": source(*f)}]);
            }
            if let Some(t) = t {
                r["to"] = json!([{"operation": operation(*t)}]);
            }
            if let Some(w) = w {
                r["when"] = json!([condition(*w)]);
            }
            r
        })
        .collect();
    json!({"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
           "metadata": {"name": format!("ap{n}"), "namespace": pick(&NAMESPACES, ns)}, "spec": spec})
}

fn cluster() -> impl Strategy<Value = Vec<Value>> {
    let namespaces = prop::collection::vec((any::<bool>(), any::<bool>()), 3);
    // Each app of a and b is there or not (dense, so edges meet workloads), and a few
    // anywhere, istio-system included.
    let workloads = (
        prop::collection::vec((any::<bool>(), 0..4usize, 0..4usize, any::<bool>()), 8),
        prop::collection::vec(
            (0..3usize, 0..5usize, 0..4usize, 0..4usize, any::<bool>()),
            0..2,
        ),
    )
        .prop_map(|(dense, extra)| {
            let mut out: Vec<(usize, usize, usize, usize, bool)> = dense
                .into_iter()
                .enumerate()
                .filter(|(_, d)| d.0)
                .map(|(k, (_, sa, p, x))| (k / 4, k % 4, sa, p, x))
                .collect();
            out.extend(extra);
            out
        });
    let nps = prop::collection::vec(
        (
            0..3usize,
            0..5usize,
            0..3usize,
            prop::collection::vec((0..4usize, 0..3usize, 0..4usize, 0..20usize), 0..3),
        ),
        0..4,
    );
    let aps = prop::collection::vec(
        (
            0..3usize,
            0..5usize,
            0..4usize,
            prop::collection::vec(
                (
                    prop::option::of(0..36usize),
                    prop::option::of(0..24usize),
                    prop::option::of(0..5usize),
                ),
                0..3,
            ),
            any::<bool>(),
        ),
        0..4,
    );
    let edges = prop::collection::vec(
        ((0..2usize, 0..4usize), (0..2usize, 0..4usize), 0..20usize),
        0..6,
    );
    let extras = (
        0..7usize,
        0..6usize,
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(any::<bool>(), 2),
    );
    let cnps = prop::collection::vec(
        (0..2usize, 0..4usize, 0..5usize, 0..4usize, 0..4usize),
        0..3,
    );
    (namespaces, workloads, nps, aps, extras, (edges, cnps)).prop_map(|(namespaces, workloads, nps, aps, (pa, ra_ns, gateway, service, deny_all), (edges, cnps))| {
        let mut out: Vec<Value> = namespaces
            .iter()
            .enumerate()
            // Ambient one time in four: most clusters run sidecars.
            .map(|(i, (ambient, waypoint))| namespace(i, *ambient && *waypoint && i < 2, *waypoint))
            .collect();
        out.extend(workloads.iter().map(|&(ns, app, sa, p, extra)| workload(ns, app, sa, p, extra)));
        // A namespace closed both ways, as meshward writes them, so services come out.
        for (i, on) in deny_all.iter().enumerate() {
            if *on {
                out.push(json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                                "metadata": {"name": "deny-all", "namespace": pick(&NAMESPACES, i)},
                                "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}));
            }
        }
        out.extend(cnps.iter().enumerate().map(|(n, &(ns, app, shape, peer, p))| cilium(n, ns, app, shape, peer, p)));
        out.extend(edges.iter().enumerate().flat_map(|(n, &(from, to, p))| edge(n, from, to, p)));
        out.extend(nps.iter().enumerate().map(|(n, (ns, app, types, rules))| network_policy(n, *ns, *app, *types, rules)));
        out.extend(aps.iter().enumerate().map(|(n, (ns, app, action, rules, targeted))| authorization_policy(n, *ns, *app, *action, rules, *targeted)));
        let mode = pick(&["STRICT", "PERMISSIVE", "STRICT", "UNSET", "PERMISSIVE", "STRICT", "DISABLE"], pa);
        out.push(json!({"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
                        "metadata": {"name": "default", "namespace": "a"}, "spec": {"mtls": {"mode": mode}}}));
        // A RequestAuthentication one time in three (it must match what the rules use).
        if ra_ns < 3 {
        out.push(json!({"apiVersion": "security.istio.io/v1", "kind": "RequestAuthentication",
                        "metadata": {"name": "jwt", "namespace": pick(&NAMESPACES, ra_ns)},
                        "spec": {"selector": {"matchLabels": {"app": "api"}},
                                 "jwtRules": [{"issuer": "https://idp", "jwksUri": "https://idp/jwks"}]}}));
        }
        if gateway {
            out.push(json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
                            "metadata": {"name": "wp", "namespace": "a"},
                            "spec": {"gatewayClassName": "istio-waypoint", "listeners": [{"name": "mesh", "port": 15008, "protocol": "HBONE"}]}}));
        }
        if service {
            out.push(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api", "namespace": "a"},
                            "spec": {"selector": {"app": "api"}, "ports": [{"port": 80}]}}));
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_cluster_lists_and_imports_without_a_wrong_word(objects in cluster()) {
        let (inv, problems) = meshward::inventory::inventory(meshward::inventory::objects(objects.clone(), "cluster.yaml"));
        prop_assert!(problems.is_empty(), "{problems:?}");
        let listing = meshward::connectivity::connectivity(&inv);
        let out = meshward::import::import(&inv);
        prop_assert!(
            out.mismatches.is_empty(),
            "import's proof failed:\n{:#?}\nfiles:\n{:#?}\ninput:\n{}\nlisting:\n{}",
            out.mismatches,
            out.files,
            serde_json::to_string_pretty(&objects).unwrap_or_default(),
            meshward::connectivity::render_text(&listing)
        );
    }
}
