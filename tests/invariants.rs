//! The YAML that `meshward build examples/shop` writes obeys the invariants of
//! `design/output.md`, as Kubernetes and Istio would read it.
//!
//! The verdicts come from `meshward::evaluate`, which reads the written objects and nothing
//! of meshward's model. The pods are this test's own reading of `examples/shop/**/*.intent`
//! (written by hand below, not parsed by meshward), so a compiler bug cannot agree with
//! itself here. Each expectation cites the intent line that justifies it.

use meshward::evaluate::{Cluster, Endpoint, MtlsMode, Pod, Request, Transport};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

const TD: &str = "cluster.local";
const TCP: Transport = Transport::Tcp;
const UDP: Transport = Transport::Udp;
const OUTSIDE: &str = "203.0.113.7";

// ------------------------------------------------------------------ building the tree

/// Every YAML document of the tree `meshward build examples/shop` writes, by relative path.
fn documents() -> &'static BTreeMap<String, Vec<Value>> {
    static DOCS: OnceLock<BTreeMap<String, Vec<Value>>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let out = tempfile::tempdir().expect("tempdir");
        let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop");
        let status = Command::new(env!("CARGO_BIN_EXE_meshward"))
            .env("MESHWARD_CACHE", "off")
            .arg("build")
            .arg(&shop)
            .arg("--out")
            .arg(out.path())
            .output()
            .expect("run meshward");
        assert_eq!(
            status.status.code(),
            Some(0),
            "meshward build failed: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        let mut docs = BTreeMap::new();
        read_yaml(out.path(), out.path(), &mut docs);
        assert!(!docs.is_empty(), "no YAML written");
        docs
    })
}

fn read_yaml(root: &Path, dir: &Path, docs: &mut BTreeMap<String, Vec<Value>>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            read_yaml(root, &path, docs);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).expect("read yaml");
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            let values: Vec<Value> = serde_yaml::Deserializer::from_str(&text)
                .map(|doc| Value::deserialize(doc).unwrap_or_else(|e| panic!("{relative}: {e}")))
                .filter(|v| !v.is_null())
                .collect();
            docs.insert(relative, values);
        }
    }
}

fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| Cluster::from_objects(documents().values().flatten().cloned()))
}

// ------------------------------------------------------------------ the pods, read by hand

/// A pod of a service of the tree, with the target ports its intent declares.
struct Service {
    pod: Pod,
    /// (port name, target port, is TCP-only)
    ports: Vec<(&'static str, u16, bool)>,
}

fn svc(name: &str, ns: &str, account: &str, labels: &[(&str, &str)]) -> Pod {
    let mut pod = Pod::new(name, ns).account(account);
    for (k, v) in labels {
        pod = pod.label(k, v);
    }
    pod
}

/// The pods the services of examples/shop select.
fn services() -> &'static Vec<Service> {
    static SERVICES: OnceLock<Vec<Service>> = OnceLock::new();
    SERVICES.get_or_init(|| {
        let http = |pod: Pod| Service {
            pod: pod.port("http", 8080),
            ports: vec![("http", 8080, false)],
        };
        let grpc = |pod: Pod| Service {
            pod: pod.port("grpc", 9090),
            ports: vec![("grpc", 9090, false)],
        };
        vec![
            // web/frontend.intent:3 — default account and selector app=frontend; :10 http 80:8080
            http(svc("frontend", "web", "frontend", &[("app", "frontend")])),
            // shop/catalog.intent:5-6, :25 — pods of both subsets carry version=v1 / v2
            http(svc(
                "catalog-v1",
                "shop",
                "catalog",
                &[("app", "catalog"), ("version", "v1")],
            )),
            http(svc(
                "catalog-v2",
                "shop",
                "catalog",
                &[("app", "catalog"), ("version", "v2")],
            )),
            // shop/cart.intent:5-6 — selector app=cart, stateful=yes; port 8080/http2
            http(svc(
                "cart",
                "shop",
                "cart",
                &[("app", "cart"), ("stateful", "yes")],
            )),
            // shop/checkout.intent:3-4
            http(svc("checkout", "shop", "checkout", &[("app", "checkout")])),
            // shop/inventory.intent:5-6
            http(svc(
                "inventory",
                "shop",
                "inventory",
                &[("app", "inventory")],
            )),
            // shop/orders.intent:4-9 — account orders-api, two ports
            Service {
                pod: svc(
                    "orders",
                    "shop",
                    "orders-api",
                    &[("app.kubernetes.io/name", "orders"), ("audit", "on")],
                )
                .port("http", 8080)
                .port("grpc", 9090),
                ports: vec![("http", 8080, false), ("grpc", 9090, false)],
            },
            // billing/payments.intent:3-6 — account payments-processor
            grpc(svc(
                "payments",
                "billing",
                "payments-processor",
                &[("app", "payments")],
            )),
            // billing/ledger.intent:3-4
            grpc(svc("ledger", "billing", "ledger", &[("app", "ledger")])),
            // data/postgres.intent:3-4
            Service {
                pod: svc("postgres", "data", "postgres", &[("app", "postgres")])
                    .port("postgres", 5432),
                ports: vec![("postgres", 5432, true)],
            },
            // data/redis.intent:3-4
            Service {
                pod: svc("redis", "data", "redis", &[("app", "redis")]).port("redis", 6379),
                ports: vec![("redis", 6379, true)],
            },
        ]
    })
}

