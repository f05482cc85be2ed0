//! The trees under `tests/fixtures/`, written through the library without the self-check:
//! what these trees test is the objects meshward renders for them (their schemas, their
//! kustomize roots, their text), which must hold whatever the self-check proves of them.

use super::root;
use std::fs;
use std::path::{Path, PathBuf};

/// Every folder under `tests/fixtures/`, sorted.
pub fn fixtures() -> Vec<PathBuf> {
    let dir = root().join("tests").join("fixtures");
    let mut found: Vec<PathBuf> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// Load, parse, check, compile, render and emit the intents under INTENTS and write the
/// tree to OUT, as `meshward build` would without its self-check; the intents must have
/// no error.
pub fn write_unchecked(intents: &Path, out: &Path) {
    let (sources, loaded) = meshward::pipeline::load(intents);
    assert!(loaded.is_empty(), "{}: {loaded:?}", intents.display());
    let items = sources
        .files()
        .map(|(id, file)| {
            let item = meshward::parse::parse(id, file)
                .unwrap_or_else(|e| panic!("{}: {e:?}", file.relative));
            (id, file.relative.clone(), item)
        })
        .collect();
    let (mesh, diagnostics) = meshward::check::check(meshward::check::Parsed { items });
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{}: {errors:?}", intents.display());
    let mesh = mesh.expect("a checked model");
    let tables = meshward::compile::compile(&mesh);
    for document in meshward::render::render(&mesh, &tables) {
        let path = out.join(&document.path);
        fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
        fs::write(&path, meshward::emit::emit(&document).expect("emit")).expect("write");
    }
}
