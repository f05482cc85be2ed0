//! A local record of trees already compiled, so that `meshward check` of an unchanged tree
//! (a pre-commit hook, on every commit) does not compile and self-check it again.
//!
//! - **Key**: SHA-256 of meshward's version, the running executable's identity (path, size
//!   and modification time, so a rebuilt binary never trusts an older binary's record),
//!   and every intent file's relative path and bytes, in load order.
//! - **Record**: the path and SHA-256 of every file the tree compiles to, manifest
//!   included, and the compile's warnings. One is written only for a compile with no error
//!   and no self-check fault. A warning is kept as its code, message, help and the spans of
//!   it and its notes (file id and byte range): the key covers every intent byte in load
//!   order, so on a hit those spans point into the same texts, and the warning renders
//!   from the freshly loaded sources exactly as a full compile renders it, in any format
//!   and under whatever DIR spelling the user typed.
//! - **Use**: on a hit, `check` hashes OUT's files and compares them with the record by the
//!   rules of a full check (foreign files ignored, stale generated files count); when
//!   they match it reports the recorded warnings. When anything differs it compiles in
//!   full, to print the diff. A miss compiles in full.
//!
//! Records live outside the repository (`$MESHWARD_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/meshward`, else `~/.cache/meshward`), so a pull request cannot plant
//! one. The cache is off when `CI` is set (a CI gate always compiles), with
//! `MESHWARD_CACHE=off`, or with `--no-cache`; `MESHWARD_CACHE=on` turns it on under CI.
//! Any failure to read or write a record only means compiling in full.

use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::output::{sha256, Hash, Record, Tree};
use crate::source::{SourceMap, Span};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs;
use std::path::PathBuf;

/// Bumped when the record format or the key's recipe changes.
const FORMAT: &str = "meshward-check-record v2";
/// Starts the line of one recorded warning; a file line starts with a hex hash.
const WARNING: &str = "warning ";
/// Records kept; the oldest beyond this are removed when one is written.
const KEEP: usize = 64;

/// The record folder, when the cache is on.
pub struct Cache {
    dir: PathBuf,
}

/// What a record holds: the tree's files and the warnings its compile printed.
#[derive(Debug, PartialEq)]
pub struct Entry {
    pub files: Record,
    /// In the order a full compile reports them.
    pub warnings: Vec<Diagnostic>,
}

/// One warning as a record line holds it: spans as `(file, start, end)`.
#[derive(Serialize, Deserialize)]
struct StoredWarning {
    code: String,
    span: (u32, u32, u32),
    message: String,
    help: Option<String>,
    notes: Vec<((u32, u32, u32), String)>,
}

impl StoredWarning {
    /// None for what a record cannot replay: an error, or a warning with no span.
    fn from(d: &Diagnostic) -> Option<StoredWarning> {
        let span = d.span.filter(|_| !d.is_error())?;
        let triple = |s: Span| (s.file, s.start, s.end);
        Some(StoredWarning {
            code: d.code.as_str().to_string(),
            span: triple(span),
            message: d.message.clone(),
            help: d.help.as_deref().map(str::to_string),
            notes: d
                .notes
                .iter()
                .map(|n| (triple(n.span), n.message.clone()))
                .collect(),
        })
    }

    /// The warning, if its code is known and every span lies in SOURCES.
    fn into_diagnostic(self, sources: &SourceMap) -> Option<Diagnostic> {
        let code = *Code::ALL.iter().find(|c| c.as_str() == self.code)?;
        let span = |(file, start, end): (u32, u32, u32)| {
            let text = &sources.files().nth(file as usize)?.1.text;
            let fits = start <= end
                && text.is_char_boundary(start as usize)
                && text.is_char_boundary(end as usize);
            fits.then_some(Span { file, start, end })
        };
        let mut d = Diagnostic::warning(code, span(self.span)?, self.message);
        if let Some(help) = self.help {
            d.help(help);
        }
        for (at, message) in self.notes {
            d.note(span(at)?, message);
        }
        Some(d)
    }
}

