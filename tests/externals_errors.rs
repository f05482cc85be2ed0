//! Diagnostics of destinations outside the tree (docs/language.md, "Destinations outside
//! the tree"; docs/errors.md): each bad input gives its code at the offending token, with
//! its message and help, through the real binary. A small valid tree is the base; each case
//! replaces or adds a file.

mod common;

use common::{assert_errors, build_with, has, show, text, Run};

/// A tree with both kinds of external, a workload destination and calls to each.
const BASE: &[(&str, &str)] = &[
    (
        "mesh.intent",
        "mesh {
  cluster-cidrs 10.0.0.0/12, fd00::/8
  workload vault in vault {
    selector app.kubernetes.io/name=vault
    port api 8200/http
    allow orders in shop, payments in billing to api
  }
}
",
    ),
    (
        "egress/stripe.intent",
        "external stripe {
  host api.stripe.com, files.stripe.com
  port https 443/tls
  allow payments in billing to https
}
",
    ),
    (
        "egress/corp-db.intent",
        "external corp-db {
  cidr 10.20.0.0/16, 2001:db8::/48
  port pg 5432
  allow ledger in billing, namespace reports
}
",
    ),
    (
        "billing/payments.intent",
        "service payments in billing {
  calls external stripe:https, vault in vault:api
}
",
    ),
    (
        "billing/ledger.intent",
        "service ledger in billing {
  calls external corp-db:pg
}
",
    ),
    (
        "shop/orders.intent",
        "service orders in shop {
  port http 8080/http
  calls vault in vault:api
}
",
    ),
    (
        "reports/report.intent",
        "service report in reports {
  calls external corp-db
}
",
    ),
];

/// Build BASE with CHANGES (a file replaced, or added; empty text removes it).
fn build(changes: &[(&str, &str)]) -> Run {
    build_with(BASE, changes)
}

/// An error run: exit 2, nothing written, and exactly the error codes CODES.
#[track_caller]
fn errors(changes: &[(&str, &str)], want: &[&str]) -> Run {
    let run = build(changes);
    assert_errors(&run, "error", want);
    run
}

const STRIPE: &str = "egress/stripe.intent";

fn stripe(hosts: &str) -> String {
    format!(
        "external stripe {{
  host {hosts}
  port https 443/tls
  allow payments in billing to https
}}
"
    )
}

fn corp_db(cidrs: &str) -> String {
    format!(
        "external corp-db {{
  cidr {cidrs}
  port pg 5432
  allow ledger in billing, namespace reports
}}
"
    )
}

#[test]
fn the_base_tree_builds_without_a_diagnostic() {
    let run = build(&[]);
    assert_eq!(run.code, Some(0), "{}", show(&run));
    assert!(run.diagnostics.is_empty(), "{}", show(&run));
}

#[test]
fn unknown_external_in_calls() {
    let run = errors(
        &[(
            "billing/payments.intent",
            "service payments in billing {\n  calls vault in vault:api, external strpe:https\n}\n",
        )],
        &["E0503"],
    );
    has(
        &run,
        "E0503",
        "billing/payments.intent:2:38",
        "`calls` names `external strpe`, which is not an external of the tree",
        "did you mean `stripe`?",
    );
}

#[test]
fn malformed_hosts() {
    let cases = [
        (
            "Api.stripe.com",
            "upper-case letters",
            "write `api.stripe.com`",
        ),
        (
            "api.stripe.com.",
            "ends with a dot",
            "write `api.stripe.com`",
        ),
        (
            "api.*.com",
            "wildcard that is not its whole first label",
            "`*.stripe.com`",
        ),
        (
            "*stripe.com",
            "wildcard that is not its whole first label",
            "`*.stripe.com`",
        ),
        ("localhost", "single label", "at least two labels"),
        (
            "*.com",
            "single label after the wildcard",
            "at least two labels",
        ),
        (
            "api_v1.stripe.com",
            "contains `_`",
            "lower-case letters, digits",
        ),
        (
            "api.stripe.com:443",
            "carries a port",
            "write `api.stripe.com`",
        ),
        ("https://api.stripe.com/v1", "is a URL", "`api.stripe.com`"),
        ("a..com", "empty label", "single dots"),
        ("203.0.113.10", "is an IP address", "`cidr 203.0.113.10/32`"),
    ];
    for (host, message, help) in cases {
        let file = stripe(&format!("files.stripe.com, {host}"));
        let run = errors(&[(STRIPE, &file)], &["E0701"]);
        has(&run, "E0701", &format!("{STRIPE}:2:26"), message, help);
    }
}

