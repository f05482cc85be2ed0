//! The output tree as text: every document emitted, in path order, with the manifest
//! listing them added at the root.

use super::manifest::MANIFEST;
use crate::emit;
use crate::render::{Document, GENERATED_MARK};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// The complete text of the output tree: relative path to content, manifest included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    pub files: BTreeMap<String, String>,
}

impl Tree {
    pub fn from_documents(documents: &[Document]) -> Result<Tree, serde_json::Error> {
        // Documents are independent: emit them in parallel, then insert in order, so a
        // repeated path keeps the last document and the error is the first in order.
        let texts: Vec<Result<String, serde_json::Error>> =
            documents.par_iter().map(emit::emit).collect();
        let mut files = Vec::with_capacity(documents.len());
        for (d, text) in documents.iter().zip(texts) {
            files.push((d.path.clone(), text?));
        }
        Ok(Tree::from_texts(files))
    }

    /// The tree of emitted files given as `(path, text)` in path order (a repeated path
    /// keeps its last text), with the manifest added.
    pub fn from_texts(texts: Vec<(String, String)>) -> Tree {
        let files: BTreeMap<String, String> = texts.into_iter().collect();
        let mut manifest =
            format!("{GENERATED_MARK}. The files meshward wrote here; it prunes only these.\n");
        for path in files.keys() {
            manifest.push_str(path);
            manifest.push('\n');
        }
        let mut files = files;
        files.insert(MANIFEST.to_string(), manifest);
        Tree { files }
    }
}
