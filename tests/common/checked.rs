//! A tree parsed and checked in memory, without render or self-check: for tests that ask
//! what a command reads from the model (explain, diff, graph) on trees built by hand.

use meshward::ir::Mesh;
use meshward::source::{SourceFile, SourceMap};

/// FILES (path, text) parsed and checked; panics with the diagnostics when they do not
/// check.
pub fn checked(files: Vec<(String, String)>) -> (Mesh, SourceMap) {
    let mut sources = SourceMap::default();
    for (path, text) in files {
        sources.add(SourceFile::new(path.clone(), path, text));
    }
    let items = sources
        .files()
        .map(|(id, file)| {
            let item = meshward::parse::parse(id, file).expect("parses");
            (id, file.relative.clone(), item)
        })
        .collect();
    let (mesh, diagnostics) = meshward::check::check(meshward::check::Parsed { items });
    (mesh.unwrap_or_else(|| panic!("{diagnostics:?}")), sources)
}

/// The files of SOURCES in reverse order, as `pipeline::run_texts` takes them: the same
/// tree read in another order, for the tests that output does not depend on it.
pub fn reversed(sources: &SourceMap) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = sources
        .files()
        .map(|(_, f)| (f.relative.clone(), f.text.clone()))
        .collect();
    files.reverse();
    files
}
