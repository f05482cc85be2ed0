//! `meshward connectivity PATH... [--format text|json]`: read anyone's cluster YAML and
//! list the connections it admits (see [`crate::connectivity`]).
//!
//! What cannot be read goes to stderr as `FILE:LINE: error: ...`, and nothing is listed
//! (exit 2): a listing that silently left out a file would mislead. Kinds nothing here
//! reads are noted on stderr, one line per kind.

use super::args::{ConnectivityArgs, ListFormat};
use crate::exit::Exit;

pub(crate) fn connectivity_command(args: &ConnectivityArgs) -> Exit {
    let (objects, mut problems) = crate::inventory::read(&args.paths);
    let (inventory, more) = crate::inventory::inventory(objects);
    problems.extend(more);
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{}: error: {}", p.origin, p.message);
        }
        eprintln!("meshward: {} error(s); nothing listed", problems.len());
        return Exit::Input;
    }
    for note in &inventory.notes {
        eprintln!("note: {note}");
    }
    let answer = crate::connectivity::connectivity(&inventory);
    match args.format {
        ListFormat::Text => print!("{}", crate::connectivity::render_text(&answer)),
        ListFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&answer).unwrap_or_default()
        ),
    }
    Exit::Ok
}
