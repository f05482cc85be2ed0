//! The base side: the intent files below DIR at a git revision, read from git objects
//! (one `git ls-tree`, one `git cat-file --batch`), so the working tree and the index
//! are never touched. Each blob is checked as the loader checks a file on disk.

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The intent files under DIR as they are at a revision.
#[derive(Debug, Default)]
pub struct Revision {
    /// The readable files, displayed as `REV:path/in/repository`, sorted by their path
    /// relative to DIR.
    pub files: Vec<SourceFile>,
    /// DIR's path inside the repository, empty or ending in `/`.
    pub prefix: String,
    /// Files that exist but cannot be read as intents (not UTF-8, too large, a link out of
    /// the repository), named `REV:path/in/repository`.
    pub errors: Vec<Diagnostic>,
}

/// Read the `*.intent` files below `dir` at revision `rev` from git objects. A revision
/// where DIR does not exist gives no files. `Err` is a message about git or the revision.
pub fn files_at(dir: &Path, rev: &str) -> Result<Revision, String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let root = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    let prefix = git(dir, &["rev-parse", "--show-prefix"])?
        .trim_end_matches(['\n', '\r'])
        .to_string();
    let spec = format!("{rev}^{{commit}}");
    let commit = git(
        &root,
        &["rev-parse", "--verify", "--quiet", "--end-of-options", &spec],
    )
    .map_err(|_| {
        format!(
            "unknown revision `{rev}`; a shallow clone may lack it (fetch more history, e.g. `fetch-depth: 0`)"
        )
    })?
    .trim()
    .to_string();
    let mut args = vec![
        "--literal-pathspecs",
        "ls-tree",
        "-r",
        "-z",
        commit.as_str(),
    ];
    if !prefix.is_empty() {
        args.extend(["--", prefix.as_str()]);
    }
    let listing = git(&root, &args)?;
    let mut wanted = Vec::new();
    for entry in listing.split('\0').filter(|e| !e.is_empty()) {
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let kind = meta.split(' ').nth(1).unwrap_or("");
        let Some(relative) = path.strip_prefix(prefix.as_str()) else {
            continue;
        };
        // As the loader: `*.intent` files, nothing hidden, links followed to files only.
        let hidden = relative.split('/').any(|c| c.starts_with('.'));
        if kind == "blob" && !hidden && relative.ends_with(".intent") {
            wanted.push((relative.to_string(), path.to_string()));
        }
    }
    let mut revision = Revision {
        prefix: prefix.clone(),
        ..Revision::default()
    };
    let objects: Vec<String> = wanted
        .iter()
        .map(|(_, path)| format!("{commit}:{path}"))
        .collect();
    let blobs = cat_batch(&root, &objects)?;
    for ((relative, path), blob) in wanted.into_iter().zip(blobs) {
        // `REV:path/in/repository`, so that diagnostics of the base side cannot be
        // mistaken for the working tree's (and `git show` accepts the name).
        let shown = format!("{rev}:{path}");
        let bytes = match blob {
            Blob::File(bytes) => bytes,
            Blob::NotFile => continue,
            Blob::Outside(target) => {
                revision.errors.push(
                    Diagnostic::file_error(
                        crate::code::Code::NoIntents,
                        &shown,
                        1,
                        1,
                        format!("symbolic link to `{target}`, outside the repository"),
                    )
                    .with_help("the base side can only read files that git holds"),
                );
                continue;
            }
        };
        match crate::load::source_file(shown, relative, bytes) {
            Ok(file) => revision.files.push(file),
            Err(d) => revision.errors.push(d),
        }
    }
    revision.files.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(revision)
}

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr.trim();
        return Err(if message.is_empty() {
            format!("`git {}` failed", args.join(" "))
        } else {
            message.to_string()
        });
    }
    String::from_utf8(output.stdout)
        .map_err(|_| format!("`git {}`: output is not UTF-8", args.join(" ")))
}

enum Blob {
    File(Vec<u8>),
    /// A folder, a dangling or looping link, or nothing: the loader would skip it too.
    NotFile,
    /// A link that leaves the repository.
    Outside(String),
}

/// Read `REV:path` objects through one `git cat-file --batch --follow-symlinks`.
fn cat_batch(root: &Path, objects: &[String]) -> Result<Vec<Blob>, String> {
    if objects.is_empty() {
        return Ok(Vec::new());
    }
    if objects.iter().any(|o| o.contains('\n')) {
        return Err("an intent file's path contains a line break".to_string());
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["cat-file", "--batch", "--follow-symlinks"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let input: String = objects.iter().map(|o| format!("{o}\n")).collect();
    let mut stdin = child.stdin.take().ok_or("cannot write to git")?;
    // Write from another thread: git answers while it reads, and a full pipe would block.
    let writer =
        std::thread::spawn(move || std::io::Write::write_all(&mut stdin, input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| format!("git cat-file: {e}"))?;
    let _ = writer.join();
    if !output.status.success() {
        return Err(format!(
            "git cat-file: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let data = output.stdout;
    let mut at = 0;
    let mut blobs = Vec::with_capacity(objects.len());
    let broken = || "git cat-file: unexpected output".to_string();
    for _ in objects {
        let end = data[at..]
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(broken)?
            + at;
        let header = String::from_utf8_lossy(&data[at..end]).into_owned();
        at = end + 1;
        let fields: Vec<&str> = header.split(' ').collect();
        let body = |at: &mut usize, size: &str| -> Result<Vec<u8>, String> {
            let size: usize = size.parse().map_err(|_| broken())?;
            let bytes = data.get(*at..*at + size).ok_or_else(broken)?.to_vec();
            *at += size + 1;
            Ok(bytes)
        };
        let blob = match fields.as_slice() {
            [_, "blob", size] => Blob::File(body(&mut at, size)?),
            [_, _, size] => {
                body(&mut at, size)?;
                Blob::NotFile
            }
            ["symlink", size] => {
                let target = body(&mut at, size)?;
                Blob::Outside(String::from_utf8_lossy(&target).into_owned())
            }
            ["dangling" | "loop" | "notdir", size] => {
                body(&mut at, size)?;
                Blob::NotFile
            }
            [.., "missing"] => Blob::NotFile,
            _ => return Err(format!("git cat-file: {header}")),
        };
        blobs.push(blob);
    }
    Ok(blobs)
}
