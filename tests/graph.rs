//! `meshward graph` through the library (`meshward::graph`): the Mermaid and Graphviz forms
//! of examples/shop are the snapshots in golden/graph/ and do not depend on the order of the
//! input files, and the command keeps the exit codes of docs/cli.md (0, or 2 with the
//! diagnostics on stderr and nothing on stdout).
//!
//! Review snapshot changes as golden/README.md says.

mod common;

use common::{checked, golden, reversed, root};
use std::path::PathBuf;

#[test]
fn graph_of_the_shop() {
    let compiled = meshward::pipeline::run(&root().join("examples/shop"));
    let (mesh, _) = compiled.result.as_ref().expect("shop compiles");
    let mermaid = meshward::graph::mermaid(mesh);
    let dot = meshward::graph::dot(mesh);
    // Same input in another file order: same bytes.
    let again = meshward::pipeline::run_texts(reversed(&compiled.sources));
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

/// A tree with a `host` and a `cidr` external and a workload that is a destination.
fn outside_tree() -> meshward::ir::Mesh {
    let files = [
        (
            "billing/payments.intent",
            "service payments in billing {\n  port grpc 9090/grpc\n}\n",
        ),
        (
            "shop/orders.intent",
            "service orders in shop {\n  port http 8080/http\n}\n",
        ),
        (
            "egress/stripe.intent",
            "external stripe {\n  host api.stripe.com\n  port https 443/tls\n  allow payments in billing\n}\n",
        ),
        (
            "egress/corp-db.intent",
            "external corp-db {\n  cidr 10.20.0.0/16\n  port pg 5432\n  allow namespace shop, payments in billing\n}\n",
        ),
        (
            "mesh.intent",
            "mesh {\n  cluster-cidrs 10.0.0.0/12\n  workload vault in vault {\n    selector app=vault\n    port api 8200/http\n    allow orders in shop to api\n  }\n}\n",
        ),
    ];
    checked(files.map(|(p, t)| (p.to_string(), t.to_string())).to_vec()).0
}

#[test]
fn externals_and_workload_destinations_are_drawn_with_their_callers() {
    let mesh = outside_tree();
    let mermaid = meshward::graph::mermaid(&mesh);
    let expected = "flowchart LR
  subgraph ns0[\"billing\"]
    n0[\"payments\"]
  end
  subgraph ns1[\"shop\"]
    n1[\"orders\"]
    n2[[\"namespace:shop\"]]
  end
  subgraph ns2[\"vault\"]
    n3([\"vault\"])
  end
  n4{{\"external:corp-db\"}}
  n5{{\"external:stripe\"}}
  n0 -->|\"pg\"| n4
  n0 -->|\"https\"| n5
  n1 -->|\"api\"| n3
  n2 -->|\"pg\"| n4
";
    assert_eq!(mermaid, expected);
    let dot = meshward::graph::dot(&mesh);
    assert!(
        dot.contains("n5 [label=\"external:stripe\", shape=hexagon];"),
        "{dot}"
    );
    assert!(dot.contains("n1 -> n3 [label=\"api\"];"), "{dot}");
    // Graphviz reads it, where it is installed.
    if let Ok(mut child) = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(dot.as_bytes())
            .expect("write to dot");
        let out = child.wait_with_output().expect("dot runs");
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
