//! `meshward diff`: what a change to the intents does to access, for a reviewer.
//!
//! In: DIR in a git working tree and a revision REV. The intents at REV are read from git
//! objects (the working tree and index are never touched), both sides are compiled to an
//! [`crate::ir::Mesh`], and the two models are compared at intent level:
//!
//! - **access**: each side is flattened to grants `(from, to, port, method, path)`, where a
//!   missing method or path means "any". A grant of one side that no grant of the other
//!   side covers is a change: `widens` when it is new, `narrows` when it was taken away.
//!   Coverage follows the path semantics of the language (`/a/*` covers `/a/b` and
//!   `/a/b/*`, `*.png` covers `/x.png`, `/*` covers every path, an absent method covers
//!   every method), so going from rules to none widens, and from none to rules narrows.
//!   Callers are compared as written (`frontend.web`, `namespace:web`, `anyone`): a caller
//!   that another caller's grant happens to include is still its own caller.
//! - **mtls**: `strict` to `permissive` widens (plain text is accepted), the reverse
//!   narrows. A new service that starts `permissive` widens too.
//! - **route**: timeout, retries and split of services present on both sides; `neutral`.
//! - **scraper**: the mesh's scraper appearing widens, going away narrows.
//! - **destinations outside the tree**: grants on externals (`"to": "external:stripe"`)
//!   and on workloads with ports (`"to": "vault.vault"`) are access changes like any
//!   other. An external's hosts or ranges, an external's or workload's port numbers, the
//!   mesh's `cluster-cidrs` (when both sides have a `host` external, whose L4 side admits
//!   every address outside it: smaller widens) and `sidecar-scoping` (off widens) are
//!   identity changes.
//!
//! Out: a sorted list of [`Change`]s, rendered as terminal text, a Markdown pull request
//! comment (summary, table, Mermaid chart of changed edges) or the JSON of the CLI contract;
//! or, with `--template FILE`, through a user's minijinja template, of which the Markdown
//! comment is the built-in one.
//!
//! The work is split by noun: `options` holds what was asked, `change` the changes and
//! their order, `model` a compiled side, `compare` collects the changes, `access` compares
//! grants, `settings` the mTLS, route, scraper and identity settings, `outside` the
//! externals' destinations and the mesh's `cluster-cidrs` and `sidecar-scoping`, `git` reads the base
//! revision, `side` compiles both sides (or says what is wrong with them), `render` prints
//! the changes, `context` is what a template sees, `template` renders one and
//! `template_error` says why it could not, `run` strings one run together.

mod access;
mod change;
mod compare;
mod context;
mod dryrun;
mod git;
#[cfg(test)]
mod markdown_oracle;
mod model;
mod options;
mod outside;
mod render;
mod run;
mod settings;
mod side;
mod template;
mod template_error;
#[cfg(test)]
mod tests;

pub use change::{
    widens, AccessChange, Change, EdgeStatus, Effect, IdentityChange, MtlsChange, RouteChange,
    ScraperChange,
};
pub use compare::compare;
pub use context::{Context, Counts, Edge, Node};
pub use git::{files_at, Revision};
pub use model::Model;
pub use options::{Format, Options};
pub use render::{render_json, render_markdown, render_text};
pub use side::{changes, DiffError, Side, SideErrors};
pub use template::Template;
pub use template_error::TemplateError;

use crate::exit::Exit;
use std::path::Path;

/// `meshward diff`, writing the changes to `out` and errors to `err`: [`Exit::Ok`];
/// [`Exit::Widens`] with `exit_code` when something widens; [`Exit::Input`] on errors in
/// either side or in git; [`Exit::Fault`] when meshward's self-check fails on either side.
pub fn execute(
    options: &Options,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> Exit {
    run::run(options, None, out, err)
}

/// `meshward diff --template FILE`: as [`execute`], the changes rendered by the template
/// at `template` instead of `options.format`; [`Exit::Input`] also when the template
/// cannot be read, does not compile, or fails to render.
pub fn execute_template(
    options: &Options,
    template: &Path,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> Exit {
    run::run(options, Some(template), out, err)
}