#[test]
fn malformed_cidrs() {
    let cases = [
        ("10.20.1.0/16", "has host bits set", "`10.20.0.0/16`"),
        ("2001:db8::1/48", "has host bits set", "`2001:db8::/48`"),
        ("10.0.0.0/33", "prefix length out of range", "0 to 32"),
        ("2001:db8::/129", "prefix length out of range", "0 to 128"),
        ("::ffff:10.0.0.0/104", "mixes IPv4 and IPv6", "on its own"),
        ("010.20.0.0/16", "leading zeros", "`10.20.0.0`"),
        ("10.20.0.0/016", "leading zeros", "`/16`"),
        ("10.20.0/16", "not an address range", "`10.20.0.0/16`"),
        ("10.20.0.0", "no prefix length", "`10.20.0.0/32`"),
        ("10.0.0.300/32", "part out of range", "0 to 255"),
    ];
    for (cidr, message, help) in cases {
        let file = corp_db(&format!("192.0.2.0/24, {cidr}"));
        let run = errors(&[("egress/corp-db.intent", &file)], &["E0702"]);
        has(&run, "E0702", "egress/corp-db.intent:2:22", message, help);
    }
}

#[test]
fn malformed_cluster_cidrs() {
    let mesh = BASE[0].1.replace("10.0.0.0/12", "10.1.0.0/12");
    let run = errors(&[("mesh.intent", &mesh)], &["E0702"]);
    has(
        &run,
        "E0702",
        "mesh.intent:2:17",
        "`10.1.0.0/12` has host bits set",
        "`10.0.0.0/12`",
    );
}

#[test]
fn both_host_and_cidr() {
    let file = "external stripe {
  host api.stripe.com
  port https 443/tls
  cidr 203.0.113.0/24
  allow payments in billing to https
}
";
    let run = errors(&[(STRIPE, file)], &["E0703"]);
    has(
        &run,
        "E0703",
        &format!("{STRIPE}:4:3"),
        "has both `host` and `cidr`",
        "two externals",
    );
}

#[test]
fn neither_host_nor_cidr() {
    let file = "external stripe {\n  port https 443/tls\n  allow payments in billing\n}\n";
    let run = errors(&[(STRIPE, file)], &["E0703"]);
    has(
        &run,
        "E0703",
        &format!("{STRIPE}:1:10"),
        "has neither `host` nor `cidr`",
        "`host api.example.com`",
    );
}

#[test]
fn host_given_twice() {
    let file = "external stripe {
  host api.stripe.com
  host files.stripe.com
  port https 443/tls
  allow payments in billing
}
";
    let run = errors(&[(STRIPE, file)], &["E0105"]);
    has(
        &run,
        "E0105",
        &format!("{STRIPE}:3:3"),
        "`host` is given twice",
        "one statement",
    );
}

#[test]
fn duplicate_ports() {
    let file = "external corp-db {
  cidr 10.20.0.0/16
  port pg 5432
  port pg 5433
  port replica 5432
  allow ledger in billing, namespace reports
}
";
    let run = errors(&[("egress/corp-db.intent", file)], &["E0304", "E0304"]);
    has(
        &run,
        "E0304",
        "egress/corp-db.intent:4:8",
        "port `pg` is declared twice in external `corp-db`",
        "",
    );
    has(
        &run,
        "E0304",
        "egress/corp-db.intent:5:16",
        "port 5432 is used twice in external `corp-db`",
        "",
    );
}

#[test]
fn tcp_port_on_a_host_external() {
    let file = "external stripe {
  host api.stripe.com
  port https 443/tcp
  port raw 444
  allow payments in billing
}
";
    let run = errors(&[(STRIPE, file)], &["E0704", "E0704"]);
    has(
        &run,
        "E0704",
        &format!("{STRIPE}:3:18"),
        "port `https` of external `stripe` is tcp",
        "`cidr`",
    );
    // Without a protocol the port is tcp: the caret is on its name.
    has(
        &run,
        "E0704",
        &format!("{STRIPE}:4:8"),
        "port `raw`",
        "`cidr`",
    );
}

