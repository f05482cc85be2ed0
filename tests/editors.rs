//! The editor grammars in `editors/` against the language: the TextMate grammar tokenizes
//! every example and valid golden input the way a reader expects, and both it and the Vim
//! syntax list exactly the keywords of `src/parse/keywords.rs`, so a new keyword fails here
//! until the editors learn it.
//!
//! The tokenizer applies the grammar's `match` rules one line at a time, as TextMate does:
//! of the rules that match at or after the cursor, the one starting first wins, then the
//! earlier rule. `fancy-regex` runs the patterns because they need the lookbehind and
//! lookahead of Oniguruma (a keyword must not match inside `my-port`), which `regex` lacks;
//! it is already in the lock file through `jsonschema`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fancy_regex::Regex;
use meshward::check::METHODS;
use meshward::parse::keywords::RESERVED;
use serde_json::Value;

const GRAMMAR: &str = include_str!("../editors/textmate/intent.tmLanguage.json");
const KEYWORDS_RS: &str = include_str!("../src/parse/keywords.rs");
const VIM_SYNTAX: &str = include_str!("../editors/vim/syntax/intent.vim");

/// The keywords of the language's one table, in its order: every `kw_NAME "text" [...]`
/// line of the `keywords!` invocation.
fn keyword_table() -> Vec<&'static str> {
    let words: Vec<&str> = KEYWORDS_RS
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("kw_"))
        .filter_map(|line| line.split('"').nth(1))
        .collect();
    assert!(
        words.len() > 20,
        "the keyword table was not found: {words:?}"
    );
    words
}

/// The statement keywords: the table without the reserved words.
fn statement_keywords() -> Vec<&'static str> {
    keyword_table()
        .into_iter()
        .filter(|w| !RESERVED.contains(w))
        .collect()
}

/// One `match` rule of the grammar.
struct Rule {
    id: String,
    regex: Regex,
    name: Option<String>,
    captures: BTreeMap<usize, String>,
}

fn grammar() -> Value {
    serde_json::from_str(GRAMMAR).expect("the TextMate grammar is JSON")
}

/// The rules of the grammar in the order TextMate tries them, includes resolved.
fn rules() -> Vec<Rule> {
    fn flatten(id: &str, node: &Value, repository: &Value, out: &mut Vec<Rule>) {
        if let Some(include) = node.get("include").and_then(Value::as_str) {
            let key = include.strip_prefix('#').expect("includes are local");
            flatten(key, &repository[key], repository, out);
        } else if let Some(patterns) = node.get("patterns").and_then(Value::as_array) {
            for p in patterns {
                flatten(id, p, repository, out);
            }
        } else {
            assert!(
                node.get("begin").is_none(),
                "`{id}`: this test understands `match` rules only"
            );
            let pattern = node["match"].as_str().unwrap_or_else(|| panic!("`{id}`"));
            let captures = node
                .get("captures")
                .and_then(Value::as_object)
                .map(|c| {
                    c.iter()
                        .map(|(k, v)| (k.parse().unwrap(), v["name"].as_str().unwrap().into()))
                        .collect()
                })
                .unwrap_or_default();
            out.push(Rule {
                id: id.into(),
                regex: Regex::new(pattern).unwrap_or_else(|e| panic!("`{id}`: {e}")),
                name: node.get("name").and_then(Value::as_str).map(Into::into),
                captures,
            });
        }
    }
    let g = grammar();
    let mut out = Vec::new();
    flatten("", &g, &g["repository"], &mut out);
    out
}

/// A classed stretch of a line: bytes `start..end` carry `scope`.
#[derive(Debug)]
struct Token {
    start: usize,
    end: usize,
    scope: String,
}

/// The tokens of one line, in order; a capture's token follows its match's.
fn tokenize(rules: &[Rule], line: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut pos = 0;
    while pos < line.len() {
        let mut best: Option<(usize, fancy_regex::Captures)> = None;
        for (i, rule) in rules.iter().enumerate() {
            let Some(c) = rule.regex.captures_from_pos(line, pos).unwrap() else {
                continue;
            };
            let m = c.get(0).unwrap();
            assert!(
                m.end() > m.start(),
                "`{}` matched nothing in {line:?}",
                rule.id
            );
            if best
                .as_ref()
                .is_none_or(|(_, b)| m.start() < b.get(0).unwrap().start())
            {
                best = Some((i, c));
            }
        }
        let Some((i, c)) = best else { break };
        let rule = &rules[i];
        let whole = c.get(0).unwrap();
        if let Some(name) = &rule.name {
            tokens.push(Token {
                start: whole.start(),
                end: whole.end(),
                scope: name.clone(),
            });
        }
        for (group, scope) in &rule.captures {
            if let Some(m) = c.get(*group) {
                tokens.push(Token {
                    start: m.start(),
                    end: m.end(),
                    scope: scope.clone(),
                });
            }
        }
        pos = whole.end();
    }
    tokens
}

