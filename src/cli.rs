//! The command line: clap definitions, then one function per command that returns the
//! exit code the contract fixes (0 ok, 1 stale or denied, 2 errors in the input).

use crate::diagnostic::{self, Diagnostic};
use crate::output;
use crate::source::SourceMap;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
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
    /// Say whether FROM may call TO, at L4 and at L7, and which intent line allows it.
    #[command(
        after_help = "Examples:\n  meshward explain examples/shop frontend.web catalog.shop\n  meshward explain examples/shop frontend.web catalog.shop http GET /api/products\n\n\
FROM and TO are NAME.NAMESPACE; PORT is a port name or number of TO.\n\
Exit codes: 0 allowed (on at least one port, without PORT); 1 denied; 2 errors."
    )]
    Explain(ExplainArgs),
    /// Access changes between the intents at a git revision and the working tree.
    #[command(
        after_help = "Examples:\n  meshward diff intents\n  meshward diff intents --base origin/main --format markdown\n\n\
Exit codes: 0; 1 with --exit-code when a change widens access; 2 errors in either side or in git; 3 self-check failed."
    )]
    Diff(crate::diff::DiffArgs),
    /// Who may call what, as a Mermaid flowchart or a Graphviz digraph.
    #[command(
        after_help = "Example:\n  meshward graph examples/shop --format dot | dot -Tsvg > mesh.svg\n\nExit codes: 0; 2 errors in the input."
    )]
    Graph(crate::graph::GraphArgs),
}

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// Folder of `.intent` files.
    pub dir: PathBuf,
    /// The caller, `NAME.NAMESPACE` (a service or a declared workload).
    pub from: String,
    /// The service called, `NAME.NAMESPACE`.
    pub to: String,
    /// A port name or number of TO; without it, every port.
    pub port: Option<String>,
    /// An HTTP method, with PATH.
    #[arg(requires = "path")]
    pub method: Option<String>,
    /// An HTTP path such as `/api/orders/7`.
    pub path: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// Folder of `.intent` files.
    pub dir: PathBuf,
    /// Output folder (created if missing).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Neither use nor write the local record of compiled trees (`check` of an unchanged
    /// tree then compiles in full). The cache is already off when `CI` is set.
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// How diagnostics are shown; shared by every command that reports them.
#[derive(clap::Args, Debug, Clone)]
pub struct OutputArgs {
    /// How diagnostics are printed: `github` writes workflow commands that GitHub Actions
    /// shows as annotations on the pull request.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Colour the text form: `auto` colours a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

impl OutputArgs {
    fn colour(&self) -> bool {
        match self.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::io::stderr().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
            }
        }
    }
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
        Command::Explain(args) => explain(&args),
        Command::Diff(args) => crate::diff::run(&args),
        Command::Graph(args) => crate::graph::run(&args),
    }
}

fn report(diagnostics: &[Diagnostic], sources: &SourceMap, output: &OutputArgs) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    let colour = output.colour();
    for d in diagnostics {
        if output.quiet && !d.is_error() {
            continue;
        }
        let text = match output.format {
            Format::Text => diagnostic::render_text_styled(d, sources, colour),
            Format::Json => diagnostic::render_json(d, sources) + "\n",
            Format::Github => diagnostic::render_github(d, sources),
        };
        let _ = err.write_all(text.as_bytes());
    }
    if output.format == Format::Text
        && (!output.quiet || diagnostics.iter().any(Diagnostic::is_error))
    {
        if let Some(summary) = diagnostic::summary(diagnostics) {
            let _ = writeln!(err, "{summary}");
        }
    }
}

/// Exit 3: meshward's own output disagrees with the intents. Nothing is written.
fn report_faults(compiled: &crate::Compiled) -> Option<u8> {
    if compiled.faults.is_empty() {
        return None;
    }
    eprintln!(
        "meshward: error: self-check failed: the rendered policies disagree with the intents"
    );
    for fault in &compiled.faults {
        eprintln!("  {fault}");
    }
    eprintln!(
        "This is a bug in meshward, not in your intents; nothing was written. \
         Please report it with the intent files."
    );
    Some(EXIT_FAULT)
}

