//! Random sources: blocks of random statements, their tokens joined by random blanks,
//! line breaks and comments (sometimes CRLF, sometimes after a byte-order mark). Formatting
//! must keep the syntax tree and every comment in order, be idempotent, and leave no
//! trailing blank, no two blank lines in a row and exactly one final line break.
//!
//! `PROPTEST_CASES=5000 cargo test --test fmt generated` for a longer run.

use meshward::fmt::{check_invariants, format, syntax_tree};
use proptest::prelude::*;

/// A statement as its tokens. Tokens that the grammar reads with nothing between their
/// parts (`app=web`, `80:8080`) are one token here.
type Tokens = Vec<&'static str>;

fn pick(options: Vec<Tokens>) -> BoxedStrategy<Tokens> {
    prop::sample::select(options).boxed()
}

fn rule() -> BoxedStrategy<Tokens> {
    pick(vec![
        vec!["GET", "|", "HEAD", "/api/*", ",", "/health"],
        vec!["*", "/ledger.v1.Ledger/*"],
        vec!["POST", "*.png"],
    ])
}

fn allow() -> BoxedStrategy<Tokens> {
    (
        pick(vec![
            vec!["allow", "web"],
            vec!["allow", "web", "in", "front", ",", "namespace", "ops"],
            vec!["allow", "anyone"],
        ]),
        pick(vec![
            vec![],
            vec!["to", "http"],
            vec!["to", "http", ",", "grpc"],
        ]),
        prop::option::of(prop::collection::vec(rule(), 0..3)),
    )
        .prop_map(|(head, to, rules)| {
            let mut t = head;
            t.extend(to);
            if let Some(rules) = rules {
                t.push("{");
                t.extend(rules.into_iter().flatten());
                t.push("}");
            }
            t
        })
        .boxed()
}

fn service_statement() -> BoxedStrategy<Tokens> {
    prop_oneof![
        pick(vec![
            vec!["account", "orders-api"],
            vec!["selector", "app=orders", ",", "audit=on"],
            vec!["port", "http", "80:8080", "/", "http"],
            vec!["port", "grpc", "9090"],
            vec!["mtls", "permissive"],
            vec!["calls", "pay", "in", "billing", ":", "grpc", ",", "cart"],
            vec!["calls", "external", "stripe", ":", "https"],
            vec![
                "route", "http", "{", "timeout", "2s", "retries", "3", "per-try", "500ms", "on",
                "5xx", ",", "reset", "split", "v1", "90", ",", "v2", "10", "}",
            ],
            vec!["route", "http", "{", "}"],
        ]),
        allow(),
    ]
    .boxed()
}

fn workload_statement() -> BoxedStrategy<Tokens> {
    prop_oneof![
        pick(vec![
            vec!["account", "vault-sa"],
            vec!["selector", "app.kubernetes.io/name=vault"],
            vec!["port", "api", "8200", "/", "http"],
        ]),
        allow(),
    ]
    .boxed()
}

fn mesh_statement() -> BoxedStrategy<Tokens> {
    prop_oneof![
        pick(vec![
            vec!["trust-domain", "cluster.local"],
            vec!["istiod", "istio-system", "app=istiod"],
            vec!["cluster-cidrs", "10.0.0.0/14", ",", "fd00:10::/48"],
            vec!["sidecar-scoping", "off"],
            vec!["scraper", "prom", "in", "monitoring"],
            vec!["workload", "gw", "in", "edge"],
        ]),
        prop::collection::vec(workload_statement(), 0..3).prop_map(|inner| {
            let mut t = vec!["workload", "vault", "in", "vault", "{"];
            t.extend(inner.into_iter().flatten());
            t.push("}");
            t
        }),
    ]
    .boxed()
}

fn external_statement() -> BoxedStrategy<Tokens> {
    prop_oneof![
        pick(vec![
            vec!["host", "api.stripe.com", ",", "*.stripe.com"],
            vec!["cidr", "203.0.113.0/24"],
            vec!["port", "https", "443", "/", "tls"],
        ]),
        allow(),
    ]
    .boxed()
}