fn pod(name: &str) -> &'static Pod {
    if let Some(s) = services().iter().find(|s| s.pod.name == name) {
        return &s.pod;
    }
    others()
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no pod {name}"))
}

/// Pods that no service of the tree selects.
fn others() -> &'static Vec<Pod> {
    static OTHERS: OnceLock<Vec<Pod>> = OnceLock::new();
    OTHERS.get_or_init(|| {
        vec![
            // Unmanaged pods of managed namespaces.
            Pod::new("web-admin", "web").label("app", "admin-ui"),
            Pod::new("shop-batch", "shop").label("app", "batch-job"),
            Pod::new("billing-cron", "billing").label("app", "cron"),
            // mesh.intent:17-20
            svc(
                "ingressgateway",
                "istio-system",
                "istio-ingressgateway-service-account",
                &[("istio", "ingressgateway")],
            ),
            // mesh.intent:7 — istiod istio-system app=istiod
            svc("istiod", "istio-system", "istiod", &[("app", "istiod")]),
            // mesh.intent:22-25 — the scraper
            svc(
                "prometheus",
                "monitoring",
                "prometheus-k8s",
                &[("app.kubernetes.io/name", "prometheus")],
            ),
            svc("grafana", "monitoring", "grafana", &[("app", "grafana")]),
            // mesh.intent:8 — dns kube-system k8s-app=kube-dns
            svc(
                "kube-dns",
                "kube-system",
                "coredns",
                &[("k8s-app", "kube-dns")],
            ),
            svc(
                "metrics-server",
                "kube-system",
                "metrics-server",
                &[("k8s-app", "metrics-server")],
            ),
        ]
    })
}

// ------------------------------------------------------------------ verdict helpers

fn outside() -> Endpoint<'static> {
    Endpoint::Ip(OUTSIDE.parse::<IpAddr>().unwrap())
}

/// L4: egress on SRC's side and ingress on DST's side, TCP.
fn l4(src: &str, dst: &str, port: u16) -> bool {
    cluster().connection_allowed(Endpoint::Pod(pod(src)), Endpoint::Pod(pod(dst)), port, TCP)
}

/// L7: DST's sidecar (mTLS mode, then AuthorizationPolicy) on an HTTP request from SRC.
fn l7(src: &str, dst: &str, port: u16, method: &str, path: &str) -> bool {
    let req = Request::from_pod(pod(src), TD, port).http(method, path);
    cluster().request_allowed(pod(dst), &req).is_allowed()
}

