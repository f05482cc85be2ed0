//! `meshward explain DIR FROM TO [PORT [METHOD PATH]]`: compile, then answer whether FROM
//! may call TO from the rendered objects (see [`crate::explain`]).
//!
//! The answer goes to stdout as text or JSON; errors go to stderr, as JSON under
//! `--format json` and as text otherwise. Exit: 0 allowed, 1 denied, 2 errors, 3 fault;
//! across a dry-run namespace, the verdict once enforced decides.

use super::args::{Color, ExplainArgs, OutputArgs};
use super::report::Reporter;
use crate::diagnostic::Format;
use crate::exit::Exit;
use crate::render::Reading;

pub(crate) fn explain_command(args: &ExplainArgs) -> Exit {
    let compiled = crate::pipeline::run(&args.dir);
    // Errors only, as JSON or text: the answer itself is the output.
    let reporter = Reporter::new(&OutputArgs {
        format: if args.format == Format::Json {
            Format::Json
        } else {
            Format::Text
        },
        quiet: true,
        color: Color::Auto,
    });
    reporter.diagnostics(&compiled.diagnostics, &compiled.sources);
    if let Some(exit) = reporter.faults(&compiled) {
        return exit;
    }
    let Some((mesh, _)) = &compiled.result else {
        return Exit::Input;
    };
    let question = args.question();
    if !mesh.settings.clusters.is_empty() {
        let answer = crate::explain::explain_clusters(mesh, &compiled.sources, &question);
        return match answer {
            Ok(answer) => print_answer(args, &answer),
            Err(message) => reporter.failure("meshward", message),
        };
    }
    let render = |reading| crate::pipeline::render_objects_as(mesh, reading);
    let written = match render(Reading::Written) {
        Ok(o) => o,
        Err(e) => return reporter.failure("meshward", e),
    };
    // Rendered again only when a side is in a dry-run namespace.
    let enforced = if crate::explain::observed_namespaces(mesh, &question).is_empty() {
        Vec::new()
    } else {
        match render(Reading::Enforced) {
            Ok(o) => o,
            Err(e) => return reporter.failure("meshward", e),
        }
    };
    let sources = &compiled.sources;
    match crate::explain::explain_observed(mesh, &written, &enforced, sources, &question) {
        Ok(answer) => print_answer(args, &answer),
        Err(message) => reporter.failure("meshward", message),
    }
}

/// Print ANSWER as asked; exit 0 when allowed, 1 when denied.
fn print_answer(args: &ExplainArgs, answer: &crate::explain::Explanation) -> Exit {
    let text = match args.format {
        Format::Text | Format::Github => crate::explain::render_text(answer),
        Format::Json => serde_json::to_string_pretty(answer).unwrap_or_default() + "\n",
    };
    print!("{text}");
    if answer.allowed {
        Exit::Ok
    } else {
        Exit::Denied
    }
}
