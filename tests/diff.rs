//! `meshward diff` and `meshward graph`, through the library (`meshward::diff`,
//! `meshward::graph`): access changes between a git revision and the working tree, their
//! JSON, text and Markdown forms, the graph of examples/shop, and the CI and GitOps
//! recipes under docs/recipes/ with the pre-commit hook.
//!
//! Snapshots live in golden/diff/ and golden/graph/; review them as golden/README.md says.

mod common;

use common::{copy_tree, root};
use meshward::diff::{self, Change, Effect, Model, Side};
use serde::Deserialize;
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn settings(folder: &str) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(root().join("golden").join(folder));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

// ---------------------------------------------------------------------------------------
// A git repository holding a copy of examples/shop

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

struct Repo {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Repo {
    /// An empty repository with a local identity and one commit holding a README.
    fn new() -> Repo {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("repo");
        fs::create_dir_all(&root).expect("mkdir");
        git(&root, &["init", "-q"]);
        git(&root, &["config", "user.name", "meshward tests"]);
        git(&root, &["config", "user.email", "tests@meshward.invalid"]);
        git(&root, &["config", "commit.gpgsign", "false"]);
        fs::write(root.join("README.md"), "mesh\n").expect("write");
        let repo = Repo { _tmp: tmp, root };
        repo.commit("readme");
        repo
    }

    /// A repository whose last commit holds examples/shop at `intents/` (or at the root).
    fn with_shop(at: &str) -> Repo {
        let repo = Repo::new();
        copy_tree(&root().join("examples").join("shop"), &repo.root.join(at));
        repo.commit("shop");
        repo
    }

