//! `meshward build DIR --out OUT`: compile, self-check, and write the tree to OUT.
//!
//! OUT is vetted by [`crate::guard`] before anything is compiled; nothing is written when
//! the intents have an error or the self-check fails. Exit: 0 written, 2 errors (input,
//! OUT refused or not writable), 3 self-check fault.

use super::args::BuildArgs;
use super::leak::leak;
use super::report::Reporter;
use crate::exit::Exit;
use crate::output;

pub(crate) fn build_command(args: &BuildArgs) -> Exit {
    let reporter = Reporter::new(&args.output);
    let out_path = args.out.display().to_string();
    if let Err(why) = crate::guard::check_out(&args.dir, &args.out) {
        return reporter.failure(&out_path, why);
    }
    let cache = crate::cache::Cache::open(args.no_cache);
    let (sources, diagnostics) = crate::pipeline::load(&args.dir);
    let key = cache.as_ref().map(|_| crate::cache::Cache::key(&sources));
    let compiled = crate::pipeline::run_loaded(sources, diagnostics);
    reporter.diagnostics(&compiled.diagnostics, &compiled.sources);
    if let Some(exit) = reporter.faults(&compiled) {
        return exit;
    }
    let Some((mesh, tree)) = compiled.result else {
        return Exit::Input;
    };
    // `build` returns to `main` and the process ends: let the operating system take the
    // model, the sources and the tree back at once instead of freeing them piece by piece.
    let (mesh, tree) = (leak(mesh), leak(tree));
    leak(compiled.sources);
    let mut clock = crate::timings::Stopwatch::start();
    let written = output::write(tree, &args.out);
    clock.lap("write");
    if let (Some(cache), Some(key), true) = (&cache, &key, written.is_ok()) {
        cache.store(key, tree, &compiled.diagnostics);
        clock.lap("cache");
    }
    match written {
        Ok(r) => {
            if !args.output.quiet {
                let namespaces: std::collections::BTreeSet<&str> =
                    mesh.services.iter().map(|s| s.namespace()).collect();
                let clusters = match mesh.settings.clusters.len() {
                    0 => String::new(),
                    n => format!(", {}", plural(n, "cluster")),
                };
                eprintln!(
                    "meshward: {} in {}{clusters} → {} ({} written, {} unchanged, {} removed)",
                    plural(mesh.services.len(), "service"),
                    plural(namespaces.len(), "namespace"),
                    args.out.display(),
                    r.written,
                    r.unchanged,
                    r.removed
                );
            }
            Exit::Ok
        }
        Err(e) => reporter.failure(&out_path, e),
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
