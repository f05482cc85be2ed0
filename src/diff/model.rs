//! One compiled side of the comparison, and the lookups the comparisons share: a
//! service's `name.namespace` label and the same service on the other side.

use crate::ir::{Mesh, Service};
use crate::source::SourceMap;

/// A compiled side of the comparison: the model and the sources its spans point into.
#[derive(Clone, Copy)]
pub struct Model<'a> {
    pub mesh: &'a Mesh,
    pub sources: &'a SourceMap,
}

pub(crate) fn service_label(s: &Service) -> String {
    format!("{}.{}", s.name(), s.namespace())
}

pub(crate) fn find_service<'m>(mesh: &'m Mesh, like: &Service) -> Option<&'m Service> {
    mesh.services
        .iter()
        .find(|s| s.name() == like.name() && s.namespace() == like.namespace())
}
