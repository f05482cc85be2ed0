//! The pods of examples/shop as this test reads its intents by hand: the pods each service
//! selects, with their accounts, labels and target ports, and pods no service selects. They
//! are written out here, not parsed by meshward, so that a compiler bug cannot agree with
//! itself. Each entry cites the intent lines it comes from.

use meshward::evaluate::Pod;
use std::sync::OnceLock;

/// A pod of a service of the tree, with the target ports its intent declares.
pub struct Service {
    pub pod: Pod,
    /// (port name, target port, is TCP-only)
    pub ports: Vec<(&'static str, u16, bool)>,
}

pub fn svc(name: &str, ns: &str, account: &str, labels: &[(&str, &str)]) -> Pod {
    let mut pod = Pod::new(name, ns).account(account);
    for (k, v) in labels {
        pod = pod.label(k, v);
    }
    pod
}

/// The pods the services of examples/shop select.
pub fn services() -> &'static Vec<Service> {
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

pub fn pod(name: &str) -> &'static Pod {
    if let Some(s) = services().iter().find(|s| s.pod.name == name) {
        return &s.pod;
    }
    others()
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no pod {name}"))
}

/// Pods that no service of the tree selects.
pub fn others() -> &'static Vec<Pod> {
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
