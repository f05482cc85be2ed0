//! Both sides of the comparison: the working tree compiled as `build` compiles it, the
//! base revision compiled from git objects, and what is wrong with either when one cannot
//! be compiled (errors in the intents or in git, self-check faults).

use super::change::Change;
use super::compare::compare;
use super::git::files_at;
use super::model::Model;
use super::options::Format;
use crate::diagnostic::{self, Diagnostic, Format as ErrorFormat};
use crate::ir::Mesh;
use crate::source::SourceMap;
use std::fmt::Write as _;
use std::path::Path;

/// Which side of the comparison a problem is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Side {
    /// The intents at the base revision (as the user wrote it), or git itself.
    Base(String),
    WorkingTree,
}

/// What keeps one side from being compared: its errors, with the sources their spans
/// point into, and its self-check faults.
#[derive(Debug)]
pub struct SideErrors {
    pub side: Side,
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    /// Self-check faults: the compiler disagreed with its own output (a meshward bug).
    pub faults: Vec<String>,
}

/// Why no comparison could be made: errors in one or both sides, or in git.
#[derive(Debug)]
pub struct DiffError {
    pub problems: Vec<SideErrors>,
}

impl DiffError {
    /// Diagnostics as `check` and `build` print them, under a line naming the side; with
    /// `json`, one object per diagnostic with a `side` field (`base` or `working-tree`).
    pub fn render(&self, format: Format) -> String {
        let mut out = String::new();
        for problem in &self.problems {
            let (side, heading) = match &problem.side {
                Side::Base(rev) => (
                    "base",
                    format!("meshward: errors in the intents at `{rev}` (the base):"),
                ),
                Side::WorkingTree => (
                    "working-tree",
                    "meshward: errors in the working tree:".to_string(),
                ),
            };
            if format.errors() == ErrorFormat::Json {
                for d in &problem.diagnostics {
                    let json = diagnostic::render_json(d, &problem.sources);
                    let _ = writeln!(out, "{}", with_side(json, side));
                }
                let faults = diagnostic::render_faults(&problem.faults, ErrorFormat::Json);
                for json in faults.lines() {
                    let _ = writeln!(out, "{}", with_side(json.to_string(), side));
                }
                continue;
            }
            let _ = writeln!(out, "{heading}");
            for d in &problem.diagnostics {
                out.push_str(&diagnostic::render_text(d, &problem.sources));
            }
            out.push_str(&diagnostic::render_faults(
                &problem.faults,
                ErrorFormat::Text,
            ));
            if let Some(summary) = diagnostic::summary(&problem.diagnostics) {
                let _ = writeln!(out, "{summary}");
            }
        }
        out
    }

    /// True when meshward's self-check failed on a side: exit 3, not 2.
    pub fn is_fault(&self) -> bool {
        self.problems.iter().any(|p| !p.faults.is_empty())
    }
}

impl std::fmt::Display for DiffError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Format::Text))
    }
}

impl std::error::Error for DiffError {}

/// One JSON error line with a `side` field (`base` or `working-tree`) appended.
fn with_side(json: String, side: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(&json) {
        Ok(serde_json::Value::Object(mut map)) => {
            map.insert("side".into(), side.into());
            serde_json::Value::Object(map).to_string()
        }
        _ => json,
    }
}

/// Compare the intents under `dir` at git revision `base` with the working tree.
pub fn changes(dir: &Path, base: &str) -> Result<Vec<Change>, DiffError> {
    let current = settle(Side::WorkingTree, crate::pipeline::run(dir), Vec::new());
    let previous = match files_at(dir, base) {
        Err(message) => Err(SideErrors {
            side: Side::Base(base.to_string()),
            sources: SourceMap::default(),
            diagnostics: vec![Diagnostic::path_error(crate::code::Code::NoIntents, dir.to_string_lossy(), message)
                .with_help(
                    "`meshward diff` reads the base from git: DIR must be in a git repository that holds REV",
                )],
            faults: Vec::new(),
        }),
        Ok(revision) => {
            let mut sources = SourceMap::default();
            for file in revision.files {
                sources.add(file);
            }
            settle(
                Side::Base(base.to_string()),
                crate::pipeline::run_loaded(sources, Vec::new()),
                revision.errors,
            )
        }
    };
    match (previous, current) {
        (Ok((old_mesh, old_sources)), Ok((new_mesh, new_sources))) => Ok(compare(
            Model {
                mesh: &old_mesh,
                sources: &old_sources,
            },
            Model {
                mesh: &new_mesh,
                sources: &new_sources,
            },
        )),
        (previous, current) => Err(DiffError {
            problems: [previous.err(), current.err()]
                .into_iter()
                .flatten()
                .collect(),
        }),
    }
}

/// The model of one side, or what is wrong with it. `diagnostics` are problems found
/// before compiling (unreadable files), listed first.
fn settle(
    side: Side,
    compiled: crate::pipeline::Outcome,
    mut diagnostics: Vec<Diagnostic>,
) -> Result<(Mesh, SourceMap), SideErrors> {
    let clean = diagnostics.is_empty() && !compiled.has_errors();
    let faults: Vec<String> = compiled.faults.iter().map(ToString::to_string).collect();
    let sources = compiled.sources;
    match compiled.result {
        Some((mesh, _)) if clean => Ok((mesh, sources)),
        _ => {
            diagnostics.extend(compiled.diagnostics.into_iter().filter(|d| d.is_error()));
            if diagnostics.is_empty() && faults.is_empty() {
                diagnostics.push(Diagnostic::path_error(
                    crate::code::Code::Internal,
                    "meshward",
                    "internal error: the intents compiled to nothing",
                ));
            }
            Err(SideErrors {
                side,
                sources,
                diagnostics,
                faults,
            })
        }
    }
}
