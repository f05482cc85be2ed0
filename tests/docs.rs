//! The docs quote what the tests exercise: every recipe file appears verbatim in
//! docs/gitops.md, so the page cannot drift from the files CI parses.

use std::fs;
use std::path::Path;

#[test]
fn gitops_page_quotes_every_recipe() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
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
