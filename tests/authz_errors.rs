//! Diagnostics of `deny`, `when` conditions and the mesh block's `jwt` issuers
//! (docs/errors.md, E0801-E0809, W0009-W0012, and E0402/E0406 on a `deny`): each bad input
//! gives its code at the offending token, with its message and help, through the real
//! binary. A small valid tree is the base; each case replaces or adds a file. Errors exit 2
//! and write nothing; warnings exit 0. The examples draw none of these warnings.

mod common;

use common::{assert_errors, build_with, codes, has, root, run_on, show, Run};
use std::fs;

/// A tree with one issuer and a rule that uses it.
const BASE: &[(&str, &str)] = &[
    (
        "mesh.intent",
        "mesh {
  jwt corp {
    issuer https://login.example.com
    jwks https://login.example.com/keys.json
  }
}
",
    ),
    (
        "shop/orders.intent",
        "service orders in shop {
  port http 8080/http
  allow cart to http {
    GET /api/* when jwt corp and claim groups = admins
  }
}
",
    ),
    (
        "shop/cart.intent",
        "service cart in shop {\n  port http 8080/http\n}\n",
    ),
    (
        "shop/search.intent",
        "service search in shop {\n  port http 8080/http\n}\n",
    ),
];

const ORDERS: &str = "shop/orders.intent";
const MESH: &str = "mesh.intent";

/// Build BASE with CHANGES (a file replaced, or added; empty text removes it).
fn build(changes: &[(&str, &str)]) -> Run {
    build_with(BASE, changes)
}

/// An error run: exit 2, nothing written, and exactly the diagnostics CODES.
#[track_caller]
fn errors(changes: &[(&str, &str)], want: &[&str]) -> Run {
    let run = build(changes);
    assert_errors(&run, "", want);
    run
}

/// A warning run: exit 0, written, and exactly the diagnostics CODES.
#[track_caller]
fn warns(changes: &[(&str, &str)], want: &[&str]) -> Run {
    let run = build(changes);
    assert_eq!(run.code, Some(0), "{}", show(&run));
    assert!(run.wrote, "a run with warnings only writes OUT");
    let mut want: Vec<String> = want.iter().map(|c| c.to_string()).collect();
    want.sort();
    assert_eq!(codes(&run, ""), want, "{}", show(&run));
    run
}

/// orders.intent with RULE as the one rule of its `allow` (line 4, from column 5).
fn orders(rule: &str) -> String {
    format!(
        "service orders in shop {{
  port http 8080/http
  allow cart to http {{
    {rule}
  }}
}}
"
    )
}

/// Where NEEDLE starts in RULE, written by [`orders`].
fn in_rule(rule: &str, needle: &str) -> String {
    let column = 5 + rule.find(needle).expect("the needle is in the rule");
    format!("{ORDERS}:4:{column}")
}

/// orders.intent with STATEMENTS after its port lines (`port http 8080/http` and, with
/// SQL, `port sql 5432/tcp`), one a line from line 3 (4 with SQL).
fn orders_with(sql: bool, statements: &[&str]) -> String {
    let mut s = "service orders in shop {\n  port http 8080/http\n".to_string();
    if sql {
        s.push_str("  port sql 5432/tcp\n");
    }
    for line in statements {
        s.push_str("  ");
        s.push_str(line);
        s.push('\n');
    }
    s.push_str("}\n");
    s
}

/// A mesh block with the jwt blocks BODY (each line indented by two).
fn mesh(body: &str) -> String {
    format!("mesh {{\n{body}}}\n")
}

const PARTNERS: &str = "  jwt partners {
    issuer https://partners.example.com
    jwks https://partners.example.com/keys.json
  }
";

const CORP: &str = "  jwt corp {
    issuer https://login.example.com
    jwks https://login.example.com/keys.json
  }
";

#[test]
fn the_base_tree_builds_without_a_diagnostic() {
    let run = build(&[]);
    assert_eq!(run.code, Some(0), "{}", show(&run));
    assert!(run.diagnostics.is_empty(), "{}", show(&run));
}

#[test]
fn header_names() {
    let cases = [
        (
            "GET /api/* when header X-Tenant = acme",
            "X-Tenant",
            "header name `X-Tenant` holds upper-case letters",
            "write `x-tenant`: the proxy compares header names in lower case",
        ),
        (
            "GET /api/* when header x_tenant = acme",
            "x_tenant",
            "header name `x_tenant` holds `_`",
            "write `x-tenant`: header names use `-`",
        ),
        (
            "GET /api/* when header X_Tenant != acme",
            "X_Tenant",
            "header name `X_Tenant` holds upper-case letters and `_`",
            "write `x-tenant`",
        ),
        (
            "GET /api/* when header x.tenant = acme",
            "x.tenant",
            "header name `x.tenant` holds `.`",
            "lower-case letters, digits and `-`, such as `x-tenant`",
        ),
        (
            "GET /api/* when header :authority = shop.example.com",
            ":authority",
            "`:authority` is a pseudo-header",
            "match the method and path in the rule itself",
        ),
    ];
    for (rule, name, message, help) in cases {
        let run = errors(&[(ORDERS, &orders(rule))], &["E0801"]);
        has(&run, "E0801", &in_rule(rule, name), message, help);
    }
}

#[test]
fn claim_names() {
    let rule = "GET /api/* when jwt corp and claim realm.roles = admin";
    let run = errors(&[(ORDERS, &orders(rule))], &["E0801"]);
    has(
        &run,
        "E0801",
        &in_rule(rule, "realm.roles"),
        "claim name `realm.roles` holds `.`",
        "one level deep, such as `groups`",
    );
}

#[test]
fn condition_values() {
    let cases = [
        (
            "ac;me",
            "condition value `ac;me` holds `;`",
            "a value is letters, digits and `-._~:/@+%`",
        ),
        (
            "*",
            "`*` alone is not a condition value",
            "list the values it may take",
        ),
        (
            "be*ta",
            "condition value `be*ta` has a `*` in the middle",
            "one `*` may stand first (a suffix, `*-beta`) or last (a prefix, `beta-*`)",
        ),
        (
            "*beta*",
            "condition value `*beta*` has 2 `*`, but a value may hold one",
            "one `*` may stand first",
        ),
    ];
    for (value, message, help) in cases {
        let rule = format!("GET /api/* when header x-tenant = acme, {value}");
        let run = errors(&[(ORDERS, &orders(&rule))], &["E0802"]);
        has(
            &run,
            "E0802",
            &format!("{ORDERS}:4:{}", 5 + rule.rfind(value).unwrap()),
            message,
            help,
        );
    }
    // Claim values are held to the same characters.
    let rule = "GET /api/* when jwt corp and claim groups = adm!n";
    let run = errors(&[(ORDERS, &orders(rule))], &["E0802"]);
    has(
        &run,
        "E0802",
        &in_rule(rule, "adm!n"),
        "condition value `adm!n` holds `!`",
        "list several with commas",
    );
}

#[test]
fn a_claim_without_a_jwt() {
    let rule = "GET /api/* when header x-tenant = acme and claim groups = admins";
    let run = errors(&[(ORDERS, &orders(rule))], &["E0803"]);
    has(
        &run,
        "E0803",
        &in_rule(rule, "claim"),
        "`claim groups` needs a `jwt` condition in the same rule",
        "write `when jwt corp and claim groups = ...`",
    );
    // A `jwt` in another rule does not count.
    let file = orders("GET /api/* when jwt corp\n    GET /admin/* when claim groups = admins");
    let run = errors(&[(ORDERS, &file)], &["E0803"]);
    has(
        &run,
        "E0803",
        &format!("{ORDERS}:5:23"),
        "`claim groups`",
        "",
    );
}

#[test]
fn an_unknown_jwt() {
    let rule = "GET /api/* when jwt crop and claim groups = admins";
    // The claim is not also reported as lacking a `jwt`.
    let run = errors(&[(ORDERS, &orders(rule))], &["E0804"]);
    has(
        &run,
        "E0804",
        &in_rule(rule, "crop"),
        "unknown jwt `crop`",
        "did you mean `corp`?",
    );
    // Nothing close: the help lists the declared issuers.
    let rule = "GET /api/* when jwt google";
    let run = errors(&[(ORDERS, &orders(rule))], &["E0804"]);
    has(
        &run,
        "E0804",
        &in_rule(rule, "google"),
        "unknown jwt `google`",
        "the mesh block declares `corp`",
    );
    // No issuer at all: the help shows how to declare one.
    let run = errors(&[(ORDERS, &orders(rule)), (MESH, "")], &["E0804"]);
    has(
        &run,
        "E0804",
        &in_rule(rule, "google"),
        "unknown jwt `google`",
        "declare the issuer in the mesh block: `jwt google { issuer https://...",
    );
}

#[test]
fn two_jwts_in_one_rule() {
    let rule = "GET /api/* when jwt corp and jwt partners";
    let run = errors(
        &[
            (ORDERS, &orders(rule)),
            (MESH, &mesh(&format!("{CORP}{PARTNERS}"))),
        ],
        &["E0805"],
    );
    has(
        &run,
        "E0805",
        &in_rule(rule, "jwt partners"),
        "this rule asks for a token of `corp` and of `partners`, but a request carries one token",
        "write one rule per issuer",
    );
    // The same issuer twice is one condition.
    let rule = "GET /api/* when jwt corp and jwt corp";
    let run = build(&[(ORDERS, &orders(rule))]);
    assert_eq!(run.code, Some(0), "{}", show(&run));
}

#[test]
fn jwt_urls() {
    let cases = [
        (
            "issuer http://login.example.com",
            "`http://login.example.com` is not an https URL: tokens and keys must come over https",
            "write `https://login.example.com`, if that is what the tokens carry in `iss`",
        ),
        (
            "issuer login.example.com",
            "`login.example.com` is not an https URL: it must start with `https://`",
            "write `https://login.example.com`",
        ),
        (
            "issuer https://login_example.com",
            "the host is missing or holds other characters",
            "write the issuer exactly as its tokens carry it in `iss`",
        ),
        (
            "jwks http://login.example.com/keys.json",
            "`http://login.example.com/keys.json` is not an https URL",
            "write `https://login.example.com/keys.json`: the proxy fetches signing keys over https only",
        ),
        (
            "jwks https://login.example.com:0/keys.json",
            "the port after the host is not a number from 1 to 65535",
            "write where the keys are published",
        ),
    ];
    for (line, message, help) in cases {
        let (keyword, _) = line.split_once(' ').unwrap();
        let body = CORP.replace(
            if keyword == "issuer" {
                "issuer https://login.example.com"
            } else {
                "jwks https://login.example.com/keys.json"
            },
            line,
        );
        let row = if keyword == "issuer" { 3 } else { 4 };
        let column = 5 + keyword.len() + 1;
        let run = errors(&[(MESH, &mesh(&body))], &["E0806"]);
        has(
            &run,
            "E0806",
            &format!("{MESH}:{row}:{column}"),
            message,
            help,
        );
    }
}

#[test]
fn a_jwt_declared_twice() {
    let second = "  jwt corp {
    issuer https://sso.example.com
    jwks https://sso.example.com/keys.json
  }
";
    let run = errors(&[(MESH, &mesh(&format!("{CORP}{second}")))], &["E0807"]);
    has(
        &run,
        "E0807",
        &format!("{MESH}:6:7"),
        "`jwt corp` is declared twice",
        "merge the two, or rename this one",
    );
    // Two names for one issuer.
    let second = CORP.replace("jwt corp", "jwt login");
    let run = errors(&[(MESH, &mesh(&format!("{CORP}{second}")))], &["E0807"]);
    has(
        &run,
        "E0807",
        &format!("{MESH}:7:12"),
        "issuer `https://login.example.com` is already declared by `jwt corp`",
        "remove `jwt login`, and write `when jwt corp` where rules name it",
    );
}

#[test]
fn an_incomplete_jwt() {
    // The rule that names it is not also told that `corp` does not exist.
    let body = "  jwt corp {\n    jwks https://login.example.com/keys.json\n  }\n";
    let run = errors(&[(MESH, &mesh(body))], &["E0808"]);
    has(
        &run,
        "E0808",
        &format!("{MESH}:2:7"),
        "`jwt corp` has no `issuer`",
        "add the URL its tokens carry in `iss`: `issuer https://accounts.example.com`",
    );
    let body = "  jwt corp {\n    issuer https://login.example.com\n  }\n";
    let run = errors(&[(MESH, &mesh(body))], &["E0808"]);
    has(
        &run,
        "E0808",
        &format!("{MESH}:2:7"),
        "`jwt corp` has no `jwks`",
        "add where it publishes its keys: `jwks https://accounts.example.com/jwks.json`",
    );
    // A line given twice is E0105.
    let body = CORP.replace(
        "  }\n",
        "    jwks https://login.example.com/other.json\n  }\n",
    );
    let run = errors(&[(MESH, &mesh(&body))], &["E0105"]);
    has(
        &run,
        "E0105",
        &format!("{MESH}:5:5"),
        "`jwks` is given twice in `jwt corp`",
        "keep one `jwks` line",
    );
}

#[test]
fn a_deny_identical_to_an_allow() {
    let file = orders_with(
        false,
        &[
            "allow cart to http {",
            "  POST /api/orders",
            "}",
            "deny cart to http {",
            "  POST /api/orders",
            "}",
        ],
    );
    let run = errors(&[(ORDERS, &file)], &["E0809"]);
    has(
        &run,
        "E0809",
        &format!("{ORDERS}:6:3"),
        "this `deny` refuses exactly what an `allow` of the service admits",
        "remove the `allow` to refuse these requests",
    );
    // The order rules, methods, paths, conditions and values are written in does not
    // matter.
    let file = orders_with(
        false,
        &[
            "allow cart to http {",
            "  GET|HEAD /a, /b when header x-a = 1, 2 and jwt corp",
            "}",
            "deny cart to http {",
            "  HEAD|GET /b, /a when jwt corp and header x-a = 2, 1",
            "}",
        ],
    );
    let run = errors(&[(ORDERS, &file)], &["E0809"]);
    has(
        &run,
        "E0809",
        &format!("{ORDERS}:6:3"),
        "refuses exactly",
        "",
    );
    // A deny left identical by an unknown caller dropped is not compared.
    let file = orders_with(false, &["allow cart to http", "deny cart, crat to http"]);
    let run = errors(&[(ORDERS, &file)], &["E0401"]);
    has(
        &run,
        "E0401",
        &format!("{ORDERS}:4:14"),
        "unknown caller `crat`",
        "did you mean `cart`?",
    );
}

#[test]
fn conditions_on_a_tcp_port() {
    let file = orders_with(
        true,
        &[
            "allow cart {",
            "  GET /api/* when header x-tenant = acme",
            "}",
        ],
    );
    let run = errors(&[(ORDERS, &file)], &["E0402"]);
    has(
        &run,
        "E0402",
        &format!("{ORDERS}:4:3"),
        "HTTP rules need `http`, `http2` or `grpc` ports, but `sql` is tcp",
        "without `to`, an `allow` covers every port; name the HTTP ports with `to`",
    );
}

#[test]
fn deny_rules_on_a_tcp_port() {
    let file = orders_with(
        true,
        &[
            "allow cart",
            "deny cart to http, sql {",
            "  GET /admin/*",
            "}",
        ],
    );
    let run = errors(&[(ORDERS, &file)], &["E0402"]);
    has(
        &run,
        "E0402",
        &format!("{ORDERS}:5:22"),
        "HTTP rules need `http`, `http2` or `grpc` ports, but `sql` is tcp",
        "move this port to a `deny` without rules",
    );
    let file = orders_with(true, &["allow cart", "deny cart {", "  GET /admin/*", "}"]);
    let run = errors(&[(ORDERS, &file)], &["E0402"]);
    has(
        &run,
        "E0402",
        &format!("{ORDERS}:5:3"),
        "but `sql` is tcp",
        "without `to`, a `deny` covers every port; name the HTTP ports with `to`",
    );
}

#[test]
fn an_empty_deny_block() {
    // Not also E0809: the empty block is not read as "any request", which the `allow`
    // admits.
    let file = orders_with(false, &["allow cart to http", "deny cart to http {}"]);
    let run = errors(&[(ORDERS, &file)], &["E0406"]);
    has(
        &run,
        "E0406",
        &format!("{ORDERS}:4:3"),
        "this `deny` has an empty rule block, which would deny no request",
        "remove the braces to deny any request",
    );
}

#[test]
fn a_deny_by_identity_on_a_permissive_service() {
    let file = orders_with(
        false,
        &[
            "mtls permissive",
            "allow anyone to http",
            "deny cart to http",
        ],
    );
    let run = warns(&[(ORDERS, &file)], &["W0009"]);
    has(
        &run,
        "W0009",
        &format!("{ORDERS}:5:8"),
        "`orders` is `mtls permissive` and admits `anyone`, so `cart in shop` calling in plain text, without identity, escapes this `deny`",
        "write `mtls strict` once every caller has a sidecar",
    );
    // When only identities are allowed, plain text is refused anyway: no W0009 (W0001 says
    // what there is to say).
    let file = orders_with(
        false,
        &[
            "mtls permissive",
            "allow cart, search to http",
            "deny cart to http {",
            "  * /admin/*",
            "}",
        ],
    );
    warns(&[(ORDERS, &file)], &["W0001"]);
    // Denying `anyone` refuses plain text too.
    let file = orders_with(
        false,
        &[
            "mtls permissive",
            "allow anyone to http",
            "deny anyone to http {",
            "  * /admin/*",
            "}",
        ],
    );
    warns(&[(ORDERS, &file)], &[]);
}

#[test]
fn a_deny_that_removes_nothing() {
    let file = orders_with(false, &["allow cart to http", "deny search to http"]);
    let run = warns(&[(ORDERS, &file)], &["W0010"]);
    has(
        &run,
        "W0010",
        &format!("{ORDERS}:4:3"),
        "this `deny` removes nothing: no `allow` of `orders` admits these callers on these ports and paths",
        "remove the `deny`",
    );
    // Paths that no allowed rule reaches.
    let file = orders_with(
        false,
        &[
            "allow cart to http {",
            "  GET /api/*",
            "}",
            "deny cart to http {",
            "  * /admin/*",
            "}",
        ],
    );
    let run = warns(&[(ORDERS, &file)], &["W0010"]);
    has(
        &run,
        "W0010",
        &format!("{ORDERS}:6:3"),
        "removes nothing",
        "",
    );
}

#[test]
fn an_allow_that_denies_leave_nothing_of() {
    let file = orders_with(
        false,
        &[
            "allow cart to http {",
            "  GET /a/*",
            "}",
            "deny cart to http {",
            "  * /a/*",
            "}",
        ],
    );
    let run = warns(&[(ORDERS, &file)], &["W0011"]);
    has(
        &run,
        "W0011",
        &format!("{ORDERS}:3:3"),
        "this `allow` admits nothing: `deny` statements refuse every request it grants",
        "remove the `allow`, or narrow the `deny` that covers it",
    );
    let file = orders_with(false, &["allow cart to http", "deny anyone to http"]);
    let run = warns(&[(ORDERS, &file)], &["W0011"]);
    has(
        &run,
        "W0011",
        &format!("{ORDERS}:3:3"),
        "admits nothing",
        "",
    );
    // A narrower deny leaves the rest: no warning.
    let file = orders_with(
        false,
        &[
            "allow cart to http {",
            "  GET /a/*",
            "}",
            "deny cart to http {",
            "  * /a/b/*",
            "}",
        ],
    );
    warns(&[(ORDERS, &file)], &[]);
    // A deny with conditions refuses only some requests: no warning.
    let file = orders_with(
        false,
        &[
            "allow cart to http",
            "deny cart to http {",
            "  * /* when header x-tenant = blocked",
            "}",
        ],
    );
    warns(&[(ORDERS, &file)], &[]);
}

#[test]
fn headers_the_proxy_sets() {
    for header in ["host", "x-forwarded-for", "x-envoy-foo"] {
        let rule = format!("GET /api/* when header {header} = acme");
        let run = warns(&[(ORDERS, &orders(&rule))], &["W0012"]);
        has(
            &run,
            "W0012",
            &in_rule(&rule, header),
            &format!("`{header}` is a header the proxy sets or rewrites: "),
            "match a header the client sends, such as `x-tenant`",
        );
    }
    // A header of the client's own draws nothing.
    let rule = "GET /api/* when header x-tenant != acme, beta*";
    warns(&[(ORDERS, &orders(rule))], &[]);
}

/// The examples use the language as intended: none of the deny and condition lints fires.
#[test]
fn the_examples_draw_no_deny_or_condition_warning() {
    let examples = root().join("examples");
    let mut names: Vec<String> = fs::read_dir(&examples)
        .expect("examples/")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for name in names {
        let run = run_on(&examples, &name);
        assert_eq!(run.code, Some(0), "{name}: {}", show(&run));
        let lints = ["W0009", "W0010", "W0011", "W0012"];
        let fired: Vec<String> = codes(&run, "")
            .into_iter()
            .filter(|c| lints.contains(&c.as_str()))
            .collect();
        assert!(fired.is_empty(), "{name}: {}", show(&run));
    }
}
