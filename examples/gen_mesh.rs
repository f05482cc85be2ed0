//! Write a synthetic intent tree for benchmarks and load tests.
//!
//! ```text
//! cargo run --release --example gen_mesh -- --services 10000 --seed 1 --out /tmp/mesh-10k
//! ```
//!
//! The tree is `meshward::synth::generate_with(services, seed, options)`: services in namespaces of about
//! 40, about 5 callers each (a third cross-namespace), 1 to 3 ports, HTTP rules on about
//! half, routes on about a fifth, and a `mesh.intent` with workloads and a scraper. It
//! always compiles without errors, and the same arguments always give the same files.
//! `--beyond` adds externals of both kinds and callable workloads (about one service in
//! six calls one) with `cluster-cidrs`; `--authz` adds two token issuers, conditions on
//! every service's HTTP rules and a deny beside each HTTP allow; `--cilium` writes the
//! network layer as CiliumNetworkPolicy (`network cilium`); `--ambient` moves the mesh
//! layer to Istio's ambient mode (`dataplane ambient`, a waypoint in two namespaces of
//! three, the third without HTTP rules or routes); `--clusters` spreads the tree over three
//! clusters on two networks (one tree per cluster); `--no-sidecar-scoping`
//! writes `sidecar-scoping off`, the tree without the features of the issue that brought
//! them.
//! Files already in OUT are overwritten; nothing else there is removed.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str =
    "usage: gen_mesh --services N [--seed S] [--beyond] [--authz] [--cilium] [--ambient] [--clusters] [--no-sidecar-scoping] --out DIR";

fn main() -> ExitCode {
    let mut services: Option<usize> = None;
    let mut seed: u64 = 1;
    let mut out: Option<PathBuf> = None;
    let mut options = meshward::synth::Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        let parsed = match arg.as_str() {
            "--services" | "-n" => value("--services").and_then(|v| {
                v.parse()
                    .map(|n| services = Some(n))
                    .map_err(|e| format!("--services {v}: {e}"))
            }),
            "--seed" | "-s" => value("--seed").and_then(|v| {
                v.parse()
                    .map(|n| seed = n)
                    .map_err(|e| format!("--seed {v}: {e}"))
            }),
            "--out" | "-o" => value("--out").map(|v| out = Some(PathBuf::from(v))),
            "--beyond" => {
                options.beyond = true;
                Ok(())
            }
            "--authz" => {
                options.authz = true;
                Ok(())
            }
            "--cilium" => {
                options.cilium = true;
                Ok(())
            }
            "--ambient" => {
                options.ambient = true;
                Ok(())
            }
            "--clusters" => {
                options.clusters = true;
                Ok(())
            }
            "--no-sidecar-scoping" => {
                options.sidecar_scoping = false;
                Ok(())
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => Err(format!("unknown argument `{other}`\n{USAGE}")),
        };
        if let Err(e) = parsed {
            eprintln!("gen_mesh: {e}");
            return ExitCode::from(2);
        }
    }
    let (Some(services), Some(out)) = (services, out) else {
        eprintln!("gen_mesh: --services and --out are required\n{USAGE}");
        return ExitCode::from(2);
    };
    let files = meshward::synth::generate_with(services, seed, options);
    for (relative, text) in &files {
        let path = out.join(relative);
        if let Some(parent) = path.parent() {
            if let Err(e) = std::fs::create_dir_all(parent) {
                eprintln!("gen_mesh: {}: {e}", parent.display());
                return ExitCode::from(1);
            }
        }
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("gen_mesh: {}: {e}", path.display());
            return ExitCode::from(1);
        }
    }
    eprintln!(
        "gen_mesh: {} services (seed {seed}) in {} files → {}",
        services.max(1),
        files.len(),
        out.display()
    );
    ExitCode::SUCCESS
}
