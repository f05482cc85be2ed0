//! The whole pipeline in memory, from intent files to the output tree: what `build`,
//! `check`, `explain`, `diff` and `graph` run before they do their own part. Each stage is
//! its own module (load, parse, check, compile, render, emit, output); this one only
//! strings them together, times them, and runs the self-check on the rendered objects.
//! Nothing here writes to disk.

use crate::code::Code;
use crate::diagnostic::{self, Diagnostic};
use crate::source::{self, SourceMap};
use crate::{check, compile, emit, evaluate, ir, load, output, parse, render, selfcheck, timings};
use rayon::prelude::*;
use std::path::Path;

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
                Ok((tree, cluster, routing, placed)) => {
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
                    diagnostics.push(Diagnostic::path_error(
                        Code::Internal,
                        "meshward",
                        format!("internal error while writing YAML: {e}"),
                    ));
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

/// The policy objects meshward renders for MESH, as the JSON values the emitter writes as
/// YAML: what the self-check and `explain` judge.
pub fn render_objects(mesh: &ir::Mesh) -> Result<Vec<serde_json::Value>, serde_json::Error> {
    render_objects_as(mesh, render::Reading::Written)
}

/// [`render_objects`] as READING: with [`render::Reading::Enforced`], what enforcing every
/// dry-run namespace would write.
pub fn render_objects_as(
    mesh: &ir::Mesh,
    reading: render::Reading,
) -> Result<Vec<serde_json::Value>, serde_json::Error> {
    let tables = compile::compile(mesh);
    let documents: Vec<render::Document> = render::render_as(mesh, &tables, reading, |d| d)
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    objects(&documents)
}

/// The self-check of what enforcing every dry-run namespace would write, its faults
/// marked as such: the verdicts `explain` gives "once enforced" are proven at every
/// build, not only once the namespace is switched. Costs a second rendering and
/// self-check, only in trees with `dry-run`.
fn enforced_faults(mesh: &ir::Mesh, tables: &compile::Tables) -> Vec<selfcheck::Fault> {
    let waves = mesh.settings.sync_waves;
    let rendered = render::render_as(mesh, tables, render::Reading::Enforced, |document| {
        judged(&document, waves)
    });
    let mut policies = Vec::new();
    let mut routing = Vec::new();
    let mut placed = Vec::new();
    for (path, result) in rendered {
        match result {
            Ok((p, r, w)) => {
                policies.extend(p);
                routing.extend(r);
                placed.extend(w);
            }
            Err(e) => {
                return vec![selfcheck::Fault(format!(
                    "once enforced: {path} cannot be read back: {e}"
                ))]
            }
        }
    }
    let cluster = selfcheck::environment(mesh, evaluate::Cluster::from_read(policies));
    let routing: Vec<&serde_json::Value> = routing.iter().collect();
    let reading = render::Reading::Enforced;
    selfcheck::check_as(mesh, &cluster, &routing, &placed, reading)
        .into_iter()
        .map(|f| selfcheck::Fault(format!("once enforced: {}", f.0)))
        .collect()
}

/// One document as the self-check judges it: its policies as the evaluator reads them
/// back from JSON text (no `Value` tree is built for them), and its VirtualServices and
/// DestinationRules as JSON values.
pub type Judged = (
    Vec<Result<Option<evaluate::Policy>, String>>,
    Vec<serde_json::Value>,
    Vec<selfcheck::Placed>,
);
/// One document's YAML text and what the self-check reads of it.
type Emitted = Result<(String, Judged), serde_json::Error>;
/// The output tree, the evaluator's cluster and the routing objects.
type Collected = (
    output::Tree,
    evaluate::Cluster,
    Vec<serde_json::Value>,
    Vec<selfcheck::Placed>,
);

pub fn judged(document: &render::Document, waves: bool) -> Result<Judged, serde_json::Error> {
    thread_local! {
        /// One JSON buffer per thread, reused for every policy: a fresh `Vec` per object
        /// was grown (and its pages first touched) 30,000 times in a 10k-service build.
        static JSON: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut policies = Vec::new();
    let mut routing = Vec::new();
    let mut placed = Vec::new();
    for object in &document.objects {
        match object {
            render::Object::Kustomization(_) => {}
            render::Object::VirtualService(_) | render::Object::DestinationRule(_) => {
                let value = serde_json::to_value(object)?;
                if waves || value.pointer("/metadata/annotations").is_some() {
                    placed.extend(selfcheck::Placed::from_value(&value));
                }
                routing.push(value)
            }
            _ => policies.push(JSON.with_borrow_mut(|json| {
                json.clear();
                serde_json::to_writer(&mut *json, object)?;
                placed.extend(selfcheck::Placed::read(json, waves));
                Ok::<_, serde_json::Error>(evaluate::Cluster::read_json(json))
            })?),
        }
    }
    Ok((policies, routing, placed))
}

/// The tree, the evaluator's cluster and the routing objects, from the documents in path
/// order; the first error in path order wins.
fn collect(rendered: Vec<(String, Emitted)>) -> Result<Collected, serde_json::Error> {
    let mut texts = Vec::with_capacity(rendered.len());
    // Sized exactly: a 10,000-service tree reads about 40,000 policies of ~200 bytes, and
    // doubling growth would hold up to twice that (and both halves while it moves).
    let count = |r: &Emitted| r.as_ref().map_or(0, |(_, (p, _, _))| p.len());
    let mut policies = Vec::with_capacity(rendered.iter().map(|(_, r)| count(r)).sum());
    let mut routing = Vec::new();
    let mut placed = Vec::new();
    for (path, result) in rendered {
        let (text, (p, r, w)) = result?;
        texts.push((path, text));
        policies.extend(p);
        routing.extend(r);
        placed.extend(w);
    }
    Ok((
        output::Tree::from_texts(texts),
        evaluate::Cluster::from_read(policies),
        routing,
        placed,
    ))
}

/// The policy objects of the tree as JSON values, the form the emitter writes as YAML.
fn objects(documents: &[render::Document]) -> Result<Vec<serde_json::Value>, serde_json::Error> {
    documents
        .iter()
        .flat_map(|d| d.objects.iter())
        .filter(|o| !matches!(o, render::Object::Kustomization(_)))
        .map(serde_json::to_value)
        .collect()
}
