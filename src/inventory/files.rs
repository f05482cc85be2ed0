//! The objects in a set of files and folders, each with the file and line it starts at.
//!
//! `.yaml`, `.yml` and `.json` files are read, folders walked in name order (so the same
//! input gives the same order on any machine); a YAML file may hold many documents (`---`),
//! and `List` or `<Kind>List` objects (`kubectl get -A -o yaml`) are unpacked, their items
//! taking the list's kind without `List` when they name none. serde_yaml gives no
//! positions, so the line of a document is found from its `---` separator and the line of
//! a list item from the `- ` that opens it at the items' indentation; where the text does
//! not show them plainly, the document's own line stands in.

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

/// Where an object starts: the file as given on the command line joined with its path
/// below a folder, and a 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One object of the input.
#[derive(Clone, Debug)]
pub struct Object {
    pub value: Value,
    pub origin: Origin,
}

/// Something the input holds that cannot be read, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub origin: Origin,
    pub message: String,
}

fn is_input(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Every input file under PATHS (a file given by name is read whatever its extension).
fn files(paths: &[PathBuf], problems: &mut Vec<Problem>) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>, problems: &mut Vec<Problem>) {
        let mut entries: Vec<PathBuf> = match fs::read_dir(dir) {
            Ok(entries) => entries.flatten().map(|e| e.path()).collect(),
            Err(e) => {
                problems.push(Problem {
                    origin: Origin {
                        file: dir.display().to_string(),
                        line: 0,
                    },
                    message: format!("cannot read folder: {e}"),
                });
                return;
            }
        };
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out, problems);
            } else if is_input(&path) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut out, problems);
        } else {
            out.push(path.clone());
        }
    }
    out
}

/// The documents of a YAML text, each with the line it starts on; `---` and `...` lines
/// separate them.
fn documents(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 1;
    for (i, line) in text.lines().enumerate() {
        let bare = line.split('#').next().unwrap_or("").trim_end();
        if bare == "---" || bare == "..." || bare.starts_with("--- ") {
            if !current.trim().is_empty() {
                out.push((start, std::mem::take(&mut current)));
            }
            current.clear();
            start = i + 2;
            continue;
        }
        if current.is_empty() && line.trim().is_empty() {
            start = i + 2;
            continue;
        }
        current.push_str(line);
        current.push('\n');
    }
    if !current.trim().is_empty() {
        out.push((start, current));
    }
    out
}

/// The lines (relative to the document, 0-based) where each item of a top-level `items:`
/// list starts, when the text shows them plainly.
fn item_lines(document: &str) -> Vec<usize> {
    let lines: Vec<&str> = document.lines().collect();
    let Some(at) = lines.iter().position(|l| l.trim_end() == "items:") else {
        return Vec::new();
    };
    let mut indent = None;
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate().skip(at + 1) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let width = line.len() - trimmed.len();
        if width == 0 && !trimmed.starts_with("- ") {
            break; // the next top-level key
        }
        if trimmed.starts_with("- ") || trimmed == "-" {
            match indent {
                None => {
                    indent = Some(width);
                    out.push(i);
                }
                Some(w) if w == width => out.push(i),
                _ => {}
            }
        }
    }
    out
}

/// Unpack a `List` or `<Kind>List` into its items, each with its line.
fn unpack(value: Value, origin: Origin, lines: &[usize], out: &mut Vec<Object>) {
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let is_list = kind.ends_with("List") && value.get("items").is_some_and(Value::is_array);
    if !is_list {
        out.push(Object { value, origin });
        return;
    }
    let item_kind = kind.strip_suffix("List").unwrap_or_default().to_string();
    let Some(items) = value.get("items").and_then(Value::as_array) else {
        return;
    };
    let exact = lines.len() == items.len();
    for (i, item) in items.iter().enumerate() {
        let mut item = item.clone();
        if let Some(map) = item.as_object_mut() {
            if !map.contains_key("kind") && !item_kind.is_empty() {
                map.insert("kind".into(), Value::String(item_kind.clone()));
            }
        }
        let line = if exact {
            origin.line + lines[i]
        } else {
            origin.line
        };
        unpack(
            item,
            Origin {
                file: origin.file.clone(),
                line,
            },
            &[],
            out,
        );
    }
}

/// Objects held in memory (a generated dump, say), each at its 1-based position in FILE.
pub fn objects(values: Vec<Value>, file: &str) -> Vec<Object> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| Object {
            value,
            origin: Origin {
                file: file.to_string(),
                line: i + 1,
            },
        })
        .collect()
}

/// Every object in the files and folders of PATHS, in path order, and what could not be
/// read.
pub fn read(paths: &[PathBuf]) -> (Vec<Object>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for path in files(paths, &mut problems) {
        let file = path.display().to_string();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                problems.push(Problem {
                    origin: Origin { file, line: 0 },
                    message: format!("cannot read file: {e}"),
                });
                continue;
            }
        };
        let json = path.extension().and_then(|e| e.to_str()) == Some("json");
        let (objects, more) = read_text(&file, text, json);
        out.extend(objects);
        problems.extend(more);
    }
    (out, problems)
}

/// The objects of one file's TEXT (JSON when JSON, else YAML with `---` documents), named
/// FILE in origins, and what could not be read.
pub fn read_text(file: &str, text: String, json: bool) -> (Vec<Object>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let documents = if json {
        vec![(1, text)]
    } else {
        documents(&text)
    };
    for (line, document) in documents {
        let origin = Origin {
            file: file.to_string(),
            line,
        };
        let parsed: Result<Value, String> = if json {
            serde_json::from_str(&document).map_err(|e| e.to_string())
        } else {
            serde_yaml::from_str(&document).map_err(|e| e.to_string())
        };
        match parsed {
            Ok(Value::Null) => {}
            Ok(value) => unpack(value, origin, &item_lines(&document), &mut out),
            Err(e) => problems.push(Problem {
                origin,
                message: format!("not valid {}: {e}", if json { "JSON" } else { "YAML" }),
            }),
        }
    }
    (out, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_start_where_their_separator_ends() {
        let text = "a: 1\n---\n\nb: 2\n--- # c\nc: 3\n...\n";
        let docs: Vec<usize> = documents(text).into_iter().map(|(l, _)| l).collect();
        assert_eq!(docs, [1, 4, 6]);
    }

    #[test]
    fn list_items_have_their_own_lines() {
        let doc = "apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata:\n    name: a\n- kind: Pod\n  metadata:\n    name: b\n";
        assert_eq!(item_lines(doc), [3, 6]);
        let value: Value = serde_yaml::from_str(doc).expect("yaml");
        let mut out = Vec::new();
        let origin = Origin {
            file: "f.yaml".into(),
            line: 10,
        };
        unpack(value, origin, &item_lines(doc), &mut out);
        let lines: Vec<usize> = out.iter().map(|o| o.origin.line).collect();
        assert_eq!(lines, [13, 16]);
    }

    #[test]
    fn kind_lists_give_their_items_a_kind() {
        let value = serde_json::json!({"kind": "PodList", "items": [{"metadata": {"name": "a"}}]});
        let mut out = Vec::new();
        let origin = Origin {
            file: "f.json".into(),
            line: 1,
        };
        unpack(value, origin, &[], &mut out);
        assert_eq!(out[0].value["kind"], "Pod");
    }
}
