//! One diagnostic type and its renderers.
//!
//! Every stage reports problems as [`Diagnostic`]s and keeps going, so one run shows every
//! error it can find. The text form is the contract's `FILE:LINE:COL: error: MESSAGE`
//! followed by the offending line, a caret under the span and an optional `help:` line;
//! the renderer is hand-written because none of the snippet crates prints that first line.
//!
//! The diagnostic itself lives in `record`, the run-wide order and count in `list`, and the
//! `--format` choice in `format`. The forms live by noun: `text` for people, `json` for
//! tools, `github` for workflow annotations, and `failure` for errors that are not about
//! the intents.

mod failure;
mod format;
mod github;
mod json;
mod list;
mod record;
mod text;

pub use failure::{render_failure, render_failure_at, render_faults};
pub use format::Format;
pub use github::render_github;
pub use json::render_json;
pub use list::{sort, summary};
pub use record::{Diagnostic, Note, Position, Severity};
pub use text::{render_text, render_text_styled};

use crate::source::SourceMap;

/// A diagnostic in FORMAT, with colours in the text form when COLOUR is true.
pub fn render(d: &Diagnostic, sources: &SourceMap, format: Format, colour: bool) -> String {
    match format {
        Format::Text => render_text_styled(d, sources, colour),
        Format::Json => render_json(d, sources) + "\n",
        Format::Github => render_github(d, sources),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn faults_read_the_same_in_every_command() {
        let text = render_faults(&["a", "b"], Format::Text);
        assert_eq!(
            text,
            "meshward: error: self-check failed: the rendered policies disagree with the intents\n  \
             a\n  b\nThis is a bug in meshward, not in your intents; nothing was written. \
             Please report it with the intent files.\n"
        );
        let json = render_faults(&["a", "b"], Format::Json);
        let lines: Vec<serde_json::Value> = json
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["severity"], "error");
        assert!(lines[1]["code"].is_null());
        assert_eq!(render_faults(&["a"], Format::Github).lines().count(), 1);
        assert_eq!(render_faults::<&str>(&[], Format::Text), "");
    }

    #[test]
    fn a_file_that_could_not_be_read_still_has_a_place() {
        let d = Diagnostic::file_error(crate::code::Code::NotUtf8, "a.intent", 2, 28, "bad");
        let sources = SourceMap::default();
        assert!(render_text(&d, &sources).starts_with("a.intent:2:28: error: bad [E0004]\n"));
        let json: serde_json::Value =
            serde_json::from_str(&render_json(&d, &sources)).expect("json");
        assert_eq!(
            (json["line"].as_u64(), json["column"].as_u64()),
            (Some(2), Some(28))
        );
        assert_eq!(json["end_line"], 2);
        assert!(render_github(&d, &sources)
            .starts_with("::error file=a.intent,line=2,col=28,endLine=2,endColumn=28,"));
        let folder = Diagnostic::path_error(crate::code::Code::NoIntents, "dir", "none");
        assert!(render_text(&folder, &sources).starts_with("dir: error: none"));
    }

    #[test]
    fn notes_reach_the_json_form() {
        let mut sources = SourceMap::default();
        let id = sources.add(crate::source::SourceFile::new(
            "b.intent".into(),
            "b.intent".into(),
            "service b in x {\n}\n".into(),
        ));
        let mut d = Diagnostic::error(crate::code::Code::CallNotAllowed, Span::new(id, 0, 7), "no");
        d.note(Span::new(id, 8, 9), "here");
        let json: serde_json::Value =
            serde_json::from_str(&render_json(&d, &sources)).expect("json");
        assert_eq!(json["notes"][0]["file"], "b.intent");
        assert_eq!(
            (
                json["notes"][0]["line"].as_u64(),
                json["notes"][0]["column"].as_u64()
            ),
            (Some(1), Some(9))
        );
        assert_eq!(json["notes"][0]["message"], "here");
    }

    #[test]
    fn failures_outside_the_intents_follow_the_format() {
        assert_eq!(
            render_failure("out", "refused", Format::Text),
            "out: error: refused\n"
        );
        let json: serde_json::Value =
            serde_json::from_str(&render_failure("out", "refused", Format::Json)).expect("json");
        assert_eq!(json["file"], "out");
        assert_eq!(json["message"], "refused");
        assert_eq!(
            render_failure("a:b", "x", Format::Github),
            "::error file=a%3Ab,title=meshward::x\n"
        );
    }

    #[test]
    fn failures_in_other_files_keep_their_place() {
        let at = Some(Position { line: 4, column: 9 });
        assert_eq!(
            render_failure_at("t.jinja", at, "bad", Some("fix"), Format::Text),
            "t.jinja:4:9: error: bad\n  = help: fix\n"
        );
        assert_eq!(
            render_failure_at("t.jinja", None, "gone", None, Format::Text),
            "t.jinja: error: gone\n"
        );
        let json: serde_json::Value = serde_json::from_str(&render_failure_at(
            "t.jinja",
            at,
            "bad",
            Some("fix"),
            Format::Json,
        ))
        .expect("json");
        assert_eq!(
            (json["line"].as_u64(), json["end_column"].as_u64()),
            (Some(4), Some(9))
        );
        assert!(json["code"].is_null());
        assert_eq!(json["help"], "fix");
        assert_eq!(
            render_failure_at("t.jinja", at, "bad", Some("fix"), Format::Github),
            "::error file=t.jinja,line=4,col=9,endLine=4,endColumn=9,title=meshward::bad%0Ahelp: fix\n"
        );
    }
}
