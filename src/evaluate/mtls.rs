//! PeerAuthentication semantics: which mTLS mode a pod's sidecar runs in, on a port.
//!
//! A workload policy overrides the namespace-wide one, `UNSET` inherits, and the mesh
//! default is PERMISSIVE.

use super::cluster::Cluster;
use super::index::subset;
use super::pod::Pod;
use super::policy::MtlsMode;

impl Cluster {
    /// The mTLS mode of POD's sidecar.
    pub fn mtls_mode(&self, pod: &Pod) -> MtlsMode {
        self.mtls_mode_on_port(pod, None)
    }

    /// The mTLS mode of POD's sidecar on PORT (workload `portLevelMtls` applies).
    pub fn mtls_mode_on_port(&self, pod: &Pod, port: Option<u16>) -> MtlsMode {
        let ns = self.namespace(&pod.namespace);
        let workload = ns
            .peer_index
            .candidates(&pod.labels)
            .into_iter()
            .map(|i| &ns.peer[i])
            .find(|p| !p.selector.is_empty() && subset(&p.selector, &pod.labels));
        if let Some(policy) = workload {
            let port_level = port.and_then(|port| {
                let port = port.to_string();
                policy
                    .port_level
                    .iter()
                    .find(|(p, _)| *p == port)
                    .and_then(|(_, mode)| *mode)
            });
            if let Some(mode) = port_level.or(policy.mtls) {
                return mode;
            }
        }
        ns.peer
            .iter()
            .find(|p| p.selector.is_empty())
            .and_then(|p| p.mtls)
            .unwrap_or(MtlsMode::Permissive)
    }
}
