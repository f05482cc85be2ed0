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
//! comment (summary, table, Mermaid chart of changed edges) or the JSON of the CLI contract.
//!
//! The work is split by noun: `options` holds what was asked, `change` the changes and
//! their order, `model` a compiled side, `compare` collects the changes, `access` compares
//! grants, `settings` the mTLS, route, scraper and identity settings, `outside` the
//! externals' destinations and the mesh's `cluster-cidrs` and `sidecar-scoping`, `git` reads the base
//! revision, `side` compiles both sides (or says what is wrong with them), `render` prints
//! the changes.

mod access;
mod change;
mod compare;
mod git;
mod model;
mod options;
mod outside;
mod render;
mod settings;
mod side;

pub use change::{
    widens, AccessChange, Change, EdgeStatus, Effect, IdentityChange, MtlsChange, RouteChange,
    ScraperChange,
};
pub use compare::compare;
pub use git::{files_at, Revision};
pub use model::Model;
pub use options::{Format, Options};
pub use render::{render_json, render_markdown, render_text};
pub use side::{changes, DiffError, Side, SideErrors};

use crate::exit::Exit;

/// `meshward diff`, writing the changes to `out` and errors to `err`: [`Exit::Ok`];
/// [`Exit::Widens`] with `exit_code` when something widens; [`Exit::Input`] on errors in
/// either side or in git; [`Exit::Fault`] when meshward's self-check fails on either side.
pub fn execute(
    options: &Options,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> Exit {
    let found = match changes(&options.dir, &options.base) {
        Ok(found) => found,
        Err(e) => {
            let _ = err.write_all(e.render(options.format).as_bytes());
            return if e.is_fault() {
                Exit::Fault
            } else {
                Exit::Input
            };
        }
    };
    let text = match options.format {
        Format::Text => render_text(&found),
        Format::Markdown => render_markdown(&found),
        Format::Json => render_json(&found),
    };
    let _ = out.write_all(text.as_bytes());
    if options.exit_code && widens(&found) {
        Exit::Widens
    } else {
        Exit::Ok
    }
}
