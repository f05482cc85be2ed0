//! What each managed pod may call, by name: the input of its Sidecar's egress hosts.
//!
//! A Sidecar lists the destinations that allow its pods, but an `allow` is written on the
//! destination. This is the same inversion as egress, done once for the whole mesh while
//! the allows are walked anyway, so that no Sidecar has to search every allow of the mesh.

use crate::ir::{Caller, Identity};
use std::collections::BTreeSet;

/// A destination a pod may call, as an index into the mesh's `services`, `externals` or
/// `workloads`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reach {
    Service(usize),
    External(usize),
    Workload(usize),
}

/// Whose egress a caller of an allow grants, where meshward manages that caller: a
/// service's own (its policy), or every pod of a namespace (the namespace's policy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source<'m> {
    /// `(namespace, name)` of a service of the tree.
    Service(&'m str, &'m str),
    Namespace(&'m str),
}

impl<'m> Source<'m> {
    /// The namespace the source's pods run in.
    pub fn namespace(self) -> &'m str {
        match self {
            Source::Service(ns, _) | Source::Namespace(ns) => ns,
        }
    }
}

/// The sources CALLER stands for: a managed service, a managed namespace, or for
/// `anyone` every managed namespace; nothing for what meshward does not manage.
pub fn sources<'m>(caller: &'m Caller, managed: &BTreeSet<&'m str>) -> Vec<Source<'m>> {
    match caller {
        Caller::Pods(identity) if identity.managed => {
            let Identity {
                namespace, name, ..
            } = &**identity;
            vec![Source::Service(namespace, name)]
        }
        Caller::Pods(_) => vec![],
        Caller::Namespace(ns) => match managed.get(ns.as_str()) {
            Some(ns) => vec![Source::Namespace(ns)],
            None => vec![],
        },
        Caller::Anyone => managed.iter().map(|ns| Source::Namespace(ns)).collect(),
    }
}
