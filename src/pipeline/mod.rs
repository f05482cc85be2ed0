//! The whole pipeline in memory, from intent files to the output tree: what `build`,
//! `check`, `explain`, `diff` and `graph` run before they do their own part. Each stage is
//! its own module (load, parse, check, compile, render, emit, output); this one only
//! strings them together, times them, and runs the self-check on the rendered objects.
//! Nothing here writes to disk.

use crate::code::Code;
use crate::diagnostic::{self, Diagnostic};
use crate::source::{self, SourceMap};
use crate::{check, compile, emit, ir, load, output, parse, render, selfcheck, timings};
use rayon::prelude::*;
use std::path::Path;

pub mod clusters;
mod read;

use read::{collect, enforced_faults};
pub use read::{judged, render_objects, render_objects_as, Judged};

/// What running the pipeline on a folder of intents produced.
pub struct Outcome {
    pub sources: SourceMap,
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// The model and the output tree, when there were no errors and the self-check passed.
    pub result: Option<(ir::Mesh, output::Tree)>,
    /// Disagreements between the intents and the rendered objects: meshward bugs.
    pub faults: Vec<selfcheck::Fault>,
}

impl Outcome {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Run the whole pipeline on DIR, in memory: nothing is written.
pub fn run(dir: &Path) -> Outcome {
    let (sources, diagnostics) = load(dir);
    run_loaded(sources, diagnostics)
}

/// Read every intent file under DIR: the first stage of [`run`], on its own for `check`,
/// which keys its cache on what was read.
pub fn load(dir: &Path) -> (SourceMap, Vec<Diagnostic>) {
    let mut clock = timings::Stopwatch::start();
    let mut sources = SourceMap::default();
    let diagnostics = load::load(dir, &mut sources);
    clock.lap("load");
    (sources, diagnostics)
}

/// Run the pipeline on intent texts held in memory, as `(relative path, text)` pairs: for
/// fuzzing, property tests and trees read from git objects. Paths are sorted first, as
/// [`load::load`] sorts them.
pub fn run_texts(files: impl IntoIterator<Item = (String, String)>) -> Outcome {
    let mut files: Vec<(String, String)> = files.into_iter().collect();
    files.sort();
    let mut sources = SourceMap::default();
    for (path, text) in files {
        sources.add(source::SourceFile::new(path.clone(), path, text));
    }
    run_loaded(sources, Vec::new())
}

/// The rest of [`run`] from what [`load()`] read: parse, check, compile and render what
/// `sources` holds, and self-check the result; `diagnostics` are the loader's.
pub fn run_loaded(sources: SourceMap, mut diagnostics: Vec<Diagnostic>) -> Outcome {
    let mut clock = timings::Stopwatch::start();
    let mut items = Vec::new();
    let mut safe = Vec::new();
    for (id, file) in sources.files() {
        // The path is written into a generated header comment: a line break in it would end
        // the comment and let a file name inject YAML into the tree.
        if file.relative.chars().any(char::is_control) {
            diagnostics.push(
                Diagnostic::file_error(
                    Code::UnsafePath,
                    file.display.escape_debug().to_string(),
                    1,
                    1,
                    "file name contains a control character (such as a line break)",
                )
                .with_help(
                    "rename the file; intent file names are written into generated comments",
                ),
            );
            continue;
        }
        safe.push((id, file));
    }
    // Files parse independently: spread them over the cores, keep path order.
    let parsed: Vec<_> = safe
        .par_iter()
        .map(|&(id, file)| (id, file, parse::parse(id, file)))
        .collect();
    for (id, file, result) in parsed {
        match result {
            Ok(item) => items.push((id, file.relative.clone(), item)),
            Err(errors) => diagnostics.extend(errors),
        }
    }
    clock.lap("parse");
    let (mesh, check_diagnostics) = check::check(check::Parsed { items });
    clock.lap("check");
    diagnostics.extend(check_diagnostics);
    diagnostic::sort(&mut diagnostics, &sources);
    let mut faults = Vec::new();
    let result = match mesh {
        Some(mesh)
            if !diagnostics.iter().any(Diagnostic::is_error)
                && !mesh.settings.clusters.is_empty() =>
        {
            match clusters::build(&mesh) {
                Ok((tree, found)) => {
                    clock.lap("render+self-check");
                    faults = found;
                    faults.is_empty().then_some((mesh, tree))
                }
                Err(e) => {
                    diagnostics.push(internal(e));
                    None
                }
            }
        }
        Some(mesh) if !diagnostics.iter().any(Diagnostic::is_error) => {
            let tables = compile::compile(&mesh);
            clock.lap("compile");
            // Each document is emitted and read back by the evaluator as soon as it is
            // rendered, then dropped.
            let waves = mesh.settings.sync_waves;
            let rendered = render::render_with(&mesh, &tables, |document| {
                Ok::<_, serde_json::Error>((emit::emit(&document)?, judged(&document, waves)?))
            });
            // Only a tree with dry-run namespaces renders again (as enforced).
            let tables = (!mesh.settings.dry_run.is_empty()).then_some(tables);
            clock.lap("render+emit");
            let collected = collect(rendered);
            clock.lap("collect");
            match collected {
                Ok((texts, cluster, routing, placed)) => {
                    let tree = output::Tree::from_texts(texts);
                    let routing: Vec<&serde_json::Value> = routing.iter().collect();
                    let cluster = selfcheck::environment(&mesh, cluster);
                    faults = selfcheck::check(&mesh, &cluster, &routing, &placed);
                    drop(routing);
                    if let Some(tables) = tables {
                        // The written objects' cluster goes before the enforced one is
                        // read, so the two are never held at once.
                        drop(cluster);
                        faults.extend(enforced_faults(&mesh, &tables));
                    } else {
                        // Millions of small allocations: free them on an idle worker
                        // while the caller writes the tree, not on the way to it.
                        rayon::spawn(move || drop(cluster));
                    }
                    clock.lap("self-check");
                    faults.is_empty().then_some((mesh, tree))
                }
                Err(e) => {
                    diagnostics.push(internal(e));
                    None
                }
            }
        }
        _ => None,
    };
    Outcome {
        sources,
        diagnostics,
        result,
        faults,
    }
}

fn internal(e: serde_json::Error) -> Diagnostic {
    Diagnostic::path_error(
        Code::Internal,
        "meshward",
        format!("internal error while writing YAML: {e}"),
    )
}
