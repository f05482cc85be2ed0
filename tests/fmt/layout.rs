//! The layout rules, one small input each, through `meshward::fmt::format`.

use super::common::golden;
use meshward::fmt::{check_invariants, format};

fn formatted(text: &str) -> String {
    check_invariants(text).unwrap_or_else(|e| panic!("{e}"));
    format(text).unwrap_or_else(|d| panic!("does not format: {d:?}"))
}

/// Tabs, missing and extra spaces, several statements on a line, a split statement, stray
/// blank lines and comments everywhere a comment may stand.
const MESSY: &str = "\n\n# Orders.\n\n\n\nservice   orders in shop{   # the service\n\taccount orders-api\n  selector app=orders ,audit=on\n\n\n\n  port http 80:8080 / http   \n  port grpc 9090/grpc# gRPC\n  allow frontend in web,checkout to http,grpc { GET | HEAD /a , /b\n  * /c # any method\n\n  }\n  allow a, # first\n     b\n  # about b\n  to http\n  calls payments in billing : grpc,x\n  route http { timeout 2s retries 3 per-try 500ms on 5xx , reset split v1 90,v2 10 }\n\n  # end of block\n\n}\n\n\n# after the block\n\n";

#[test]
fn messy_input_to_canonical_layout() {
    let out = formatted(MESSY);
    golden("fmt").bind(|| insta::assert_snapshot!("messy", out));
}

#[test]
fn canonical_input_is_left_as_it_is() {
    let text = "# Header.\n\nservice a in b {\n  port http 8080/http     # aligned\n  port grpc 9090/grpc     # comments\n\n  allow c to http {\n    GET|HEAD /x, /y/*\n  }\n}\n";
    assert_eq!(formatted(text), text);
}

#[test]
fn a_comment_under_a_trailing_comment_continues_it() {
    let text = "service a in b {\n  port http 8080/http   # one\n                        # two\n  # own line\n}\n";
    assert_eq!(formatted(text), text);
    let moved = format!(
        "service a in b {{\n   port   http 8080/http   # one\n{}# two\n}}\n",
        " ".repeat(27)
    );
    assert_eq!(
        formatted(&moved),
        format!(
            "service a in b {{\n  port http 8080/http     # one\n{}# two\n}}\n",
            " ".repeat(26)
        )
    );
}

#[test]
fn a_trailing_comment_that_no_longer_fits_gets_one_space() {
    let text = "service a in b { port http 8080/http # c\n}\n";
    assert_eq!(
        formatted(text),
        "service a in b {\n  port http 8080/http # c\n}\n"
    );
}

#[test]
fn blank_lines_at_most_one_and_none_at_block_edges() {
    let text = "\n\nservice a in b {\n\n\n  account x\n\n\n\n  mtls strict\n\n}\n\n\n";
    assert_eq!(
        formatted(text),
        "service a in b {\n  account x\n\n  mtls strict\n}\n"
    );
}

#[test]
fn an_empty_block_closes_where_it_opens() {
    let text = "mesh {\n  workload gw in edge {\n\n  }\n  workload w in x { # note\n  }\n}\n";
    assert_eq!(
        formatted(text),
        "mesh {\n  workload gw in edge {}\n  workload w in x { # note\n  }\n}\n"
    );
}

#[test]
fn crlf_and_byte_order_mark_are_kept() {
    let text = "\u{feff}service a in b {\r\n account x # c \r\n}";
    assert_eq!(
        formatted(text),
        "\u{feff}service a in b {\r\n  account x # c\r\n}\r\n"
    );
    assert_eq!(formatted("service a in b {\n}"), "service a in b {}\n");
}

#[test]
fn mesh_and_external_blocks() {
    let text = "mesh{trust-domain cluster.local cluster-cidrs 10.0.0.0/14 ,fd00:10::/48\nworkload gw in istio-system{selector istio=gw port api 8200/http allow a in b to api} workload w in x\nistiod istio-system app=istiod}";
    assert_eq!(
        formatted(text),
        "mesh {\n  trust-domain cluster.local\n  cluster-cidrs 10.0.0.0/14, fd00:10::/48\n  workload gw in istio-system {\n    selector istio=gw\n    port api 8200/http\n    allow a in b to api\n  }\n  workload w in x\n  istiod istio-system app=istiod\n}\n"
    );
    let text = "external stripe{host api.stripe.com,*.stripe.com port https 443/tls allow payments in billing to https}";
    assert_eq!(
        formatted(text),
        "external stripe {\n  host api.stripe.com, *.stripe.com\n  port https 443/tls\n  allow payments in billing to https\n}\n"
    );
}

#[test]
fn syntax_errors_are_the_parsers() {
    let errors = format("service a in b {\n  port http\n}\n").expect_err("a syntax error");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code.as_str(), "E0001");
    assert!(format("# only a comment\n").is_err());
    assert!(format("").is_err());
    assert!(format("service a in b {}\0").is_err());
}
