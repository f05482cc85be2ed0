//! Invariant 11 on the tree examples/shop writes: billing is in dry-run (mesh.intent), so
//! nothing there restricts today, its AuthorizationPolicies read as enforced give the
//! verdicts of the enforced tree, and every other namespace is exactly as enforced.

use super::pods::{others, services};
use super::{cluster, outside, written_cluster, written_documents, TCP, TD, UDP};
use meshward::evaluate::{Endpoint, MtlsMode, Pod, Request};

const OBSERVED: &str = "billing"; // mesh.intent: `dry-run billing`

fn pods() -> Vec<&'static Pod> {
    services()
        .iter()
        .map(|s| &s.pod)
        .chain(others().iter())
        .collect()
}

/// (pod, target ports) for every managed pod; undeclared pods are asked on 8080.
fn destinations() -> Vec<(&'static Pod, Vec<u16>)> {
    services()
        .iter()
        .map(|s| (&s.pod, s.ports.iter().map(|p| p.1).collect()))
        .chain(others().iter().map(|p| (p, vec![8080])))
        .collect()
}

#[test]
fn billing_files_hold_no_network_policy_and_only_reporting_authorization() {
    let mut authorization = 0;
    for (file, docs) in written_documents() {
        if !file.starts_with("billing/") {
            continue;
        }
        for doc in docs {
            assert_ne!(doc["kind"], "NetworkPolicy", "{file}");
            if doc["kind"] == "AuthorizationPolicy" {
                assert_eq!(doc["metadata"]["annotations"]["istio.io/dry-run"], "true");
                authorization += 1;
            }
            if doc["kind"] == "PeerAuthentication" {
                assert_eq!(doc["spec"]["mtls"]["mode"], "PERMISSIVE", "{file}");
            }
            if doc["kind"] == "Sidecar" {
                assert_eq!(doc["spec"]["outboundTrafficPolicy"]["mode"], "ALLOW_ANY");
                assert_eq!(doc["spec"]["egress"][0]["hosts"][0], "*/*");
            }
        }
    }
    // allow-nothing, payments, ledger (billing/*.intent)
    assert!(authorization >= 3, "{authorization}");
}

#[test]
fn nothing_restricts_billing_pods_today() {
    let now = written_cluster();
    for (dst, ports) in destinations()
        .into_iter()
        .filter(|(p, _)| p.namespace == OBSERVED)
    {
        assert_eq!(now.mtls_mode(dst), MtlsMode::Permissive, "{}", dst.name);
        for src in pods() {
            for &port in &ports {
                let from = Endpoint::Pod(src);
                assert!(
                    now.ingress_allows(dst, from, port, TCP),
                    "{} → {}",
                    src.name,
                    dst.name
                );
                let req = Request::from_pod(src, TD, port);
                for req in [req.clone(), req.clone().http("DELETE", "/anything")] {
                    assert!(
                        now.request_allowed(dst, &req).is_allowed(),
                        "{} → {}",
                        src.name,
                        dst.name
                    );
                }
            }
        }
        for port in [1, 5432, 65535] {
            assert!(now.ingress_allows(dst, outside(), port, UDP));
            assert!(now.egress_allows(dst, outside(), port, TCP));
            let plain = Request::plaintext(ports[0]).http("GET", "/");
            assert!(now.request_allowed(dst, &plain).is_allowed());
        }
    }
}

#[test]
fn billing_policies_report_what_enforcement_would_decide() {
    // Read as enforced, the dry-run policies decide as the enforced tree's do.
    let now = written_cluster();
    for (dst, ports) in destinations()
        .into_iter()
        .filter(|(p, _)| p.namespace == OBSERVED)
    {
        let reporting = now.view_enforcing(dst);
        let enforcing = cluster().view(dst);
        for src in pods() {
            for &port in &ports {
                let req = Request::from_pod(src, TD, port);
                let requests = [
                    req.clone(),
                    req.clone().http("POST", "/payments.v1.Payments/Authorize"),
                    req.clone().http("POST", "/payments.v1.Payments/Refund"),
                    req.clone().http("GET", "/ledger.v1.Ledger/Balance"),
                    req.clone().http("GET", "/"),
                ];
                for req in requests {
                    assert_eq!(
                        reporting.authorize(&req).is_allowed(),
                        enforcing.authorize(&req).is_allowed(),
                        "{} → {} {:?}",
                        src.name,
                        dst.name,
                        req.method
                    );
                }
            }
        }
    }
}

#[test]
fn outside_billing_every_verdict_is_the_enforced_one() {
    let (now, enforced) = (written_cluster(), cluster());
    for (dst, ports) in destinations()
        .into_iter()
        .filter(|(p, _)| p.namespace != OBSERVED)
    {
        assert_eq!(now.mtls_mode(dst), enforced.mtls_mode(dst), "{}", dst.name);
        for src in pods() {
            for &port in ports.iter().chain(&[15020, 15090]) {
                let from = Endpoint::Pod(src);
                assert_eq!(
                    now.ingress_allows(dst, from, port, TCP),
                    enforced.ingress_allows(dst, from, port, TCP),
                    "{} → {}:{port}",
                    src.name,
                    dst.name
                );
                // A billing pod's egress is open today; anyone else's is as enforced.
                let to = Endpoint::Pod(dst);
                let egress = now.egress_allows(src, to, port, TCP);
                if src.namespace == OBSERVED {
                    assert!(egress, "{} → {}:{port}", src.name, dst.name);
                } else {
                    assert_eq!(egress, enforced.egress_allows(src, to, port, TCP));
                }
                let req = Request::from_pod(src, TD, port).http("GET", "/");
                assert_eq!(
                    now.request_allowed(dst, &req).is_allowed(),
                    enforced.request_allowed(dst, &req).is_allowed(),
                    "{} → {}:{port}",
                    src.name,
                    dst.name
                );
            }
        }
    }
}
