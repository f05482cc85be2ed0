//! `meshward fmt PATH... [--check]`: rewrite intent files in the canonical layout
//! ([`crate::fmt`]), or with `--check` list the files that would change.
//!
//! Every file is read and formatted before any is written, so a syntax error anywhere
//! (exit 2) leaves every file as it was. Only files whose bytes change are written, in
//! place, so their permissions and links stay. Exit: 0 done or nothing to change, 1 with
//! `--check` when a file would change, 2 errors.

use super::args::FmtArgs;
use super::report::Reporter;
use crate::code::Code;
use crate::diagnostic::{render_failure_at, Diagnostic, Format, Position};
use crate::exit::Exit;
use crate::source::{display_path, FileId, SourceMap};
use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

const BOM: &[u8] = b"\xef\xbb\xbf";

/// One file to format: where it is, what it holds now, what it will hold.
struct Job {
    id: FileId,
    path: PathBuf,
    before: Vec<u8>,
    after: Vec<u8>,
}

pub(crate) fn fmt_command(args: &FmtArgs) -> Exit {
    let reporter = Reporter::new(&args.output);
    let mut diagnostics = Vec::new();
    let paths = intent_paths(&args.paths, &mut diagnostics);
    let mut sources = SourceMap::default();
    let mut jobs = Vec::new();
    for (display, path) in paths {
        let before = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                diagnostics.push(Diagnostic::file_error(
                    Code::NoIntents,
                    &display,
                    1,
                    1,
                    format!("cannot read file: {e}"),
                ));
                continue;
            }
        };
        let file = match crate::load::source_file(display.clone(), display, before.clone()) {
            Ok(file) => file,
            Err(d) => {
                diagnostics.push(d);
                continue;
            }
        };
        let id = sources.add(file);
        match crate::fmt::format_file(id, sources.get(id)) {
            Ok(text) => {
                let mut after = if before.starts_with(BOM) {
                    BOM.to_vec()
                } else {
                    Vec::new()
                };
                after.extend_from_slice(text.as_bytes());
                jobs.push(Job {
                    id,
                    path,
                    before,
                    after,
                });
            }
            Err(mut found) => diagnostics.append(&mut found),
        }
    }
    if !diagnostics.is_empty() {
        reporter.diagnostics(&diagnostics, &sources);
        return Exit::Input;
    }
    let changed: Vec<&Job> = jobs.iter().filter(|j| j.before != j.after).collect();
    if args.check {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        for job in &changed {
            let _ = writeln!(out, "{}", sources.get(job.id).display);
        }
        if changed.is_empty() {
            return Exit::Ok;
        }
        if args.output.format != Format::Text {
            // One record per file, at its first line that changes, so that a CI run
            // annotates the line and an editor opens it there.
            let stderr = std::io::stderr();
            let mut err = stderr.lock();
            for job in &changed {
                let display = &sources.get(job.id).display;
                let record = render_failure_at(
                    display,
                    Some(first_change(&job.before, &job.after)),
                    "not in the canonical layout",
                    Some(&format!("run `meshward fmt {display}`")),
                    args.output.format,
                );
                let _ = err.write_all(record.as_bytes());
            }
        }
        if !args.output.quiet && args.output.format == Format::Text {
            eprintln!(
                "meshward: {} of {} not in the canonical layout; run `meshward fmt` on them",
                changed.len(),
                files(jobs.len())
            );
        }
        return Exit::Unformatted;
    }
    for job in &changed {
        if let Err(e) = fs::write(&job.path, &job.after) {
            let display = &sources.get(job.id).display;
            return reporter.failure(display, format!("cannot write file: {e}"));
        }
    }
    if !args.output.quiet {
        eprintln!(
            "meshward: {} formatted, {} already were",
            files(changed.len()),
            jobs.len() - changed.len()
        );
    }
    Exit::Ok
}

/// The first line (1-based, column 1) where BEFORE and AFTER differ; past the last line
/// when one only ends differently.
fn first_change(before: &[u8], after: &[u8]) -> Position {
    let strip = |b: &[u8]| b.strip_prefix(BOM).unwrap_or(b).to_vec();
    let (before, after) = (strip(before), strip(after));
    let mut line: u32 = 1;
    for (a, b) in before
        .split(|&c| c == b'\n')
        .zip(after.split(|&c| c == b'\n'))
    {
        if a != b {
            break;
        }
        line = line.saturating_add(1);
    }
    Position { line, column: 1 }
}

fn files(n: usize) -> String {
    format!("{n} file{}", if n == 1 { "" } else { "s" })
}

/// The files named by PATHS, each once, as `(display, path)`: a file as given, a folder's
/// `*.intent` files in path order (the loader's walk). A path that does not exist, or a
/// folder without intent files, is an error.
fn intent_paths(paths: &[PathBuf], diagnostics: &mut Vec<Diagnostic>) -> Vec<(String, PathBuf)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut add = |display: String, path: PathBuf| {
        if seen.insert(path.clone()) {
            out.push((display, path));
        }
    };
    for path in paths {
        let shown = path.display().to_string();
        match fs::metadata(path) {
            Err(_) => diagnostics.push(
                Diagnostic::path_error(Code::NoIntents, &shown, "no such file or folder")
                    .with_help("pass intent files or folders that hold them"),
            ),
            Ok(m) if m.is_dir() => {
                let mut found = Vec::new();
                crate::load::walk(path, Path::new(""), &mut found, diagnostics);
                found.sort();
                if found.is_empty() {
                    diagnostics.push(Diagnostic::path_error(
                        Code::NoIntents,
                        &shown,
                        "no `.intent` files found in this folder",
                    ));
                }
                for relative in found {
                    add(display_path(path, &relative), path.join(relative));
                }
            }
            Ok(_) => add(shown, path.clone()),
        }
    }
    out
}
