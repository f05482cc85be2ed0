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
    let inventory = match super::connectivity::read_inventory(
        &args.paths,
        &args.trust_domain,
        "nothing imported",
    ) {
        Ok(inventory) => inventory,
        Err(exit) => return exit,
    };
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
    if let Err(e) = write_all(&args.out, &out.files) {
        eprintln!("meshward: error: {e}; nothing written");
        return Exit::Input;
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

/// Write FILES into a fresh folder beside OUT and move it into place, so a failure part
/// way leaves no half import behind.
fn write_all(out: &Path, files: &[(String, String)]) -> Result<(), String> {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "intents".into());
    let staging = out.with_file_name(format!(".{name}.meshward-import"));
    let _ = std::fs::remove_dir_all(&staging);
    let written = files.iter().try_for_each(|(path, text)| {
        let target = staging.join(path);
        target
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&target, text))
            .map_err(|e| format!("cannot write {}: {e}", target.display()))
    });
    let moved = written.and_then(|()| {
        if out.exists() {
            // Empty (checked before the import ran).
            std::fs::remove_dir(out)
                .map_err(|e| format!("cannot replace {}: {e}", out.display()))?;
        }
        std::fs::rename(&staging, out)
            .map_err(|e| format!("cannot move the import to {}: {e}", out.display()))
    });
    if moved.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    moved
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
