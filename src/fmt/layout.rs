//! The canonical layout of one file's tokens, with the comments between them put back.
//!
//! Two spaces per block level; one statement, one HTTP rule and one closing brace per
//! line, except that an empty block closes where it opens (`{}`); one space between tokens except around `,` `:` `|` `/` `=` (see [`spaced`]).
//!
//! A comment after code stays on its line. It keeps its distance from the first token of
//! the line when that token began the line in the input too and the code leaves room, so
//! that hand-aligned comments stay aligned when a block is re-indented; otherwise one
//! space separates it from the code. A comment on a line of its own stays there, indented
//! as the line that follows, unless it stands right under a comment after code, at its
//! column: it then continues that comment and stays aligned with it. A comment inside a
//! statement ends the line; the statement continues on the next, two levels deeper.
//!
//! A blank line between two things survives as one, except right after an opening brace,
//! before a closing brace and at either end of the file.

use super::comments::{column, gap, Gap};
use super::tokens::{spaced, Break, Token};
use crate::parse::Rule;

/// One level of indentation.
const INDENT: &str = "  ";
/// Extra levels of a statement's line after a comment broke it.
const CONTINUATION: usize = 2;

/// The input had text between tokens that is neither whitespace nor a comment, which the
/// grammar cannot produce; the file is left alone rather than lose it.
#[derive(Debug)]
pub(crate) struct Stray;

/// The lines of the canonical layout, without line breaks.
pub(crate) fn layout(source: &str, tokens: &[Token<'_>]) -> Result<Vec<String>, Stray> {
    let mut printer = Printer {
        source,
        lines: Vec::new(),
        open: None,
        opens_block: false,
        depth: 0,
        origin: None,
    };
    let mut end = 0;
    for token in tokens {
        let comment_depth = match token.brk {
            Break::Line(d) if token.rule == Rule::rbrace => d + 1,
            Break::Line(d) => d,
            Break::Inline => printer.depth + CONTINUATION,
        };
        let newlines = printer.gap(end, token.start, comment_depth)?;
        printer.token(token, newlines);
        end = token.end;
    }
    printer.gap(end, source.len(), 0)?;
    printer.close();
    Ok(printer.lines)
}

/// Whether no line break stands between byte offsets A and B.
fn same_line(source: &str, a: usize, b: usize) -> bool {
    source.get(a..b).is_some_and(|t| !t.contains(['\n', '\r']))
}

struct Printer<'a> {
    source: &'a str,
    lines: Vec<String>,
    /// The line being written and the rule of its last token.
    open: Option<(String, Rule)>,
    /// Whether the last finished line ends in `{` (before any comment).
    opens_block: bool,
    /// The depth of the last line a token started.
    depth: usize,
    /// For the line being written, when its first token was also the first of its line in
    /// the input: that token's offset, and the line's indentation in the output.
    origin: Option<(usize, usize)>,
}

impl Printer<'_> {
    /// Writes the comments between two tokens; returns the line breaks after the last one.
    fn gap(&mut self, start: usize, end: usize, depth: usize) -> Result<usize, Stray> {
        let mut newlines = 0;
        // The written and the output column of the last comment after code: a comment on
        // the next line at the same column continues it, and stays aligned with it.
        let mut hanging: Option<(usize, usize)> = None;
        for item in gap(self.source, start, end) {
            match item {
                Gap::Newline => newlines += 1,
                Gap::Stray => return Err(Stray),
                Gap::Comment { text, start } => {
                    let text = text.trim_end();
                    let written = column(self.source, start);
                    let origin = self.origin;
                    if let (Some((line, _)), 0) = (&mut self.open, newlines) {
                        let at = line.chars().count();
                        let want = match origin {
                            Some((first, indent)) if same_line(self.source, first, start) => {
                                indent + written.saturating_sub(column(self.source, first))
                            }
                            _ => 0,
                        }
                        .max(at + 1);
                        line.extend(std::iter::repeat_n(' ', want - at));
                        line.push_str(text);
                        hanging = Some((written, want));
                        self.close();
                    } else {
                        self.close();
                        let indent = match hanging {
                            Some((column, at)) if newlines == 1 && column == written => at,
                            _ => {
                                hanging = None;
                                if newlines >= 2 {
                                    self.blank();
                                }
                                INDENT.len() * depth
                            }
                        };
                        self.lines.push(format!("{}{text}", " ".repeat(indent)));
                        self.opens_block = false;
                    }
                    newlines = 0;
                }
            }
        }
        Ok(newlines)
    }

    /// Writes one token, NEWLINES line breaks after the previous thing in the input.
    fn token(&mut self, token: &Token<'_>, newlines: usize) {
        match (token.brk, &mut self.open) {
            // An empty block closes on its own line: `{}`.
            (Break::Line(_), Some((line, last)))
                if *last == Rule::lbrace && token.rule == Rule::rbrace =>
            {
                line.push_str(token.text);
                *last = token.rule;
            }
            (Break::Line(depth), _) => {
                self.close();
                if newlines >= 2 && token.rule != Rule::rbrace {
                    self.blank();
                }
                self.depth = depth;
                self.start(depth, token);
            }
            (Break::Inline, Some((line, last))) => {
                if spaced(*last, token.rule) {
                    line.push(' ');
                }
                line.push_str(token.text);
                *last = token.rule;
            }
            (Break::Inline, None) => self.start(self.depth + CONTINUATION, token),
        }
    }

    fn start(&mut self, depth: usize, token: &Token<'_>) {
        let indent = INDENT.repeat(depth);
        let before = self.source.get(..token.start).unwrap_or("");
        let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let first = before[line_start..].trim_matches([' ', '\t']).is_empty();
        self.origin = first.then_some((token.start, indent.len()));
        self.open = Some((format!("{indent}{}", token.text), token.rule));
    }

    /// Finishes the line being written, if any.
    fn close(&mut self) {
        if let Some((line, last)) = self.open.take() {
            self.lines.push(line);
            self.opens_block = last == Rule::lbrace;
        }
    }

    /// One blank line, where one may stand.
    fn blank(&mut self) {
        let after_text = self.lines.last().is_some_and(|l| !l.is_empty());
        if after_text && !self.opens_block {
            self.lines.push(String::new());
        }
    }
}