fn block() -> BoxedStrategy<Tokens> {
    let wrap = |head: Tokens, statements: Vec<Tokens>| {
        let mut t = head;
        t.push("{");
        t.extend(statements.into_iter().flatten());
        t.push("}");
        t
    };
    prop_oneof![
        prop::collection::vec(service_statement(), 0..8)
            .prop_map(move |s| wrap(vec!["service", "orders", "in", "shop"], s)),
        prop::collection::vec(mesh_statement(), 0..6).prop_map(move |s| wrap(vec!["mesh"], s)),
        prop::collection::vec(external_statement(), 0..5)
            .prop_map(move |s| wrap(vec!["external", "stripe"], s)),
    ]
    .boxed()
}

/// What may stand between two tokens (or before the first, or after the last).
const BLANKS: [&str; 10] = [
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n\n",
    " # a comment\n",
    "\n  # on its own line\n",
    "\n\n# after a blank line  \n\n",
    "   #no space #, | { }\n   ",
    "\n                # hanging\n",
];

fn glued(token: &str) -> bool {
    matches!(token, "," | "|" | ":" | "/" | "{" | "}")
}

/// The tokens joined by the blanks CHOICES picks (none next to punctuation when the
/// choice is 0 mod 4), with CRLF line breaks and a byte-order mark when asked.
fn source(tokens: &[&str], choices: &[u8], crlf: bool, bom: bool) -> String {
    let mut text = String::new();
    let mut choice = choices.iter().cycle();
    for (i, token) in tokens.iter().enumerate() {
        let c = *choice.next().unwrap_or(&0) as usize;
        let near_punctuation = glued(token) || (i > 0 && glued(tokens[i - 1]));
        if !(i > 0 && near_punctuation && c.is_multiple_of(4)) {
            text.push_str(BLANKS[c % BLANKS.len()]);
        }
        text.push_str(token);
    }
    let last = *choice.next().unwrap_or(&0) as usize;
    text.push_str(BLANKS[last % BLANKS.len()]);
    if crlf {
        text = text.replace('\n', "\r\n");
    }
    if bom {
        text.insert(0, '\u{feff}');
    }
    text
}

/// The comments of TEXT in order, without trailing blanks. No token holds a `#`.
fn comments(text: &str) -> Vec<&str> {
    text.split(['\n', '\r'])
        .filter_map(|line| line.find('#').map(|i| line[i..].trim_end()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn formatting_keeps_the_tree_and_the_comments(
        tokens in block(),
        choices in prop::collection::vec(any::<u8>(), 1..64),
        crlf in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let text = source(&tokens, &choices, crlf, bom);
        prop_assert!(syntax_tree(&text).is_some(), "the generator wrote a syntax error:\n{text}");
        if let Err(e) = check_invariants(&text) {
            return Err(TestCaseError::fail(e));
        }
        let out = format(&text).expect("formats");
        prop_assert_eq!(comments(&out), comments(&text));
        prop_assert_eq!(out.starts_with('\u{feff}'), bom);
        let newline = if crlf && text.contains('\n') { "\r\n" } else { "\n" };
        let doubled = newline.repeat(2);
        prop_assert!(out.ends_with(newline) && !out.ends_with(&doubled), "line breaks at the end:\n{:?}", out);
        let body = out.trim_start_matches('\u{feff}');
        let lines: Vec<&str> = body.strip_suffix(newline).unwrap_or(body).split(newline).collect();
        for pair in lines.windows(2) {
            prop_assert!(!(pair[0].is_empty() && pair[1].is_empty()), "two blank lines:\n{out}");
        }
        for line in &lines {
            prop_assert!(!line.contains(['\r', '\n']), "mixed line breaks:\n{out:?}");
            prop_assert_eq!(line.trim_end(), *line, "trailing blank:\n{}", out);
        }
    }
}