/// L7 on a plain TCP (non-HTTP) stream from SRC over mTLS.
fn l7_tcp(src: &str, dst: &str, port: u16) -> bool {
    let req = Request::from_pod(pod(src), TD, port);
    cluster().request_allowed(pod(dst), &req).is_allowed()
}

// ------------------------------------------------------------------ the expected matrix

/// One allowed (caller pod, target pod, target port), with a request the intent allows
/// (`None` on TCP ports) and the intent line allowing it.
struct Allowed {
    src: &'static str,
    dst: &'static str,
    port: u16,
    sample: Option<(&'static str, &'static str)>,
    why: &'static str,
}

/// Every managed→managed connection the intents of examples/shop allow. Anything not
/// listed is denied (invariant 1: "Nothing else gets through either side").
fn allowed() -> &'static Vec<Allowed> {
    static ALLOWED: OnceLock<Vec<Allowed>> = OnceLock::new();
    ALLOWED.get_or_init(|| {
        let a = |src, dst, port, sample, why| Allowed {
            src,
            dst,
            port,
            sample,
            why,
        };
        let mut list = vec![
            a(
                "frontend",
                "catalog-v1",
                8080,
                Some(("GET", "/api/products")),
                "shop/catalog.intent:8-9",
            ),
            a(
                "frontend",
                "catalog-v2",
                8080,
                Some(("GET", "/api/products")),
                "shop/catalog.intent:8-9",
            ),
            a(
                "frontend",
                "cart",
                8080,
                Some(("POST", "/api/cart")),
                "shop/cart.intent:8-9",
            ),
            a(
                "frontend",
                "checkout",
                8080,
                Some(("POST", "/api/checkout")),
                "shop/checkout.intent:6-7",
            ),
            a(
                "frontend",
                "orders",
                8080,
                Some(("GET", "/api/orders/17")),
                "shop/orders.intent:11-12",
            ),
            a(
                "checkout",
                "cart",
                8080,
                Some(("DELETE", "/api/cart")),
                "shop/cart.intent:12-13",
            ),
            a(
                "checkout",
                "orders",
                9090,
                Some(("POST", "/orders.v1.Orders/CreateOrder")),
                "shop/orders.intent:14-15",
            ),
            a(
                "checkout",
                "payments",
                9090,
                Some(("POST", "/payments.v1.Payments/Authorize")),
                "billing/payments.intent:8-9",
            ),
            a(
                "orders",
                "payments",
                9090,
                Some(("POST", "/payments.v1.Payments/Refund")),
                "billing/payments.intent:11-12",
            ),
            a(
                "payments",
                "ledger",
                9090,
                Some(("POST", "/ledger.v1.Ledger/Append")),
                "billing/ledger.intent:6-7",
            ),
        ];
        // data/postgres.intent:8 — allow catalog in shop, orders in shop, ledger in billing
        for src in ["catalog-v1", "catalog-v2", "orders", "ledger"] {
            list.push(a(src, "postgres", 5432, None, "data/postgres.intent:8"));
        }
        for s in services() {
            // data/redis.intent:9 — allow namespace shop to redis
            if s.pod.namespace == "shop" {
                list.push(a(
                    s.pod.name.as_str(),
                    "redis",
                    6379,
                    None,
                    "data/redis.intent:9",
                ));
            }
            // shop/inventory.intent:16-17 — allow anyone to http
            if s.pod.name != "inventory" {
                list.push(a(
                    s.pod.name.as_str(),
                    "inventory",
                    8080,
                    Some(("GET", "/stock/42")),
                    "shop/inventory.intent:16-17",
                ));
            }
        }
        list
    })
}

// ------------------------------------------------------------------ generic sweep

