//! Gives the crate `MESHWARD_VERSION`, what `meshward --version` prints after the name:
//! the package version, followed by the commit it was built from, `0.1.0 (abc123def456)`,
//! when the crate is built inside the git checkout that holds it.
//!
//! Without git, outside a checkout (a crates.io build), or when the checkout around the
//! crate is some other repository (a crate unpacked under a home folder kept in git), it
//! is the version alone. Nothing here fails the build: every git error means "commit
//! unknown". A dirty working tree is not marked: knowing it would mean watching the index
//! and every source file, rebuilding on each `git add`, for a mark a release never carries.
//!
//! Cargo runs this again only when HEAD moves: when `.git/HEAD` changes (a checkout) or
//! the branch it points to does (a commit). In a linked worktree `.git` is a file, HEAD
//! lives in the worktree's own git folder and branches in the shared one, so both are
//! asked of git rather than assumed.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let full = match commit(&manifest) {
        Some(commit) => format!("{version} ({commit})"),
        None => version,
    };
    println!("cargo:rustc-env=MESHWARD_VERSION={full}");
}

/// The first 12 hex digits of HEAD, when MANIFEST is tracked in the checkout around it;
/// prints the files whose change moves HEAD for cargo to watch.
fn commit(manifest: &Path) -> Option<String> {
    // The crate's own Cargo.toml must be in this repository, or the commit is someone else's.
    git(
        manifest,
        &["ls-files", "--error-unmatch", "--", "Cargo.toml"],
    )?;
    let git_dir = manifest.join(git(manifest, &["rev-parse", "--git-dir"])?);
    let common_dir = manifest.join(git(manifest, &["rev-parse", "--git-common-dir"])?);
    watch(&git_dir.join("HEAD"));
    // A detached HEAD names no branch; HEAD itself is then all there is to watch.
    if let Some(branch) = git(manifest, &["symbolic-ref", "-q", "HEAD"]) {
        watch_ref(&common_dir, &branch);
    }
    let head = git(manifest, &["rev-parse", "--verify", "-q", "HEAD"])?;
    let short = head.get(..12)?;
    short
        .bytes()
        .all(|b| b.is_ascii_hexdigit())
        .then(|| short.to_ascii_lowercase())
}

/// Watch BRANCH (`refs/heads/main`) under COMMON: its loose file when there is one, else
/// `packed-refs` and the nearest existing folder on the way to where the loose file would
/// be written (a commit on a packed branch creates it there); in a repository that keeps
/// its refs in a reftable, that folder.
fn watch_ref(common: &Path, branch: &str) {
    let reftable = common.join("reftable");
    if reftable.is_dir() {
        watch(&reftable);
        return;
    }
    let loose = common.join(branch);
    if loose.is_file() {
        // Git reads the loose file first; if `git pack-refs` removes it, cargo sees it gone.
        watch(&loose);
        return;
    }
    watch(&common.join("packed-refs"));
    if let Some(folder) = loose.ancestors().skip(1).find(|p| p.is_dir()) {
        watch(folder);
    }
}

/// Tell cargo to rerun this script when PATH changes. Cargo reruns on every build for a
/// watched path that does not exist, so only existing paths are named.
fn watch(path: &Path) {
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// The trimmed stdout of `git ARGS` run in DIR, or `None` when git is missing, fails or
/// prints nothing.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}
