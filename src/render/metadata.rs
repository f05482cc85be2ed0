//! The metadata every rendered object carries: its name, its namespace, and the
//! managed-by label that marks it as meshward's.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

pub const MANAGED_BY_KEY: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY_VALUE: &str = "meshward";
pub(crate) fn metadata(name: &str, namespace: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(namespace.to_string()),
        labels: Some(BTreeMap::from([(
            MANAGED_BY_KEY.to_string(),
            MANAGED_BY_VALUE.to_string(),
        )])),
        ..ObjectMeta::default()
    }
}