/// Requests that some rule of the intents admits (one or more per rule line), plus two
/// that none does. Where L4 denies a pair, L7 must admit none of them.
const PROBES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("POST", "/x"),
    // web/frontend.intent:15-16
    ("GET", "/index.html"),
    ("HEAD", "/static/app.js"),
    ("GET", "/img/a.png"),
    ("GET", "/site.css"),
    ("DELETE", "/api/x"),
    // shop/catalog.intent:9-10, 16
    ("GET", "/api/products"),
    ("GET", "/api/products/1"),
    ("HEAD", "/images/a"),
    ("GET", "/c.jpg"),
    // shop/cart.intent:9-10, 13
    ("POST", "/api/cart"),
    ("GET", "/api/cart"),
    ("PUT", "/api/cart/items/1"),
    ("DELETE", "/api/cart"),
    // shop/checkout.intent:7
    ("POST", "/api/checkout"),
    // shop/inventory.intent:17-18
    ("GET", "/stock"),
    ("GET", "/stock/1"),
    ("POST", "/reservations"),
    // shop/orders.intent:12, 15
    ("GET", "/api/orders"),
    ("GET", "/api/orders/1"),
    ("POST", "/orders.v1.Orders/CreateOrder"),
    ("POST", "/orders.v1.Orders/GetOrder"),
    // billing/payments.intent:9, 12
    ("POST", "/payments.v1.Payments/Authorize"),
    ("POST", "/payments.v1.Payments/Capture"),
    ("POST", "/payments.v1.Payments/Refund"),
    // billing/ledger.intent:7
    ("POST", "/ledger.v1.Ledger/Append"),
];

