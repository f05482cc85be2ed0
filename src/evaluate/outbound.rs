//! Where a pod's proxy sends a request for a host name: to a Kubernetes Service, to a
//! ServiceEntry, through unchanged, or nowhere.
//!
//! The proxy knows the hosts its Sidecar imports (`sidecar.rs`) among those visible to
//! the pod's namespace. Every Kubernetes Service is visible everywhere (this model takes
//! any `name.ns.svc.<domain>` for a Service `name` of namespace `ns`, and does not read
//! Services' `exportTo` annotation or ports: a Service is assumed to serve the port
//! asked). A ServiceEntry is visible where its `exportTo` says: `*` (also when absent),
//! `.` for its own namespace, a namespace by name; `~` hides it from every namespace,
//! its own included. A ServiceEntry exported to `.` is therefore invisible to another
//! namespace's Sidecar even when that Sidecar names it.
//!
//! A request for a host the proxy does not know is unmatched traffic. Under
//! REGISTRY_ONLY it is dropped (TCP and TLS go to Istio's BlackHoleCluster, a cluster
//! without endpoints, so the connection is closed or reset; on a port where the proxy has
//! an HTTP listener the answer is a 502). Under ALLOW_ANY
//! it is passed through to the address the client connected to: no L7 routing, no mTLS
//! from the client side, limited telemetry. Passthrough bypasses nothing at an in-mesh
//! destination (its own proxy still applies PeerAuthentication and
//! AuthorizationPolicy, and a STRICT one refuses the plaintext), but an outside host is
//! reached without any of the ServiceEntry's scoping. Neither mode is a firewall: only
//! NetworkPolicy stops a connection the client makes anyway.
//!
//! The mesh default is ALLOW_ANY: a pod no Sidecar applies to, or whose Sidecar has no
//! `outboundTrafficPolicy`, uses it; an `outboundTrafficPolicy` without `mode` is
//! REGISTRY_ONLY.
//!
//! Which known host answers: an exact host before wildcards, a longer wildcard before a
//! shorter one (Envoy's virtual host and SNI matching). When one host is known from
//! several namespaces, Istio keeps one: the pod's own namespace first, then the
//! Kubernetes Service, then the first seen; this model takes the first by namespace and
//! name, since it has no creation order. For a ServiceEntry the port asked must be one
//! of its `ports`. On a TCP port (protocol TCP, or unset) Istio matches a ServiceEntry by
//! destination address or port, not by name: the verdict then says which entry the
//! host's traffic would reach if the client connects to one of its addresses.
//! `location` (MESH_EXTERNAL or MESH_INTERNAL) is only reported: no effect of it on which
//! entry answers could be found upstream, so this model gives it none.

use super::cluster::{Cluster, PodView};
use super::pod::Pod;
use super::policy::{EntryPort, OutboundMode, ServiceEntry};
use super::sidecar::SidecarScope;

/// The outbound mode of a mesh whose configuration this model does not read: Istio's
/// default.
pub const MESH_OUTBOUND: OutboundMode = OutboundMode::AllowAny;

/// What a pod's proxy does with a request for a host; see [`Cluster::sidecar_admits`].
/// `sidecar` is the applied Sidecar's `namespace/name`, `None` for Istio's default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outbound {
    /// The proxy knows the host and sends the request to DESTINATION.
    Forwarded {
        sidecar: Option<String>,
        destination: Destination,
    },
    /// Unknown to the proxy, under ALLOW_ANY: sent on unchanged, without mTLS.
    Passthrough { sidecar: Option<String> },
    /// Unknown to the proxy, under REGISTRY_ONLY: reset, or a 502 on an HTTP port.
    Dropped { sidecar: Option<String> },
    /// Several Sidecars apply to the pod equally ([`SidecarScope::Ambiguous`]), each
    /// `namespace/name`.
    Ambiguous { sidecars: Vec<String> },
}

/// Where a forwarded request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// A Kubernetes Service, named by its host `name.namespace.svc.<domain>`.
    Service { namespace: String, name: String },
    /// A ServiceEntry; `host` is its host that matched (exact or wildcard), `port` the
    /// entry of its `ports` that serves the request.
    Entry {
        namespace: String,
        name: String,
        host: String,
        port: EntryPort,
    },
}

/// One pod's proxy with its Sidecar already looked up: asking it about many hosts costs
/// one scope lookup, not one per host (the self-check asks about every host a pod may
/// call, for every pod of the tree).
pub struct Proxy<'a> {
    cluster: &'a Cluster,
    pod: &'a Pod,
    scope: SidecarScope<'a>,
}