impl Cache {
    /// The cache, unless DISABLED (`--no-cache`), `MESHWARD_CACHE=off`, or `CI` is set
    /// without `MESHWARD_CACHE=on`, or no folder can be found for it.
    pub fn open(disabled: bool) -> Option<Cache> {
        let setting = std::env::var("MESHWARD_CACHE").unwrap_or_default();
        let on = match setting.as_str() {
            "off" | "0" | "false" => false,
            "on" | "1" | "true" => true,
            _ => std::env::var("CI").map_or(true, |ci| ci.is_empty() || ci == "false"),
        };
        if disabled || !on {
            return None;
        }
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let dir = var("MESHWARD_CACHE_DIR")
            .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("meshward")))
            .or_else(|| var("HOME").map(|d| d.join(".cache").join("meshward")))?;
        Some(Cache { dir })
    }

    /// The key of the intents in SOURCES, as compiled by this very executable.
    pub fn key(sources: &SourceMap) -> String {
        let mut h = Sha256::new();
        h.update(FORMAT.as_bytes());
        h.update([0]);
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.update([0]);
        if let Ok(exe) = std::env::current_exe() {
            h.update(exe.to_string_lossy().as_bytes());
            if let Ok(meta) = fs::metadata(&exe) {
                h.update(meta.len().to_le_bytes());
                if let Ok(since) = meta
                    .modified()
                    .map(|m| m.duration_since(std::time::UNIX_EPOCH))
                {
                    h.update(since.unwrap_or_default().as_nanos().to_le_bytes());
                }
            }
        }
        for (_, file) in sources.files() {
            // Lengths first: no two different file lists hash the same bytes.
            h.update((file.relative.len() as u64).to_le_bytes());
            h.update(file.relative.as_bytes());
            h.update((file.text.len() as u64).to_le_bytes());
            h.update(file.text.as_bytes());
        }
        hex(&h.finalize().into())
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(key)
    }

    /// The record for KEY, if there is a readable one whose warnings all point into
    /// SOURCES (the intents KEY was computed from).
    pub fn lookup(&self, key: &str, sources: &SourceMap) -> Option<Entry> {
        let text = fs::read_to_string(self.path(key)).ok()?;
        let mut lines = text.lines();
        if lines.next() != Some(FORMAT) {
            return None;
        }
        let mut entry = Entry {
            files: Record::new(),
            warnings: Vec::new(),
        };
        for line in lines {
            if let Some(json) = line.strip_prefix(WARNING) {
                let stored: StoredWarning = serde_json::from_str(json).ok()?;
                entry.warnings.push(stored.into_diagnostic(sources)?);
                continue;
            }
            let (hash, path) = line.split_once(' ')?;
            entry.files.insert(path.to_string(), unhex(hash)?);
        }
        (!entry.files.is_empty()).then_some(entry)
    }

    /// Record that KEY compiles to TREE with DIAGNOSTICS, unless one of them is an error
    /// (or has no span to replay it by). Written beside its final name and renamed, so a
    /// reader never sees half a record.
    pub fn store(&self, key: &str, tree: &Tree, diagnostics: &[Diagnostic]) {
        let Some(warnings) = diagnostics
            .iter()
            .map(StoredWarning::from)
            .collect::<Option<Vec<_>>>()
        else {
            return;
        };
        let files: Vec<(&String, &String)> = tree.files.iter().collect();
        let hashes: Vec<String> = files
            .par_iter()
            .map(|(path, text)| format!("{} {path}\n", hex(&sha256(text.as_bytes()))))
            .collect();
        let mut text = format!("{FORMAT}\n");
        for w in &warnings {
            let Ok(json) = serde_json::to_string(w) else {
                return;
            };
            text.push_str(WARNING);
            text.push_str(&json);
            text.push('\n');
        }
        text.extend(hashes);
        let target = self.path(key);
        let temp = self.dir.join(format!(".{key}.{}", std::process::id()));
        let written = fs::create_dir_all(&self.dir)
            .and_then(|()| fs::write(&temp, text))
            .and_then(|()| fs::rename(&temp, &target));
        if written.is_err() {
            let _ = fs::remove_file(&temp);
            return;
        }
        self.prune();
    }

    /// Keep the newest [`KEEP`] records.
    fn prune(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let mut records: Vec<(std::time::SystemTime, PathBuf)> = entries
            .flatten()
            .filter(|e| e.file_name().len() == 64)
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        if records.len() <= KEEP {
            return;
        }
        records.sort();
        for (_, path) in &records[..records.len() - KEEP] {
            let _ = fs::remove_file(path);
        }
    }
}

