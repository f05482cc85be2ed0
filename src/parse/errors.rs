//! pest's "expected rule X" errors, rewritten in English.
//!
//! pest names grammar rules; people know keywords and punctuation. Each rule gets a phrase
//! (`word` is "a name", `lbrace` is "`{`"), the list says what comes after which token, and
//! when the unexpected word is a near miss of an expected keyword, a did-you-mean.

use super::grammar::Rule;
use super::keywords::{self, RESERVED};
use crate::code::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};
use crate::suggest;
use pest::error::{ErrorVariant, InputLocation};

pub(crate) fn to_diagnostic(id: FileId, text: &str, error: pest::error::Error<Rule>) -> Diagnostic {
    let pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let positives = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let found = found_token(text, pos);
    // At least one character wide, and never inside one (a no-break space is two bytes).
    let next = text
        .get(pos..)
        .and_then(|t| t.chars().next())
        .map_or(0, char::len_utf8);
    let end = (pos + found.len().max(next)).min(text.len());
    let span = Span::new(id, pos, end);

    let prev = previous_token(text, pos);
    if let Some((message, help, span)) = special(id, text, pos, &found, prev.as_deref(), &positives)
    {
        return Diagnostic::error(Code::Syntax, span, message).with_help(help);
    }
    let mut phrases: Vec<&'static str> = Vec::new();
    let statements = positives
        .iter()
        .filter(|r| is_service_statement(**r))
        .count();
    let mesh_statements = positives.iter().filter(|r| is_mesh_statement(**r)).count();
    for rule in &positives {
        let phrase = if is_service_statement(*rule) && statements > 2 {
            "a statement (`account`, `selector`, `port`, `mtls`, `allow`, `deny`, `calls`, `route`, `clusters`)"
        } else if is_mesh_statement(*rule) && mesh_statements > 2 {
            "a mesh setting (`trust-domain`, `cluster-domain`, `istiod`, `dns`, `scraper`, `workload`, `cluster-cidrs`, `sidecar-scoping`, `sync-waves`, `dry-run`, `network`, `dataplane`, `waypoint`, `jwt`, `cluster`, `eastwest`)"
        } else if *rule == Rule::word {
            name_after(prev.as_deref())
        } else {
            phrase(*rule)
        };
        if !phrases.contains(&phrase) {
            phrases.push(phrase);
        }
    }
    let expected = join_or(&phrases);
    let found_text = if found.is_empty() && pos < text.len() {
        "the end of the line".to_string()
    } else if found.is_empty() {
        "end of file".to_string()
    } else {
        format!("`{found}`")
    };
    let message = match prev {
        Some(prev) if !expected.is_empty() => {
            format!("expected {expected} after `{prev}`, found {found_text}")
        }
        _ if !expected.is_empty() => format!("expected {expected}, found {found_text}"),
        _ => format!("unexpected {found_text}"),
    };
    let mut diagnostic = Diagnostic::error(Code::Syntax, span, message);
    let keywords: Vec<&str> = positives.iter().filter_map(|r| keyword(*r)).collect();
    if let Some(k) = suggest::closest(&found, keywords.iter().copied()) {
        diagnostic = diagnostic.with_help(format!("did you mean `{k}`?"));
    } else if let Some(help) = hint(text, pos, &positives, &found) {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

/// Mistakes common enough to deserve their own sentence rather than a list of tokens.
fn special(
    id: FileId,
    text: &str,
    pos: usize,
    found: &str,
    prev: Option<&str>,
    positives: &[Rule],
) -> Option<(String, String, Span)> {
    let at = Span::new(id, pos, (pos + found.len()).min(text.len()));
    // Spaces pasted from a web page or a word processor look like spaces but are not.
    if let Some(c) = text.get(pos..).and_then(|t| t.chars().next()) {
        let invisible = matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}');
        if !c.is_ascii() && (c.is_whitespace() || invisible) {
            let name = match c {
                '\u{a0}' => " (no-break space)",
                '\u{3000}' => " (ideographic space)",
                '\u{200b}' => " (zero-width space)",
                '\u{feff}' => " (byte-order mark)",
                _ => "",
            };
            return Some((
                format!("unexpected U+{:04X}{name}", c as u32),
                "intent files separate tokens with ASCII spaces, tabs and line breaks; retype it as a plain space".into(),
                Span::new(id, pos, pos + c.len_utf8()),
            ));
        }
    }
    if RESERVED.contains(&found) && positives.contains(&Rule::word) {
        let what = name_after(prev);
        return Some((
            format!("`{found}` is a reserved word and cannot be {what}"),
            format!("pick another name; {} are reserved", reserved_words()),
            at,
        ));
    }
    // A name glued to characters names cannot hold: `shop/orders`, `orders..v2`.
    let before = text.get(..pos).unwrap_or("");
    let glued: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let first = found.chars().next();
    if !glued.is_empty()
        && first.is_some_and(|c| !c.is_whitespace() && !"{},:=|*#".contains(c))
        && !glued.chars().all(|c| c.is_ascii_digit())
    {
        let name = format!("{glued}{found}");
        let bad = first.unwrap_or('?');
        let start = pos - glued.len();
        return Some((
            format!("`{name}` is not a valid name: it contains `{bad}`"),
            "names are DNS-1123 labels: lower-case letters, digits and `-`".into(),
            Span::new(id, start, (pos + found.len()).min(text.len())),
        ));
    }
    if positives == [Rule::EOI] {
        return Some((
            format!("a file holds one block, but `{found}` follows the end of the first"),
            "put each `service` block, each `external` block and the `mesh` block in a file of its own".into(),
            at,
        ));
    }
    if prev == Some("anyone") && found == "in" {
        return Some((
            "`anyone` takes no namespace".into(),
            "to admit every pod of one namespace, write `namespace NS`".into(),
            at,
        ));
    }
    if positives.contains(&Rule::file)
        || (positives.contains(&Rule::service) && positives.contains(&Rule::mesh))
    {
        let help = match suggest::closest(found, ["service", "external", "mesh"]) {
            Some(k) => format!("did you mean `{k}`?"),
            None => {
                "a file starts with `service NAME in NAMESPACE {`, `external NAME {` or `mesh {`"
                    .into()
            }
        };
        let found_text = if found.is_empty() {
            "end of file".to_string()
        } else {
            format!("`{found}`")
        };
        return Some((
            format!("expected `service`, `external` or `mesh`, found {found_text}"),
            help,
            at,
        ));
    }
    None
}

/// The reserved words as a sentence lists them: "`in`, `to`, `namespace` and `anyone`".
fn reserved_words() -> String {
    let quoted: Vec<String> = RESERVED.iter().map(|w| format!("`{w}`")).collect();
    match quoted.split_last() {
        Some((last, init)) if !init.is_empty() => format!("{} and {last}", init.join(", ")),
        _ => quoted.concat(),
    }
}

/// The first word of the line holding the previous token: the statement being written.
fn statement_keyword(text: &str, pos: usize) -> &str {
    let before = text.get(..pos).unwrap_or("");
    before
        .trim_end()
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .next()
        .unwrap_or("")
}

fn hint(text: &str, pos: usize, positives: &[Rule], found: &str) -> Option<String> {
    let before: Vec<&str> = text
        .get(..pos)
        .unwrap_or("")
        .split_whitespace()
        .rev()
        .take(2)
        .collect();
    if found == "in" && before.get(1) == Some(&"external") {
        return Some(
            "externals have no namespace: declare `external NAME { ... }` and call `calls external NAME`"
                .into(),
        );
    }
    // The list statement whose entries come last before the error, if any.
    let statement = text
        .get(..pos)
        .unwrap_or("")
        .split([' ', '\t', '\n', '\r', ','])
        .rev()
        .find(|t| !t.is_empty() && !t.contains(['.', ':', '/']))
        .unwrap_or("");
    if matches!(
        statement,
        "host" | "cidr" | "cluster-cidrs" | "pod-cidrs" | "gateway"
    ) && positives.contains(&Rule::comma)
    {
        if found.starts_with('/') {
            return Some("write a range without spaces: `10.20.0.0/16`".into());
        }
        if found.contains(['.', ':']) {
            return Some(format!("separate the entries with `,`: `{statement} A, B`"));
        }
    }
    if positives.contains(&Rule::kw_in) && positives.len() <= 2 {
        return Some(match statement_keyword(text, pos) {
            "scraper" => "write `scraper NAME in NAMESPACE`".into(),
            "waypoint" => "write `waypoint NAME in NAMESPACE`".into(),
            "workload" => "write `workload NAME in NAMESPACE { ... }`".into(),
            "service" => "a service is declared as `service NAME in NAMESPACE { ... }`".into(),
            _ => "a name in another namespace is written `NAME in NAMESPACE`".into(),
        });
    }
    // `when header x = a b`: `b` was read as the method of a new rule, so a path is
    // expected after it. Values hold no spaces.
    if positives.contains(&Rule::path) || positives.contains(&Rule::paths) {
        let upto = text.get(..pos).unwrap_or("").trim_end();
        let line = upto.rsplit(['\n', '\r']).next().unwrap_or("");
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(when) = words.iter().position(|w| *w == "when") {
            if words.len() > when + 2 {
                let stray = words[words.len() - 1];
                return Some(format!(
                    "a condition value holds no spaces, so `{stray}` was read as a new rule; separate values with `,`: `= a, b`"
                ));
            }
        }
    }
    if positives.contains(&Rule::label) || positives.contains(&Rule::label_key) {
        return Some("labels are written `key=value`, separated by commas".into());
    }
    if found.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && positives.contains(&Rule::word)
    {
        return Some("names are lower case (DNS-1123 labels)".into());
    }
    None
}

/// The token at `pos`, up to the next whitespace or punctuation, for "found `x`".
fn found_token(text: &str, pos: usize) -> String {
    let rest = text.get(pos..).unwrap_or("");
    let mut token = String::new();
    for c in rest.chars() {
        if c.is_whitespace() || (!token.is_empty() && matches!(c, ',' | '{' | '}' | ':' | '=')) {
            break;
        }
        token.push(c);
        if matches!(c, ',' | '{' | '}' | ':' | '=') || token.len() > 40 {
            break;
        }
    }
    token
}

/// The last token before `pos`, skipping whitespace and comments.
fn previous_token(text: &str, pos: usize) -> Option<String> {
    let before = text.get(..pos)?;
    // Drop comments line by line, so a `#` comment is never quoted as the previous token.
    let mut cleaned = String::with_capacity(before.len());
    for line in before.split_inclusive('\n') {
        match line.find('#') {
            Some(i) => {
                cleaned.push_str(&line[..i]);
                cleaned.push('\n');
            }
            None => cleaned.push_str(line),
        }
    }
    let trimmed = cleaned.trim_end();
    let token: String = trimmed
        .chars()
        .rev()
        .take_while(|c| !c.is_whitespace())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if token.is_empty() {
        return None;
    }
    // Punctuation glued to a word (`web,`) reads better as just the punctuation.
    match token.chars().last() {
        Some(c @ (',' | '{' | '}' | ':' | '=' | '|')) if token.len() > 1 => Some(c.to_string()),
        _ => Some(token),
    }
}

/// What kind of name the grammar wants, judged by the keyword before it.
fn name_after(previous: Option<&str>) -> &'static str {
    match previous {
        Some("to" | "route" | "port" | ":") => "a port name",
        Some("in" | "namespace" | "istiod" | "dns") => "a namespace name",
        Some("service" | "calls") => "a service name",
        Some("account") => "an account name",
        Some("workload") => "a workload name",
        Some("external") => "an external name",
        Some("allow" | "deny") => "a caller",
        Some("jwt") => "a jwt name",
        Some("cluster" | "clusters") => "a cluster name",
        Some("eastwest") => "a namespace name",
        _ => "a name",
    }
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

fn is_service_statement(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::account
            | Rule::selector
            | Rule::port
            | Rule::mtls
            | Rule::allow
            | Rule::deny
            | Rule::calls
            | Rule::route
            | Rule::clusters
    )
}

