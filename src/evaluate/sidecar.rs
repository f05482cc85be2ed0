//! Which Istio Sidecar configures a pod's proxy, and which registry hosts it imports.
//!
//! Istio's SidecarScope lookup, for a pod of namespace N: the Sidecars *of N* with a
//! `workloadSelector` whose labels the pod carries come first (an empty selector selects
//! every pod, and still outranks the namespace-wide one); then N's Sidecar without a
//! selector; then the root namespace's Sidecar without a selector, read as if it were in
//! N (its `.` means N); then Istio's default, which imports everything. A selector
//! Sidecar of the root namespace applies to the root namespace's own pods only.
//!
//! When two selector Sidecars select the same pod, or a namespace has two without a
//! selector, Istio's documentation calls the result undefined; its code takes the oldest
//! by creation time. Emitted objects carry no creation time, so this model cannot know
//! which one a cluster would pick, and answers [`SidecarScope::Ambiguous`] instead of
//! guessing.
//!
//! Importing is by `egress[].hosts`: an entry `ns/name` imports a registry host of
//! namespace S when its namespace part is `*`, S itself, or `.` with S the pod's
//! namespace (`~` imports nothing), and its name part covers the host: `*` covers every
//! host, `*.example.com` covers `a.example.com` and `a.b.example.com` (any depth) but not
//! `example.com`, an exact name only itself. A wildcard host (a ServiceEntry's
//! `*.example.com`) is covered only by an equal or broader wildcard, never by an exact
//! name under it. A Sidecar without `egress` imports everything: Istio does not inherit
//! the namespace's or the root's listeners, whatever the field's documentation suggests.
//! A listener with a port takes that port for itself: the catch-all listener (no port)
//! adds nothing to a port some listener names.

use super::cluster::{Cluster, ROOT_NAMESPACE};
use super::index::subset;
use super::pod::Pod;
use super::policy::{EgressListener, HostImport, ImportName, ImportNamespace, Sidecar};

/// Which Sidecar configures a pod's proxy; see [`Cluster::sidecar_scope`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SidecarScope<'a> {
    /// None applies: Istio's default imports every visible host, with the mesh's
    /// outbound mode.
    Default,
    /// This Sidecar, of the pod's namespace or the root namespace's.
    Applied(&'a Sidecar),
    /// These apply equally, and Istio would take the oldest, which the objects do not
    /// say: the self-check reports it rather than guessing.
    Ambiguous(Vec<&'a Sidecar>),
}

impl Cluster {
    /// The Sidecar that configures POD's proxy.
    pub fn sidecar_scope<'a>(&'a self, pod: &Pod) -> SidecarScope<'a> {
        let own = &self.namespace(&pod.namespace).sidecars;
        if own.is_empty() && pod.namespace == ROOT_NAMESPACE {
            return SidecarScope::Default;
        }
        let selected = own
            .iter()
            .filter(|s| s.selector.as_ref().is_some_and(|l| subset(l, &pod.labels)));
        if let Some(scope) = one_of(selected.collect()) {
            return scope;
        }
        if let Some(scope) = one_of(own.iter().filter(|s| s.selector.is_none()).collect()) {
            return scope;
        }
        if pod.namespace != ROOT_NAMESPACE {
            let root = &self.namespace(ROOT_NAMESPACE).sidecars;
            if let Some(scope) = one_of(root.iter().filter(|s| s.selector.is_none()).collect()) {
                return scope;
            }
        }
        SidecarScope::Default
    }
}

/// The scope of CANDIDATES that apply equally; `None` when there are none.
fn one_of(candidates: Vec<&Sidecar>) -> Option<SidecarScope<'_>> {
    match candidates.as_slice() {
        [] => None,
        [one] => Some(SidecarScope::Applied(one)),
        _ => Some(SidecarScope::Ambiguous(candidates)),
    }
}

impl Sidecar {
    /// Whether this Sidecar, configuring a pod of namespace POD_NAMESPACE, imports
    /// HOST (a registry host as declared: exact, or `*.suffix` for a wildcard
    /// ServiceEntry host) of namespace SERVICE_NAMESPACE for requests on PORT.
    /// Visibility (`exportTo`) is the caller's to check.
    pub fn imports(
        &self,
        pod_namespace: &str,
        service_namespace: &str,
        host: &str,
        port: u16,
    ) -> bool {
        if self.egress.is_empty() {
            return true; // `*/*`
        }
        let port = u64::from(port);
        let claimed = self.egress.iter().any(|l| l.port == Some(port));
        self.egress
            .iter()
            .filter(|l| {
                if claimed {
                    l.port == Some(port)
                } else {
                    l.port.is_none()
                }
            })
            .any(|l| listener_imports(l, pod_namespace, service_namespace, host))
    }
}

fn listener_imports(
    listener: &EgressListener,
    pod_namespace: &str,
    service_namespace: &str,
    host: &str,
) -> bool {
    listener.hosts.iter().flatten().any(|import| {
        namespace_covers(import, pod_namespace, service_namespace) && name_covers(&import.dns, host)
    })
}

fn namespace_covers(import: &HostImport, pod_namespace: &str, service_namespace: &str) -> bool {
    match &import.namespace {
        ImportNamespace::Any => true,
        ImportNamespace::Own => service_namespace == pod_namespace,
        ImportNamespace::Nothing => false,
        ImportNamespace::Named(name) => name == service_namespace,
    }
}

/// Whether an entry's name part covers HOST, as Istio's `SubsetOf` decides.
pub fn name_covers(import: &ImportName, host: &str) -> bool {
    match import {
        ImportName::Any => true,
        ImportName::Exact(name) => name == host,
        // `.example.com`: a wildcard host keeps its leading `*` off for the comparison,
        // so `*.example.com` is covered by `*.example.com` and `*.com`.
        ImportName::Suffix(suffix) => host
            .strip_prefix('*')
            .unwrap_or(host)
            .ends_with(suffix.as_str()),
    }
}
