//! The CI and GitOps recipes under docs/recipes/ and the pre-commit hook: each file is
//! valid YAML of the shape its tool reads, every `meshward ...` line in it parses as the
//! binary parses its arguments, the Flux recipe points at folders `meshward build` writes,
//! and docs/gitops.md quotes every recipe verbatim, so the page cannot drift from the files
//! checked here.

mod common;

use common::root;
use serde::Deserialize;
use std::fs;

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

/// Parse a `meshward ...` command line as the binary would, or panic.
fn parse_meshward(words: &[String]) {
    use clap::Parser;
    assert_eq!(
        words.first().map(String::as_str),
        Some("meshward"),
        "{words:?}"
    );
    let sub = words.get(1).map(String::as_str).unwrap_or("");
    assert!(
        subcommands().iter().any(|s| s == sub),
        "`{sub}` is not a meshward subcommand ({:?})",
        subcommands()
    );
    if let Err(e) = meshward::cli::Cli::try_parse_from(words) {
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
    let compiled = meshward::pipeline::run(&root().join("examples/shop"));
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

/// `meshward-fmt` takes the staged `.intent` files as its arguments, and the documented
/// configuration uses it.
#[test]
fn pre_commit_fmt_hook_formats_the_staged_files() {
    let hooks = yaml_documents(".pre-commit-hooks.yaml");
    let hook = hooks[0]
        .as_sequence()
        .and_then(|h| h.iter().find(|h| h["id"] == "meshward-fmt"))
        .expect("hook meshward-fmt");
    let mut entry = shell_words(hook["entry"].as_str().expect("entry"));
    assert_eq!(entry, ["meshward", "fmt"]);
    assert_ne!(hook["pass_filenames"].as_bool(), Some(false));
    assert_eq!(hook["files"].as_str(), Some("\\.intent$"));
    entry.push("intents/shop/orders.intent".to_string());
    parse_meshward(&entry);
    let config = yaml_documents("docs/recipes/pre-commit-config.yaml");
    let used = config[0]["repos"][0]["hooks"].as_sequence().expect("hooks");
    assert!(used.iter().any(|h| h["id"] == "meshward-fmt"));
}

#[test]
fn gitops_page_quotes_every_recipe() {
    let root = root();
    let page = fs::read_to_string(root.join("docs/gitops.md")).expect("docs/gitops.md");
    let mut recipes: Vec<_> = fs::read_dir(root.join("docs/recipes"))
        .expect("docs/recipes")
        .flatten()
        .map(|e| e.path())
        .collect();
    recipes.sort();
    assert!(recipes.len() >= 5);
    for recipe in recipes {
        let text = fs::read_to_string(&recipe).expect("recipe");
        assert!(
            page.contains(text.trim_end()),
            "docs/gitops.md does not quote {} as it is; regenerate the page",
            recipe.display()
        );
    }
}
