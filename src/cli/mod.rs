//! The command line: [`args`] parses it, one `*_command` function per subcommand runs it
//! and returns how it ended as an [`Exit`] (docs/cli.md lists the codes).
//!
//! The `_command` suffix tells these apart from the pipeline stages of the same name
//! (`check` the command compares OUT; [`crate::check`] the stage resolves names).

pub mod args;
mod build;
mod check;
mod completions;
mod connectivity;
mod explain;
mod exposure;
mod fmt;
mod import;
mod leak;
mod man;
mod report;

pub use crate::diagnostic::Format;
pub use args::{
    BuildArgs, Cli, Color, Command, CompletionsArgs, DiffArgs, ExplainArgs, FmtArgs, GraphArgs,
    OutputArgs, ReportArgs,
};

use crate::exit::Exit;
use clap::Parser;

/// Parse arguments and run; returns how the command ended.
pub fn run(args: impl IntoIterator<Item = std::ffi::OsString>) -> Exit {
    let args: Vec<std::ffi::OsString> = args.into_iter().collect();
    // `explain --cluster PATH... FROM TO ...` has two open-ended lists in a row, which
    // clap cannot split; it is read by hand (`connectivity.rs`).
    if args.get(1).is_some_and(|a| a == "explain") && args.iter().any(|a| a == "--cluster") {
        return connectivity::explain_cluster_command(&args[2..]);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Input
            } else {
                Exit::Ok
            };
        }
    };
    match cli.command {
        Command::Build(args) => build::build_command(&args),
        Command::Check(args) => check::check_command(&args),
        Command::Explain(args) => explain::explain_command(&args),
        Command::Diff(args) => diff_command(&args),
        Command::Graph(args) => graph_command(&args),
        Command::Connectivity(args) => connectivity::connectivity_command(&args),
        Command::Import(args) => import::import_command(&args),
        Command::Fmt(args) => fmt::fmt_command(&args),
        Command::Report(args) => exposure::report_command(&args),
        Command::Completions(args) => completions::completions_command(&args),
        Command::Man => man::man_command(),
    }
}

/// `meshward diff` on the process's stdout and stderr.
fn diff_command(args: &DiffArgs) -> Exit {
    let (out, err) = (&mut std::io::stdout().lock(), &mut std::io::stderr().lock());
    match &args.template {
        Some(template) => crate::diff::execute_template(&args.options(), template, out, err),
        None => crate::diff::execute(&args.options(), out, err),
    }
}

/// `meshward graph` on the process's stdout and stderr.
fn graph_command(args: &GraphArgs) -> Exit {
    crate::graph::execute(
        &args.options(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    )
}
