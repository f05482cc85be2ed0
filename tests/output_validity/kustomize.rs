//! (b) `kubectl kustomize` builds the written tree, from the root and from every folder that
//! holds a kustomization.yaml, with as many objects as the YAML files below it hold.

use crate::yaml::documents;
use crate::{files, is_kustomization, missing, on_path, over_examples, report};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether `kubectl` can be used; when it cannot, fails under CI and otherwise notes it.
pub fn kubectl_ready() -> bool {
    let ready = on_path("kubectl");
    if !ready {
        missing("kubectl");
    }
    ready
}

/// `kubectl kustomize DIR`: the number of objects it builds, or why it failed.
pub fn kustomize(dir: &Path) -> Result<usize, String> {
    let output = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .map_err(|e| format!("cannot run kubectl: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let text = String::from_utf8(output.stdout).map_err(|e| e.to_string())?;
    let mut count = 0;
    for document in serde_yaml::Deserializer::from_str(&text) {
        let value = serde_yaml::Value::deserialize(document)
            .map_err(|e| format!("its output is not YAML: {e}"))?;
        if !value.is_null() {
            count += 1;
        }
    }
    Ok(count)
}

/// `kubectl kustomize` must build the root and every folder holding a kustomization.yaml on
/// its own, each with as many objects as the non-kustomization documents below it.
pub fn kustomize_failures(out: &Path) -> Vec<String> {
    let documents = documents(out);
    let mut roots: Vec<PathBuf> = files(out)
        .into_iter()
        .filter(|path| is_kustomization(path))
        .map(|path| path.parent().unwrap_or(Path::new("")).to_path_buf())
        .collect();
    // A tree of several clusters has one root per cluster (`OUT/<cluster>/`) and none
    // above them: each is applied to its own cluster.
    let per_cluster = !out.join("kustomization.yaml").exists()
        && roots.iter().any(|r| r.components().count() == 2);
    if !roots.contains(&PathBuf::new()) && !per_cluster {
        roots.insert(0, PathBuf::new());
    }
    let mut failures = Vec::new();
    for root in roots {
        let expected = documents
            .iter()
            .filter(|(path, document)| {
                !is_kustomization(path) && !document.is_null() && path.starts_with(&root)
            })
            .count();
        let shown = if root.as_os_str().is_empty() {
            ".".to_string()
        } else {
            format!("{}/", root.display())
        };
        match kustomize(&out.join(&root)) {
            Err(message) => failures.push(format!("`kubectl kustomize {shown}` {message}")),
            Ok(count) if count != expected => failures.push(format!(
                "`kubectl kustomize {shown}` built {count} objects, but the YAML files below it hold {expected}"
            )),
            Ok(_) => {}
        }
    }
    failures
}

#[test]
pub fn examples_build_with_kubectl_kustomize() {
    if !kubectl_ready() {
        return;
    }
    report("kubectl kustomize", &over_examples(kustomize_failures));
}
