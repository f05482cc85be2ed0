//! Invariants 7, 8 and 9 on examples/shop, read by hand from its intents:
//! egress/stripe.intent (payments → api.stripe.com, files.stripe.com on 443/tls),
//! egress/corp-db.intent (ledger → 10.20.0.0/16 and 2001:db8::/48 on 5432),
//! mesh.intent (cluster-cidrs 10.0.0.0/14, fd00:10::/48; orders → the vault workload on
//! 8200; sidecar scoping on).

use super::pods::{pod, services};
use super::{cluster, TCP};
use meshward::evaluate::{Destination, Endpoint, Outbound, Pod};
use std::net::IpAddr;

fn ip(text: &str) -> Endpoint<'static> {
    Endpoint::Ip(text.parse::<IpAddr>().expect("an address"))
}

fn vault() -> Pod {
    Pod::new("vault-0", "vault")
        .label("app.kubernetes.io/name", "vault")
        .account("vault")
}

#[test]
fn externals_at_l4() {
    let c = cluster();
    for s in services() {
        let name = s.pod.name.as_str();
        let src = Endpoint::Pod(&s.pod);
        // Stripe: every address outside cluster-cidrs on 443, for payments only.
        for outside in ["203.0.113.7", "8.8.8.8", "2606:4700::1"] {
            assert_eq!(
                c.connection_allowed(src, ip(outside), 443, TCP),
                name == "payments",
                "{name} → {outside}:443"
            );
            assert!(
                !c.connection_allowed(src, ip(outside), 80, TCP),
                "{name} → {outside}:80"
            );
        }
        // ... but never the cluster's own ranges: the `except`.
        for inside in ["10.0.0.1", "10.3.255.255", "fd00:10::1"] {
            assert!(
                !c.connection_allowed(src, ip(inside), 443, TCP),
                "{name} → {inside}:443"
            );
        }
        // corp-db: exactly its ranges on 5432, for ledger only.
        for (address, inside) in [
            ("10.20.0.0", true),
            ("10.20.255.255", true),
            ("2001:db8::7", true),
            ("10.21.0.0", false),
            ("10.19.255.255", false),
            ("2001:db8:1::7", false),
        ] {
            assert_eq!(
                c.connection_allowed(src, ip(address), 5432, TCP),
                inside && name == "ledger",
                "{name} → {address}:5432"
            );
        }
    }
    // Pods no service selects get nothing outside.
    let cron = Endpoint::Pod(pod("billing-cron"));
    assert!(!c.connection_allowed(cron, ip("203.0.113.7"), 443, TCP));
    assert!(!c.connection_allowed(cron, ip("10.20.0.1"), 5432, TCP));
}

#[test]
fn the_vault_workload_at_l4() {
    let c = cluster();
    let vault = vault();
    for s in services() {
        let name = s.pod.name.as_str();
        let src = Endpoint::Pod(&s.pod);
        assert_eq!(
            c.connection_allowed(src, Endpoint::Pod(&vault), 8200, TCP),
            name == "orders",
            "{name} → vault:8200"
        );
        assert!(!c.connection_allowed(src, Endpoint::Pod(&vault), 8201, TCP));
    }
    // Another pod of the vault namespace is not the workload.
    let other = Pod::new("vault-agent", "vault").label("app", "agent");
    assert!(!c.connection_allowed(
        Endpoint::Pod(pod("orders")),
        Endpoint::Pod(&other),
        8200,
        TCP
    ));
}

fn forwarded(got: &Outbound) -> bool {
    matches!(got, Outbound::Forwarded { .. })
}

#[test]
fn each_proxy_knows_what_its_pod_may_call() {
    let c = cluster();
    let payments = pod("payments");
    // Stripe's names reach its ServiceEntry in billing.
    let got = c.sidecar_admits(payments, "api.stripe.com", 443);
    match &got {
        Outbound::Forwarded {
            sidecar,
            destination: Destination::Entry { namespace, .. },
        } => {
            assert_eq!(sidecar.as_deref(), Some("billing/payments"));
            assert_eq!(namespace, "billing");
        }
        other => panic!("payments → api.stripe.com: {other:?}"),
    }
    assert!(forwarded(&c.sidecar_admits(
        payments,
        "files.stripe.com",
        443
    )));
    // payments calls ledger (payments.intent) and may not reach orders or Vault.
    assert!(forwarded(&c.sidecar_admits(
        payments,
        "ledger.billing.svc.cluster.local",
        9090
    )));
    for host in [
        "orders.shop.svc.cluster.local",
        "vault.vault.svc.cluster.local",
        "example.com",
    ] {
        assert!(
            matches!(
                c.sidecar_admits(payments, host, 443),
                Outbound::Dropped { .. }
            ),
            "payments → {host}"
        );
    }
    // orders reaches any host of the vault namespace, and no outside host.
    let orders = pod("orders");
    assert!(forwarded(&c.sidecar_admits(
        orders,
        "vault.vault.svc.cluster.local",
        8200
    )));
    assert!(matches!(
        c.sidecar_admits(orders, "api.stripe.com", 443),
        Outbound::Dropped { .. }
    ));
    // ledger reaches corp-db's entry; the billing cron job (no service) reaches nothing
    // outside through the namespace's Sidecar.
    assert!(forwarded(&c.sidecar_admits(
        pod("ledger"),
        "corp-db.external",
        5432
    )));
    let cron = pod("billing-cron");
    for host in ["api.stripe.com", "corp-db.external"] {
        let got = c.sidecar_admits(cron, host, 443);
        assert!(
            matches!(got, Outbound::Dropped { .. }),
            "cron → {host}: {got:?}"
        );
    }
}
