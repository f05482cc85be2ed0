//! What lies between two tokens: the syntax tree drops it, the formatter keeps its
//! comments and whether a blank line separated things. The grammar allows nothing there
//! but spaces, tabs, line breaks (LF, CRLF, CR) and `#` comments to the end of the line.

/// One comment or one line break in the text between two tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gap<'a> {
    /// A line break.
    Newline,
    /// A comment from `#` to the end of its line, without the line break; `start` is its
    /// byte offset in the file.
    Comment { text: &'a str, start: usize },
    /// Text the grammar does not allow between tokens; the formatter refuses the file
    /// rather than drop it.
    Stray,
}

/// The comments and line breaks of `source[start..end]`, in order.
pub(crate) fn gap(source: &str, start: usize, end: usize) -> Vec<Gap<'_>> {
    let text = source.get(start..end).unwrap_or("");
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            ' ' | '\t' => {}
            '\n' => out.push(Gap::Newline),
            '\r' => {
                if chars.peek().is_some_and(|&(_, n)| n == '\n') {
                    chars.next();
                }
                out.push(Gap::Newline);
            }
            '#' => {
                let len = text[i..].find(['\n', '\r']).unwrap_or(text.len() - i);
                out.push(Gap::Comment {
                    text: &text[i..i + len],
                    start: start + i,
                });
                while chars.peek().is_some_and(|&(j, _)| j < i + len) {
                    chars.next();
                }
            }
            _ => out.push(Gap::Stray),
        }
    }
    out
}

/// The column (in characters, from 0) at which byte OFFSET stands on its line.
pub(crate) fn column(source: &str, offset: usize) -> usize {
    let before = source.get(..offset).unwrap_or("");
    let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    before[line_start..].chars().count()
}

#[cfg(test)]
mod tests {
    use super::{column, gap, Gap};

    #[test]
    fn comments_and_breaks_in_order() {
        let src = "a  # one\r\n\n\t# two\rb";
        let found = gap(src, 1, src.len() - 1);
        assert_eq!(
            found,
            [
                Gap::Comment {
                    text: "# one",
                    start: 3
                },
                Gap::Newline,
                Gap::Newline,
                Gap::Comment {
                    text: "# two",
                    start: 12
                },
                Gap::Newline,
            ]
        );
        assert_eq!(column(src, 3), 3);
        assert_eq!(column(src, 12), 1);
    }
}
