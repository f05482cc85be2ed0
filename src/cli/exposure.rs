//! `meshward report DIR [--format html|markdown] [--template FILE] [--out FILE]`: compile,
//! then render the exposure report (see [`crate::report`]).
//!
//! The report goes to stdout, or to FILE with `--out`; errors go to stderr as text. A
//! template that cannot be read, compiled or rendered is an error at its `file:line`.
//! Nothing is written unless the whole report rendered. Exit: 0, 2 errors, 3 fault.

use super::args::{Color, OutputArgs, ReportArgs};
use super::report::Reporter;
use crate::diagnostic::Format;
use crate::exit::Exit;
use crate::report::Template;
use std::io::Write;

pub(crate) fn report_command(args: &ReportArgs) -> Exit {
    // Errors only: the report itself is the output.
    let reporter = Reporter::new(&OutputArgs {
        format: Format::Text,
        quiet: true,
        color: Color::Auto,
    });
    let template = match &args.template {
        None => Template::Builtin(args.format),
        Some(path) => match Template::read(path) {
            Ok(template) => template,
            Err(e) => return reporter.failure(&e.place(), &e.message),
        },
    };
    let compiled = crate::pipeline::run(&args.dir);
    reporter.diagnostics(&compiled.diagnostics, &compiled.sources);
    if let Some(exit) = reporter.faults(&compiled) {
        return exit;
    }
    let Some((mesh, _)) = &compiled.result else {
        return Exit::Input;
    };
    let text = match crate::report::report(mesh, &compiled.sources, &template) {
        Ok(text) => text,
        Err(e) => return reporter.failure(&e.place(), &e.message),
    };
    match &args.out {
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Exit::Ok
        }
        Some(path) => match write(path, &text) {
            Ok(()) => Exit::Ok,
            Err(e) => reporter.failure(
                &path.display().to_string(),
                format!("cannot write the report: {e}"),
            ),
        },
    }
}

/// TEXT into PATH whole or not at all: written beside it under a hidden name, then renamed
/// over it, so a reader (a CI artifact upload, a browser reloading) never sees half a report.
fn write(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    if path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/') {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is a folder; name a file",
        ));
    }
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut hidden = std::ffi::OsString::from(".");
    hidden.push(name);
    hidden.push(".meshward-partial");
    let partial = path.with_file_name(hidden);
    let written = std::fs::write(&partial, text).and_then(|()| std::fs::rename(&partial, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}
