//! `meshward connectivity` on generated cluster dumps (`meshward::synth::dump`, seed 1):
//! the policies a build of N services writes, with a Deployment per service and workload.
//!
//! ```text
//! cargo bench --bench connectivity                         # 1k and 10k workloads
//! MESHWARD_BENCH_SIZES=1000 cargo bench --bench connectivity
//! ```
//!
//! `inventory` times sorting the objects into workloads and policies; `connectivity` the
//! listing itself; `import` the whole of `meshward import` in memory (the listing, the
//! intents, their build, and the proof: a second listing and the requests). See
//! docs/performance.md for the figures.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use meshward::inventory::{inventory, Object};
use std::time::Duration;

fn sizes() -> Vec<usize> {
    std::env::var("MESHWARD_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![1_000, 10_000])
}

fn objects(services: usize) -> Vec<Object> {
    meshward::inventory::objects(
        meshward::synth::dump(meshward::synth::generate(services, 1)),
        "dump",
    )
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("connectivity");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for n in sizes() {
        let objects = objects(n);
        group.bench_with_input(BenchmarkId::new("inventory", n), &objects, |b, o| {
            b.iter(|| inventory(o.clone()))
        });
        let (inv, _) = inventory(objects);
        group.bench_with_input(BenchmarkId::new("connectivity", n), &inv, |b, inv| {
            b.iter(|| meshward::connectivity::connectivity(inv))
        });
        group.bench_with_input(BenchmarkId::new("import", n), &inv, |b, inv| {
            b.iter(|| meshward::import::import(inv))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
