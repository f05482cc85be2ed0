//! Dry-run namespaces (`dry-run NS`): the objects of an observed namespace, rewritten so
//! that nothing restricts while Istio still reports what it would deny.
//!
//! The rewrite starts from the enforced objects, so the AuthorizationPolicies are exactly
//! the ones enforcement would apply, and the proxies' dry-run reports tell the truth:
//!
//! - no NetworkPolicy (nor CiliumNetworkPolicy): neither API has a dry-run, and a pod that no policy selects is
//!   open in both directions;
//! - every AuthorizationPolicy annotated `istio.io/dry-run: "true"`: the proxy evaluates
//!   it as a shadow policy, records the verdict in its stats and access log, and enforces
//!   nothing;
//! - PeerAuthentications PERMISSIVE: plaintext callers keep working;
//! - Sidecars open: every host (`*/*`) and `ALLOW_ANY`, written out so that a mesh-wide
//!   `REGISTRY_ONLY` does not apply here.
//!
//! RequestAuthentications stay as they are: Istio has no dry-run for authentication, and
//! one refuses an invalid token with or without enforcement.

use super::document::Object;
use super::istio::EgressListener;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

/// The annotation Istio reads to evaluate an AuthorizationPolicy without enforcing it.
pub const DRY_RUN_KEY: &str = "istio.io/dry-run";

/// The Sidecar host of every host.
pub const EVERY_HOST: &str = "*/*";

/// Rewrite the objects of one observed namespace.
pub(crate) fn observe(objects: &mut Vec<Object>) {
    objects.retain(|o| !matches!(o, Object::NetworkPolicy(_) | Object::CiliumNetworkPolicy(_)));
    for o in objects {
        match o {
            Object::AuthorizationPolicy(ap) => annotate(&mut ap.metadata),
            Object::PeerAuthentication(pa) => pa.spec.mtls.mode = "PERMISSIVE",
            Object::Sidecar(sc) => {
                sc.spec.egress = vec![EgressListener {
                    hosts: vec![EVERY_HOST.to_string()],
                }];
                sc.spec.outbound_traffic_policy.mode = "ALLOW_ANY";
            }
            Object::NetworkPolicy(_)
            | Object::CiliumNetworkPolicy(_)
            | Object::RequestAuthentication(_)
            | Object::VirtualService(_)
            | Object::DestinationRule(_)
            | Object::ServiceEntry(_)
            | Object::Gateway(_)
            | Object::Kustomization(_) => {}
        }
    }
}

fn annotate(meta: &mut ObjectMeta) {
    meta.annotations
        .get_or_insert_with(BTreeMap::new)
        .insert(DRY_RUN_KEY.to_string(), "true".to_string());
}