fn build(args: &BuildArgs) -> u8 {
    if let Err(why) = crate::guard::check_out(&args.dir, &args.out) {
        eprintln!("{}: error: {why}", args.out.display());
        return EXIT_ERROR;
    }
    let cache = crate::cache::Cache::open(args.no_cache);
    let (sources, diagnostics) = crate::load_dir(&args.dir);
    let key = cache.as_ref().map(|_| crate::cache::Cache::key(&sources));
    let compiled = crate::compile_loaded(sources, diagnostics);
    report(&compiled.diagnostics, &compiled.sources, &args.output);
    if let Some(code) = report_faults(&compiled) {
        return code;
    }
    let clean = compiled.diagnostics.is_empty();
    let Some((mesh, tree)) = compiled.result else {
        return EXIT_ERROR;
    };
    // `build` returns to `main` and the process ends: let the operating system take the
    // model, the sources and the tree back at once instead of freeing them piece by piece.
    let (mesh, tree) = (leak(mesh), leak(tree));
    leak(compiled.sources);
    let mut clock = crate::timings::Stopwatch::start();
    let written = output::write(tree, &args.out);
    clock.lap("write");
    if let (Some(cache), Some(key), true, true) = (&cache, &key, clean, written.is_ok()) {
        cache.store(key, tree);
        clock.lap("cache");
    }
    match written {
        Ok(r) => {
            if !args.output.quiet {
                let namespaces = tree
                    .files
                    .keys()
                    .filter(|p| p.ends_with("/_namespace.yaml"))
                    .count();
                eprintln!(
                    "meshward: {} in {} → {} ({} written, {} unchanged, {} removed)",
                    plural(mesh.services.len(), "service"),
                    plural(namespaces, "namespace"),
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

/// Never free VALUE: for the large results of `build` and `check`, which the process
/// holds until it exits. Freeing a 10,000-service model, tree and sources one allocation at
/// a time costs tens of milliseconds of one core at the very end of the run; exiting
/// returns the memory at once. Only for commands that end the process (`cli::run` is called
/// once, from `main`).
fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

fn check(args: &BuildArgs) -> u8 {
    let up_to_date = || {
        if !args.output.quiet {
            eprintln!("meshward: {} is up to date", args.out.display());
        }
        EXIT_OK
    };
    let mut clock = crate::timings::Stopwatch::start();
    let cache = crate::cache::Cache::open(args.no_cache);
    let (sources, diagnostics) = crate::load_dir(&args.dir);
    // Only a load without a word can hit: a record stands for a compile with no diagnostic.
    let key = cache
        .as_ref()
        .filter(|_| diagnostics.is_empty())
        .map(|_| crate::cache::Cache::key(&sources));
    if let (Some(cache), Some(key)) = (&cache, &key) {
        let hit = cache
            .lookup(key)
            .is_some_and(|record| output::matches_record(&record, &args.out));
        clock.lap("cache");
        if hit {
            return up_to_date();
        }
    }
    let compiled = crate::compile_loaded(sources, diagnostics);
    report(&compiled.diagnostics, &compiled.sources, &args.output);
    if let Some(code) = report_faults(&compiled) {
        return code;
    }
    let clean = compiled.diagnostics.is_empty();
    let Some((mesh, tree)) = compiled.result else {
        return EXIT_ERROR;
    };
    // As in `build`: the process ends after this command.
    let tree = leak(tree);
    leak((mesh, compiled.sources));
    if let (Some(cache), Some(key), true) = (&cache, &key, clean) {
        cache.store(key, tree);
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
    EXIT_STALE
}

fn explain(args: &ExplainArgs) -> u8 {
    let compiled = crate::compile_dir(&args.dir);
    let output = OutputArgs {
        format: if args.format == Format::Json {
            Format::Json
        } else {
            Format::Text
        },
        quiet: true,
        color: Color::Auto,
    };
    report(&compiled.diagnostics, &compiled.sources, &output);
    if let Some(code) = report_faults(&compiled) {
        return code;
    }
    let Some((mesh, _)) = &compiled.result else {
        return EXIT_ERROR;
    };
    let objects = match crate::render_objects(mesh) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("meshward: error: {e}");
            return EXIT_ERROR;
        }
    };
    let question = crate::explain::Question {
        from: args.from.clone(),
        to: args.to.clone(),
        port: args.port.clone(),
        request: args.method.clone().zip(args.path.clone()),
    };
    match crate::explain::explain(mesh, &objects, &compiled.sources, &question) {
        Ok(answer) => {
            let text = match args.format {
                Format::Text | Format::Github => crate::explain::render_text(&answer),
                Format::Json => serde_json::to_string_pretty(&answer).unwrap_or_default() + "\n",
            };
            print!("{text}");
            if answer.allowed {
                EXIT_OK
            } else {
                EXIT_STALE
            }
        }
        Err(message) => {
            eprintln!("meshward: error: {message}");
            EXIT_ERROR
        }
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