#[test]
fn http_rules_on_an_external_or_a_workload() {
    let file = "external stripe {
  host api.stripe.com
  port https 443/http
  allow payments in billing to https {
    GET /v1/charges
  }
}
";
    let run = errors(&[(STRIPE, file)], &["E0705"]);
    has(
        &run,
        "E0705",
        &format!("{STRIPE}:5:5"),
        "HTTP rules on an `allow` of external `stripe`",
        "remove the rule block",
    );
    let mesh = BASE[0]
        .1
        .replace("to api\n", "to api {\n      * /v1/secret/*\n    }\n");
    let run = errors(&[("mesh.intent", &mesh)], &["E0705"]);
    has(
        &run,
        "E0705",
        "mesh.intent:7:7",
        "HTTP rules on an `allow` of workload `vault in vault`",
        "remove the rule block",
    );
}

#[test]
fn egress_for_a_workload_or_an_unmanaged_namespace() {
    let mesh = BASE[0].1.replace(
        "  workload vault",
        "  workload gw in edge { }\n  workload vault",
    );
    let file = "external stripe {
  host api.stripe.com
  port https 443/tls
  allow payments in billing, gw in edge, namespace nowhere
}
";
    let run = errors(
        &[("mesh.intent", &mesh), (STRIPE, file)],
        &["E0706", "E0706"],
    );
    has(
        &run,
        "E0706",
        &format!("{STRIPE}:4:30"),
        "`gw in edge` is a workload",
        "only services of the tree get egress",
    );
    has(
        &run,
        "E0706",
        &format!("{STRIPE}:4:52"),
        "namespace `nowhere` holds no service of this tree",
        "name a namespace that holds services",
    );
}

#[test]
fn callers_of_an_external_name_their_namespace() {
    let file = stripe("api.stripe.com").replace("allow payments in billing", "allow payments");
    let run = errors(&[(STRIPE, &file)], &["E0401"]);
    has(
        &run,
        "E0401",
        &format!("{STRIPE}:4:9"),
        "caller `payments` has no namespace",
        "did you mean `payments in billing`?",
    );
    let file = stripe("api.stripe.com").replace("payments in billing", "paymnts in billing");
    let run = errors(&[(STRIPE, &file)], &["E0401"]);
    has(
        &run,
        "E0401",
        &format!("{STRIPE}:4:9"),
        "unknown caller `paymnts in billing`",
        "did you mean `payments in billing`?",
    );
}

#[test]
fn one_host_in_two_externals() {
    let file = "external stripe-files {
  host files.stripe.com
  port https 443/tls
  allow payments in billing
}
";
    let run = errors(&[("egress/stripe-files.intent", file)], &["E0710"]);
    has(
        &run,
        "E0710",
        "egress/stripe.intent:2:24",
        "host `files.stripe.com` is also a host of external `stripe-files`",
        "a host belongs to one external",
    );
}

#[test]
fn https_is_tls_on_a_destination() {
    let file = stripe("api.stripe.com").replace("443/tls", "443/https");
    let run = errors(&[(STRIPE, &file)], &["E0301"]);
    has(
        &run,
        "E0301",
        &format!("{STRIPE}:3:18"),
        "unknown protocol `https`",
        "`port https 443/tls`",
    );
}

#[test]
fn a_call_to_an_external_says_external() {
    let run = errors(
        &[(
            "billing/payments.intent",
            "service payments in billing {\n  calls stripe:https\n}\n",
        )],
        &["E0501"],
    );
    has(
        &run,
        "E0501",
        "billing/payments.intent:2:9",
        "`calls` names `stripe in billing`, which is not a service of the tree",
        "write `calls external stripe`",
    );
}

#[test]
fn duplicate_external() {
    let run = errors(
        &[("egress/stripe-2.intent", &stripe("api.stripe.com"))],
        &["E0707"],
    );
    has(
        &run,
        "E0707",
        "egress/stripe.intent:1:10",
        "external `stripe` is declared twice",
        "unique in the tree",
    );
}

