//! A tree moved to `dataplane ambient` the way its docs tell a user to: add the line,
//! then answer each error the build gives — a `waypoint` for each namespace that needs
//! one (E1002), no `sidecar-scoping on` (E1003), `mtls strict` where plain-text callers
//! would have to meet HTTP rules (E1004) — and nothing else.

use meshward::code::Code;
use std::collections::BTreeSet;
use std::path::Path;

/// Every `.intent` file below DIR, as (path relative to DIR, text), sorted.
pub fn intent_texts(dir: &Path) -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "intent") {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(dir, &mut paths);
    let mut files: Vec<(String, String)> = paths
        .iter()
        .map(|p| {
            let relative = p.strip_prefix(dir).expect("below").to_string_lossy();
            let text = std::fs::read_to_string(p).expect("read");
            (relative.replace('\\', "/"), text)
        })
        .collect();
    files.sort();
    files
}

/// Whether FILES already run under ambient (a tree written for it, like the `ambient`
/// fixture).
pub fn is_ambient(files: &[(String, String)]) -> bool {
    files
        .iter()
        .any(|(p, t)| p == "mesh.intent" && t.lines().any(|l| l.trim() == "dataplane ambient"))
}

/// FILES with `dataplane ambient` added to the mesh block (one is made if there is none).
pub fn with_dataplane(mut files: Vec<(String, String)>) -> Vec<(String, String)> {
    if is_ambient(&files) {
        return files;
    }
    match files.iter_mut().find(|(p, _)| p == "mesh.intent") {
        Some((_, text)) => *text = text.replacen("mesh {", "mesh {\n  dataplane ambient", 1),
        None => files.push((
            "mesh.intent".into(),
            "mesh {\n  dataplane ambient\n}\n".into(),
        )),
    }
    files.sort();
    files
}

/// The tree at DIR under ambient, with the errors answered; also the codes answered.
pub fn ambient_texts(dir: &Path) -> (Vec<(String, String)>, BTreeSet<Code>) {
    let mut files = with_dataplane(intent_texts(dir));
    let mut answered = BTreeSet::new();
    let run = meshward::pipeline::run_texts(files.clone());
    let mut waypoints = BTreeSet::new();
    for d in run.diagnostics.iter().filter(|d| d.is_error()) {
        let file = d.span.map(|s| run.sources.get(s.file).relative.clone());
        match d.code {
            Code::L7WithoutWaypoint => {
                let ns = d
                    .message
                    .split("namespace `")
                    .nth(1)
                    .and_then(|r| r.split('`').next());
                waypoints.insert(ns.expect("the namespace is named").to_string());
            }
            Code::SidecarScopingUnderAmbient => {
                let mesh = files
                    .iter_mut()
                    .find(|(p, _)| p == "mesh.intent")
                    .expect("mesh");
                mesh.1 = mesh.1.replace("sidecar-scoping on", "");
            }
            Code::PlaintextRulesUnderAmbient => {
                let file = file.expect("in a file");
                let (_, text) = files.iter_mut().find(|(p, _)| *p == file).expect("file");
                *text = text.replace("mtls permissive", "mtls strict");
            }
            other => panic!("{dir:?} under ambient: unexpected {other:?}: {}", d.message),
        }
        answered.insert(d.code);
    }
    let lines: String = waypoints
        .iter()
        .map(|ns| format!("\n  waypoint {ns}-waypoint in {ns}"))
        .collect();
    let mesh = files
        .iter_mut()
        .find(|(p, _)| p == "mesh.intent")
        .expect("mesh");
    mesh.1 = mesh
        .1
        .replacen("dataplane ambient", &format!("dataplane ambient{lines}"), 1);
    (files, answered)
}