impl<'a> Proxy<'a> {
    /// The Sidecar configuring this proxy, as [`Cluster::sidecar_scope`] finds it.
    pub fn scope(&self) -> &SidecarScope<'a> {
        &self.scope
    }

    /// What this proxy does with a request for HOST on PORT; see
    /// [`Cluster::sidecar_admits`].
    pub fn admits(&self, host: &str, port: u16) -> Outbound {
        let sidecar = match &self.scope {
            SidecarScope::Ambiguous(list) => {
                return Outbound::Ambiguous {
                    sidecars: list
                        .iter()
                        .map(|s| format!("{}/{}", s.namespace, s.name))
                        .collect(),
                }
            }
            SidecarScope::Default => None,
            SidecarScope::Applied(s) => Some(*s),
        };
        let pod = self.pod;
        let imports = |namespace: &str, registry_host: &str| {
            sidecar.is_none_or(|s| s.imports(&pod.namespace, namespace, registry_host, port))
        };
        let name = sidecar.map(|s| format!("{}/{}", s.namespace, s.name));
        if let Some(destination) = self.cluster.resolve(&pod.namespace, host, port, imports) {
            return Outbound::Forwarded {
                sidecar: name,
                destination,
            };
        }
        match sidecar.and_then(|s| s.outbound).unwrap_or(MESH_OUTBOUND) {
            OutboundMode::RegistryOnly => Outbound::Dropped { sidecar: name },
            OutboundMode::AllowAny => Outbound::Passthrough { sidecar: name },
        }
    }
}

impl Cluster {
    /// POD's proxy, to ask about several hosts.
    pub fn proxy<'a>(&'a self, pod: &'a Pod) -> Proxy<'a> {
        Proxy {
            cluster: self,
            pod,
            scope: self.sidecar_scope(pod),
        }
    }

    /// What POD's proxy does with a request for HOST (a DNS name: a Service's
    /// `svc.ns.svc.cluster.local`, or an outside host) on PORT.
    pub fn sidecar_admits(&self, pod: &Pod, host: &str, port: u16) -> Outbound {
        self.proxy(pod).admits(host, port)
    }

    /// The ServiceEntry that answers HOST on PORT among those pods of NAMESPACE can see,
    /// whatever their Sidecars import: what a Sidecar importing `*/*` would reach.
    pub fn visible_entry(&self, namespace: &str, host: &str, port: u16) -> Option<Destination> {
        match self.resolve(namespace, host, port, |_, _| true) {
            Some(entry @ Destination::Entry { .. }) => Some(entry),
            _ => None,
        }
    }

    /// The imported destination that answers HOST on PORT for a pod of POD_NAMESPACE.
    fn resolve(
        &self,
        pod_namespace: &str,
        host: &str,
        port: u16,
        imports: impl Fn(&str, &str) -> bool,
    ) -> Option<Destination> {
        let service = service_of(host)
            .filter(|(namespace, _)| imports(namespace, host))
            .map(|(namespace, name)| Destination::Service {
                namespace: namespace.to_string(),
                name: name.to_string(),
            });
        if self.entry_hosts.is_empty() {
            return service;
        }
        let mut service = service;
        for key in registry_keys(host) {
            let entries: Vec<(&ServiceEntry, &EntryPort)> = self
                .entry_hosts
                .get(&key)
                .into_iter()
                .flatten()
                .map(|(namespace, i)| &self.namespace(namespace).service_entries[*i])
                .filter(|e| visible(e, pod_namespace) && imports(&e.namespace, &key))
                .filter_map(|e| Some((e, e.ports.iter().find(|p| p.number == u64::from(port))?)))
                .collect();
            // One per host: the pod's own namespace first, then the Kubernetes Service,
            // then the first seen (here: by namespace and name).
            let own_service = matches!(&service,
                Some(Destination::Service { namespace, .. }) if namespace == pod_namespace);
            let own_entry = entries.iter().find(|(e, _)| e.namespace == pod_namespace);
            let entry = match own_entry {
                Some(entry) if !own_service => Some(entry),
                _ if service.is_some() => return service,
                _ => entries.first(),
            };
            if let Some((entry, port)) = entry {
                return Some(Destination::Entry {
                    namespace: entry.namespace.clone(),
                    name: entry.name.clone(),
                    host: key,
                    port: (*port).clone(),
                });
            }
            // Only the exact host can be a Service.
            service = None;
        }
        None
    }
}

impl PodView<'_> {
    /// [`Cluster::sidecar_admits`] for this view's pod.
    pub fn sidecar_admits(&self, host: &str, port: u16) -> Outbound {
        self.cluster.sidecar_admits(self.pod, host, port)
    }
}

/// Whether ENTRY's `exportTo` lets pods of NAMESPACE see it.
fn visible(entry: &ServiceEntry, namespace: &str) -> bool {
    entry
        .export_to
        .iter()
        .any(|to| to == "*" || to == namespace || (to == "." && entry.namespace == namespace))
}

/// The Service a Kubernetes host name stands for: (namespace, name).
fn service_of(host: &str) -> Option<(&str, &str)> {
    let mut labels = host.splitn(4, '.');
    let name = labels.next().filter(|l| !l.is_empty())?;
    let namespace = labels.next().filter(|l| !l.is_empty())?;
    (labels.next() == Some("svc") && labels.next().is_some_and(|d| !d.is_empty()))
        .then_some((namespace, name))
}

/// The registry hosts that could answer HOST, most specific first: HOST itself, then
/// `*.` and each shorter suffix (`*.b.example.com`, `*.example.com`, `*.com`).
fn registry_keys(host: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::once(host.to_string()).chain(
        host.match_indices('.')
            .map(move |(i, _)| format!("*{}", &host[i..])),
    )
}
