//! `meshward report`: an exposure report of the tree, for a reviewer rather than for the
//! cluster. For each service it says who may reach it and how widely (named callers,
//! a whole namespace, `anyone`; plain-text callers when it is `mtls permissive`), which
//! externals and workloads it reaches, which services allow nothing, and draws who may
//! call what; as one self-contained HTML file or as Markdown (docs/report.md).
//!
//! [`exposure`] reads the resolved model into the context ([`model`]), [`picture`] lays
//! out the graph's nodes and edges, [`svg`] draws them, and [`render`] puts the context
//! through a built-in or user template.

mod caller;
pub mod exposure;
pub mod model;
pub mod picture;
pub mod render;
pub mod svg;

pub use model::Report;
pub use render::{Format, Template, TemplateError};

use crate::ir::Mesh;
use crate::source::SourceMap;

/// The context every template is rendered with (without `svg` and `mermaid`).
pub fn context(mesh: &Mesh, sources: &SourceMap) -> Report {
    exposure::report(mesh, sources)
}

/// The report of MESH through TEMPLATE.
pub fn report(
    mesh: &Mesh,
    sources: &SourceMap,
    template: &Template,
) -> Result<String, TemplateError> {
    let context = exposure::report(mesh, sources);
    let svg = svg::svg(&context.graph);
    render::render(&context, svg, crate::graph::mermaid(mesh), template)
}
