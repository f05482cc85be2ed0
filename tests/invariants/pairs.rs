//! Concrete pairs of examples/shop, one behaviour each: method and path rules, callers
//! without an allow, namespace and `anyone` callers, the gateway, the scraper, DNS and
//! istiod, and the mTLS modes. Each assertion cites the intent line that justifies it.

use crate::pods::{pod, services};
use crate::{cluster, l4, l7, l7_tcp, outside, TCP, UDP};
use meshward::evaluate::{Endpoint, MtlsMode, Pod, Request};

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
    // ... and, web being managed, its pods get the egress side (docs/output.md, web/_namespace.yaml).
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
    // docs/output.md: `anyone` gives every pod of every managed namespace the egress side,
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
    // mesh.intent:12 — scraper prometheus in monitoring; docs/output.md invariant 6.
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
    // mesh.intent:7-8; docs/output.md invariant 5 and the namespace defaults table.
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
        // egress/stripe.intent: payments may reach Stripe, so every address outside
        // the cluster on 443 (beyond.rs); nobody else may.
        assert_eq!(
            c.connection_allowed(src, outside(), 443, TCP),
            name == "payments",
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
    // docs/output.md: `default` STRICT per managed namespace covers unmanaged pods there too.
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
