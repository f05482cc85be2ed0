//! The whole output tree: the namespace defaults, a ServiceEntry file per external a
//! namespace's pods may call, one file per service and a kustomization in every folder,
//! rendered in parallel and returned sorted by path.
//!
//! In go the resolved model and its connection tables; out come [`Document`]s, or
//! whatever the caller makes of each one as soon as it exists.

use super::ambient;
use super::authorization;
use super::cilium;
use super::document::{
    Document, Kustomization, Object, GENERATED, KUSTOMIZATION_FILE, NAMESPACE_FILE,
};
use super::dryrun;
use super::external;
use super::network;
use super::security;
use super::sidecar;
use super::traffic;
use super::waves;
use crate::compile::{self, Tables};
use crate::ir::{External, Mesh, Network, Service};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// The file a service's objects go to; `kustomization` would clash with kustomize's own.
pub fn service_file(service: &Service) -> String {
    let stem = match service.name() {
        "kustomization" => "kustomization.service",
        name => name,
    };
    format!("{}/{stem}.yaml", service.namespace())
}

/// The file of an external's ServiceEntry in NAMESPACE.
pub fn external_file(namespace: &str, external: &External) -> String {
    format!("{namespace}/_external.{}.yaml", external.name)
}

/// Every document of the output tree, sorted by path.
pub fn render(mesh: &Mesh, tables: &Tables) -> Vec<Document> {
    render_with(mesh, tables, |document| document)
        .into_iter()
        .map(|(_, document)| document)
        .collect()
}

/// Which objects a dry-run namespace gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// What is written: observed namespaces restrict nothing (`dryrun.rs`).
    Written,
    /// What enforcing every namespace would write: the build's self-check proves it too,
    /// and `explain` gives its verdict as the one "once enforced".
    Enforced,
}

/// Render every document and hand it to EACH as soon as it exists, in parallel; the
/// results come back with their paths, sorted by path (stable, as [`render`] sorts).
/// A build emits and reads each document here and drops it, so the typed objects of a
/// whole 10,000-service tree (about 150 MB) are never held at once.
pub fn render_with<R: Send>(
    mesh: &Mesh,
    tables: &Tables,
    each: impl Fn(Document) -> R + Sync,
) -> Vec<(String, R)> {
    render_as(mesh, tables, Reading::Written, each)
}

/// [`render_with`], with dry-run namespaces as READING says.
pub fn render_as<R: Send>(
    mesh: &Mesh,
    tables: &Tables,
    reading: Reading,
    each: impl Fn(Document) -> R + Sync,
) -> Vec<(String, R)> {
    // What every pod of a namespace may call, as Sidecar hosts: made once per namespace,
    // since each of its services' Sidecars starts from it.
    let scopes: BTreeMap<&str, Vec<String>> = if mesh.settings.sidecar_scoping {
        tables
            .namespace_reach
            .iter()
            .map(|(ns, reach)| (*ns, sidecar::hosts(mesh, reach)))
            .collect()
    } else {
        BTreeMap::new()
    };
    let scopes = &scopes;
    let waves = mesh.settings.sync_waves;
    let observed =
        |namespace: &str| reading == Reading::Written && mesh.settings.is_dry_run(namespace);
    let finish = |mut document: Document, namespace: &str| {
        if observed(namespace) {
            dryrun::observe(&mut document.objects);
            // What the file holds no longer restricts: say so where the defaults are
            // described, and in every file.
            document.header.retain(|line| !line.starts_with(DEFAULTS));
            document.header.extend(OBSERVED.map(String::from));
        }
        if waves {
            waves::annotate(&mut document.objects);
        }
        document
    };
    let namespaces: Vec<(&&str, &Vec<compile::Rule>)> = tables.namespaces.iter().collect();
    let per_namespace: Vec<Vec<(String, R)>> = namespaces
        .par_iter()
        .map(|&(namespace, egress)| {
            let defaults = namespace_document(mesh, tables, namespace, egress, scopes);
            let mut documents = vec![defaults];
            for external in entries(mesh, tables, namespace) {
                documents.push(entry_document(external, namespace));
            }
            documents
                .into_iter()
                .map(|document| (document.path.clone(), each(finish(document, namespace))))
                .collect()
        })
        .collect();
    let mut folders: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let entries_count: usize = tables.entries.values().map(Vec::len).sum();
    let mut out: Vec<(String, R)> =
        Vec::with_capacity(mesh.services.len() + 2 * namespaces.len() + entries_count + 1);
    for (&(namespace, _), documents) in namespaces.iter().zip(per_namespace) {
        let files = folders.entry(namespace).or_default();
        for (path, result) in documents {
            let file = path.rsplit_once('/').map_or(&path[..], |(_, f)| f);
            files.push(file.to_string());
            out.push((path, result));
        }
    }
    // Services are independent: render them in parallel, then file them in order.
    let rendered: Vec<Option<(String, R)>> = mesh
        .services
        .par_iter()
        .map(|service| {
            let document = service_document(mesh, tables, service, scopes)?;
            let path = document.path.clone();
            Some((path, each(finish(document, service.namespace()))))
        })
        .collect();
    for (service, rendered) in mesh.services.iter().zip(rendered) {
        let Some((path, result)) = rendered else {
            continue;
        };
        let file = path
            .rsplit_once('/')
            .map_or(path.clone(), |(_, f)| f.to_string());
        folders.entry(service.namespace()).or_default().push(file);
        out.push((path, result));
    }
    for (namespace, mut files) in folders.clone() {
        files.sort();
        let path = format!("{namespace}/{KUSTOMIZATION_FILE}");
        out.push((path.clone(), each(kustomization(&path, files))));
    }
    out.push((
        KUSTOMIZATION_FILE.to_string(),
        each(kustomization(
            KUSTOMIZATION_FILE,
            folders.keys().map(|ns| ns.to_string()).collect(),
        )),
    ));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// How the namespace file's header describes the enforced defaults.
const DEFAULTS: &str = "Namespace defaults:";

/// The header lines of every file of an observed namespace.
const OBSERVED: [&str; 2] = [
    "Dry-run (mesh `dry-run`): observed, not enforced. No NetworkPolicy,",
    "AuthorizationPolicies only report (istio.io/dry-run), PERMISSIVE mTLS, Sidecars ALLOW_ANY.",
];

/// The externals with a ServiceEntry in NAMESPACE.
fn entries<'m>(mesh: &'m Mesh, tables: &Tables, namespace: &str) -> Vec<&'m External> {
    tables
        .entries
        .get(namespace)
        .into_iter()
        .flatten()
        .filter_map(|&i| mesh.externals.get(i))
        .collect()
}

