//! A file's syntax tree with every span left out, so that two layouts of the same
//! statements compare equal: how the formatter proves it changed nothing but layout.

use crate::parse;
use crate::source::SourceFile;

/// The syntax tree of TEXT, spans removed, as text; `None` when it does not parse.
pub fn syntax_tree(text: &str) -> Option<String> {
    let file = SourceFile::new(String::new(), String::new(), text.to_string());
    let item = parse::parse(0, &file).ok()?;
    Some(without_spans(&format!("{item:?}")))
}

/// Debug output with each `Span { .. }` cut to `Span`. A token's text never holds a space,
/// so it cannot contain the pattern.
fn without_spans(debug: &str) -> String {
    const SPAN: &str = "Span { file: ";
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(at) = rest.find(SPAN) {
        out.push_str(&rest[..at]);
        out.push_str("Span");
        rest = &rest[at..];
        let end = rest.find('}').map_or(rest.len(), |i| i + 1);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::syntax_tree;

    #[test]
    fn layouts_of_one_statement_compare_equal() {
        let a = syntax_tree("service a in b {\n  port http 80:8080/http\n}\n");
        let b = syntax_tree("service a in b{port http 80:8080 / http}");
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_ne!(
            a,
            syntax_tree("service a in b {\n  port http 8080/http\n}\n")
        );
        assert_eq!(syntax_tree("service a in {"), None);
    }
}
