//! The command line: clap definitions, then one function per command that returns the
//! exit code the contract fixes (0 ok, 1 stale or denied, 2 errors in the input).

use crate::diagnostic::{self, Diagnostic};
use crate::output;
use crate::source::SourceMap;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

pub const EXIT_OK: u8 = 0;
pub const EXIT_STALE: u8 = 1;
pub const EXIT_ERROR: u8 = 2;
pub const EXIT_FAULT: u8 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "meshward",
    version,
    about = "Compile per-service .intent files into matched NetworkPolicy and Istio policy YAML",
    long_about = "meshward compiles a tree of .intent files (who may call each service, on which ports, \
with which HTTP methods and paths) into Kubernetes NetworkPolicy and Istio AuthorizationPolicy, \
PeerAuthentication, VirtualService and DestinationRule YAML that always agree.",
    after_help = "Examples:\n  meshward build examples/shop --out deploy/mesh\n  meshward check examples/shop --out deploy/mesh"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compile every intent under DIR and write the output tree to OUT.
    #[command(
        after_help = "Example:\n  meshward build examples/shop --out deploy/mesh\n\n\
Exit codes: 0 written; 2 errors in the input (nothing is written)."
    )]
    Build(BuildArgs),
    /// Compile in memory and compare with OUT, printing a unified diff of what would change.
    #[command(
        after_help = "Example (in CI, after a pull request changes an intent):\n  meshward check examples/shop --out deploy/mesh\n\n\
Exit codes: 0 up to date; 1 OUT is stale (run `meshward build`); 2 errors in the input."
    )]
    Check(BuildArgs),
}

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// Folder of `.intent` files.
    pub dir: PathBuf,
    /// Output folder (created if missing).
    #[arg(long, short)]
    pub out: PathBuf,
    /// How diagnostics are printed.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Parse arguments and run; returns the process exit code.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
        }
    };
    match cli.command {
        Command::Build(args) => build(&args),
        Command::Check(args) => check(&args),
    }
}

fn report(diagnostics: &[Diagnostic], sources: &SourceMap, format: Format, quiet: bool) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for d in diagnostics {
        if quiet && !d.is_error() {
            continue;
        }
        let text = match format {
            Format::Text => diagnostic::render_text(d, sources),
            Format::Json => diagnostic::render_json(d, sources) + "\n",
        };
        let _ = err.write_all(text.as_bytes());
    }
    if format == Format::Text && (!quiet || diagnostics.iter().any(Diagnostic::is_error)) {
        if let Some(summary) = diagnostic::summary(diagnostics) {
            let _ = writeln!(err, "{summary}");
        }
    }
}

fn build(args: &BuildArgs) -> u8 {
    let compiled = crate::compile_dir(&args.dir);
    report(
        &compiled.diagnostics,
        &compiled.sources,
        args.format,
        args.quiet,
    );
    let Some((mesh, tree)) = compiled.result else {
        return EXIT_ERROR;
    };
    match output::write(&tree, &args.out) {
        Ok(r) => {
            if !args.quiet {
                eprintln!(
                    "meshward: {} services in {} namespaces → {} ({} written, {} unchanged, {} removed)",
                    mesh.services.len(),
                    tree.files.keys().filter(|p| p.ends_with("/_namespace.yaml")).count(),
                    args.out.display(),
                    r.written,
                    r.unchanged,
                    r.removed
                );
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!("{}: error: {e}", args.out.display());
            EXIT_ERROR
        }
    }
}

fn check(args: &BuildArgs) -> u8 {
    let compiled = crate::compile_dir(&args.dir);
    report(
        &compiled.diagnostics,
        &compiled.sources,
        args.format,
        args.quiet,
    );
    let Some((_, tree)) = compiled.result else {
        return EXIT_ERROR;
    };
    let diffs = output::diff(&tree, &args.out);
    if diffs.is_empty() {
        if !args.quiet {
            eprintln!("meshward: {} is up to date", args.out.display());
        }
        return EXIT_OK;
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
    EXIT_STALE
}