/// `_namespace.yaml`: the namespace defaults, and its Sidecar when scoping is on.
fn namespace_document(
    mesh: &Mesh,
    tables: &Tables,
    namespace: &str,
    egress: &[compile::Rule],
    scopes: &BTreeMap<&str, Vec<String>>,
) -> Document {
    let mut objects = match mesh.settings.network {
        Network::Kubernetes => vec![
            Object::NetworkPolicy(Box::new(network::default_deny(namespace))),
            Object::NetworkPolicy(Box::new(network::namespace_egress(
                namespace,
                egress,
                &tables.outside,
            ))),
        ],
        Network::Cilium => vec![
            Object::CiliumNetworkPolicy(Box::new(cilium::default_deny(namespace))),
            Object::CiliumNetworkPolicy(Box::new(cilium::namespace_egress(
                namespace,
                egress,
                &tables.outside,
                &mesh.settings.dns,
            ))),
        ],
    };
    objects.extend([
        Object::AuthorizationPolicy(security::allow_nothing(namespace)),
        Object::PeerAuthentication(security::strict_default(namespace)),
    ]);
    let mut header = vec![
        format!("{GENERATED} for namespace {namespace}. Do not edit."),
        format!("{DEFAULTS} deny all, egress to DNS and istiod, STRICT mTLS."),
    ];
    if let Some(w) = mesh.settings.waypoint(namespace) {
        objects.push(Object::Gateway(ambient::gateway(w)));
        objects.push(Object::AuthorizationPolicy(ambient::allow_nothing(w)));
        if let Some(t) = tables.waypoints.get(namespace) {
            let pods = (namespace, &w.pods.selector);
            let name = ambient::WAYPOINT_POLICY;
            objects.push(match mesh.settings.network {
                Network::Kubernetes => Object::NetworkPolicy(Box::new(network::pods_policy(
                    name,
                    pods,
                    t,
                    &tables.outside,
                ))),
                Network::Cilium => Object::CiliumNetworkPolicy(Box::new(cilium::pods_policy(
                    name,
                    pods,
                    t,
                    &tables.outside,
                ))),
            });
        }
        header.push(format!(
            "Waypoint `{}`: enforces the L7 policies of this namespace's services (ambient).",
            w.name
        ));
    }
    if mesh.settings.sidecar_scoping {
        let hosts = scopes.get(namespace).cloned().unwrap_or_default();
        objects.push(Object::Sidecar(sidecar::sidecar(
            sidecar::NAMESPACE_SIDECAR,
            namespace,
            None,
            hosts,
        )));
        header.push("Sidecar `default`: what pods no service selects may call.".into());
    }
    Document {
        path: format!("{namespace}/{NAMESPACE_FILE}"),
        header,
        objects,
    }
}