/// The innermost scope at byte `at`, if any rule classed it.
fn scope_at(tokens: &[Token], at: usize) -> Option<&str> {
    tokens
        .iter()
        .rev()
        .find(|t| t.start <= at && at < t.end)
        .map(|t| t.scope.as_str())
}

/// The `.intent` files of examples/ and of the golden inputs that compile (warnings only).
fn intent_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "intent") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("examples"), &mut files);
    walk(&root.join("golden/warnings/inputs"), &mut files);
    assert!(files.len() > 10, "{files:?}");
    files
}

/// The words of a line's code, split at whitespace and at `{},:`, with their byte offsets.
fn words(code: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, ch) in code.char_indices().chain([(code.len(), ' ')]) {
        let separator = ch.is_whitespace() || "{},:".contains(ch);
        match (start, separator) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                out.push((s, &code[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    out
}

#[test]
fn the_textmate_grammar_classes_every_example() {
    let rules = rules();
    let keywords = keyword_table();
    let mut seen_keywords = std::collections::BTreeSet::new();
    for file in intent_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let at = format!("{}:{}: {line:?}", file.display(), n + 1);
            let tokens = tokenize(&rules, line);
            // Nothing is left unclassed but whitespace.
            for (i, ch) in line.char_indices() {
                assert!(
                    ch.is_whitespace() || scope_at(&tokens, i).is_some(),
                    "{at}: byte {i} `{ch}` has no scope: {tokens:?}"
                );
            }
            // A comment runs from `#` to the end of the line, one token however many `#`
            // it holds; no `#` of valid code is anything else.
            let code_end = line.find('#').unwrap_or(line.len());
            if code_end < line.len() {
                let comment: Vec<_> = tokens.iter().filter(|t| t.end > code_end).collect();
                assert_eq!(comment.len(), 2, "{at}: {comment:?}");
                assert_eq!(
                    (comment[0].start, comment[0].end, comment[0].scope.as_str()),
                    (code_end, line.len(), "comment.line.number-sign.intent"),
                    "{at}"
                );
                assert_eq!(
                    comment[1].scope, "punctuation.definition.comment.intent",
                    "{at}"
                );
            }
            let code = &line[..code_end];
            let words = words(code);
            for (offset, word) in &words {
                if keywords.contains(word) {
                    seen_keywords.insert(word.to_string());
                    let scope = scope_at(&tokens, *offset).unwrap();
                    assert!(scope.starts_with("keyword."), "{at}: `{word}` is {scope}");
                }
                if METHODS.contains(word) {
                    let scope = scope_at(&tokens, *offset).unwrap();
                    assert!(scope.contains("http-method"), "{at}: `{word}` is {scope}");
                }
            }
            let scope_of = |k: usize| scope_at(&tokens, words[k].0).unwrap();
            match words.first().map(|w| w.1) {
                Some("service" | "workload") => {
                    assert_eq!(scope_of(1), "entity.name.type.service.intent", "{at}");
                    assert_eq!(scope_of(3), "entity.name.namespace.intent", "{at}");
                }
                Some("port") => {
                    assert_eq!(scope_of(1), "entity.name.port.intent", "{at}");
                    // `80:8080/http`: every digit after the name is a port number.
                    let after_name = words[1].0 + words[1].1.len();
                    let protocol = code.find('/').unwrap_or(code.len());
                    for (i, ch) in code[..protocol].char_indices().skip(after_name) {
                        if ch.is_ascii_digit() {
                            let scope = scope_at(&tokens, i);
                            assert_eq!(scope, Some("constant.numeric.port.intent"), "{at}");
                        }
                    }
                    if let Some(slash) = code.find('/') {
                        let scope = scope_at(&tokens, slash + 1).unwrap();
                        assert_eq!(scope, "support.type.protocol.intent", "{at}");
                    }
                }
                Some("timeout") => {
                    assert_eq!(scope_of(1), "constant.numeric.duration.intent", "{at}");
                }
                Some("retries") => {
                    assert_eq!(scope_of(1), "constant.numeric.integer.intent", "{at}");
                }
                _ => {}
            }
        }
    }
    // The examples exercise most of the language; the keywords they leave out are still
    // kept equal to the table by the tests below.
    assert!(seen_keywords.len() >= 18, "{seen_keywords:?}");
}

/// The words of the alternation `(?:a|b|c)` in the repository rule `key`.
fn alternation(key: &str) -> Vec<String> {
    let g = grammar();
    let pattern = g["repository"][key]["match"].as_str().unwrap().to_string();
    let inner = pattern
        .split_once("(?:")
        .and_then(|(_, rest)| rest.split_once(')'))
        .unwrap_or_else(|| panic!("`{key}` is `(?:a|b|...)`: {pattern}"))
        .0;
    inner.split('|').map(String::from).collect()
}

#[test]
fn the_textmate_keywords_are_the_keyword_table() {
    assert_eq!(alternation("statement-keywords"), statement_keywords());
    assert_eq!(alternation("reserved-words"), RESERVED);
    assert_eq!(alternation("method"), METHODS);
}

/// The words of every `syn keyword GROUP ...` line of the Vim syntax for `group`.
fn vim_keywords(group: &str) -> Vec<&'static str> {
    VIM_SYNTAX
        .lines()
        .filter_map(|line| line.trim().strip_prefix("syn keyword "))
        .filter_map(|rest| rest.strip_prefix(group))
        .filter(|rest| rest.starts_with(' '))
        .flat_map(str::split_whitespace)
        .collect()
}

