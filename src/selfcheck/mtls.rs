//! mTLS: each service's sidecar runs in the mode its intents ask for, on every port.

use super::report::Report;
use crate::evaluate::{Cluster, MtlsMode, Pod};
use crate::ir::{Mtls, Service};

/// The mTLS mode of D's sidecar, for the workload and on each target port.
pub(crate) fn mtls(d: &Service, cluster: &Cluster, pod: &Pod, report: &mut Report) {
    let want = match d.mtls {
        Mtls::Strict => MtlsMode::Strict,
        Mtls::Permissive => MtlsMode::Permissive,
    };
    // The workload mode, and each port's (a `portLevelMtls` override must not differ).
    let ports = std::iter::once(None).chain(d.ports.iter().map(|p| Some(p.target)));
    for port in ports {
        let got = cluster.mtls_mode_on_port(pod, port);
        if want != got {
            let on = port.map_or(String::new(), |p| format!(" on port {p}"));
            report.push(format!(
                "mTLS of {}.{}{on}: intent {want:?}, PeerAuthentication gives {got:?}",
                d.name(),
                d.namespace()
            ));
        }
    }
}