/// `_external.<name>.yaml`: an external's ServiceEntry for the callers of one namespace.
fn entry_document(external: &External, namespace: &str) -> Document {
    Document {
        path: external_file(namespace, external),
        header: vec![
            format!("{GENERATED} from {}. Do not edit:", external.origin),
            "change the intent file and run `meshward build`.".into(),
        ],
        objects: vec![Object::ServiceEntry(external::service_entry(
            external, namespace,
        ))],
    }
}

/// The file of one service: its NetworkPolicy, whichever Istio objects it needs, and its
/// Sidecar when scoping is on.
fn service_document(
    mesh: &Mesh,
    tables: &Tables,
    service: &Service,
    scopes: &BTreeMap<&str, Vec<String>>,
) -> Option<Document> {
    let Some(t) = tables.services.get(&(service.namespace(), service.name())) else {
        return routes_document(mesh, service);
    };
    let mut objects = vec![match mesh.settings.network {
        Network::Kubernetes => Object::NetworkPolicy(Box::new(network::service_policy(
            service,
            t,
            &tables.outside,
        ))),
        Network::Cilium => Object::CiliumNetworkPolicy(Box::new(cilium::service_policy(
            service,
            t,
            &tables.outside,
        ))),
    }];
    // Under ambient with a waypoint, the service's own policies bind to its Service, so
    // that the waypoint enforces them with the caller's identity.
    let waypoint = mesh
        .settings
        .waypoint(service.namespace())
        .filter(|_| mesh.settings.is_ambient());
    let bind = |ap| match waypoint {
        Some(_) => ambient::at_waypoint(ap, service),
        None => ap,
    };
    if let Some(ap) = authorization::authorization_policy(service, &mesh.settings) {
        objects.push(Object::AuthorizationPolicy(bind(ap)));
    }
    if let Some(ap) = authorization::deny_policy(service, &mesh.settings) {
        objects.push(Object::AuthorizationPolicy(bind(ap)));
    }
    if mesh.settings.is_ambient() {
        if let Some(ap) = ambient::ztunnel_policy(service, waypoint, &mesh.settings) {
            objects.push(Object::AuthorizationPolicy(ap));
        }
    }
    if let Some(ra) = security::request_authentication(service) {
        objects.push(Object::RequestAuthentication(match waypoint {
            Some(_) => ambient::authentication_at_waypoint(ra, service),
            None => ra,
        }));
    }
    if let Some(pa) = security::peer_authentication(service) {
        objects.push(Object::PeerAuthentication(pa));
    }
    let host = service.host(&mesh.settings.cluster_domain);
    if let Some(vs) = traffic::virtual_service(service, &host) {
        objects.push(Object::VirtualService(vs));
    }
    if let Some(dr) = traffic::destination_rule(service, &host) {
        objects.push(Object::DestinationRule(dr));
    }
    if mesh.settings.sidecar_scoping {
        let base = scopes
            .get(service.namespace())
            .map_or(&[][..], Vec::as_slice);
        let hosts = sidecar::merge(base, sidecar::hosts(mesh, &t.reach));
        objects.push(Object::Sidecar(sidecar::sidecar(
            &sidecar::sidecar_name(service.name()),
            service.namespace(),
            Some(&service.identity.selector),
            hosts,
        )));
    }
    Some(Document {
        path: service_file(service),
        header: vec![
            format!("{GENERATED} from {}. Do not edit:", service.origin),
            "change the intent file and run `meshward build`.".into(),
        ],
        objects,
    })
}

/// In a mesh of several clusters, the file of a service another cluster runs: only its
/// VirtualService and DestinationRule, for its callers' proxies here.
fn routes_document(mesh: &Mesh, service: &Service) -> Option<Document> {
    if !mesh.settings.routed_here(service) {
        return None;
    }
    let host = service.host(&mesh.settings.cluster_domain);
    let objects: Vec<Object> = traffic::virtual_service(service, &host)
        .map(Object::VirtualService)
        .into_iter()
        .chain(traffic::destination_rule(service, &host).map(Object::DestinationRule))
        .collect();
    (!objects.is_empty()).then(|| Document {
        path: service_file(service),
        header: vec![
            format!("{GENERATED} from {}. Do not edit:", service.origin),
            "change the intent file and run `meshward build`.".into(),
            "Routes only: the service runs in other clusters; its callers here use them.".into(),
        ],
        objects,
    })
}

fn kustomization(path: &str, resources: Vec<String>) -> Document {
    Document {
        path: path.to_string(),
        header: vec![format!("{GENERATED}. Do not edit.")],
        objects: vec![Object::Kustomization(Kustomization::new(resources))],
    }
}