#[test]
fn external_is_reserved() {
    let run = errors(
        &[(
            "a/external.intent",
            "service external in a {\n  port http 80/http\n}\n",
        )],
        &["E0001"],
    );
    has(
        &run,
        "E0001",
        "a/external.intent:1:9",
        "`external` is a reserved word and cannot be a service name",
        "`external` are reserved",
    );
    let run = errors(
        &[(
            "billing/extra.intent",
            "service extra in billing {\n  calls external\n}\n",
        )],
        &["E0001"],
    );
    has(
        &run,
        "E0001",
        "billing/extra.intent:3:1",
        "expected an external name after `external`",
        "",
    );
}

#[test]
fn syntax_errors_in_the_new_statements_say_what_was_meant() {
    let cases = [
        (
            "external other in billing {\n  host api.other.com\n}\n",
            "1:16",
            "expected `{` after `other`, found `in`",
            "externals have no namespace",
        ),
        (
            "external other {\n  host api.other.com files.other.com\n}\n",
            "2:22",
            "found `files.other.com`",
            "separate the entries with `,`: `host A, B`",
        ),
        (
            "external other {\n  cidr 10.0.0.0 / 8\n}\n",
            "2:17",
            "found `/`",
            "write a range without spaces",
        ),
    ];
    for (text, at, message, help) in cases {
        let run = errors(&[("egress/other.intent", text)], &["E0001"]);
        has(
            &run,
            "E0001",
            &format!("egress/other.intent:{at}"),
            message,
            help,
        );
    }
}

#[test]
fn external_without_ports() {
    let file = "external stripe {\n  host api.stripe.com\n}\n";
    let run = errors(&[(STRIPE, file)], &["E0708"]);
    has(
        &run,
        "E0708",
        &format!("{STRIPE}:1:10"),
        "declares no port",
        "`port https 443/tls`",
    );
}

#[test]
fn allow_to_an_unknown_port() {
    let file = stripe("api.stripe.com").replace("to https", "to htps");
    let run = errors(&[(STRIPE, &file)], &["E0305"]);
    has(
        &run,
        "E0305",
        &format!("{STRIPE}:4:32"),
        "external `stripe` has no port named `htps`",
        "did you mean `https`?",
    );
}

#[test]
fn service_port_on_a_destination() {
    let file = stripe("api.stripe.com").replace("443/tls", "443:8443/tls");
    let run = errors(&[(STRIPE, &file)], &["E0709"]);
    has(
        &run,
        "E0709",
        &format!("{STRIPE}:3:14"),
        "no Service in front",
        "such as `port https 8443`",
    );
}

#[test]
fn calls_to_destinations_are_checked_like_calls_to_services() {
    let run = errors(
        &[(
            "shop/orders.intent",
            "service orders in shop {
  port http 8080/http
  calls vault in vault:api, external stripe, external corp-db:pg
}
",
        )],
        &["E0502", "E0502"],
    );
    has(
        &run,
        "E0502",
        "shop/orders.intent:3:29",
        "`orders` calls `external stripe`, but `stripe` does not allow it",
        "add `allow orders in shop` to egress/stripe.intent",
    );
    has(
        &run,
        "E0502",
        "shop/orders.intent:3:46",
        "`orders` calls `external corp-db` on port `pg`",
        "add `allow orders in shop to pg` to egress/corp-db.intent",
    );
    let run = errors(
        &[(
            "billing/ledger.intent",
            "service ledger in billing {\n  calls vault in vault:api\n}\n",
        )],
        &["E0502"],
    );
    has(
        &run,
        "E0502",
        "billing/ledger.intent:2:9",
        "`ledger` calls `vault in vault` on port `api`, but `vault` does not allow it",
        "to the workload in mesh.intent",
    );
    let run = errors(
        &[(
            "billing/ledger.intent",
            "service ledger in billing {\n  calls valt in vault:api, vault in vault:http\n}\n",
        )],
        &["E0501", "E0305"],
    );
    has(
        &run,
        "E0501",
        "billing/ledger.intent:2:9",
        "`valt in vault`",
        "did you mean `vault in vault`?",
    );
    has(
        &run,
        "E0305",
        "billing/ledger.intent:2:43",
        "workload `vault` has no port named `http`",
        "its ports are `api`",
    );
}

