//! The hand-written reader against the grammar of record.
//!
//! `fast::read` must accept exactly the files pest accepts and build the same tree, spans
//! included; otherwise a build would depend on which reader ran. These tests compare the
//! two on every intent file in the repository, on a synthetic mesh, on hand-picked corners
//! of the grammar, and on random edits of all of those (proptest). Nothing here asks the
//! reader what it thinks: the expected value is always pest's.

use super::{fast, parse, parse_with_grammar};
use crate::source::SourceFile;
use proptest::prelude::*;
use std::path::Path;

fn file(text: &str) -> SourceFile {
    SourceFile::new("a.intent".into(), "a.intent".into(), text.to_string())
}

/// Compare both readers on `text`; true when pest accepted it.
fn agree(text: &str) -> bool {
    let source = file(text);
    let grammar = parse_with_grammar(0, &source);
    let combined = parse(0, &source);
    assert_eq!(
        format!("{combined:?}"),
        format!("{grammar:?}"),
        "parse and pest differ on {text:?}"
    );
    // `parse` refuses NUL bytes and blank files before either reader runs.
    if !source.text.contains('\0') && !super::file::is_blank(&source.text) {
        let fast = fast::read(0, &source.text);
        match &grammar {
            Ok(item) => assert_eq!(
                fast.as_ref(),
                Some(item),
                "the fast reader does not build pest's tree for {text:?}"
            ),
            Err(_) => assert!(
                fast.is_none(),
                "the fast reader accepts what pest rejects: {text:?}"
            ),
        }
    }
    grammar.is_ok()
}

/// Every `*.intent` file under the repository's examples, tests, golden inputs and fuzz
/// seeds.
fn repository_intents() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [
        "examples",
        "tests",
        "golden",
        "fuzz/seeds",
        "fuzz/regressions",
    ] {
        collect(&root.join(dir), &mut out);
    }
    out
}

