//! The walk over pest's pairs that every lowering function shares: the [`Lower`] context,
//! spans that end at a rule's last token, words, and the children that carry meaning.
//!
//! The `service` and `mesh` lowerings are built from these helpers; a part that is
//! missing becomes an empty word at the enclosing rule's span rather than a panic.

use crate::ast::{self, Word};
use crate::parse::grammar::Rule;
use crate::source::{FileId, Span};
use pest::iterators::Pair;

/// Lowers the pairs of one file.
pub(crate) struct Lower {
    pub id: FileId,
}

impl Lower {
    /// The pair's span, ending at its last token: pest counts the whitespace and comments
    /// skipped after an optional part as part of the pair, which would put carets on them.
    pub(crate) fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        let end = pair
            .clone()
            .into_inner()
            .last()
            .map_or(s.end(), |last| self.span(&last).end as usize);
        Span::new(self.id, s.start(), end)
    }

    pub(crate) fn word(&self, pair: &Pair<Rule>) -> Word {
        Word {
            text: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    /// The children that carry meaning: keywords and punctuation are named rules only so
    /// that error messages can name them.
    pub(crate) fn meaningful<'a>(
        &self,
        pair: Pair<'a, Rule>,
    ) -> impl Iterator<Item = Pair<'a, Rule>> {
        pair.into_inner().filter(|p| !is_punctuation(p.as_rule()))
    }

    pub(crate) fn empty_word(&self, span: Span) -> Word {
        Word {
            text: String::new(),
            span,
        }
    }

    pub(crate) fn first_word(&self, pair: Pair<Rule>, span: Span) -> Word {
        self.first_of(pair, Rule::word, span)
    }

    pub(crate) fn first_of(&self, pair: Pair<Rule>, rule: Rule, span: Span) -> Word {
        pair.into_inner()
            .find(|p| p.as_rule() == rule)
            .map(|p| self.word(&p))
            .unwrap_or_else(|| self.empty_word(span))
    }

    /// Every child token of RULE, in order: the items of a comma list.
    pub(crate) fn all_of(&self, pair: Pair<Rule>, rule: Rule) -> Vec<Word> {
        pair.into_inner()
            .filter(|p| p.as_rule() == rule)
            .map(|p| self.word(&p))
            .collect()
    }

    pub(crate) fn labels_of(&self, pair: Pair<Rule>) -> Vec<ast::Label> {
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
