//! `meshward explain DIR FROM TO [PORT [METHOD PATH]]`: compile, then answer whether FROM
//! may call TO from the rendered objects (see [`crate::explain`]).
//!
//! The answer goes to stdout as text or JSON; errors go to stderr, as JSON under
//! `--format json` and as text otherwise. Exit: 0 allowed, 1 denied, 2 errors, 3 fault.

use super::args::{Color, ExplainArgs, OutputArgs};
use super::report::Reporter;
use crate::diagnostic::Format;
use crate::exit::Exit;

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
    let objects = match crate::pipeline::render_objects(mesh) {
        Ok(o) => o,
        Err(e) => return reporter.failure("meshward", e),
    };
    match crate::explain::explain(mesh, &objects, &compiled.sources, &args.question()) {
        Ok(answer) => {
            let text = match args.format {
                Format::Text | Format::Github => crate::explain::render_text(&answer),
                Format::Json => serde_json::to_string_pretty(&answer).unwrap_or_default() + "\n",
            };
            print!("{text}");
            if answer.allowed {
                Exit::Ok
            } else {
                Exit::Denied
            }
        }
        Err(message) => reporter.failure("meshward", message),
    }
}
