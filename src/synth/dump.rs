//! A generated cluster dump, for `connectivity`'s tests and benchmark: the objects
//! `meshward build` writes for a generated mesh, with the workloads it stands for, as
//! `kubectl get -o yaml` would list them (a Deployment per service and per declared
//! workload, its pod template carrying the selector's labels, account and ports).

use serde_json::{json, Value};

/// The dump of the intent FILES (as [`generate_with`](super::generate_with) makes them);
/// empty when they do not build (generated trees always do; the synth tests hold them to
/// that).
pub fn dump(files: Vec<(String, String)>) -> Vec<Value> {
    let compiled = crate::pipeline::run_texts(files);
    let Some((mesh, _)) = compiled.result else {
        return Vec::new();
    };
    let mut out = crate::pipeline::render_objects(&mesh).unwrap_or_default();
    let identities = mesh
        .services
        .iter()
        .map(|s| {
            (
                &s.identity,
                s.ports.iter().map(|p| p.target).collect::<Vec<_>>(),
            )
        })
        .chain(
            mesh.workloads
                .iter()
                .map(|w| (&w.identity, w.ports.iter().map(|p| p.port).collect())),
        );
    for (identity, ports) in identities {
        let ports: Vec<Value> = ports
            .into_iter()
            .map(|p| json!({"containerPort": p}))
            .collect();
        out.push(json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": identity.name, "namespace": identity.namespace},
            "spec": {"template": {
                "metadata": {"labels": identity.selector},
                "spec": {
                    "serviceAccountName": identity.account,
                    "containers": [{"name": "app", "ports": ports}]
                }
            }}
        }));
    }
    out
}
