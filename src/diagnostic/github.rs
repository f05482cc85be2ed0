//! GitHub Actions workflow commands (`::error file=…::MESSAGE`), which the runner turns
//! into annotations on the pull request's diff.

use super::record::{label, Diagnostic};
use crate::source::SourceMap;

/// A GitHub Actions workflow command, so the diagnostic shows inline on the pull request.
pub fn render_github(d: &Diagnostic, sources: &SourceMap) -> String {
    let mut props = Vec::new();
    match d.span {
        Some(span) => {
            let f = sources.get(span.file);
            let (line, col) = f.line_col(span.start as usize);
            let (end_line, end_col) = f.line_col(span.end as usize);
            props.push(format!("file={}", github_property(&f.display)));
            props.push(format!("line={line}"));
            props.push(format!("col={col}"));
            props.push(format!("endLine={end_line}"));
            props.push(format!("endColumn={end_col}"));
        }
        None => {
            if let Some(path) = &d.path {
                props.push(format!("file={}", github_property(path)));
                if let Some(at) = d.position {
                    props.push(format!("line={}", at.line));
                    props.push(format!("col={}", at.column));
                    props.push(format!("endLine={}", at.line));
                    props.push(format!("endColumn={}", at.column));
                }
            }
        }
    }
    let title = format!("meshward {}", d.code);
    github_command(
        label(d.severity),
        props,
        &title,
        &d.message,
        d.help.as_deref(),
    )
}

/// Workflow-command escaping of data: %, CR and LF.
fn github_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Workflow-command escaping of a property: as data, and also `:` and `,`.
pub(crate) fn github_property(s: &str) -> String {
    github_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `::KIND PROPS,title=TITLE::MESSAGE` with the help on a second line of the message.
pub(crate) fn github_command(
    kind: &str,
    mut props: Vec<String>,
    title: &str,
    message: &str,
    help: Option<&str>,
) -> String {
    props.push(format!("title={}", github_property(title)));
    let mut message = message.to_string();
    if let Some(help) = help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!("::{kind} {}::{}\n", props.join(","), github_data(&message))
}
