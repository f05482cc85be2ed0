//! The formatter's promises on one input, for the tests and the `parse_bytes` fuzz target:
//! a file that parses formats without error, to text that parses to the same syntax tree
//! and that formats to itself.

use super::text::format;
use super::tree::syntax_tree;

/// `Ok` when TEXT does not parse or when every promise holds; otherwise what broke.
pub fn check_invariants(text: &str) -> Result<(), String> {
    let Some(tree) = syntax_tree(text) else {
        return Ok(());
    };
    let once = format(text).map_err(|d| format!("a file that parses does not format: {d:?}"))?;
    if syntax_tree(&once).as_ref() != Some(&tree) {
        return Err(format!("the formatted text parses differently:\n{once}"));
    }
    let twice = format(&once).map_err(|d| format!("the formatted text does not format: {d:?}"))?;
    if twice != once {
        return Err(format!(
            "formatting is not idempotent:\n--- once\n{once}\n--- twice\n{twice}"
        ));
    }
    Ok(())
}
