//! `meshward check DIR --out OUT`: compile in memory and compare with OUT.
//!
//! An unchanged tree is answered from the local cache without compiling; otherwise the
//! unified diff of what `build` would change goes to stdout. Exit: 0 up to date, 1 stale,
//! 2 errors in the input, 3 self-check fault.

use super::args::BuildArgs;
use super::leak::leak;
use super::report::Reporter;
use crate::exit::Exit;
use crate::output;
use std::io::Write;

pub(crate) fn check_command(args: &BuildArgs) -> Exit {
    let up_to_date = || {
        if !args.output.quiet {
            eprintln!("meshward: {} is up to date", args.out.display());
        }
        Exit::Ok
    };
    let mut clock = crate::timings::Stopwatch::start();
    let cache = crate::cache::Cache::open(args.no_cache);
    let (sources, diagnostics) = crate::pipeline::load(&args.dir);
    // Only a load without a word can hit: a record holds the compile's warnings, and the
    // key does not cover what the loader reports about the folder.
    let key = cache
        .as_ref()
        .filter(|_| diagnostics.is_empty())
        .map(|_| crate::cache::Cache::key(&sources));
    if let (Some(cache), Some(key)) = (&cache, &key) {
        let hit = cache
            .lookup(key, &sources)
            .filter(|entry| output::matches_record(&entry.files, &args.out));
        clock.lap("cache");
        if let Some(entry) = hit {
            Reporter::new(&args.output).diagnostics(&entry.warnings, &sources);
            return up_to_date();
        }
    }
    let compiled = crate::pipeline::run_loaded(sources, diagnostics);
    let reporter = Reporter::new(&args.output);
    reporter.diagnostics(&compiled.diagnostics, &compiled.sources);
    if let Some(exit) = reporter.faults(&compiled) {
        return exit;
    }
    let Some((mesh, tree)) = compiled.result else {
        return Exit::Input;
    };
    // The process ends after this command: see `leak`.
    let tree = leak(tree);
    leak((mesh, compiled.sources));
    if let (Some(cache), Some(key)) = (&cache, &key) {
        cache.store(key, tree, &compiled.diagnostics);
    }
    let diffs = output::diff(tree, &args.out);
    if diffs.is_empty() {
        return up_to_date();
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for d in &diffs {
        let _ = out.write_all(d.as_bytes());
    }
    eprintln!(
        "meshward: {} is stale: {} file(s) differ; run `meshward build {} --out {}`",
        args.out.display(),
        diffs.len(),
        args.dir.display(),
        args.out.display()
    );
    Exit::Stale
}
