//! `meshward graph` through the library (`meshward::graph`): the Mermaid and Graphviz forms
//! of examples/shop are the snapshots in golden/graph/ and do not depend on the order of the
//! input files, and the command keeps the exit codes of docs/cli.md (0, or 2 with the
//! diagnostics on stderr and nothing on stdout).
//!
//! Review snapshot changes as golden/README.md says.

mod common;

use common::{golden, root};
use std::path::PathBuf;

#[test]
fn graph_of_the_shop() {
    let compiled = meshward::pipeline::run(&root().join("examples/shop"));
    let (mesh, _) = compiled.result.as_ref().expect("shop compiles");
    let mermaid = meshward::graph::mermaid(mesh);
    let dot = meshward::graph::dot(mesh);
    // Same input in another file order: same bytes.
    let mut files: Vec<(String, String)> = compiled
        .sources
        .files()
        .map(|(_, f)| (f.relative.clone(), f.text.clone()))
        .collect();
    files.reverse();
    let again = meshward::pipeline::run_texts(files);
    let (mesh2, _) = again.result.as_ref().expect("compiles");
    assert_eq!(meshward::graph::mermaid(mesh2), mermaid);
    assert!(mermaid.contains("subgraph"), "{mermaid}");
    assert!(mermaid.contains("((\"anyone\"))"), "{mermaid}");
    assert!(dot.contains("subgraph cluster_0 {"), "{dot}");
    golden("graph").bind(|| {
        insta::assert_snapshot!("shop-mermaid", mermaid);
        insta::assert_snapshot!("shop-dot", dot);
    });
}

#[test]
fn graph_exit_codes() {
    use meshward::graph::{Format, Options};
    let run = |dir: PathBuf| {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let args = Options {
            dir,
            format: Format::Dot,
        };
        let code = meshward::graph::execute(&args, &mut out, &mut err).code();
        (
            code,
            String::from_utf8(out).expect("utf-8"),
            String::from_utf8(err).expect("utf-8"),
        )
    };
    let (code, out, err) = run(root().join("examples/hello"));
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(out.starts_with("digraph meshward {"), "{out}");
    let (code, out, err) = run(root().join("golden/errors/inputs/unknown-caller"));
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains(": error: "), "{err}");
}