#[test]
fn the_vim_keywords_are_the_keyword_table() {
    assert_eq!(vim_keywords("intentStatement"), statement_keywords());
    assert_eq!(vim_keywords("intentReserved"), RESERVED);
    assert_eq!(vim_keywords("intentMethod"), METHODS);
}

/// Vim loads the syntax file on an example without an error, when Vim is installed.
#[test]
fn vim_loads_the_syntax() {
    if std::process::Command::new("vim")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(std::env::var_os("CI").is_none(), "vim is required under CI");
        eprintln!("vim is not installed; skipped");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("vim")
        .args(["-N", "-u", "NONE", "-i", "NONE", "-es"])
        .arg("--cmd")
        .arg(format!("set rtp^={}", root.join("editors/vim").display()))
        .args([
            "-c",
            "syntax on",
            "-c",
            "filetype on",
            "-c",
            "edit examples/shop/shop/orders.intent",
        ])
        .args([
            "-c",
            "if &filetype !=# 'intent' || !exists('b:current_syntax') | cquit | endif",
        ])
        .args(["-c", "qall!"])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "vim: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A `#` inside a comment starts nothing: the comment is one token to the end of the line,
/// and the words in it are not keywords.
#[test]
fn a_comment_is_one_token() {
    let rules = rules();
    let line = "  port http 8080/http  # a `#` here: # service x in y { port p 1 }";
    let tokens = tokenize(&rules, line);
    let hash = line.find('#').unwrap();
    let after: Vec<_> = tokens.iter().filter(|t| t.end > hash).collect();
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(
        (after[0].start, after[0].end, after[0].scope.as_str()),
        (hash, line.len(), "comment.line.number-sign.intent")
    );
    assert_eq!(after[1].scope, "punctuation.definition.comment.intent");
}

/// The VS Code extension points at the grammar, under its scope name, for `.intent`.
#[test]
fn the_vscode_extension_uses_the_grammar() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode");
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(root.join(name)).unwrap()).unwrap()
    };
    let manifest = read("package.json");
    let contributes = &manifest["contributes"];
    assert_eq!(contributes["languages"][0]["extensions"][0], ".intent");
    let entry = &contributes["grammars"][0];
    assert_eq!(entry["scopeName"], grammar()["scopeName"]);
    let path = entry["path"].as_str().unwrap();
    assert_eq!(std::fs::read_to_string(root.join(path)).unwrap(), GRAMMAR);
    let config = read(
        contributes["languages"][0]["configuration"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(config["comments"]["lineComment"], "#");
}

/// The lines of `when` conditions and `jwt` blocks, which the examples may not hold: every
/// character classed, names, comparisons, values and URLs as a reader expects.
#[test]
fn conditions_and_jwt_urls_are_classed() {
    let rules = rules();
    let cases: [(&str, &[(&str, &str)]); 4] = [
        (
            "    GET /api/* when header x-tenant != acme, beta*, *-eu and jwt corp",
            &[
                ("when", "keyword.control.statement.intent"),
                ("header", "keyword.control.statement.intent"),
                ("x-tenant", "entity.other.attribute-name.condition.intent"),
                ("!=", "keyword.operator.comparison.intent"),
                ("acme", "string.unquoted.value.intent"),
                ("beta*", "string.unquoted.value.intent"),
                ("and", "keyword.control.statement.intent"),
                ("jwt", "keyword.control.statement.intent"),
            ],
        ),
        (
            "    * /admin/* when jwt corp and claim groups = admins",
            &[
                ("claim", "keyword.control.statement.intent"),
                ("groups", "entity.other.attribute-name.condition.intent"),
                ("=", "keyword.operator.comparison.intent"),
                ("admins", "string.unquoted.value.intent"),
            ],
        ),
        (
            "    issuer https://login.example.com",
            &[
                ("issuer", "keyword.control.statement.intent"),
                ("https", "string.unquoted.url.intent"),
            ],
        ),
        (
            "    jwks https://login.example.com:8443/keys.json",
            &[
                ("jwks", "keyword.control.statement.intent"),
                ("8443", "string.unquoted.url.intent"),
            ],
        ),
    ];
    for (line, expected) in cases {
        let tokens = tokenize(&rules, line);
        for (i, ch) in line.char_indices() {
            assert!(
                ch.is_whitespace() || scope_at(&tokens, i).is_some(),
                "{line:?}: byte {i} `{ch}` has no scope: {tokens:?}"
            );
        }
        for (word, scope) in expected {
            let at = line.find(word).unwrap();
            assert_eq!(scope_at(&tokens, at), Some(*scope), "{line:?}: `{word}`");
        }
    }
}
