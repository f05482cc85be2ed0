//! `meshward connectivity PATH... [--format text|json]`: read anyone's cluster YAML and
//! list the connections it admits (see [`crate::connectivity`]).
//!
//! What cannot be read goes to stderr as `FILE:LINE: error: ...`, and nothing is listed
//! (exit 2): a listing that silently left out a file would mislead. Kinds nothing here
//! reads are noted on stderr, one line per kind.

use super::args::{ConnectivityArgs, ListFormat};
use crate::exit::Exit;

/// The inventory of PATHS with TRUST_DOMAIN; what cannot be read goes to stderr as
/// `FILE:LINE: error: ...` ending with `WHAT` (what is then not done), and is an `Err`.
pub(crate) fn read_inventory(
    paths: &[std::path::PathBuf],
    trust_domain: &str,
    what: &str,
) -> Result<crate::inventory::Inventory, Exit> {
    let (objects, mut problems) = crate::inventory::read(paths);
    let (mut inventory, more) = crate::inventory::inventory(objects);
    inventory.trust_domain = trust_domain.to_string();
    problems.extend(more);
    if problems.is_empty() {
        return Ok(inventory);
    }
    for p in &problems {
        eprintln!("{}: error: {}", p.origin, p.message);
    }
    eprintln!("meshward: {} error(s); {what}", problems.len());
    Err(Exit::Input)
}

pub(crate) fn connectivity_command(args: &ConnectivityArgs) -> Exit {
    let inventory = match read_inventory(&args.paths, &args.trust_domain, "nothing listed") {
        Ok(inventory) => inventory,
        Err(exit) => return exit,
    };
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

/// `meshward explain --cluster PATH... FROM TO [PORT [METHOD PATH]] [--format text|json]`,
/// from the arguments after `explain`. The leading positional arguments that exist on disk
/// are the input; the first that does not is FROM (a workload, `NAME.NAMESPACE`).
pub(crate) fn explain_cluster_command(args: &[std::ffi::OsString]) -> Exit {
    let mut json = false;
    let mut trust_domain = crate::inventory::DEFAULT_TRUST_DOMAIN.to_string();
    let mut positional: Vec<String> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].to_string_lossy().to_string();
        match arg.as_str() {
            "--cluster" => {}
            "--format" => {
                i += 1;
                match args
                    .get(i)
                    .map(|a| a.to_string_lossy().to_string())
                    .as_deref()
                {
                    Some("json") => json = true,
                    Some("text") => json = false,
                    other => {
                        eprintln!("meshward: error: --format is `text` or `json`, not {other:?}");
                        return Exit::Input;
                    }
                }
            }
            "--trust-domain" => {
                i += 1;
                let value = args.get(i).map(|a| a.to_string_lossy().to_string());
                match value.as_deref().map(super::args::trust_domain) {
                    Some(Ok(d)) => trust_domain = d,
                    Some(Err(why)) => {
                        eprintln!("meshward: error: --trust-domain: {why}");
                        return Exit::Input;
                    }
                    None => {
                        eprintln!("meshward: error: --trust-domain needs a value, such as `cluster.local`");
                        return Exit::Input;
                    }
                }
            }
            "--format=json" => json = true,
            "--format=text" => json = false,
            other if other.starts_with("--") => {
                eprintln!(
                    "meshward: error: `{other}` is not an option of `explain --cluster` (it takes --format text|json and --trust-domain DOMAIN)"
                );
                return Exit::Input;
            }
            _ => positional.push(arg),
        }
        i += 1;
    }
    let split = positional
        .iter()
        .position(|p| !std::path::Path::new(p).exists())
        .unwrap_or(positional.len());
    let (paths, rest) = positional.split_at(split);
    if paths.is_empty() || !(2..=5).contains(&rest.len()) || rest.len() == 4 {
        eprintln!("meshward: error: usage: meshward explain --cluster PATH... FROM TO [PORT [METHOD PATH]]");
        eprintln!("  = help: PATH is a YAML or JSON file or a folder that exists; FROM and TO are workloads, NAME.NAMESPACE");
        return Exit::Input;
    }
    let paths: Vec<std::path::PathBuf> = paths.iter().map(std::path::PathBuf::from).collect();
    let inventory = match read_inventory(&paths, &trust_domain, "nothing explained") {
        Ok(inventory) => inventory,
        Err(exit) => return exit,
    };
    let request = rest
        .get(3)
        .zip(rest.get(4))
        .map(|(m, x)| (m.as_str(), x.as_str()));
    match crate::connectivity::explain_cluster(
        &inventory,
        &rest[0],
        &rest[1],
        rest.get(2).map(String::as_str),
        request,
    ) {
        Ok(answer) => {
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&answer).unwrap_or_default()
                );
            } else {
                print!("{}", crate::explain::render_text(&answer));
            }
            if answer.allowed {
                Exit::Ok
            } else {
                Exit::Denied
            }
        }
        Err(message) => {
            eprintln!("meshward: error: {message}");
            Exit::Input
        }
    }
}