#[test]
fn a_workload_allow_without_ports() {
    let mesh = BASE[0]
        .1
        .replace("    port api 8200/http\n", "")
        .replace(" to api", "");
    let run = errors(&[("mesh.intent", &mesh)], &["E0306", "E0501", "E0501"]);
    has(
        &run,
        "E0306",
        "mesh.intent:5:5",
        "workload `vault in vault` declares no ports",
        "declare the ports",
    );
}

#[test]
fn sidecar_scoping_is_on_or_off() {
    let mesh = BASE[0]
        .1
        .replace("mesh {\n", "mesh {\n  sidecar-scoping yes\n");
    let run = errors(&[("mesh.intent", &mesh)], &["E0106"]);
    has(
        &run,
        "E0106",
        "mesh.intent:2:19",
        "`sidecar-scoping` is `on` or `off`, not `yes`",
        "`sidecar-scoping off`",
    );
}

#[test]
fn every_error_of_a_run_is_reported() {
    let run = errors(
        &[
            (STRIPE, &stripe("Api.stripe.com, x")),
            ("egress/corp-db.intent", &corp_db("10.20.0.1/16")),
        ],
        &["E0701", "E0701", "E0702"],
    );
    assert_eq!(run.diagnostics.len(), 3, "{}", show(&run));
}

/// A warning run: exit 0, and the warning CODE.
#[track_caller]
fn warns(changes: &[(&str, &str)], code: &str) -> Run {
    let run = build(changes);
    assert_eq!(run.code, Some(0), "{}", show(&run));
    let codes: Vec<String> = run.diagnostics.iter().map(|d| text(d, "code")).collect();
    assert_eq!(codes, [code], "{}", show(&run));
    run
}

#[test]
fn an_external_nobody_may_call() {
    let file = "external status {\n  host status.example.com\n  port https 443/tls\n}\n";
    let run = warns(&[("egress/status.intent", file)], "W0005");
    has(
        &run,
        "W0005",
        "egress/status.intent:1:10",
        "external `status` has no `allow`",
        "or delete the external",
    );
    let mesh = BASE[0].1.replace(
        "  }\n}",
        "  }\n  workload ldap in ldap {\n    port ldap 389\n  }\n}",
    );
    let run = warns(&[("mesh.intent", &mesh)], "W0005");
    has(
        &run,
        "W0005",
        "mesh.intent:8:12",
        "workload `ldap in ldap` declares ports but no `allow`",
        "drop the ports",
    );
}

#[test]
fn an_external_inside_the_cluster_ranges() {
    let run = warns(
        &[(
            "egress/corp-db.intent",
            &corp_db("10.1.0.0/16, 2001:db8::/48"),
        )],
        "W0006",
    );
    has(
        &run,
        "W0006",
        "egress/corp-db.intent:2:8",
        "range `10.1.0.0/16` of external `corp-db` overlaps the cluster range `10.0.0.0/12`",
        "narrow the range",
    );
}

#[test]
fn a_call_without_a_port_allowed_on_some_ports_only() {
    let file = "external stripe {
  host api.stripe.com, files.stripe.com
  port https 443/tls
  port http 80/http
  allow payments in billing to https
}
";
    let payments =
        "service payments in billing {\n  calls external stripe, vault in vault:api\n}\n";
    let run = warns(
        &[(STRIPE, file), ("billing/payments.intent", payments)],
        "W0003",
    );
    has(
        &run,
        "W0003",
        "billing/payments.intent:2:9",
        "`payments` may call `stripe` only on `https`, not on every port",
        "name the port: `calls external stripe:https`",
    );
}

#[test]
fn a_host_external_without_cluster_cidrs() {
    let mesh = BASE[0]
        .1
        .replace("  cluster-cidrs 10.0.0.0/12, fd00::/8\n", "");
    let run = warns(&[("mesh.intent", &mesh)], "W0007");
    has(
        &run,
        "W0007",
        &format!("{STRIPE}:2:3"),
        "sets no `cluster-cidrs`",
        "set `cluster-cidrs`",
    );
}
