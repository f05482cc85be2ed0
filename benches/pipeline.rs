//! Stage and end-to-end benchmarks on synthetic meshes (`meshward::synth`, seed 1).
//!
//! ```text
//! cargo bench --bench pipeline                      # 1k and 10k services
//! MESHWARD_BENCH_SIZES=1000 cargo bench --bench pipeline
//! cargo bench --bench pipeline -- 'parse|emit'      # only some stages
//! ```
//!
//! Each stage is timed on its own, from the previous stage's output, by calling the library
//! functions the pipeline calls: `load::load`, `parse::parse` (and pest alone,
//! `parse-grammar`, for the gap the hand-written reader closes), `check::check`,
//! `compile::compile`, `render::render`, `emit::emit` (through `output::Tree::from_documents`,
//! which also builds the manifest), `meshward::pipeline::judged` (reading the policies back as the
//! self-check does: `read-back`), `render::render_with` doing all three per document as a
//! build does (`render-emit-read`), `selfcheck::check` on the read cluster,
//! `output::write` (into an empty folder, and over an identical tree, where nothing is
//! rewritten), then `pipeline::run` and `pipeline::run` plus `output::write` end to end, and
//! `pipeline::run` of the same services under `dataplane ambient` and over three clusters
//! (`pipeline-clusters`). The tree is written
//! to a temporary folder once per size. See docs/performance.md for the figures.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use meshward::{check, compile, emit, load, output, parse, render, selfcheck, source, synth};
use std::path::Path;
use std::time::Duration;

