//! `targetRef` and `targetRefs`, as AuthorizationPolicy and RequestAuthentication write
//! them: what a waypoint's policies attach to.

use crate::evaluate::policy::Target;
use serde::Deserialize;

/// One `targetRef`: the fields an Istio policy's reference has.
#[derive(Deserialize, Default)]
pub(crate) struct RawTarget {
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
}

/// `targetRef` and `targetRefs` as one list.
pub(crate) fn targets(one: Option<RawTarget>, many: Option<Vec<RawTarget>>) -> Vec<Target> {
    one.into_iter()
        .chain(many.unwrap_or_default())
        .map(|t| Target {
            group: t.group.unwrap_or_default(),
            kind: t.kind.unwrap_or_default(),
            name: t.name.unwrap_or_default(),
            namespace: t.namespace,
        })
        .collect()
}
