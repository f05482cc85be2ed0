//! Argo CD sync waves (`sync-waves on`): what grants or defines is applied before what
//! restricts, and a DestinationRule before the VirtualService that names its subsets.
//!
//! Argo CD applies one wave at a time, lowest first, and waits for it to be healthy; it
//! prunes in the reverse order, highest first, so when objects go away the restrictions
//! go before the grants they need: neither direction ever leaves a restriction in place
//! without its grants. Three waves are enough:
//!
//! - wave 0, grants and definitions: NetworkPolicies with rules, ALLOW
//!   AuthorizationPolicies with rules, PERMISSIVE PeerAuthentications, ServiceEntries,
//!   DestinationRules, Sidecars that allow any outbound traffic, waypoint Gateways;
//! - wave 1, VirtualServices, after the DestinationRules defining their subsets;
//! - wave 2, restrictions: the default-deny NetworkPolicy (no rules), the allow-nothing
//!   and DENY AuthorizationPolicies, STRICT PeerAuthentications, RequestAuthentications
//!   (they refuse tokens), REGISTRY_ONLY Sidecars.
//!
//! Each object is classed by what it says, not by its name, so a new kind of object
//! meets the rule or fails to compile here.

use super::document::Object;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

/// The annotation Argo CD reads.
pub const WAVE_KEY: &str = "argocd.argoproj.io/sync-wave";

const GRANT: &str = "0";
const ROUTE: &str = "1";
const RESTRICT: &str = "2";

/// Annotate every object of OBJECTS with its wave; kustomizations get none.
pub(crate) fn annotate(objects: &mut [Object]) {
    for o in objects {
        if let Some((meta, wave)) = wave(o) {
            meta.annotations
                .get_or_insert_with(BTreeMap::new)
                .insert(WAVE_KEY.to_string(), wave.to_string());
        }
    }
}

fn wave(o: &mut Object) -> Option<(&mut ObjectMeta, &'static str)> {
    Some(match o {
        Object::NetworkPolicy(np) => {
            let rules = np.spec.as_ref().is_some_and(|s| {
                s.ingress.as_ref().is_some_and(|r| !r.is_empty())
                    || s.egress.as_ref().is_some_and(|r| !r.is_empty())
            });
            (&mut np.metadata, if rules { GRANT } else { RESTRICT })
        }
        Object::CiliumNetworkPolicy(cnp) => {
            // Default deny admits only the entity `none`; every other policy grants.
            let restricts = [&cnp.spec.ingress, &cnp.spec.egress]
                .into_iter()
                .flatten()
                .flatten()
                .all(|rule| {
                    rule.from_entities.as_deref() == Some(&["none"][..])
                        || rule.to_entities.as_deref() == Some(&["none"][..])
                });
            (&mut cnp.metadata, if restricts { RESTRICT } else { GRANT })
        }
        Object::AuthorizationPolicy(ap) => {
            let grants = ap.spec.action == Some("ALLOW") && !ap.spec.rules.is_empty();
            (&mut ap.metadata, if grants { GRANT } else { RESTRICT })
        }
        Object::PeerAuthentication(pa) => {
            let strict = pa.spec.mtls.mode == "STRICT";
            (&mut pa.metadata, if strict { RESTRICT } else { GRANT })
        }
        Object::RequestAuthentication(ra) => (&mut ra.metadata, RESTRICT),
        Object::VirtualService(vs) => (&mut vs.metadata, ROUTE),
        Object::DestinationRule(dr) => (&mut dr.metadata, GRANT),
        Object::ServiceEntry(se) => (&mut se.metadata, GRANT),
        // A waypoint must exist before ztunnel admits only its identity.
        Object::Gateway(gw) => (&mut gw.metadata, GRANT),
        Object::Sidecar(sc) => {
            let open = sc.spec.outbound_traffic_policy.mode == "ALLOW_ANY";
            (&mut sc.metadata, if open { GRANT } else { RESTRICT })
        }
        Object::Kustomization(_) => return None,
    })
}
