//! Pest's pairs to syntax tree, one function per grammar rule.
//!
//! Lowering never fails on a successful pest parse: the grammar already fixed the shape,
//! so the helpers only walk it, and a part that is somehow missing becomes an empty word
//! at the enclosing rule's span rather than a panic. Spans end at a rule's last token
//! ([`Lower::span`]); the fast reader builds the same spans.

mod mesh;
mod service;

use super::Rule;
use crate::ast::{self, Word};
use crate::source::{FileId, Span};
use pest::iterators::Pair;

/// Lowers the pairs of one file.
pub(super) struct Lower {
    pub id: FileId,
}

impl Lower {
    /// The pair's span, ending at its last token: pest counts the whitespace and comments
    /// skipped after an optional part as part of the pair, which would put carets on them.
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        let end = pair
            .clone()
            .into_inner()
            .last()
            .map_or(s.end(), |last| self.span(&last).end as usize);
        Span::new(self.id, s.start(), end)
    }

    fn word(&self, pair: &Pair<Rule>) -> Word {
        Word {
            text: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    /// The children that carry meaning: keywords and punctuation are named rules only so
    /// that error messages can name them.
    fn meaningful<'a>(&self, pair: Pair<'a, Rule>) -> impl Iterator<Item = Pair<'a, Rule>> {
        pair.into_inner().filter(|p| !is_punctuation(p.as_rule()))
    }

    fn empty_word(&self, span: Span) -> Word {
        Word {
            text: String::new(),
            span,
        }
    }

    fn first_word(&self, pair: Pair<Rule>, span: Span) -> Word {
        self.first_of(pair, Rule::word, span)
    }

    fn first_of(&self, pair: Pair<Rule>, rule: Rule, span: Span) -> Word {
        pair.into_inner()
            .find(|p| p.as_rule() == rule)
            .map(|p| self.word(&p))
            .unwrap_or_else(|| self.empty_word(span))
    }

    fn labels_of(&self, pair: Pair<Rule>) -> Vec<ast::Label> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::labels)
            .flat_map(|p| p.into_inner())
            .filter(|p| p.as_rule() == Rule::label)
            .map(|label| {
                let span = self.span(&label);
                let mut key = self.empty_word(span);
                let mut value = self.empty_word(span);
                for part in label.into_inner() {
                    match part.as_rule() {
                        Rule::label_key => key = self.word(&part),
                        Rule::label_value => value = self.word(&part),
                        _ => {}
                    }
                }
                ast::Label { key, value }
            })
            .collect()
    }
}

fn is_punctuation(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::lbrace
            | Rule::rbrace
            | Rule::comma
            | Rule::colon
            | Rule::equals
            | Rule::slash
            | Rule::bar
            | Rule::EOI
    )
}
