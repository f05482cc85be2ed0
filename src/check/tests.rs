//! The checker on whole small trees: what the resolved model holds for the language's
//! destinations outside the tree. Diagnostics are tested through the binary in
//! tests/externals_errors.rs; here only the model is looked at.

use crate::check::{check, Parsed};
use crate::code::Code;
use crate::ir::{self, CallKind, Caller, Destination, Protocol};
use crate::source::SourceFile;

/// The example of docs/language.md, "Destinations outside the tree".
pub(crate) const EXAMPLE: &[(&str, &str)] = &[
    (
        "egress/stripe.intent",
        "external stripe {\n  host api.stripe.com, files.stripe.com\n  port https 443/tls\n  allow payments in billing to https\n}\n",
    ),
    (
        "egress/corp-db.intent",
        "external corp-db {\n  cidr 10.20.0.0/16, 2001:db8::/48\n  port pg 5432\n  allow ledger in billing, namespace reports\n}\n",
    ),
    (
        "mesh.intent",
        "mesh {\n  cluster-cidrs 10.0.0.0/12, fd00::/8\n  sidecar-scoping on\n  workload vault in vault {\n    selector app.kubernetes.io/name=vault\n    port api 8200/http\n    allow orders in shop, payments in billing to api\n  }\n}\n",
    ),
    (
        "billing/payments.intent",
        "service payments in billing {\n  calls external stripe:https\n  calls vault in vault:api\n}\n",
    ),
    (
        "billing/ledger.intent",
        "service ledger in billing {\n  calls external corp-db:pg\n}\n",
    ),
    (
        "shop/orders.intent",
        "service orders in shop {\n  port http 8080/http\n  calls vault in vault:api\n}\n",
    ),
    (
        "reports/report.intent",
        "service report in reports {\n  calls external corp-db:5432\n}\n",
    ),
];

/// Parse and check FILES with the given reader; the model and the codes reported.
pub(crate) fn run(files: &[(&str, &str)], grammar_only: bool) -> (Option<ir::Mesh>, Vec<Code>) {
    let mut items = Vec::new();
    for (i, (path, text)) in files.iter().enumerate() {
        let source = SourceFile::new(path.to_string(), path.to_string(), text.to_string());
        let parsed = if grammar_only {
            crate::parse::parse_with_grammar(i as u32, &source)
        } else {
            crate::parse::parse(i as u32, &source)
        };
        items.push((i as u32, path.to_string(), parsed.expect("parses")));
    }
    let (mesh, diagnostics) = check(Parsed { items });
    (mesh, diagnostics.iter().map(|d| d.code).collect())
}

#[test]
fn the_language_example_resolves_into_the_model() {
    for grammar_only in [false, true] {
        let (mesh, codes) = run(EXAMPLE, grammar_only);
        assert_eq!(codes, Vec::<Code>::new());
        let mesh = mesh.expect("a model");
        let s = &mesh.settings;
        assert!(s.sidecar_scoping);
        let cluster: Vec<String> = s.cluster_cidrs.iter().map(ToString::to_string).collect();
        assert_eq!(cluster, ["10.0.0.0/12", "fd00::/8"]);

        let names: Vec<&str> = mesh.externals.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["corp-db", "stripe"], "sorted by name");
        let db = &mesh.externals[0];
        match &db.destination {
            Destination::Cidrs(c) => {
                let c: Vec<String> = c.iter().map(ToString::to_string).collect();
                assert_eq!(c, ["10.20.0.0/16", "2001:db8::/48"]);
            }
            other => panic!("corp-db is {other:?}"),
        }
        assert_eq!(db.origin, "egress/corp-db.intent");
        assert_eq!(db.ports.len(), 1);
        assert_eq!((db.ports[0].port, db.ports[0].target), (5432, 5432));
        assert_eq!(db.ports[0].protocol, Protocol::Tcp);
        let callers: Vec<String> = db.allows[0].callers.iter().map(Caller::label).collect();
        assert_eq!(callers, ["ledger.billing", "namespace:reports"]);
        assert_eq!(db.allows[0].ports, [0]);
        assert!(db.allows[0].rules.is_empty());

        let stripe = &mesh.externals[1];
        assert_eq!(
            stripe.destination,
            Destination::Hosts(vec!["api.stripe.com".into(), "files.stripe.com".into()])
        );
        assert_eq!(stripe.ports[0].protocol, Protocol::Tls);
        assert_eq!(stripe.ports[0].port, 443);

        let vault = &mesh.workloads[0];
        assert_eq!(vault.identity.name, "vault");
        assert!(!vault.identity.managed);
        assert_eq!(vault.ports[0].name, "api");
        assert_eq!(vault.ports[0].port, 8200);
        assert_eq!(vault.ports[0].protocol, Protocol::Http);
        let callers: Vec<String> = vault.allows[0].callers.iter().map(Caller::label).collect();
        assert_eq!(callers, ["orders.shop", "payments.billing"]);

        let payments = mesh
            .services
            .iter()
            .find(|s| s.name() == "payments")
            .expect("payments");
        let calls: Vec<(CallKind, &str, &str, Option<&str>)> = payments
            .calls
            .iter()
            .map(|c| {
                (
                    c.kind,
                    c.namespace.as_str(),
                    c.name.as_str(),
                    c.port.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            calls,
            [
                (CallKind::External, "", "stripe", Some("https")),
                (CallKind::Workload, "vault", "vault", Some("api")),
            ]
        );
    }
}

#[test]
fn defaults_without_the_new_settings() {
    let (mesh, codes) = run(
        &[("a.intent", "service a in b {\n  port http 80/http\n}\n")],
        false,
    );
    assert_eq!(codes, Vec::<Code>::new());
    let mesh = mesh.expect("a model");
    assert!(mesh.settings.sidecar_scoping);
    assert!(mesh.settings.cluster_cidrs.is_empty());
    assert!(mesh.externals.is_empty());
    assert_eq!(mesh.services[0].calls.len(), 0);
}

#[test]
fn sidecar_scoping_off() {
    let (mesh, _) = run(&[("mesh.intent", "mesh { sidecar-scoping off }")], false);
    assert!(!mesh.expect("a model").settings.sidecar_scoping);
}
