//! The whole output tree: the namespace defaults, a ServiceEntry file per external a
//! namespace's pods may call, one file per service and a kustomization in every folder,
//! rendered in parallel and returned sorted by path.
//!
//! In go the resolved model and its connection tables; out come [`Document`]s, or
//! whatever the caller makes of each one as soon as it exists.

use super::authorization;
use super::document::{
    Document, Kustomization, Object, GENERATED, KUSTOMIZATION_FILE, NAMESPACE_FILE,
};
use super::external;
use super::network;
use super::security;
use super::sidecar;
use super::traffic;
use super::waves;
use crate::compile::{self, Tables};
use crate::ir::{External, Mesh, Service};
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

/// Render every document and hand it to EACH as soon as it exists, in parallel; the
/// results come back with their paths, sorted by path (stable, as [`render`] sorts).
/// A build emits and reads each document here and drops it, so the typed objects of a
/// whole 10,000-service tree (about 150 MB) are never held at once.
pub fn render_with<R: Send>(
    mesh: &Mesh,
    tables: &Tables,
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
    let finish = |mut document: Document| {
        if waves {
            waves::annotate(&mut document.objects);
        }
        document
    };
    let namespaces: Vec<(&&str, &Vec<compile::Rule>)> = tables.namespaces.iter().collect();
    let per_namespace: Vec<Vec<(String, R)>> = namespaces
        .par_iter()
        .map(|&(namespace, egress)| {
            let mut documents = vec![namespace_document(mesh, tables, namespace, egress, scopes)];
            for external in entries(mesh, tables, namespace) {
                documents.push(entry_document(external, namespace));
            }
            documents
                .into_iter()
                .map(|document| (document.path.clone(), each(finish(document))))
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
            Some((path, each(finish(document))))
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
    let mut objects = vec![
        Object::NetworkPolicy(Box::new(network::default_deny(namespace))),
        Object::NetworkPolicy(Box::new(network::namespace_egress(
            namespace,
            egress,
            &tables.outside,
        ))),
        Object::AuthorizationPolicy(security::allow_nothing(namespace)),
        Object::PeerAuthentication(security::strict_default(namespace)),
    ];
    let mut header = vec![
        format!("{GENERATED} for namespace {namespace}. Do not edit."),
        "Namespace defaults: deny all, egress to DNS and istiod, STRICT mTLS.".into(),
    ];
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
    let t = tables
        .services
        .get(&(service.namespace(), service.name()))?;
    let mut objects = vec![Object::NetworkPolicy(Box::new(network::service_policy(
        service,
        t,
        &tables.outside,
    )))];
    if let Some(ap) = authorization::authorization_policy(service, &mesh.settings) {
        objects.push(Object::AuthorizationPolicy(ap));
    }
    if let Some(ap) = authorization::deny_policy(service, &mesh.settings) {
        objects.push(Object::AuthorizationPolicy(ap));
    }
    if let Some(ra) = security::request_authentication(service) {
        objects.push(Object::RequestAuthentication(ra));
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

fn kustomization(path: &str, resources: Vec<String>) -> Document {
    Document {
        path: path.to_string(),
        header: vec![format!("{GENERATED}. Do not edit.")],
        objects: vec![Object::Kustomization(Kustomization::new(resources))],
    }
}