    fn commit(&self, message: &str) {
        git(&self.root, &["add", "-A"]);
        git(
            &self.root,
            &["commit", "-q", "--allow-empty", "-m", message],
        );
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Replace `from` (which must occur exactly once) in a file of the working tree.
    fn edit(&self, relative: &str, from: &str, to: &str) {
        let path = self.path(relative);
        let text = fs::read_to_string(&path).expect("read intent");
        assert_eq!(text.matches(from).count(), 1, "{relative}: `{from}`");
        fs::write(&path, text.replacen(from, to, 1)).expect("write intent");
    }

    /// 1-based line of the first line of a working-tree file that contains `needle`.
    fn line_of(&self, relative: &str, needle: &str) -> usize {
        let text = fs::read_to_string(self.path(relative)).expect("read intent");
        text.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{relative}: no line with `{needle}`"))
            + 1
    }
}

fn changes_json(dir: &Path, base: &str) -> Value {
    let changes = diff::changes(dir, base).unwrap_or_else(|e| panic!("diff failed:\n{e}"));
    serde_json::from_str(&diff::render_json(&changes)).expect("valid JSON")
}

// ---------------------------------------------------------------------------------------
// The shop, edited in three ways

/// Adds a caller, removes a path from a rule, and switches a service to permissive mTLS.
fn edited_shop() -> Repo {
    let repo = Repo::with_shop("intents");
    repo.edit(
        "intents/shop/orders.intent",
        "  calls payments in billing:grpc       # refunds\n",
        "  allow catalog to http {\n    GET /api/orders/*\n  }\n\n  calls payments in billing:grpc       # refunds\n",
    );
    repo.edit(
        "intents/shop/catalog.intent",
        "GET /api/products, /api/products/*",
        "GET /api/products/*",
    );
    repo.edit(
        "intents/billing/ledger.intent",
        "  port grpc 9090/grpc\n",
        "  port grpc 9090/grpc\n  mtls permissive\n",
    );
    repo
}

#[test]
fn shop_edits_are_exactly_the_changes_reported() {
    let repo = edited_shop();
    let actual = changes_json(&repo.path("intents"), "HEAD");
    let expected = json!({"changes": [
        {
            "kind": "mtls", "effect": "widens", "to": "ledger.billing",
            "old": "strict", "new": "permissive",
            "source": format!("billing/ledger.intent:{}",
                repo.line_of("intents/billing/ledger.intent", "mtls permissive")),
        },
        {
            "kind": "access", "effect": "narrows",
            "from": "frontend.web", "to": "catalog.shop", "port": "http",
            "methods": ["GET"], "paths": ["/api/products"],
            "source": format!("shop/catalog.intent:{}",
                repo.line_of("intents/shop/catalog.intent", "allow frontend in web to http")),
        },
        {
            "kind": "access", "effect": "widens",
            "from": "catalog.shop", "to": "orders.shop", "port": "http",
            "methods": ["GET"], "paths": ["/api/orders/*"],
            "source": format!("shop/orders.intent:{}",
                repo.line_of("intents/shop/orders.intent", "allow catalog to http")),
        },
    ]});
    assert_eq!(
        actual,
        expected,
        "{}",
        serde_json::to_string_pretty(&actual).unwrap_or_default()
    );
}

#[test]
fn shop_edits_as_markdown_and_text() {
    let repo = edited_shop();
    let changes = diff::changes(&repo.path("intents"), "HEAD").expect("diff");
    let markdown = diff::render_markdown(&changes);
    assert!(
        markdown.contains("**2 widening, 1 narrowing**"),
        "{markdown}"
    );
    // Widening rows come before narrowing rows.
    let widen = markdown.find("| **widens** |").expect("a widening row");
    let narrow = markdown.find("| narrows |").expect("a narrowing row");
    assert!(widen < narrow, "{markdown}");
    assert!(
        markdown.contains("```mermaid\nflowchart LR\n"),
        "{markdown}"
    );
    settings("diff").bind(|| {
        insta::assert_snapshot!("shop-markdown", markdown);
        insta::assert_snapshot!("shop-text", diff::render_text(&changes));
    });
}

/// `meshward diff` as the binary will run it: (exit code, stdout, stderr).
fn execute(args: &diff::Options) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = diff::execute(args, &mut out, &mut err).code();
    let text = |b: Vec<u8>| String::from_utf8(b).expect("utf-8");
    (code, text(out), text(err))
}

#[test]
fn run_exit_codes() {
    let repo = edited_shop();
    let args = |exit_code| diff::Options {
        dir: repo.path("intents"),
        base: "HEAD".to_string(),
        format: diff::Format::Json,
        exit_code,
    };
    let (code, out, err) = execute(&args(false));
    assert_eq!((code, err.as_str()), (0, ""));
    let json: Value = serde_json::from_str(&out).expect("stdout is one JSON object");
    assert_eq!(json["changes"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        execute(&args(true)).0,
        1,
        "a widening change with --exit-code"
    );
    repo.commit("edits");
    let (code, out, _) = execute(&args(true));
    assert_eq!(code, 0, "nothing changed since HEAD");
    assert_eq!(
        serde_json::from_str::<Value>(&out).expect("json"),
        json!({"changes": []})
    );
    // The edits are still there between HEAD~1 and the working tree.
    let earlier = diff::Options {
        base: "HEAD~1".to_string(),
        format: diff::Format::Text,
        ..args(true)
    };
    let (code, out, _) = execute(&earlier);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 3, "{out}");
    // Errors exit 2, with the diagnostics on stderr.
    let bad = diff::Options {
        base: "no-such-branch".to_string(),
        ..args(false)
    };
    let (code, out, err) = execute(&bad);
    assert_eq!((code, out.as_str()), (2, ""));
    let line: Value = serde_json::from_str(err.lines().next().expect("a line")).expect("json");
    assert_eq!(line["side"], "base");
}

#[test]
fn unchanged_tree_has_no_changes() {
    let repo = Repo::with_shop("intents");
    let changes = diff::changes(&repo.path("intents"), "HEAD").expect("diff");
    assert!(changes.is_empty(), "{changes:?}");
    assert_eq!(diff::render_text(&changes), "no access changes\n");
    assert!(diff::render_markdown(&changes).contains("No access changes."));
}

#[test]
fn base_without_the_folder_is_an_empty_mesh() {
    let repo = Repo::new();
    copy_tree(&root().join("examples/shop"), &repo.path("intents"));
    let changes = diff::changes(&repo.path("intents"), "HEAD").expect("diff");
    assert!(!changes.is_empty());
    assert!(
        changes.iter().all(|c| c.effect() == Effect::Widens),
        "{changes:?}"
    );
    let json = serde_json::to_value(&changes).expect("json");
    let list = json.as_array().expect("array");
    assert!(list.contains(&json!({
        "kind": "access", "effect": "widens",
        "from": "frontend.web", "to": "orders.shop", "port": "http",
        "methods": ["GET"], "paths": ["/api/orders", "/api/orders/*"],
        "source": format!("shop/orders.intent:{}",
            repo.line_of("intents/shop/orders.intent", "allow frontend in web to http")),
    })));
    // A new service that starts permissive widens.
    assert!(list.contains(&json!({
        "kind": "mtls", "effect": "widens", "to": "inventory.shop",
        "old": null, "new": "permissive",
        "source": format!("shop/inventory.intent:{}",
            repo.line_of("intents/shop/inventory.intent", "  mtls permissive")),
    })));
    // As do `anyone`, `namespace` callers and the scraper.
    assert!(list
        .iter()
        .any(|c| c["from"] == "anyone" && c["to"] == "inventory.shop"));
    assert!(list
        .iter()
        .any(|c| c["from"] == "namespace:shop" && c["to"] == "redis.data"));
    assert!(list
        .iter()
        .any(|c| c["kind"] == "scraper" && c["from"] == "prometheus.monitoring"));
}

#[test]
fn folder_at_the_repository_root() {
    let repo = Repo::with_shop("");
    let line = repo.line_of("shop/catalog.intent", "allow namespace web to http");
    repo.edit(
        "shop/catalog.intent",
        "  allow namespace web to http {\n    GET /api/products/*\n  }\n",
        "",
    );
    let actual = changes_json(&repo.root, "HEAD");
    assert_eq!(
        actual["changes"],
        json!([{
            "kind": "access", "effect": "narrows",
            "from": "namespace:web", "to": "catalog.shop", "port": "http",
            "methods": ["GET"], "paths": ["/api/products/*"],
            "source": format!("shop/catalog.intent:{line}"),
        }])
    );
}

#[test]
fn errors_name_their_side() {
    // An error in the base revision: the diagnostics name the file as `REV:path`.
    let repo = Repo::with_shop("intents");
    let orders = repo.path("intents/shop/orders.intent");
    let good = fs::read_to_string(&orders).expect("read");
    fs::write(
        &orders,
        good.replace("port grpc 9090/grpc", "port grpc 9090/grcp"),
    )
    .expect("w");
    repo.commit("broken");
    fs::write(&orders, &good).expect("write");
    let err = diff::changes(&repo.path("intents"), "HEAD").expect_err("base has an error");
    assert_eq!(err.problems.len(), 1);
    assert_eq!(err.problems[0].side, Side::Base("HEAD".to_string()));
    let text = err.render(diff::Format::Text);
    assert!(
        text.contains("errors in the intents at `HEAD` (the base):"),
        "{text}"
    );
    assert!(text.contains("HEAD:intents/shop/orders.intent:"), "{text}");
    let json = err.render(diff::Format::Json);
    let first: Value = serde_json::from_str(json.lines().next().expect("a line")).expect("json");
    assert_eq!(first["side"], "base");
    assert_eq!(first["severity"], "error");

    // An error in the working tree only.
    repo.commit("fixed");
    fs::write(
        &orders,
        good.replace("port grpc 9090/grpc", "port grpc 9090/grcp"),
    )
    .expect("w");
    let err = diff::changes(&repo.path("intents"), "HEAD").expect_err("working tree error");
    assert_eq!(err.problems.len(), 1);
    assert_eq!(err.problems[0].side, Side::WorkingTree);
    assert!(err
        .render(diff::Format::Text)
        .contains("meshward: errors in the working tree:"));

    // A revision that does not exist.
    fs::write(&orders, &good).expect("write");
    let err = diff::changes(&repo.path("intents"), "no-such-rev").expect_err("bad rev");
    let text = err.render(diff::Format::Text);
    assert!(text.contains("unknown revision `no-such-rev`"), "{text}");
}

#[test]
fn base_is_read_from_git_objects_not_the_working_tree() {
    // Files the base does not hold (untracked) and files it holds but that are deleted
    // in the working tree both count, and reading the base leaves the tree untouched.
    let repo = Repo::with_shop("intents");
    fs::write(
        repo.path("intents/data/audit.intent"),
        "service audit in data {\n  port http 8080/http\n  allow namespace shop to http\n}\n",
    )
    .expect("write");
    repo.commit("audit");
    fs::remove_file(repo.path("intents/data/audit.intent")).expect("rm");
    fs::write(
        repo.path("intents/shop/reports.intent"),
        "service reports in shop {\n  port http 8080/http\n  allow orders to http\n}\n",
    )
    .expect("write");
    // Hidden folders are skipped on both sides, as the loader skips them.
    fs::create_dir_all(repo.path("intents/.draft")).expect("mkdir");
    fs::write(repo.path("intents/.draft/x.intent"), "not an intent").expect("write");
    let before = fs::read_dir(repo.path("intents/shop")).expect("ls").count();
    let actual = changes_json(&repo.path("intents"), "HEAD");
    assert_eq!(
        fs::read_dir(repo.path("intents/shop")).expect("ls").count(),
        before
    );
    let list = actual["changes"].as_array().expect("array");
    assert!(list.contains(&json!({
        "kind": "access", "effect": "widens",
        "from": "orders.shop", "to": "reports.shop", "port": "http",
        "methods": [], "paths": [], "source": "shop/reports.intent:3",
    })));
    assert!(list.contains(&json!({
        "kind": "access", "effect": "narrows",
        "from": "namespace:shop", "to": "audit.data", "port": "http",
        "methods": [], "paths": [], "source": "data/audit.intent:3",
    })));
    assert_eq!(list.len(), 2, "{actual:#}");
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_followed_inside_the_repository() {
    // As the loader reads a linked file, the base side follows the link in git objects.
    let repo = Repo::with_shop("intents");
    fs::create_dir_all(repo.path("shared")).expect("mkdir");
    fs::write(
        repo.path("shared/audit.intent"),
        "service audit in data {\n  port http 8080/http\n  allow namespace shop to http\n}\n",
    )
    .expect("write");
    std::os::unix::fs::symlink(
        "../../shared/audit.intent",
        repo.path("intents/data/audit.intent"),
    )
    .expect("symlink");
    repo.commit("linked audit");
    assert_eq!(
        changes_json(&repo.path("intents"), "HEAD"),
        json!({"changes": []})
    );
    // Against the commit before, the linked service is new.
    let earlier = changes_json(&repo.path("intents"), "HEAD~1");
    assert_eq!(earlier["changes"][0]["to"], "audit.data");
    assert_eq!(earlier["changes"].as_array().map(Vec::len), Some(1));
}

// ---------------------------------------------------------------------------------------
// Semantics, on trees held in memory

const FRONTEND: &str = "service frontend in shop {\n  port http 8080/http\n}\n";

/// `orders` in `shop` with the given body lines after its ports; `frontend` calls it.
fn orders(body: &str) -> Vec<(String, String)> {
    vec![
        ("shop/frontend.intent".to_string(), FRONTEND.to_string()),
        (
            "shop/orders.intent".to_string(),
            format!("service orders in shop {{\n  port http 8080/http\n{body}}}\n"),
        ),
    ]
}

fn compare(old: Vec<(String, String)>, new: Vec<(String, String)>) -> Vec<Change> {
    let old = meshward::compile_texts(old);
    let new = meshward::compile_texts(new);
    let side = |c: &meshward::Compiled| {
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        c.result
            .as_ref()
            .map(|(mesh, _)| mesh.clone())
            .expect("compiled")
    };
    let (old_mesh, new_mesh) = (side(&old), side(&new));
    diff::compare(
        Model {
            mesh: &old_mesh,
            sources: &old.sources,
        },
        Model {
            mesh: &new_mesh,
            sources: &new.sources,
        },
    )
}

fn compare_json(old: &str, new: &str) -> Value {
    serde_json::to_value(compare(orders(old), orders(new))).expect("json")
}

fn access(effect: &str, methods: &[&str], paths: &[&str], line: usize) -> Value {
    json!({
        "kind": "access", "effect": effect,
        "from": "frontend.shop", "to": "orders.shop", "port": "http",
        "methods": methods, "paths": paths,
        "source": format!("shop/orders.intent:{line}"),
    })
}

#[test]
fn from_rules_to_any_request_widens() {
    let actual = compare_json(
        "  allow frontend {\n    GET /a\n  }\n",
        "  allow frontend\n",
    );
    assert_eq!(actual, json!([access("widens", &[], &[], 3)]));
}

#[test]
fn from_any_request_to_rules_narrows() {
    let actual = compare_json(
        "  allow frontend\n",
        "  allow frontend {\n    GET /a\n  }\n",
    );
    assert_eq!(actual, json!([access("narrows", &[], &[], 3)]));
}

#[test]
fn a_narrower_path_narrows_and_adds_nothing() {
    let actual = compare_json(
        "  allow frontend {\n    GET /a/*\n  }\n",
        "  allow frontend {\n    GET /a/b, *.png\n  }\n",
    );
    // `/a/b` is covered by the old `/a/*`; `*.png` is not covered by anything.
    assert_eq!(
        actual,
        json!([
            access("widens", &["GET"], &["*.png"], 3),
            access("narrows", &["GET"], &["/a/*"], 3),
        ])
    );
}

#[test]
fn an_added_method_widens_by_that_method() {
    let actual = compare_json(
        "  allow frontend {\n    GET /x\n  }\n",
        "  allow frontend {\n    GET|POST /x\n  }\n",
    );
    assert_eq!(actual, json!([access("widens", &["POST"], &["/x"], 3)]));
    // Any method covers every method: replacing GET|POST by `*` widens to any method.
    let actual = compare_json(
        "  allow frontend {\n    GET|POST /x\n  }\n",
        "  allow frontend {\n    * /x\n  }\n",
    );
    assert_eq!(actual, json!([access("widens", &[], &["/x"], 3)]));
}

#[test]
fn a_new_edge_lists_its_rules_as_rectangles() {
    // GET|POST /cart and PUT /items/* are two changes: one change of methods [GET, POST,
    // PUT] and paths [/cart, /items/*] would claim PUT /cart.
    let actual = compare_json(
        "",
        "\n  allow frontend {\n    GET|POST /cart\n    PUT /items/*\n  }\n",
    );
    assert_eq!(
        actual,
        json!([
            access("widens", &["GET", "POST"], &["/cart"], 4),
            access("widens", &["PUT"], &["/items/*"], 4),
        ])
    );
}

#[test]
fn a_removed_caller_narrows_at_its_old_line() {
    let actual = compare_json("\n\n  allow frontend to http\n", "");
    assert_eq!(actual, json!([access("narrows", &[], &[], 5)]));
}

#[test]
fn callers_are_compared_as_written() {
    let actual = compare_json(
        "  allow frontend\n",
        "  allow frontend, namespace web, anyone\n",
    );
    let from: Vec<&str> = actual
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["from"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(from, ["anyone", "namespace:web"]);
}

#[test]
fn a_new_port_under_an_allow_without_to_widens() {
    let actual = compare_json(
        "  allow frontend\n",
        "  port metrics 9102\n  allow frontend\n",
    );
    assert_eq!(
        actual,
        json!([{
            "kind": "access", "effect": "widens",
            "from": "frontend.shop", "to": "orders.shop", "port": "metrics",
            "methods": [], "paths": [], "source": "shop/orders.intent:4",
        }])
    );
}

#[test]
fn mtls_back_to_strict_narrows_at_the_old_line() {
    let actual = compare_json("  mtls permissive\n", "");
    assert_eq!(
        actual,
        json!([{
            "kind": "mtls", "effect": "narrows", "to": "orders.shop",
            "old": "permissive", "new": "strict", "source": "shop/orders.intent:3",
        }])
    );
}

#[test]
fn route_changes_are_neutral() {
    let changes = compare(
        orders("  route http {\n    timeout 2s\n    retries 2\n  }\n"),
        orders("  route http {\n    timeout 1m\n    retries 3 per-try 500ms on 5xx, reset\n  }\n"),
    );
    assert!(!diff::widens(&changes));
    assert_eq!(
        serde_json::to_value(&changes).expect("json"),
        json!([
            {
                "kind": "route", "effect": "neutral", "to": "orders.shop", "port": "http",
                "field": "retries", "old": "2", "new": "3 per-try 500ms on 5xx, reset",
                "source": "shop/orders.intent:3",
            },
            {
                "kind": "route", "effect": "neutral", "to": "orders.shop", "port": "http",
                "field": "timeout", "old": "2s", "new": "1m",
                "source": "shop/orders.intent:3",
            },
        ])
    );
    assert_eq!(
        diff::render_text(&changes),
        "~ route orders.shop:http retries: 2 -> 3 per-try 500ms on 5xx, reset  (shop/orders.intent:3)\n\
         ~ route orders.shop:http timeout: 2s -> 1m  (shop/orders.intent:3)\n"
    );
}

#[test]
fn a_new_scraper_widens() {
    let mut new = orders("");
    new.push((
        "mesh.intent".to_string(),
        "mesh {\n  # metrics\n  scraper frontend in shop\n}\n".to_string(),
    ));
    let changes = compare(orders(""), new);
    assert_eq!(
        serde_json::to_value(&changes).expect("json"),
        json!([{
            "kind": "scraper", "effect": "widens", "from": "frontend.shop",
            "source": "mesh.intent:3",
        }])
    );
    assert!(diff::widens(&changes));
}

// ---------------------------------------------------------------------------------------
// Graph

#[test]
fn graph_of_the_shop() {
    let compiled = meshward::compile_dir(&root().join("examples/shop"));
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
    let again = meshward::compile_texts(files);
    let (mesh2, _) = again.result.as_ref().expect("compiles");
    assert_eq!(meshward::graph::mermaid(mesh2), mermaid);
    assert!(mermaid.contains("subgraph"), "{mermaid}");
    assert!(mermaid.contains("((\"anyone\"))"), "{mermaid}");
    assert!(dot.contains("subgraph cluster_0 {"), "{dot}");
    settings("graph").bind(|| {
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

// ---------------------------------------------------------------------------------------
// Recipes and the pre-commit hook

fn yaml_documents(relative: &str) -> Vec<serde_yaml::Value> {
    let text = fs::read_to_string(root().join(relative)).expect("read recipe");
    serde_yaml::Deserializer::from_str(&text)
        .map(|doc| {
            serde_yaml::Value::deserialize(doc)
                .unwrap_or_else(|e| panic!("{relative} is not valid YAML: {e}"))
        })
        .collect()
}

fn kinds(docs: &[serde_yaml::Value]) -> Vec<&str> {
    docs.iter().filter_map(|d| d["kind"].as_str()).collect()
}

/// Split a shell line into words (double and single quotes, no expansion), up to the
/// first redirection, pipe or command separator.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    let end = words
        .iter()
        .position(|w| matches!(w.as_str(), ">" | ">>" | "|" | "&&" | "||" | ";" | "2>"))
        .unwrap_or(words.len());
    words.truncate(end);
    words
}

fn subcommands() -> Vec<String> {
    use clap::CommandFactory;
    meshward::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// Parse a `meshward ...` command line as the binary would, or panic. Subcommands that the
/// binary does not have yet (`diff`, `graph`, until cli.rs wires them) are parsed with
/// their library argument structs.
fn parse_meshward(words: &[String]) {
    use clap::{Args, Parser};
    assert_eq!(
        words.first().map(String::as_str),
        Some("meshward"),
        "{words:?}"
    );
    let sub = words.get(1).map(String::as_str).unwrap_or("");
    if subcommands().iter().any(|s| s == sub) {
        if let Err(e) = meshward::cli::Cli::try_parse_from(words) {
            panic!("`{}` does not parse: {e}", words.join(" "));
        }
        return;
    }
    let command = match sub {
        "diff" => meshward::cli::DiffArgs::augment_args(clap::Command::new("diff")),
        "graph" => meshward::cli::GraphArgs::augment_args(clap::Command::new("graph")),
        _ => panic!("`{sub}` is not a meshward subcommand ({:?})", subcommands()),
    };
    if let Err(e) = command.try_get_matches_from(&words[1..]) {
        panic!("`{}` does not parse: {e}", words.join(" "));
    }
}

/// Every `meshward ...` line of a shell script.
fn meshward_lines(script: &str) -> Vec<Vec<String>> {
    script
        .lines()
        .map(shell_words)
        .filter(|w| w.first().map(String::as_str) == Some("meshward"))
        .collect()
}

#[test]
fn github_actions_recipe() {
    let docs = yaml_documents("docs/recipes/github-actions.yml");
    assert_eq!(docs.len(), 1);
    let workflow = &docs[0];
    assert!(
        workflow["on"].get("pull_request").is_some(),
        "runs on pull requests"
    );
    let steps = workflow["jobs"]["check"]["steps"]
        .as_sequence()
        .expect("jobs.check.steps");
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    let commands: Vec<Vec<String>> = runs.iter().flat_map(|r| meshward_lines(r)).collect();
    for words in &commands {
        parse_meshward(words);
    }
    let has = |needle: &[&str]| {
        commands
            .iter()
            .any(|w| needle.iter().all(|n| w.iter().any(|x| x == n)))
    };
    assert!(has(&["check", "intents", "--out"]));
    assert!(has(&["diff", "--format", "markdown"]));
    assert!(has(&["diff", "--format", "json"]));
    assert!(runs
        .iter()
        .any(|r| r.contains("gh pr comment") && r.contains("mesh-diff.md")));
    assert_eq!(
        workflow["permissions"]["pull-requests"].as_str(),
        Some("write")
    );
}

#[test]
fn gitlab_ci_recipe() {
    let docs = yaml_documents("docs/recipes/gitlab-ci.yml");
    assert_eq!(docs.len(), 1);
    let script = docs[0]["mesh"]["script"]
        .as_sequence()
        .expect("mesh.script");
    let lines: Vec<&str> = script.iter().filter_map(|s| s.as_str()).collect();
    let commands: Vec<Vec<String>> = lines.iter().flat_map(|l| meshward_lines(l)).collect();
    for words in &commands {
        parse_meshward(words);
    }
    assert!(commands.iter().any(|w| w[1] == "check"));
    assert!(commands.iter().any(|w| w[1] == "diff"
        && w.windows(2)
            .any(|p| p[0] == "--format" && p[1] == "markdown")));
    assert!(lines
        .iter()
        .any(|l| l.contains("merge_requests") && l.contains("notes")));
}

#[test]
fn argocd_recipe() {
    let docs = yaml_documents("docs/recipes/argocd-applicationset.yaml");
    assert_eq!(kinds(&docs), ["ApplicationSet"]);
    let spec = &docs[0]["spec"];
    let directories = &spec["generators"][0]["git"]["directories"];
    assert_eq!(directories[0]["path"].as_str(), Some("deploy/mesh/*"));
    assert_eq!(spec["goTemplate"].as_bool(), Some(true));
    assert_eq!(
        spec["template"]["spec"]["source"]["path"].as_str(),
        Some("{{.path.path}}")
    );
    assert_eq!(
        spec["template"]["spec"]["syncPolicy"]["automated"]["prune"].as_bool(),
        Some(true)
    );
}

#[test]
fn flux_recipes() {
    let docs = yaml_documents("docs/recipes/flux-kustomizations.yaml");
    let found = kinds(&docs);
    assert_eq!(found.iter().filter(|k| **k == "GitRepository").count(), 1);
    let sharded: Vec<&serde_yaml::Value> = docs
        .iter()
        .filter(|d| d["kind"] == "Kustomization")
        .collect();
    assert!(sharded.len() >= 2, "one Kustomization per namespace folder");
    // The folders are those `meshward build examples/shop` writes.
    let compiled = meshward::compile_dir(&root().join("examples/shop"));
    let (_, tree) = compiled.result.as_ref().expect("shop compiles");
    for k in &sharded {
        let path = k["spec"]["path"].as_str().expect("spec.path");
        let folder = path
            .strip_prefix("./deploy/mesh/")
            .expect("a namespace folder");
        assert!(
            tree.files
                .keys()
                .any(|p| p.starts_with(&format!("{folder}/"))),
            "{folder} is not a folder of the shop's tree"
        );
        assert_eq!(k["spec"]["prune"].as_bool(), Some(true));
        assert_eq!(k["spec"]["sourceRef"]["name"].as_str(), Some("mesh"));
    }
    let single = yaml_documents("docs/recipes/flux-kustomization-single-root.yaml");
    assert_eq!(kinds(&single), ["GitRepository", "Kustomization"]);
    assert_eq!(single[1]["spec"]["path"].as_str(), Some("./deploy/mesh"));
}

#[test]
fn pre_commit_hook_runs_a_real_subcommand() {
    let hooks = yaml_documents(".pre-commit-hooks.yaml");
    assert_eq!(hooks.len(), 1);
    let hook = hooks[0]
        .as_sequence()
        .and_then(|h| h.iter().find(|h| h["id"] == "meshward-check"))
        .expect("hook meshward-check");
    let entry = shell_words(hook["entry"].as_str().expect("entry"));
    assert_eq!(entry.first().map(String::as_str), Some("meshward"));
    let sub = entry.get(1).expect("a subcommand");
    assert!(subcommands().contains(sub), "`{sub}` is not a subcommand");
    assert_eq!(hook["pass_filenames"].as_bool(), Some(false));

    // The documented use: the hook's entry plus its args is a valid command line.
    let config = yaml_documents("docs/recipes/pre-commit-config.yaml");
    let used = &config[0]["repos"][0]["hooks"][0];
    assert_eq!(used["id"], "meshward-check");
    let mut words = entry.clone();
    for arg in used["args"].as_sequence().expect("args") {
        words.push(arg.as_str().expect("string arg").to_string());
    }
    parse_meshward(&words);
}

#[test]
fn who_a_name_stands_for_is_a_change_too() {
    // Review finding: with no `allow` line touched, a widened workload selector, a new
    // account, a moved target port and a moved DNS group used to report no change.
    let repo = Repo::with_shop("intents");
    repo.edit(
        "intents/mesh.intent",
        "selector istio=ingressgateway",
        "selector team=edge",
    );
    repo.edit(
        "intents/shop/orders.intent",
        "port http 8080/http",
        "port http 8081/http",
    );
    repo.edit(
        "intents/shop/orders.intent",
        "account orders-api",
        "account shop-admin",
    );
    let json = changes_json(&repo.path("intents"), "HEAD");
    let identity: Vec<&Value> = json["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["kind"] == "identity")
        .collect();
    let fields: Vec<(&str, &str, &str)> = identity
        .iter()
        .map(|c| {
            (
                c["subject"].as_str().unwrap_or(""),
                c["field"].as_str().unwrap_or(""),
                c["effect"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        fields.contains(&("ingressgateway.istio-system", "selector", "widens")),
        "{fields:?}"
    );
    assert!(
        fields.contains(&("orders.shop", "account", "widens")),
        "{fields:?}"
    );
    assert!(
        fields.contains(&("orders.shop:http", "target port", "widens")),
        "{fields:?}"
    );
    let (code, _, _) = execute(&diff::Options {
        dir: repo.path("intents"),
        base: "HEAD".into(),
        format: diff::Format::Json,
        exit_code: true,
    });
    assert_eq!(code, 1, "--exit-code must see the widening");
}
