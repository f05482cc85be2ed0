//! `meshward diff` through the library (`meshward::diff`): access changes between a git
//! revision and the working tree of a copy of examples/shop, their JSON, text and Markdown
//! forms, the exit codes, errors naming the side they come from, and how the base side is
//! read from git objects. `semantics` holds the rules of what counts as a change, on trees
//! held in memory; `repo` the git repository the other tests work in; `template` the
//! changes through user templates (`--template FILE`).
//!
//! Snapshots live in golden/diff/ and golden/diff-templates/; review them as
//! golden/README.md says.

mod authorization;
#[path = "../common/mod.rs"]
mod common;
mod dryrun;
mod network;
mod outside;
mod repo;
mod semantics;
mod template;

use common::{copy_tree, golden, root};
use meshward::diff::{self, Effect, Side};
use repo::{changes_json, Repo};
use serde_json::{json, Value};
use std::fs;

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
    golden("diff").bind(|| {
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
        "  allow namespace web to http {\n    GET /api/products/* when header x-debug != true   # `!=`: none of the values; an absent header passes\n    GET /api/preview/* when header x-channel = beta, canary-*   # one of the values; `canary-*` is a prefix\n  }\n",
        "",
    );
    let actual = changes_json(&repo.root, "HEAD");
    assert_eq!(
        actual["changes"],
        json!([{
            "kind": "access", "effect": "narrows",
            "from": "namespace:web", "to": "catalog.shop", "port": "http",
            "methods": ["GET"], "paths": ["/api/preview/*"],
            "source": format!("shop/catalog.intent:{line}"),
            "conditions": ["header x-channel = beta, canary-*"],
        }, {
            "kind": "access", "effect": "narrows",
            "from": "namespace:web", "to": "catalog.shop", "port": "http",
            "methods": ["GET"], "paths": ["/api/products/*"],
            "source": format!("shop/catalog.intent:{line}"),
            "conditions": ["header x-debug != true"],
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

#[test]
fn who_a_name_stands_for_is_a_change_too() {
    // With no `allow` line touched, a widened workload selector, a new account and a moved
    // target port still change who may call what: each is an identity change that widens.
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