fn collect(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "intent") {
            if let Ok(bytes) = std::fs::read(&path) {
                out.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
}

/// Corners of the grammar where a hand-written reader is easy to get subtly wrong.
const CORNERS: &[&str] = &[
    // Comments glued to keywords and tokens; CR, CRLF and tabs as breaks.
    "service a in b {#c\n}",
    "service a in b {\r\n  port http 80/http\r\n}\r\n",
    "service a in b {\r  port http 80\r}",
    "\u{feff}service a in b {\tport p 1\t}",
    "# only a comment then\nservice a in b { } # trailing",
    "service a in b { port p 1 } #",
    // Tokens with nothing between them.
    "service a in b{port p 80/http allow c to p{GET/a,/b}}",
    "service a in b { allow c { GET /a*,*.png POST|PUT /x/* } }",
    "service a in b { allow c { * /a } }",
    "service a in b { allow c { */a } }",
    "service a in b { allow c { GET /a #x\n /b } }",
    "service a in b { allow c { GET | POST /a , /b } }",
    "service a in b { allow c { GET /ü/ß, /😀 } }",
    // `port` shapes: service port, protocol with and without spaces.
    "service a in b { port p 80:8080 / http }",
    "service a in b { port p 80:8080/grpc port q 9 }",
    "service a in b { port p 80: 8080 }",
    "service a in b { port p 80x }",
    "service a in b { port p 0080 }",
    // Reserved words as names, and names that only start like them.
    "service in in b { }",
    "service a in to { }",
    "service intent in tolerant { allow namespaced, anyones, innie in tom }",
    "service a in b { allow namespace x, anyone, c in d to p, q }",
    "service a in b { allow namespace }",
    "service a in b { allow c in }",
    "service a in b { allow c in d, }",
    "service a in b { allow c to }",
    "service a in b { allow c to p, }",
    "service a in b { allow anyone in c }",
    "service service in service { account service }",
    // `calls` shapes.
    "service a in b { calls c, d in e, f:g, h in i:j }",
    "service a in b { calls c : g, d in e : f }",
    "service a in b { calls c: }",
    "service a in b { calls c in }",
    "service a in b { calls c, }",
    // Routes.
    "service a in b { route p { timeout 3s retries 3 per-try 500ms on 5xx, reset split v1 90, v2 10 } }",
    "service a in b { route p { retries 2 } route q { } }",
    "service a in b { route p { retries 2 on connect-failure,gateway-error } }",
    "service a in b { route p { retries 2 per-try 1s } }",
    "service a in b { route p { retries 2 on 5xx per-try 1s } }",
    "service a in b { route p { retries 2x } }",
    "service a in b { route p { timeout 3 } }",
    "service a in b { route p { timeout 3s5 } }",
    "service a in b { route p { timeout 3sms } }",
    "service a in b { route p { split v1 90 v2 10 } }",
    // Selectors, labels and mtls.
    "service a in b { selector app.kubernetes.io/name=a, tier=web mtls strict }",
    "service a in b { selector app = a }",
    "service a in b { selector app=a,\n tier=b }",
    "service a in b { selector a=b/c }",
    "service a in b { mtls STRICT1 }",
    "service a in b { accounts x }",
    // The mesh block.
    "mesh { trust-domain example.org cluster-domain c.local istiod istio-system app=istiod dns kube-system k8s-app=kube-dns scraper prom in mon }",
    "mesh { workload gw in edge { account gw selector app=gw account other selector x=y } }",
    "mesh { workload gw in edge { account#c\n gw account#d\n x } }",
    "mesh { workload gw in edge }",
    "mesh { workload gw in edge { } workload h in i {} }",
    "mesh { scraper prom }",
    "mesh{}",
    "meshy { }",
    "mesh { } service a in b { }",
    "service a in b { } }",
    "service a in b {",
    "service a in b { port p 1 } x",
    "service a b { }",
    // Externals, destinations and the mesh's new settings.
    "external stripe { host api.stripe.com, *.stripe.com port https 443/tls allow payments in billing to https }",
    "external db { cidr 10.20.0.0/16,2001:db8::/48 port pg 5432 allow ledger in billing, namespace r, anyone }",
    "external x{host A.B.,a..b,*x*,https://a/b port p 1:2/tcp allow c{GET /a}}",
    "external x { }",
    "external x { host }",
    "external x { host a, }",
    "external x { cidr 1.2.3.4/5#c\n }",
    "external x { cidr ::/0 port p 80 / http }",
    "external external { }",
    "external x in y { }",
    "external { }",
    "external x { account a }",
    "service a in b { calls external stripe:https, vault in vault:api, c }",
    "service a in b { calls external stripe, external x : y }",
    "service a in b { calls external }",
    "service a in b { calls external:p }",
    "service a in b { calls external x in y }",
    "service a in b { calls externals }",
    "service external in b { }",
    "service a in b { allow external in b }",
    "mesh { cluster-cidrs 10.0.0.0/12, fd00::/8 sidecar-scoping on }",
    "mesh { cluster-cidrs 10.0.0.0/12,fd00::/8 sidecar-scoping OFF2 }",
    "mesh { cluster-cidrs }",
    "mesh { sidecar-scoping }",
    "mesh { sidecar-scoping o-n }",
    "mesh { workload v in v { selector a=b port api 8200/http allow o in s to api account v } }",
    "mesh { workload v in v { port api 8200 allow anyone { GET /a } } }",
    "mesh { workload v in v { port } }",
];

#[test]
fn the_fast_reader_agrees_with_pest_on_every_intent_in_the_repository() {
    let texts = repository_intents();
    assert!(texts.len() >= 20, "found only {} intent files", texts.len());
    let accepted = texts.iter().filter(|t| agree(t)).count();
    assert!(accepted >= 15, "only {accepted} of them parse");
}

#[test]
fn the_fast_reader_agrees_with_pest_on_the_destinations_example() {
    for (path, text) in crate::check::EXAMPLE {
        assert!(agree(text), "{path} does not parse");
    }
}

#[test]
fn the_fast_reader_agrees_with_pest_on_a_synthetic_mesh() {
    for (_, text) in crate::synth::generate(400, 7) {
        assert!(agree(&text), "a synthetic file does not parse: {text}");
    }
}

#[test]
fn the_fast_reader_agrees_with_pest_on_the_corners_of_the_grammar() {
    let accepted = CORNERS.iter().filter(|t| agree(t)).count();
    // Both outcomes must be exercised, or the list tests less than it claims.
    assert!(accepted >= 30, "only {accepted} corners parse");
    assert!(CORNERS.len() - accepted >= 20, "too few corners fail");
}

/// Tokens to splice into valid files: punctuation, keywords, and whitespace or comments in
/// places where they may or may not be allowed.
const SPLICES: &[&str] = &[
    " ",
    "\n",
    "\r\n",
    "\t",
    "#x\n",
    "#",
    ",",
    ":",
    "/",
    "|",
    "=",
    "{",
    "}",
    "*",
    "in",
    "to",
    "namespace",
    "anyone",
    "port",
    "allow",
    "calls",
    "route",
    "retries",
    "per-try",
    "on",
    "split",
    "timeout",
    "account",
    "selector",
    "mtls",
    "workload",
    "external",
    "host",
    "cidr",
    "cluster-cidrs",
    "sidecar-scoping",
    "a",
    "8080",
    "5s",
    "-",
    ".",
    "é",
    "\u{3000}",
];

/// A valid file from the repository or the synthetic mesh, by index.
fn seed_text(i: usize) -> String {
    use std::sync::OnceLock;
    static SEEDS: OnceLock<Vec<String>> = OnceLock::new();
    let seeds = SEEDS.get_or_init(|| {
        let mut seeds: Vec<String> = repository_intents();
        seeds.extend(CORNERS.iter().map(|s| s.to_string()));
        seeds.extend(crate::synth::generate(40, 3).into_iter().map(|(_, t)| t));
        seeds
    });
    seeds[i % seeds.len()].clone()
}

#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, usize),
    Delete(usize, usize),
    Duplicate(usize, usize),
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for edit in edits {
        let n = bytes.len().max(1);
        match *edit {
            Edit::Insert(at, splice) => {
                let at = at % (bytes.len() + 1);
                let splice = SPLICES[splice % SPLICES.len()].as_bytes();
                bytes.splice(at..at, splice.iter().copied());
            }
            Edit::Delete(at, len) => {
                let at = at % n;
                let end = (at + len % 8).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            Edit::Duplicate(at, len) => {
                let at = at % n;
                let end = (at + len % 40).min(bytes.len());
                let piece: Vec<u8> = bytes[at.min(end)..end].to_vec();
                bytes.splice(end..end, piece);
            }
        }
    }
    // Edits may cut a multi-byte character; the loader would refuse such a file, so give
    // the readers what `from_utf8_lossy` makes of it, as the fuzz target does.
    String::from_utf8_lossy(&bytes).into_owned()
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Insert(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Delete(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::Duplicate(a, b)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Random edits of valid files: the readers agree whether or not the result parses.
    #[test]
    fn the_fast_reader_agrees_with_pest_on_edited_files(
        seed in any::<usize>(),
        edits in proptest::collection::vec(edit(), 1..4),
    ) {
        agree(&apply(&seed_text(seed), &edits));
    }
}