fn hex(hash: &Hash) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Hash> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut hash = [0u8; 32];
    for (i, byte) in hash.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn hex_round_trips_and_rejects_junk() {
        let h = sha256(b"meshward");
        assert_eq!(unhex(&hex(&h)), Some(h));
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex(&"g".repeat(64)), None);
        assert_eq!(unhex(&"é".repeat(32)), None);
    }

    #[test]
    fn store_then_lookup_and_a_corrupt_record_is_a_miss() {
        let dir = std::env::temp_dir().join(format!("meshward-cache-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let cache = Cache { dir: dir.clone() };
        let tree = Tree {
            files: BTreeMap::from([
                ("a/b.yaml".to_string(), "x: 1\n".to_string()),
                ("kustomization.yaml".to_string(), "y\n".to_string()),
            ]),
        };
        let mut sources = SourceMap::default();
        let id = sources.add(crate::source::SourceFile::new(
            "d/a.intent".into(),
            "a.intent".into(),
            "service a in x {\n  port é 80\n}\n".into(),
        ));
        let mut warning = Diagnostic::warning(Code::UnknownNamespace, Span::new(id, 2, 9), "w");
        warning.help("h").note(Span::new(id, 24, 26), "n");
        let key = "0".repeat(64);
        assert_eq!(cache.lookup(&key, &sources), None);
        cache.store(&key, &tree, &[warning.clone()]);
        let entry = cache.lookup(&key, &sources).expect("stored");
        assert_eq!(entry.files.len(), 2);
        assert_eq!(entry.files["a/b.yaml"], sha256(b"x: 1\n"));
        assert_eq!(entry.warnings, vec![warning.clone()]);
        // A span that does not fit the texts it is replayed on is a miss.
        assert_eq!(cache.lookup(&key, &SourceMap::default()), None);
        let record = fs::read_to_string(dir.join(&key)).unwrap();
        for (from, to) in [
            ("[0,2,9]", "[0,2,99]"),
            ("[0,24,26]", "[0,25,26]"),
            ("W0", "X0"),
        ] {
            fs::write(dir.join(&key), record.replace(from, to)).unwrap();
            assert_eq!(cache.lookup(&key, &sources), None, "{to}");
        }
        fs::write(dir.join(&key), format!("{FORMAT}\nnot-a-hash a/b.yaml\n")).unwrap();
        assert_eq!(cache.lookup(&key, &sources), None);
        fs::write(dir.join(&key), format!("{FORMAT}\n{WARNING}{{\n")).unwrap();
        assert_eq!(cache.lookup(&key, &sources), None);
        fs::write(dir.join(&key), "another format\n").unwrap();
        assert_eq!(cache.lookup(&key, &sources), None);
        // An error is never recorded.
        let other = "1".repeat(64);
        let error = Diagnostic::error(Code::Syntax, Span::new(id, 0, 1), "e");
        cache.store(&other, &tree, &[warning, error]);
        assert_eq!(cache.lookup(&other, &sources), None);
        let _ = fs::remove_dir_all(&dir);
    }
}
