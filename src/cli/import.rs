//! `meshward import PATH... --out DIR` (see [`crate::import`]).
//!
//! Nothing is written unless the proof holds: a failed proof (exit 3) is a meshward bug,
//! and intents that do not mean what the input means would be worse than none. OUT must be
//! empty or absent, so an import never mixes with intents already there (which the next
//! build would read together with it).

use super::args::ImportArgs;
use crate::exit::Exit;
use std::path::Path;

pub(crate) fn import_command(args: &ImportArgs) -> Exit {
    let (objects, mut problems) = crate::inventory::read(&args.paths);
    let (mut inventory, more) = crate::inventory::inventory(objects);
    inventory.trust_domain = args.trust_domain.clone();
    problems.extend(more);
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{}: error: {}", p.origin, p.message);
        }
        eprintln!("meshward: {} error(s); nothing imported", problems.len());
        return Exit::Input;
    }
    if let Some(why) = not_empty(&args.out) {
        eprintln!("meshward: error: {why}");
        eprintln!("  = hint: import into a new folder, then move what you keep into your tree");
        return Exit::Input;
    }
    for note in &inventory.notes {
        eprintln!("note: {note}");
    }
    let out = crate::import::import(&inventory);
    if !out.mismatches.is_empty() {
        for m in &out.mismatches {
            eprintln!("meshward: bug: {m}");
        }
        eprintln!(
            "meshward: the imported intents do not admit what the input admits ({} difference(s)); nothing written. This is a meshward bug: please report it with the input.",
            out.mismatches.len()
        );
        return Exit::Fault;
    }
    for (path, text) in &out.files {
        let target = args.out.join(path);
        let written = target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&target, text));
        if let Err(e) = written {
            eprintln!("meshward: error: cannot write {}: {e}", target.display());
            return Exit::Input;
        }
    }
    for u in &out.unexpressed {
        eprintln!("{}: not imported: {}", u.origin, u.message);
    }
    println!(
        "imported {} file(s) into {}; proven: {} connection(s) and {} request(s) answer the same",
        out.files.len(),
        args.out.display(),
        out.connections,
        out.requests
    );
    if out.unexpressed.is_empty() {
        Exit::Ok
    } else {
        eprintln!(
            "meshward: {} thing(s) the intent language cannot say were left out (listed above); the rest is written and proven",
            out.unexpressed.len()
        );
        Exit::Partial
    }
}

fn not_empty(out: &Path) -> Option<String> {
    if out.is_file() {
        return Some(format!("--out {} is a file, not a folder", out.display()));
    }
    let mut entries = std::fs::read_dir(out).ok()?;
    entries
        .next()
        .map(|_| format!("--out {} is not empty", out.display()))
}