fn is_mesh_statement(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::trust_domain
            | Rule::cluster_domain
            | Rule::istiod
            | Rule::dns
            | Rule::scraper
            | Rule::workload
            | Rule::cluster_cidrs
            | Rule::sidecar_scoping
            | Rule::sync_waves
            | Rule::dry_run
            | Rule::network
            | Rule::dataplane
            | Rule::waypoint
            | Rule::jwt
            | Rule::cluster_def
            | Rule::eastwest
    )
}

/// The keyword a rule starts with, for did-you-mean on misspelt keywords.
fn keyword(rule: Rule) -> Option<&'static str> {
    keywords::keyword(rule).map(|k| k.text)
}

fn phrase(rule: Rule) -> &'static str {
    if let Some(keyword) = keywords::keyword(rule) {
        return keyword.quoted;
    }
    match rule {
        Rule::lbrace | Rule::http_rules => "`{`",
        Rule::rbrace => "`}`",
        Rule::comma => "`,`",
        Rule::colon => "`:`",
        Rule::equals => "`=`",
        Rule::slash => "`/` and a protocol",
        Rule::bar => "`|`",
        Rule::word | Rule::named_caller => "a name",
        Rule::caller | Rule::callers => {
            "a caller (`NAME`, `NAME in NS`, `namespace NS` or `anyone`)"
        }
        Rule::port_refs => "a port name",
        Rule::number | Rule::port_numbers => "a number",
        Rule::duration => "a duration such as `500ms` or `2s`",
        Rule::domain => "a domain such as `cluster.local`",
        Rule::labels | Rule::label | Rule::label_key => "a label such as `app=orders`",
        Rule::label_value => "a label value",
        Rule::protocol => "a protocol (`http`, `http2`, `grpc`, `tcp` or `tls`)",
        Rule::mtls_mode => "`strict` or `permissive`",
        Rule::http_rule | Rule::methods | Rule::method => "an HTTP method such as `GET`",
        Rule::any_method => "`*`",
        Rule::paths | Rule::path => "a path such as `/api/*`",
        Rule::conditions | Rule::condition => "a retry condition such as `5xx`",
        Rule::call_target => {
            "a call target such as `payments in billing:grpc` or `external stripe:https`"
        }
        Rule::host_name | Rule::hosts => "a host name such as `api.stripe.com`",
        Rule::cidr_range | Rule::cidrs | Rule::cluster_cidrs | Rule::pod_cidrs => {
            "an address range such as `10.20.0.0/16`"
        }
        Rule::switch => "`on` or `off`",
        Rule::external_stmt => "`host`, `cidr`, `port` or `allow`",
        Rule::subset_weight => "a subset and weight such as `v1 90`",
        Rule::workload_stmt => "`account`, `selector`, `port` or `allow`",
        Rule::not_equals => "`!=`",
        Rule::percent => "`%`",
        Rule::rule_conditions | Rule::rule_condition => {
            "a condition (`header NAME = VALUE`, `jwt NAME` or `claim NAME = VALUE`)"
        }
        Rule::header_name | Rule::header_condition => "a header name such as `x-tenant`",
        Rule::claim_condition => "a claim name such as `groups`",
        Rule::condition_values | Rule::condition_value => "a value such as `acme`",
        Rule::jwt_stmt => "`issuer` or `jwks`",
        Rule::cluster_stmt => "`trust-domain`, `network`, `pod-cidrs` or `gateway`",
        Rule::url => "an https URL",
        Rule::EOI => "end of file",
        _ => "more input",
    }
}
