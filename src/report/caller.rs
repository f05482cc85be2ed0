//! How the report names a caller and ranks its breadth: one place, so the tables and the
//! picture agree.

use super::model::Breadth;
use crate::ir::Caller;

/// `anyone`, `namespace:NS` or `name.namespace`: the id of its node and its label.
pub fn id(caller: &Caller) -> String {
    caller.label()
}

/// `anyone`, `namespace`, `service` (a service of the tree) or `workload`.
pub fn kind(caller: &Caller) -> &'static str {
    match caller {
        Caller::Anyone => "anyone",
        Caller::Namespace(_) => "namespace",
        Caller::Pods(identity) if identity.managed => "service",
        Caller::Pods(_) => "workload",
    }
}

/// How widely CALLER opens what it is allowed to reach.
pub fn breadth(caller: &Caller) -> Breadth {
    match caller {
        Caller::Anyone => Breadth::Anyone,
        Caller::Namespace(_) => Breadth::NamespaceWide,
        Caller::Pods(_) => Breadth::Named,
    }
}
