//! The identity index: every service and workload of the tree by namespace and name, for
//! resolving callers and the scraper. Building it reports services defined twice; the first
//! in path order is the one that counts.

use super::draft::Draft;
use super::sink::Sink;
use crate::code::Code;
use crate::ir::Identity;
use crate::source::{FileId, Span};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where every service and workload of the tree is, and which declaration of a
/// duplicated service counts (the first in path order).
pub(crate) struct Index {
    /// namespace → name → identity and where it is declared. Nested so that a look-up
    /// borrows its key: resolving 50,000 callers must not allocate 100,000 strings.
    identities: BTreeMap<String, BTreeMap<String, (Arc<Identity>, Span)>>,
    /// namespace → name → the file whose declaration counts (the first in path order).
    canonical: BTreeMap<String, BTreeMap<String, FileId>>,
    namespaces: BTreeMap<String, Span>,
}

impl Index {
    /// Index the services of `drafts` and the mesh block's `workloads`, each given as its
    /// identity and the span of its name. A workload never replaces a service.
    pub fn new<'a>(
        drafts: &[Draft],
        workloads: impl IntoIterator<Item = (&'a Identity, Span)>,
        sink: &mut Sink,
    ) -> Index {
        let mut index = Index {
            identities: BTreeMap::new(),
            canonical: BTreeMap::new(),
            namespaces: BTreeMap::new(),
        };
        for d in drafts {
            let (ns, name) = (&d.identity.namespace, &d.identity.name);
            if let Some((_, first)) = index.get(ns, name) {
                sink.error(
                    Code::DuplicateService,
                    d.ast.name.span,
                    format!("service `{name}` in namespace `{ns}` is defined twice"),
                )
                .help("a service is defined once in the tree; merge the two files")
                .note(*first, "first defined here");
                continue;
            }
            index
                .canonical
                .entry(ns.clone())
                .or_default()
                .insert(name.clone(), d.file);
            index
                .namespaces
                .entry(ns.clone())
                .or_insert(d.ast.name.span);
            index.identities.entry(ns.clone()).or_default().insert(
                name.clone(),
                (Arc::new(d.identity.clone()), d.ast.name.span),
            );
        }
        for (identity, span) in workloads {
            index
                .identities
                .entry(identity.namespace.clone())
                .or_default()
                .entry(identity.name.clone())
                .or_insert((Arc::new(identity.clone()), span));
        }
        index
    }

    fn get(&self, namespace: &str, name: &str) -> Option<&(Arc<Identity>, Span)> {
        self.identities.get(namespace)?.get(name)
    }

    pub fn is_canonical(&self, d: &Draft) -> bool {
        self.canonical
            .get(&d.identity.namespace)
            .and_then(|names| names.get(&d.identity.name))
            == Some(&d.file)
    }

    pub fn identity(&self, namespace: &str, name: &str) -> Option<&Arc<Identity>> {
        self.get(namespace, name).map(|(i, _)| i)
    }

    /// `NAME in NS` for every service and workload, for did-you-mean.
    pub fn identity_names(&self) -> Vec<String> {
        self.identities
            .iter()
            .flat_map(|(ns, names)| names.keys().map(move |name| format!("{name} in {ns}")))
            .collect()
    }

    /// `NAME in NS` for every service, for did-you-mean where workloads do not fit.
    pub fn service_names(&self) -> Vec<String> {
        self.identities
            .iter()
            .flat_map(|(ns, names)| {
                names
                    .iter()
                    .filter(|(_, (i, _))| i.managed)
                    .map(move |(name, _)| format!("{name} in {ns}"))
            })
            .collect()
    }

    /// The namespaces where a service of the tree lives, sorted.
    pub fn service_namespaces(&self) -> impl Iterator<Item = &str> {
        self.namespaces.keys().map(String::as_str)
    }

    pub fn first_in_namespace(&self, namespace: &str) -> Option<Span> {
        self.namespaces.get(namespace).copied()
    }

    pub(crate) fn services_in<'a>(
        &'a self,
        namespace: &'a str,
    ) -> impl Iterator<Item = &'a Identity> + 'a {
        self.identities
            .get(namespace)
            .into_iter()
            .flat_map(|names| names.values())
            .map(|(i, _)| &**i)
            .filter(|i| i.managed)
    }
}