fn sizes() -> Vec<usize> {
    std::env::var("MESHWARD_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![1_000, 10_000])
}

fn write_intents(dir: &Path, services: usize) {
    write_generated(dir, synth::generate(services, 1));
}

fn write_generated(dir: &Path, files: Vec<(String, String)>) {
    for (relative, text) in files {
        let path = dir.join(relative);
        std::fs::create_dir_all(path.parent().expect("inside dir")).expect("create folder");
        std::fs::write(path, text).expect("write intent");
    }
}

fn load_sources(dir: &Path) -> source::SourceMap {
    let mut sources = source::SourceMap::default();
    let diagnostics = load::load(dir, &mut sources);
    assert!(diagnostics.is_empty(), "load reported problems");
    sources
}

fn parse_all(sources: &source::SourceMap) -> check::Parsed {
    parse_all_with(sources, parse::parse)
}

/// `reader` is `parse::parse` (the hand-written reader, pest only on errors) or
/// `parse::parse_with_grammar` (pest alone), to keep the gap between them measured.
fn parse_all_with(
    sources: &source::SourceMap,
    reader: fn(
        source::FileId,
        &source::SourceFile,
    ) -> Result<meshward::ast::Item, Vec<meshward::diagnostic::Diagnostic>>,
) -> check::Parsed {
    let items = sources
        .files()
        .map(|(id, file)| {
            let item = reader(id, file).expect("synthetic intents parse");
            (id, file.relative.clone(), item)
        })
        .collect();
    check::Parsed { items }
}

/// What the self-check reads of the documents, as a build reads it.
fn read_back(
    documents: &[render::Document],
) -> (
    meshward::evaluate::Cluster,
    Vec<serde_json::Value>,
    Vec<selfcheck::Placed>,
) {
    let mut policies = Vec::new();
    let mut routing = Vec::new();
    let mut placed = Vec::new();
    for d in documents {
        let (p, r, w) = meshward::pipeline::judged(d, false).expect("serialisable");
        policies.extend(p);
        routing.extend(r);
        placed.extend(w);
    }
    (
        meshward::evaluate::Cluster::from_read(policies),
        routing,
        placed,
    )
}

fn stages(c: &mut Criterion) {
    for services in sizes() {
        let intents = tempfile::tempdir().expect("temp dir");
        write_intents(intents.path(), services);
        let dir = intents.path();

        let sources = load_sources(dir);
        let (mesh, _) = check::check(parse_all(&sources));
        let mesh = mesh.expect("synthetic mesh checks clean");
        let tables = compile::compile(&mesh);
        let documents = render::render(&mesh, &tables);
        let tree = output::Tree::from_documents(&documents).expect("emit");
        let (cluster, routing, placed) = read_back(&documents);
        let routing: Vec<&serde_json::Value> = routing.iter().collect();

        let mut group = c.benchmark_group("stage");
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(if services > 2_000 { 10 } else { 3 }));

        group.bench_function(BenchmarkId::new("load", services), |b| {
            b.iter(|| load_sources(dir))
        });
        group.bench_function(BenchmarkId::new("parse", services), |b| {
            b.iter(|| parse_all(&sources))
        });
        group.bench_function(BenchmarkId::new("parse-grammar", services), |b| {
            b.iter(|| parse_all_with(&sources, parse::parse_with_grammar))
        });
        group.bench_function(BenchmarkId::new("check", services), |b| {
            b.iter_batched(
                || parse_all(&sources),
                check::check,
                BatchSize::PerIteration,
            )
        });
        group.bench_function(BenchmarkId::new("compile", services), |b| {
            b.iter(|| compile::compile(&mesh))
        });
        group.bench_function(BenchmarkId::new("render", services), |b| {
            b.iter(|| render::render(&mesh, &tables))
        });
        group.bench_function(BenchmarkId::new("emit", services), |b| {
            b.iter(|| output::Tree::from_documents(&documents).expect("emit"))
        });
        group.bench_function(BenchmarkId::new("emit-documents-only", services), |b| {
            b.iter(|| {
                documents
                    .iter()
                    .map(|d| emit::emit(d).expect("emit"))
                    .map(|s| s.len())
                    .sum::<usize>()
            })
        });
        group.bench_function(BenchmarkId::new("read-back", services), |b| {
            b.iter(|| read_back(&documents))
        });
        group.bench_function(BenchmarkId::new("render-emit-read", services), |b| {
            b.iter(|| {
                render::render_with(&mesh, &tables, |d| {
                    (
                        emit::emit(&d).expect("emit"),
                        meshward::pipeline::judged(&d, false).expect("read"),
                    )
                })
            })
        });
        group.bench_function(BenchmarkId::new("self-check", services), |b| {
            b.iter(|| {
                let faults = selfcheck::check(&mesh, &cluster, &routing, &placed);
                assert!(faults.is_empty());
            })
        });
        group.bench_function(BenchmarkId::new("write-fresh", services), |b| {
            b.iter_batched(
                || tempfile::tempdir().expect("temp dir"),
                |out| {
                    output::write(&tree, out.path()).expect("write");
                    out // removed after timing
                },
                BatchSize::PerIteration,
            )
        });
        let unchanged = tempfile::tempdir().expect("temp dir");
        output::write(&tree, unchanged.path()).expect("write");
        group.bench_function(BenchmarkId::new("write-unchanged", services), |b| {
            b.iter(|| {
                let report = output::write(&tree, unchanged.path()).expect("write");
                assert_eq!(report.written, 0);
            })
        });
        group.bench_function(BenchmarkId::new("diff-unchanged", services), |b| {
            b.iter(|| assert!(output::diff(&tree, unchanged.path()).is_empty()))
        });
        group.finish();

        let mut group = c.benchmark_group("end-to-end");
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(if services > 2_000 { 20 } else { 5 }));
        group.bench_function(BenchmarkId::new("pipeline", services), |b| {
            b.iter(|| {
                let compiled = meshward::pipeline::run(dir);
                assert!(compiled.result.is_some());
                compiled
            })
        });
        group.bench_function(BenchmarkId::new("build-unchanged", services), |b| {
            b.iter(|| {
                let compiled = meshward::pipeline::run(dir);
                let (_, tree) = compiled.result.expect("compiles");
                output::write(&tree, unchanged.path()).expect("write")
            })
        });
        // The same services under `dataplane ambient` (`gen_mesh --ambient`): a waypoint
        // in two namespaces of three, every call followed along its path.
        let ambient = tempfile::tempdir().expect("temp dir");
        let options = synth::Options {
            ambient: true,
            ..synth::Options::default()
        };
        write_generated(ambient.path(), synth::generate_with(services, 1, options));
        group.bench_function(BenchmarkId::new("pipeline-ambient", services), |b| {
            b.iter(|| {
                let compiled = meshward::pipeline::run(ambient.path());
                assert!(compiled.result.is_some());
                compiled
            })
        });
        // The same services over three clusters on two networks (`gen_mesh --clusters`):
        // one tree per cluster, each self-checked, then every call between clusters.
        let clusters = tempfile::tempdir().expect("temp dir");
        let options = synth::Options {
            clusters: true,
            ..synth::Options::default()
        };
        write_generated(clusters.path(), synth::generate_with(services, 1, options));
        group.bench_function(BenchmarkId::new("pipeline-clusters", services), |b| {
            b.iter(|| {
                let compiled = meshward::pipeline::run(clusters.path());
                assert!(compiled.result.is_some());
                compiled
            })
        });
        group.finish();
    }
}

criterion_group!(benches, stages);
criterion_main!(benches);