/// Invariant 1 for every pair of managed pods and every declared target port, and the
/// agreement of L4 and L7 on them (no outage, no hole between the layers).
#[test]
fn sweep_managed_pairs_l4_sides_agree_and_match_l7() {
    let c = cluster();
    let mut failures = Vec::new();
    for a in services() {
        for b in services() {
            if a.pod.name == b.pod.name {
                continue;
            }
            for &(port_name, port, tcp_only) in &b.ports {
                let pair = format!("{} -> {}:{port} ({port_name})", a.pod.name, b.pod.name);
                let expected = allowed()
                    .iter()
                    .find(|x| x.src == a.pod.name && x.dst == b.pod.name && x.port == port);
                let egress = c.egress_allows(&a.pod, Endpoint::Pod(&b.pod), port, TCP);
                let ingress = c.ingress_allows(&b.pod, Endpoint::Pod(&a.pod), port, TCP);
                if egress != ingress {
                    failures.push(format!(
                        "{pair}: L4 egress {egress} but ingress {ingress} (invariant 1)"
                    ));
                }
                if (egress && ingress) != expected.is_some() {
                    failures.push(format!(
                        "{pair}: L4 egress {egress} ingress {ingress}, expected {} ({})",
                        expected.is_some(),
                        expected.map_or("no allow covers it", |x| x.why)
                    ));
                }
                let principal = a.pod.principal(TD);
                let request = |method_path: Option<(&str, &str)>| {
                    let req = Request::from_principal(&principal, port);
                    match method_path {
                        Some((m, p)) => req.http(m, p),
                        None => req,
                    }
                };
                if egress && ingress {
                    // Some request from a's principal on this port must pass L7.
                    let sample = expected.and_then(|x| x.sample);
                    let verdict = c.request_allowed(&b.pod, &request(sample));
                    if !verdict.is_allowed() {
                        failures.push(format!(
                            "{pair}: L4 allows but L7 refuses {sample:?} from {principal} (outage): {verdict:?}"
                        ));
                    }
                } else {
                    // L4 denies: L7 must admit none of the probes from a's principal
                    // (a plain stream on a TCP port, the HTTP probes elsewhere).
                    let probes: Vec<Option<(&str, &str)>> = if tcp_only {
                        vec![None]
                    } else {
                        PROBES.iter().copied().map(Some).collect()
                    };
                    for probe in probes {
                        let verdict = c.request_allowed(&b.pod, &request(probe));
                        if verdict.is_allowed() {
                            failures.push(format!(
                                "{pair}: L4 denies but L7 admits {probe:?} from {principal} (hole): {verdict:?}"
                            ));
                        }
                    }
                }
            }
        }
    }
    // Every expected pair names modelled pods (guards against typos in the table).
    for x in allowed() {
        let _ = (pod(x.src), pod(x.dst));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

// ------------------------------------------------------------------ concrete pairs

#[test]
fn frontend_to_catalog_by_method_and_path() {
    // shop/catalog.intent:8-9 — allow frontend in web to http { GET /api/products, /api/products/* }
    assert!(l4("frontend", "catalog-v1", 8080));
    assert!(l7("frontend", "catalog-v1", 8080, "GET", "/api/products"));
    assert!(l7(
        "frontend",
        "catalog-v2",
        8080,
        "GET",
        "/api/products/42"
    ));
    // Same path, POST: no rule names POST (catalog.intent:9-10) — L4 lets it through, L7 stops it.
    assert!(!l7("frontend", "catalog-v1", 8080, "POST", "/api/products"));
    // catalog.intent:9 comment — `/api/products/*` does not cover `/api/productsX`.
    assert!(!l7("frontend", "catalog-v1", 8080, "GET", "/api/productsX"));
    // shop/catalog.intent:10 — GET|HEAD /images/*, *.png, *.jpg
    assert!(l7(
        "frontend",
        "catalog-v1",
        8080,
        "HEAD",
        "/images/logo.svg"
    ));
    assert!(l7("frontend", "catalog-v1", 8080, "GET", "/deep/thumb.png"));
    assert!(!l7(
        "frontend",
        "catalog-v1",
        8080,
        "GET",
        "/deep/thumb.gif"
    ));
    assert!(!l7(
        "frontend",
        "catalog-v1",
        8080,
        "DELETE",
        "/images/logo.svg"
    ));
    // Only the target port (catalog.intent:6 — 80:8080): the Service port 80 is not a pod port.
    assert!(!l4("frontend", "catalog-v1", 80));
}

#[test]
fn callers_without_an_allow_are_denied_at_both_layers() {
    // shop/catalog.intent:8,15 — only frontend in web and namespace web may call catalog.
    assert!(!l4("cart", "catalog-v1", 8080));
    assert!(!l7("cart", "catalog-v1", 8080, "GET", "/api/products/1"));
    // shop/orders.intent:11-16 — payments is no caller of orders.
    assert!(!l4("payments", "orders", 9090));
    assert!(!l7(
        "payments",
        "orders",
        9090,
        "POST",
        "/orders.v1.Orders/GetOrder"
    ));
    // billing/ledger.intent:6 — `allow payments` only: checkout may not reach ledger.
    assert!(!l4("checkout", "ledger", 9090));
    assert!(!l7(
        "checkout",
        "ledger",
        9090,
        "POST",
        "/ledger.v1.Ledger/Append"
    ));
    // billing/payments.intent:8-13 — Refund is orders' only; checkout may Authorize.
    assert!(l7(
        "checkout",
        "payments",
        9090,
        "POST",
        "/payments.v1.Payments/Capture"
    ));
    assert!(!l7(
        "checkout",
        "payments",
        9090,
        "POST",
        "/payments.v1.Payments/Refund"
    ));
    assert!(l7(
        "orders",
        "payments",
        9090,
        "POST",
        "/payments.v1.Payments/Refund"
    ));
    // billing/ledger.intent:7 — `*` = any method on /ledger.v1.Ledger/*
    assert!(l7(
        "payments",
        "ledger",
        9090,
        "GET",
        "/ledger.v1.Ledger/Read"
    ));
    assert!(!l7(
        "payments",
        "ledger",
        9090,
        "POST",
        "/other.v1.Svc/Read"
    ));
}

#[test]
fn postgres_across_namespaces() {
    // data/postgres.intent:8 — allow catalog in shop, orders in shop, ledger in billing (every port)
    for caller in ["orders", "catalog-v2", "ledger"] {
        assert!(l4(caller, "postgres", 5432), "{caller} L4");
        assert!(l7_tcp(caller, "postgres", 5432), "{caller} L7");
    }
    // frontend (web) and payments (billing, not ledger) are not listed.
    for caller in ["frontend", "payments"] {
        assert!(!l4(caller, "postgres", 5432), "{caller} L4");
        assert!(!l7_tcp(caller, "postgres", 5432), "{caller} L7");
    }
    // An unmanaged pod of billing matches neither ledger's selector nor its principal.
    assert!(!l4("billing-cron", "postgres", 5432));
}

#[test]
fn namespace_callers_include_unmanaged_pods() {
    let c = cluster();
    // shop/catalog.intent:15-16 — allow namespace web to http { GET /api/products/* }
    let admin = pod("web-admin");
    assert!(c.ingress_allows(pod("catalog-v1"), Endpoint::Pod(admin), 8080, TCP));
    // ... and, web being managed, its pods get the egress side (output.md, web/_namespace.yaml).
    assert!(l4("web-admin", "catalog-v1", 8080));
    assert!(l7(
        "web-admin",
        "catalog-v1",
        8080,
        "GET",
        "/api/products/9"
    ));
    // Only the prefix: the exact /api/products and the images are frontend's (catalog.intent:9-10).
    assert!(!l7("web-admin", "catalog-v1", 8080, "GET", "/api/products"));
    assert!(!l7("web-admin", "catalog-v1", 8080, "GET", "/a.png"));
    // web-admin has no allow on cart (shop/cart.intent:8 names frontend only).
    assert!(!l4("web-admin", "cart", 8080));
    assert!(!l7("web-admin", "cart", 8080, "GET", "/api/cart"));
    // data/redis.intent:9 — allow namespace shop to redis: any pod of shop, managed or not.
    assert!(l4("shop-batch", "redis", 6379));
    assert!(l7_tcp("shop-batch", "redis", 6379));
    assert!(!l4("web-admin", "redis", 6379));
    assert!(!l7_tcp("web-admin", "redis", 6379));
}

#[test]
fn anyone_port_is_reachable_from_outside() {
    let c = cluster();
    // shop/inventory.intent:16-18 — allow anyone to http { GET /stock, /stock/*  POST /reservations }
    assert!(c.connection_allowed(outside(), Endpoint::Pod(pod("inventory")), 8080, TCP));
    // inventory.intent:12 — mtls permissive: a plaintext request is accepted ...
    let plain = |m: &str, p: &str| Request::plaintext(8080).http(m, p);
    assert!(c
        .request_allowed(pod("inventory"), &plain("GET", "/stock/sku-1"))
        .is_allowed());
    assert!(c
        .request_allowed(pod("inventory"), &plain("POST", "/reservations"))
        .is_allowed());
    // ... and the rules still restrict it.
    assert!(!c
        .request_allowed(pod("inventory"), &plain("POST", "/stock"))
        .is_allowed());
    // Other services have no `anyone` (catalog.intent:8,15): no L4 from outside, and STRICT
    // mTLS refuses the plaintext request.
    assert!(!c.connection_allowed(outside(), Endpoint::Pod(pod("catalog-v1")), 8080, TCP));
    assert!(!c
        .request_allowed(pod("catalog-v1"), &plain("GET", "/api/products/1"))
        .is_allowed());
    // output.md: `anyone` gives every pod of every managed namespace the egress side,
    // services or not; pods of unmanaged namespaces have no egress policy at all.
    for src in [
        "web-admin",
        "shop-batch",
        "billing-cron",
        "postgres",
        "grafana",
    ] {
        assert!(l4(src, "inventory", 8080), "{src} -> inventory");
        assert!(
            l7(src, "inventory", 8080, "GET", "/stock"),
            "{src} -> inventory L7"
        );
    }
    // From the ingress gateway (unmanaged namespace, its own egress is open).
    assert!(l4("ingressgateway", "inventory", 8080));
    assert!(l7("ingressgateway", "inventory", 8080, "GET", "/stock"));
}

#[test]
fn ingress_gateway_to_frontend() {
    // web/frontend.intent:14-17
    assert!(l4("ingressgateway", "frontend", 8080));
    assert!(l7("ingressgateway", "frontend", 8080, "GET", "/index.html"));
    assert!(l7(
        "ingressgateway",
        "frontend",
        8080,
        "HEAD",
        "/static/app.js"
    ));
    assert!(l7(
        "ingressgateway",
        "frontend",
        8080,
        "GET",
        "/x/style.css"
    ));
    // frontend.intent:16 — `* /api/*`: any method.
    assert!(l7(
        "ingressgateway",
        "frontend",
        8080,
        "DELETE",
        "/api/orders/1"
    ));
    // frontend.intent:15 — GET|HEAD only for pages.
    assert!(!l7(
        "ingressgateway",
        "frontend",
        8080,
        "DELETE",
        "/index.html"
    ));
    assert!(!l7("ingressgateway", "frontend", 8080, "GET", "/admin"));
    // The gateway may reach frontend only (frontend.intent:1; catalog.intent:8,15).
    assert!(!l4("ingressgateway", "catalog-v1", 8080));
    assert!(!l7(
        "ingressgateway",
        "catalog-v1",
        8080,
        "GET",
        "/api/products"
    ));
    // The gateway's identity is its account, not any other in istio-system.
    assert!(!l7("istiod", "frontend", 8080, "GET", "/"));
}

#[test]
fn scraper_alone_reaches_sidecar_metrics() {
    // mesh.intent:12 — scraper prometheus in monitoring; output.md invariant 6.
    for s in services() {
        for port in [15020, 15090] {
            let name = s.pod.name.as_str();
            assert!(l4("prometheus", name, port), "prometheus -> {name}:{port}");
            assert!(!l4("grafana", name, port), "grafana -> {name}:{port}");
            assert!(!l4("frontend", name, port), "frontend -> {name}:{port}");
            assert!(
                !cluster().connection_allowed(outside(), Endpoint::Pod(&s.pod), port, TCP),
                "outside -> {name}:{port}"
            );
        }
    }
    // Only those ports, and only pods that services select.
    assert!(!l4("prometheus", "catalog-v1", 8080));
    assert!(!l4("prometheus", "shop-batch", 15020));
    assert!(!l4("prometheus", "web-admin", 15090));
}

#[test]
fn every_pod_of_managed_namespaces_reaches_dns_and_istiod_only() {
    let c = cluster();
    // mesh.intent:7-8; output.md invariant 5 and the namespace defaults table.
    let mut pods: Vec<&Pod> = services().iter().map(|s| &s.pod).collect();
    pods.extend(["web-admin", "shop-batch", "billing-cron"].map(pod));
    let dns = Endpoint::Pod(pod("kube-dns"));
    let istiod = Endpoint::Pod(pod("istiod"));
    let metrics = Endpoint::Pod(pod("metrics-server"));
    let prometheus = Endpoint::Pod(pod("prometheus"));
    for p in pods {
        let name = &p.name;
        let src = Endpoint::Pod(p);
        assert!(c.connection_allowed(src, dns, 53, UDP), "{name} dns udp");
        assert!(c.connection_allowed(src, dns, 53, TCP), "{name} dns tcp");
        assert!(
            c.connection_allowed(src, istiod, 15012, TCP),
            "{name} istiod"
        );
        assert!(
            !c.connection_allowed(src, dns, 9153, TCP),
            "{name} dns metrics"
        );
        assert!(
            !c.connection_allowed(src, istiod, 15010, TCP),
            "{name} istiod 15010"
        );
        assert!(
            !c.connection_allowed(src, metrics, 53, UDP),
            "{name} metrics-server"
        );
        assert!(
            !c.connection_allowed(src, metrics, 443, TCP),
            "{name} metrics-server"
        );
        assert!(
            !c.connection_allowed(src, prometheus, 9090, TCP),
            "{name} prometheus"
        );
        assert!(
            !c.connection_allowed(src, outside(), 443, TCP),
            "{name} outside"
        );
        assert!(
            !c.connection_allowed(src, outside(), 53, UDP),
            "{name} outside dns"
        );
    }
}

#[test]
fn peer_authentication_modes() {
    let c = cluster();
    // shop/inventory.intent:12 — mtls permissive; every other service: the STRICT default.
    for s in services() {
        let expected = if s.pod.name == "inventory" {
            MtlsMode::Permissive
        } else {
            MtlsMode::Strict
        };
        assert_eq!(c.mtls_mode(&s.pod), expected, "{}", s.pod.name);
    }
    // output.md: `default` STRICT per managed namespace covers unmanaged pods there too.
    assert_eq!(c.mtls_mode(pod("shop-batch")), MtlsMode::Strict);
    // Invariant 3: the permissive workload's policy relies on no identity — a plaintext
    // request is judged as an mTLS one is.
    for (m, p) in [("GET", "/stock"), ("POST", "/reservations"), ("GET", "/x")] {
        let plain = c
            .request_allowed(pod("inventory"), &Request::plaintext(8080).http(m, p))
            .is_allowed();
        assert_eq!(plain, l7("frontend", "inventory", 8080, m, p), "{m} {p}");
    }
}

// ------------------------------------------------------------------ objects themselves

fn objects(kind: &str) -> Vec<&'static Value> {
    documents()
        .values()
        .flatten()
        .filter(|d| d["kind"] == kind)
        .collect()
}

#[test]
fn routes_name_existing_ports_and_subsets() {
    // output.md invariant 4. Hand-read from the intents: service → (Service port, subsets).
    let expected: BTreeMap<&str, (u64, Vec<&str>)> = [
        // shop/catalog.intent:6,22-25 — route http on Service port 80, split v1/v2
        ("catalog.shop.svc.cluster.local", (80, vec!["v1", "v2"])),
        // shop/checkout.intent:4,13
        ("checkout.shop.svc.cluster.local", (8080, vec![])),
        // billing/payments.intent:6,17
        ("payments.billing.svc.cluster.local", (9090, vec![])),
    ]
    .into();
    let rules = objects("DestinationRule");
    let vss = objects("VirtualService");
    assert_eq!(vss.len(), expected.len());
    for vs in vss {
        let host = vs["spec"]["hosts"][0].as_str().unwrap();
        let (port, subsets) = expected.get(host).unwrap_or_else(|| panic!("host {host}"));
        for route in vs["spec"]["http"].as_array().unwrap() {
            assert_eq!(route["match"][0]["port"].as_u64(), Some(*port), "{host}");
            for dest in route["route"].as_array().unwrap() {
                assert_eq!(dest["destination"]["port"]["number"].as_u64(), Some(*port));
                if let Some(subset) = dest["destination"]["subset"].as_str() {
                    assert!(subsets.contains(&subset), "{host} subset {subset}");
                    let defined =
                        rules.iter().any(|dr| {
                            dr["spec"]["host"] == host
                                && dr["spec"]["subsets"].as_array().unwrap().iter().any(|s| {
                                    s["name"] == subset && s["labels"]["version"] == subset
                                })
                        });
                    assert!(defined, "{host}: subset {subset} has no DestinationRule");
                }
            }
        }
    }
    // payments.intent:19 — retries 0 is written attempts: 0
    let payments = objects("VirtualService")
        .into_iter()
        .find(|vs| vs["spec"]["hosts"][0] == "payments.billing.svc.cluster.local")
        .unwrap();
    assert_eq!(payments["spec"]["http"][0]["retries"]["attempts"], 0);
}

#[test]
fn every_object_is_labelled_and_nothing_is_left_unmodelled() {
    for (file, docs) in documents() {
        for doc in docs {
            if doc["kind"] == "Kustomization" {
                continue;
            }
            assert_eq!(
                doc["metadata"]["labels"]["app.kubernetes.io/managed-by"], "meshward",
                "{file}: {}",
                doc["metadata"]["name"]
            );
        }
    }
    // The evaluator understood every policy it was given (no CUSTOM, no `when`, ...).
    assert!(cluster().notes().is_empty(), "{:?}", cluster().notes());
}
