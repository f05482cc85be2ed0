//! The expected access matrix of examples/shop (every managed-to-managed connection its
//! intents allow, with the intent line allowing it) and the sweep over every pair of managed
//! pods that checks invariant 1 and the agreement of L4 and L7 against it.

use crate::pods::{pod, services};
use crate::{cluster, TCP, TD};
use meshward::evaluate::{Endpoint, Request};
use std::sync::OnceLock;

/// One allowed (caller pod, target pod, target port), with a request the intent allows
/// (`None` on TCP ports) and the intent line allowing it.
pub struct Allowed {
    src: &'static str,
    dst: &'static str,
    port: u16,
    sample: Option<(&'static str, &'static str)>,
    why: &'static str,
}

/// Every managed→managed connection the intents of examples/shop allow. Anything not
/// listed is denied (invariant 1: "Nothing else gets through either side").
pub fn allowed() -> &'static Vec<Allowed> {
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

/// Requests that some rule of the intents admits (one or more per rule line), plus two
/// that none does. Where L4 denies a pair, L7 must admit none of them.
pub const PROBES: &[(&str, &str)] = &[
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
