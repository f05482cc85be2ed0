//! Property test: for random valid intent trees, the emitted objects admit exactly what
//! the intents allow, for every pair of pods, every port, and requests from every rule.
//!
//! The generator keeps its own model of what it wrote ([`Tree`]); the expected verdicts
//! come from that model, the actual ones from `meshward::evaluate` reading the objects
//! meshward rendered. Neither meshward's checker nor its self-check is trusted here.
//!
//! Services may also carry `deny` statements (with and without rules; rules only on
//! HTTP ports) and `when` conditions (`header =`, `header !=`, `jwt`, `claim` after a
//! `jwt`) naming the mesh's two `jwt` issuers, one URL a prefix of the other. Their
//! requests then also vary headers and tokens ([`EXTRAS`]).
//!
//! CI runs 256 cases. A longer run: `PROPTEST_CASES=20000 cargo test --release --test
//! properties`. Failing cases are saved under `proptest-regressions/` and replayed first
//! on every later run: commit those files.

mod beyond;
#[path = "../common/mod.rs"]
mod common;

use meshward::evaluate::{Cluster, Endpoint, Pod, Request, Token, Transport};
use meshward::render::Reading;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

const NAMESPACES: [&str; 3] = ["alpha", "beta", "gamma"];
/// Namespaces that hold no service: the gateway's, and one nobody manages.
const EDGE: &str = "edge";
const OUTSIDE_NS: &str = "ext";
const TRUST: &str = "cluster.local";
/// The mesh's issuers: `jwt idp` and `jwt idp-eu`, whose URL starts with idp's.
const ISSUERS: [&str; 2] = ["https://idp.example", "https://idp.example/eu"];
const JWT_NAMES: [&str; 2] = ["idp", "idp-eu"];

#[derive(Clone, Debug)]
struct Port {
    name: String,
    target: u16,
    service_port: Option<u16>,
    protocol: &'static str,
}

impl Port {
    fn http(&self) -> bool {
        self.protocol != "tcp"
    }
}

#[derive(Clone, Debug)]
enum Caller {
    Service(usize),
    Gateway,
    Namespace(&'static str),
    Anyone,
}

/// A `when` condition, from a small fixed set.
#[derive(Clone, Debug)]
enum Cond {
    /// `header x-tenant = acme, beta*`
    Tenant,
    /// `header x-env != prod, *-test`
    NotEnv,
    /// `jwt idp` or `jwt idp-eu` (index into [`ISSUERS`]).
    Jwt(usize),
    /// `claim groups = admin, ops*` (after a `jwt`).
    Groups,
}

impl Cond {
    fn text(&self) -> String {
        match self {
            Cond::Tenant => "header x-tenant = acme, beta*".into(),
            Cond::NotEnv => "header x-env != prod, *-test".into(),
            Cond::Jwt(i) => format!("jwt {}", JWT_NAMES[*i]),
            Cond::Groups => "claim groups = admin, ops*".into(),
        }
    }

    /// The language's reading, for a request with EXTRAS whose token (if any) the proxy
    /// validated.
    fn holds(&self, extras: &Extras) -> bool {
        let header = |name: &str| {
            extras
                .headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
        };
        match self {
            Cond::Tenant => {
                header("x-tenant").is_some_and(|v| v == "acme" || v.starts_with("beta"))
            }
            Cond::NotEnv => !header("x-env").is_some_and(|v| v == "prod" || v.ends_with("-test")),
            Cond::Jwt(i) => extras.token.is_some_and(|(iss, _)| iss == ISSUERS[*i]),
            Cond::Groups => extras.token.is_some_and(|(_, groups)| {
                groups.iter().any(|g| *g == "admin" || g.starts_with("ops"))
            }),
        }
    }
}

/// What a request carries beyond method and path: headers and a token `(issuer, groups)`.
#[derive(Clone, Copy, Debug)]
struct Extras {
    headers: &'static [(&'static str, &'static str)],
    token: Option<(&'static str, &'static [&'static str])>,
}

/// The header and token variants sent to services with conditions: inside and outside
/// each pattern, tokens of both issuers with and without matching claims, and a token of
/// an issuer that extends idp's URL (refused with 401 where tokens are validated).
const EXTRAS: [Extras; 8] = [
    Extras {
        headers: &[],
        token: None,
    },
    Extras {
        headers: &[("x-tenant", "acme")],
        token: None,
    },
    Extras {
        headers: &[("x-tenant", "betax"), ("x-env", "prod")],
        token: None,
    },
    Extras {
        headers: &[("x-tenant", "acmex"), ("x-env", "dev-test")],
        token: None,
    },
    Extras {
        headers: &[],
        token: Some(("https://idp.example", &["admin"])),
    },
    Extras {
        headers: &[("x-tenant", "acme")],
        token: Some(("https://idp.example/eu", &["opsx"])),
    },
    Extras {
        headers: &[("x-env", "staging")],
        token: Some(("https://idp.example", &["user"])),
    },
    Extras {
        headers: &[],
        token: Some(("https://idp.example/other", &["admin"])),
    },
];

#[derive(Clone, Debug)]
struct Rule {
    /// Empty: `*`.
    methods: Vec<&'static str>,
    paths: Vec<String>,
    /// `when ...`, joined by `and`.
    conditions: Vec<Cond>,
}

#[derive(Clone, Debug)]
struct Allow {
    callers: Vec<Caller>,
    /// Indices into the service's ports; `None`: no `to`.
    ports: Option<Vec<usize>>,
    rules: Vec<Rule>,
}

#[derive(Clone, Debug)]
struct Service {
    name: String,
    namespace: &'static str,
    ports: Vec<Port>,
    permissive: bool,
    allows: Vec<Allow>,
    /// `deny` statements: the shape of an allow.
    denies: Vec<Allow>,
    /// `(port index, split)`.
    routes: Vec<(usize, bool)>,
}

impl Service {
    fn covered(&self, allow: &Allow) -> Vec<usize> {
        allow
            .ports
            .clone()
            .unwrap_or_else(|| (0..self.ports.len()).collect())
    }

    /// The issuers the service's rules name: its proxy validates their tokens and refuses
    /// any other issuer's.
    fn issuers(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = self
            .allows
            .iter()
            .chain(&self.denies)
            .flat_map(|a| &a.rules)
            .flat_map(|r| &r.conditions)
            .filter_map(|c| match c {
                Cond::Jwt(i) => Some(ISSUERS[*i]),
                _ => None,
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    fn conditioned(&self) -> bool {
        self.allows
            .iter()
            .chain(&self.denies)
            .flat_map(|a| &a.rules)
            .any(|r| !r.conditions.is_empty())
    }

    /// Whether a deny is an allow written again (error E0809): same ports, callers and rules.
    fn deny_equals_allow(&self) -> bool {
        let key = |a: &Allow| {
            let mut ports = self.covered(a);
            ports.sort();
            let mut callers: Vec<String> = a.callers.iter().map(|c| format!("{c:?}")).collect();
            callers.sort();
            callers.dedup();
            let mut rules: Vec<String> = a
                .rules
                .iter()
                .map(|r| {
                    let (mut m, mut p) = (r.methods.clone(), r.paths.clone());
                    m.sort();
                    p.sort();
                    p.dedup();
                    format!("{m:?} {p:?} {:?}", r.conditions)
                })
                .collect();
            rules.sort();
            rules.dedup();
            (ports, callers, rules)
        };
        self.denies
            .iter()
            .any(|d| self.allows.iter().any(|a| key(a) == key(d)))
    }
}

#[derive(Clone, Debug)]
struct Tree {
    services: Vec<Service>,
    scraper: bool,
    /// Whether the first service's namespace is in dry-run.
    dry_run: bool,
    /// `network cilium`: the same oracle must hold of CiliumNetworkPolicy.
    cilium: bool,
}

impl Tree {
    fn observed(&self) -> Option<&'static str> {
        self.services
            .first()
            .filter(|_| self.dry_run)
            .map(|s| s.namespace)
    }
}

fn port_strategy(index: usize) -> impl Strategy<Value = Port> {
    (
        prop::sample::select(vec!["http", "grpc", "tcp", "http2"]),
        any::<bool>(),
    )
        .prop_map(move |(protocol, remap)| Port {
            name: format!("p{index}"),
            target: 8000 + index as u16,
            service_port: remap.then_some(80 + index as u16),
            protocol,
        })
}

fn conditions_strategy() -> impl Strategy<Value = Vec<Cond>> {
    let jwt = prop::option::of((0usize..2, any::<bool>()));
    (0u8..10, any::<bool>(), any::<bool>(), jwt).prop_map(|(some, tenant, env, jwt)| {
        // Nine rules in ten have no condition.
        if some < 9 {
            return Vec::new();
        }
        let mut out = Vec::new();
        if tenant {
            out.push(Cond::Tenant);
        }
        if let Some((i, claim)) = jwt {
            out.push(Cond::Jwt(i));
            if claim {
                out.push(Cond::Groups);
            }
        }
        if env || out.is_empty() {
            out.push(Cond::NotEnv);
        }
        out
    })
}

fn rule_strategy(grpc: bool) -> impl Strategy<Value = Rule> {
    let methods = if grpc {
        prop::sample::select(vec![vec![], vec!["POST"]]).boxed()
    } else {
        prop::sample::subsequence(vec!["GET", "POST", "PUT", "DELETE"], 0..=2).boxed()
    };
    let path = prop::sample::select(vec![
        "/api/orders".to_string(),
        "/api/*".to_string(),
        "/api/orders/*".to_string(),
        "*.png".to_string(),
        "/*".to_string(),
        "/health".to_string(),
    ]);
    (
        methods,
        prop::collection::vec(path, 1..=2),
        conditions_strategy(),
    )
        .prop_map(|(methods, mut paths, conditions)| {
            paths.dedup();
            Rule {
                methods,
                paths,
                conditions,
            }
        })
}

fn tree_strategy() -> impl Strategy<Value = Tree> {
    let service_shapes = prop::collection::vec(
        (
            prop::sample::select(NAMESPACES.to_vec()),
            1usize..=3,
            any::<bool>(),
        ),
        2..=6,
    );
    (
        service_shapes,
        any::<bool>(),
        prop::bool::weighted(0.3),
        any::<bool>(),
    )
        .prop_flat_map(|(shapes, scraper, dry_run, cilium)| {
            let n = shapes.len();
            let services: Vec<_> = shapes
                .into_iter()
                .enumerate()
                .map(move |(i, (namespace, port_count, permissive))| {
                    let ports = (0..port_count).map(port_strategy).collect::<Vec<_>>();
                    (
                        ports,
                        Just(namespace),
                        Just(i),
                        Just(permissive && i % 3 == 0),
                    )
                        .prop_flat_map(
                            move |(ports, namespace, i, permissive)| {
                                let allows =
                                    prop::collection::vec(allow_strategy(ports.clone(), n), 0..=3);
                                let denies = prop::collection::vec(
                                    prop_oneof![
                                        6 => Just(None),
                                        1 => allow_strategy(ports.clone(), n).prop_map(Some),
                                    ],
                                    0..=1,
                                )
                                .prop_map(|ds| ds.into_iter().flatten().collect::<Vec<_>>());
                                let route_ports: Vec<usize> =
                                    (0..ports.len()).filter(|&p| ports[p].http()).collect();
                                let routes = prop::sample::subsequence(
                                    route_ports.clone(),
                                    0..=route_ports.len(),
                                )
                                .prop_flat_map(|ps| {
                                    let k = ps.len();
                                    (Just(ps), prop::collection::vec(any::<bool>(), k))
                                })
                                .prop_map(|(ps, splits)| {
                                    ps.into_iter().zip(splits).collect::<Vec<_>>()
                                });
                                (Just(ports), allows, denies, routes).prop_map(
                                    move |(ports, allows, denies, routes)| Service {
                                        name: format!("svc{i}"),
                                        namespace,
                                        ports,
                                        permissive,
                                        allows,
                                        denies,
                                        routes,
                                    },
                                )
                            },
                        )
                })
                .collect();
            (services, Just(scraper), Just(dry_run), Just(cilium))
        })
        .prop_map(|(services, scraper, dry_run, cilium)| Tree {
            services,
            scraper,
            dry_run,
            cilium,
        })
}

fn allow_strategy(ports: Vec<Port>, services: usize) -> impl Strategy<Value = Allow> {
    let caller = prop_oneof![
        4 => (0..services).prop_map(Caller::Service),
        1 => Just(Caller::Gateway),
        1 => prop::sample::select(vec!["alpha", "beta", OUTSIDE_NS]).prop_map(Caller::Namespace),
        1 => Just(Caller::Anyone),
    ];
    let count = ports.len();
    (
        prop::collection::vec(caller, 1..=3),
        prop::option::of(prop::sample::subsequence(
            (0..count).collect::<Vec<_>>(),
            1..=count,
        )),
        any::<bool>(),
    )
        .prop_flat_map(move |(callers, to, want_rules)| {
            let covered = to.clone().unwrap_or_else(|| (0..count).collect());
            let all_http = covered.iter().all(|&p| ports[p].http());
            let grpc = covered.iter().any(|&p| ports[p].protocol == "grpc");
            let rules = if want_rules && all_http {
                prop::collection::vec(rule_strategy(grpc), 1..=2).boxed()
            } else {
                Just(vec![]).boxed()
            };
            (Just(callers), Just(to), rules)
        })
        .prop_map(|(callers, ports, rules)| Allow {
            callers,
            ports,
            rules,
        })
}

/// The intent text of the generated tree.
fn render(tree: &Tree) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut mesh = String::from("mesh {\n  workload gw in edge {\n    selector istio=gw\n  }\n");
    for (name, issuer) in JWT_NAMES.iter().zip(ISSUERS) {
        mesh.push_str(&format!(
            "  jwt {name} {{\n    issuer {issuer}\n    jwks {issuer}/keys\n  }}\n"
        ));
    }
    if tree.scraper {
        mesh.push_str("  workload prom in edge\n  scraper prom in edge\n");
    }
    if let Some(ns) = tree.observed() {
        mesh.push_str(&format!("  dry-run {ns}\n"));
    }
    if tree.cilium {
        mesh.push_str("  network cilium\n");
    }
    mesh.push_str("}\n");
    files.push(("mesh.intent".to_string(), mesh));
    for s in &tree.services {
        let mut t = format!("service {} in {} {{\n", s.name, s.namespace);
        for p in &s.ports {
            let numbers = match p.service_port {
                Some(sp) => format!("{sp}:{}", p.target),
                None => p.target.to_string(),
            };
            t.push_str(&format!("  port {} {numbers}/{}\n", p.name, p.protocol));
        }
        if s.permissive {
            t.push_str("  mtls permissive\n");
        }
        let statements = s.allows.iter().map(|a| ("allow", a));
        for (keyword, a) in statements.chain(s.denies.iter().map(|d| ("deny", d))) {
            let callers: Vec<String> = a
                .callers
                .iter()
                .map(|c| match c {
                    Caller::Service(i) => {
                        let c = &tree.services[*i];
                        if c.namespace == s.namespace && i % 2 == 0 {
                            c.name.clone()
                        } else {
                            format!("{} in {}", c.name, c.namespace)
                        }
                    }
                    Caller::Gateway => "gw in edge".into(),
                    Caller::Namespace(ns) => format!("namespace {ns}"),
                    Caller::Anyone => "anyone".into(),
                })
                .collect();
            t.push_str(&format!("  {keyword} {}", callers.join(", ")));
            if let Some(ports) = &a.ports {
                let names: Vec<&str> = ports.iter().map(|&p| s.ports[p].name.as_str()).collect();
                t.push_str(&format!(" to {}", names.join(", ")));
            }
            if a.rules.is_empty() {
                t.push('\n');
            } else {
                t.push_str(" {\n");
                for r in &a.rules {
                    let m = if r.methods.is_empty() {
                        "*".to_string()
                    } else {
                        r.methods.join("|")
                    };
                    t.push_str(&format!("    {m} {}", r.paths.join(", ")));
                    if !r.conditions.is_empty() {
                        let when: Vec<String> = r.conditions.iter().map(Cond::text).collect();
                        t.push_str(&format!(" when {}", when.join(" and ")));
                    }
                    t.push('\n');
                }
                t.push_str("  }\n");
            }
        }
        for (p, split) in &s.routes {
            t.push_str(&format!(
                "  route {} {{\n    timeout 2s\n",
                s.ports[*p].name
            ));
            if *split {
                t.push_str("    match header x-canary = always to v2\n");
                t.push_str("    split v1 70, v2 30\n");
            } else {
                t.push_str("    retries 2 per-try 500ms on 5xx\n");
                t.push_str("    connections 10\n    eject 3 errors every 5s for 30s max 50%\n");
            }
            t.push_str("  }\n");
        }
        t.push_str("}\n");
        files.push((format!("{}/{}.intent", s.namespace, s.name), t));
    }
    files
}

/// A pod of the generated world, and how the intent model sees it.
struct Source {
    pod: Option<Pod>,
    service: Option<usize>,
    gateway: bool,
    namespace: String,
}

fn service_pod(s: &Service) -> Pod {
    Pod::new(&s.name, s.namespace)
        .label("app", &s.name)
        .account(&s.name)
}

fn sources(tree: &Tree) -> Vec<Source> {
    let mut out: Vec<Source> = tree
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| Source {
            pod: Some(service_pod(s)),
            service: Some(i),
            gateway: false,
            namespace: s.namespace.into(),
        })
        .collect();
    out.push(Source {
        pod: Some(Pod::new("gw", EDGE).label("istio", "gw").account("gw")),
        service: None,
        gateway: true,
        namespace: EDGE.into(),
    });
    for ns in NAMESPACES.iter().chain([&OUTSIDE_NS]) {
        out.push(Source {
            pod: Some(
                Pod::new("stray", ns)
                    .label("app", "stray")
                    .account("default"),
            ),
            service: None,
            gateway: false,
            namespace: ns.to_string(),
        });
    }
    out.push(Source {
        pod: None,
        service: None,
        gateway: false,
        namespace: String::new(),
    });
    out
}

fn covers(caller: &Caller, src: &Source) -> bool {
    match caller {
        Caller::Anyone => true,
        _ if src.pod.is_none() => false,
        Caller::Service(i) => src.service == Some(*i),
        Caller::Gateway => src.gateway,
        Caller::Namespace(ns) => src.namespace == *ns,
    }
}

fn path_matches(pattern: &str, path: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('*') {
        path.starts_with(prefix)
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        path.ends_with(suffix)
    } else {
        pattern == path
    }
}

const PROBE_PATHS: [&str; 6] = [
    "/api/orders",
    "/api/orders/7",
    "/api/x",
    "/img/a.png",
    "/health",
    "/other",
];
const PROBE_METHODS: [&str; 3] = ["GET", "POST", "DELETE"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn emitted_objects_admit_exactly_the_intents(tree in tree_strategy()) {
        let files = render(&tree);
        let compiled = meshward::pipeline::run_texts(files.clone());
        let errors: Vec<String> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| meshward::diagnostic::render_text(d, &compiled.sources))
            .collect();
        if tree.services.iter().any(Service::deny_equals_allow) && !errors.is_empty() {
            // A deny that repeats an allow is E0809, and nothing else is wrong.
            prop_assert!(errors.iter().all(|e| e.contains("E0809")), "{errors:?}\n{files:#?}");
            return Ok(());
        }
        prop_assert!(errors.is_empty(), "valid tree rejected: {errors:?}\n{files:#?}");
        prop_assert!(compiled.faults.is_empty(), "self-check: {:?}", compiled.faults);
        let (mesh, _) = compiled.result.as_ref().expect("compiled");
        // The intents' meaning is what enforcement writes; a dry-run namespace is
        // checked as written below.
        let objects = meshward::pipeline::render_objects_as(mesh, Reading::Enforced).expect("render");
        let written = meshward::pipeline::render_objects(mesh).expect("render");
        observed_admit_everything(&tree, &written)?;
        let (_, http_on_plain) = common::http_rules_on_plain_ports(mesh, &objects);
        prop_assert!(http_on_plain.is_empty(), "{http_on_plain:?}\n{files:#?}");
        let cluster = Cluster::from_objects(objects);
        let outside = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9));
        let srcs = sources(&tree);
        let mut facts = BTreeMap::new();
        for dst in &tree.services {
            let dst_pod = service_pod(dst);
            let issuers = dst.issuers();
            let variants = if dst.conditioned() { &EXTRAS[..] } else { &EXTRAS[..1] };
            for (pi, port) in dst.ports.iter().enumerate() {
                for src in &srcs {
                    let applicable: Vec<&Allow> = dst
                        .allows
                        .iter()
                        .filter(|a| dst.covered(a).contains(&pi) && a.callers.iter().any(|c| covers(c, src)))
                        .collect();
                    let want_l4 = !applicable.is_empty();
                    let from = match &src.pod { Some(p) => Endpoint::Pod(p), None => Endpoint::Ip(outside) };
                    let got_l4 = cluster.connection_allowed(from, Endpoint::Pod(&dst_pod), port.target, Transport::Tcp);
                    let who = src.pod.as_ref().map_or("outside".to_string(), |p| format!("{}.{}", p.name, p.namespace));
                    prop_assert_eq!(got_l4, want_l4, "L4 {} -> {}.{}:{}\n{:#?}", who, dst.name, dst.namespace, port.target, files);
                    facts.entry(got_l4).and_modify(|n| *n += 1).or_insert(1);
                    // L7, through mTLS and the AuthorizationPolicy.
                    let base = match &src.pod {
                        Some(p) => Request::from_pod(p, TRUST, port.target),
                        None => Request::plaintext(port.target),
                    };
                    let plaintext_refused = src.pod.is_none() && !dst.permissive;
                    let requests: Vec<Option<(&str, &str)>> = if port.http() {
                        PROBE_METHODS.iter().flat_map(|m| PROBE_PATHS.iter().map(move |x| Some((*m, *x)))).collect()
                    } else {
                        vec![None]
                    };
                    let denies: Vec<&Allow> = dst
                        .denies
                        .iter()
                        .filter(|a| dst.covered(a).contains(&pi) && a.callers.iter().any(|c| covers(c, src)))
                        .collect();
                    for request in requests {
                        // TCP carries neither headers nor tokens.
                        let variants = if request.is_some() { variants } else { &variants[..1] };
                        for extras in variants {
                            // A token of an issuer the proxy does not validate: 401. Where
                            // none is validated, tokens pass unread.
                            let refused = extras.token.is_some_and(|(iss, _)| !issuers.is_empty() && !issuers.contains(&iss));
                            let seen = Extras {
                                headers: extras.headers,
                                token: extras.token.filter(|(iss, _)| issuers.contains(iss)),
                            };
                            let matches = |a: &&Allow| {
                                a.rules.is_empty()
                                    || request.is_some_and(|(m, x)| a.rules.iter().any(|r| {
                                        (r.methods.is_empty() || r.methods.contains(&m))
                                            && r.paths.iter().any(|p| path_matches(p, x))
                                            && r.conditions.iter().all(|c| c.holds(&seen))
                                    }))
                            };
                            let want = !plaintext_refused
                                && !refused
                                && applicable.iter().any(matches)
                                && !denies.iter().any(matches);
                            let mut req = match request { Some((m, x)) => base.clone().http(m, x), None => base.clone() };
                            if request.is_some() {
                                for (n, v) in extras.headers {
                                    req = req.header(n, v);
                                }
                                if let Some((iss, groups)) = extras.token {
                                    req = req.token(Token::new(iss, "user").claim("groups", groups));
                                }
                            }
                            let got = cluster.request_allowed(&dst_pod, &req).is_allowed();
                            prop_assert_eq!(got, want, "L7 {:?} {:?} {} -> {}.{}:{}\n{:#?}", request, extras, who, dst.name, dst.namespace, port.target, files);
                        }
                    }
                }
            }
        }
    }
}

/// In the tree's dry-run namespace (if any), the written objects admit every source on
/// every port at L4 and every request without a token at L7 (invariant 11).
fn observed_admit_everything(tree: &Tree, written: &[Value]) -> Result<(), TestCaseError> {
    let Some(ns) = tree.observed() else {
        return Ok(());
    };
    let cluster = Cluster::from_objects(written.iter().cloned());
    let outside = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 9));
    let srcs = sources(tree);
    for dst in tree.services.iter().filter(|s| s.namespace == ns) {
        let dst_pod = service_pod(dst);
        for port in &dst.ports {
            for src in &srcs {
                let from = match &src.pod {
                    Some(p) => Endpoint::Pod(p),
                    None => Endpoint::Ip(outside),
                };
                prop_assert!(cluster.ingress_allows(&dst_pod, from, port.target, Transport::Tcp));
                let base = match &src.pod {
                    Some(p) => Request::from_pod(p, TRUST, port.target),
                    None => Request::plaintext(port.target),
                };
                for m in PROBE_METHODS {
                    for x in PROBE_PATHS {
                        let req = base.clone().http(m, x);
                        prop_assert!(
                            cluster.request_allowed(&dst_pod, &req).is_allowed(),
                            "dry-run {}.{}:{} refuses {m} {x}",
                            dst.name,
                            dst.namespace,
                            port.target
                        );
                    }
                }
                prop_assert!(cluster.request_allowed(&dst_pod, &base).is_allowed());
            }
        }
    }
    Ok(())
}

/// The generator does write what the properties above must cover: `deny` with and
/// without rules, on HTTP and TCP ports, every kind of condition, and services that use
/// both issuers (one URL a prefix of the other).
#[test]
fn the_generator_writes_denies_and_conditions() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for _ in 0..256 {
        let tree = tree_strategy()
            .new_tree(&mut runner)
            .expect("a tree")
            .current();
        if tree.observed().is_some() {
            *seen.entry("dry-run namespace").or_default() += 1;
        }
        if tree.cilium {
            *seen.entry("network cilium").or_default() += 1;
        }
        for s in &tree.services {
            for d in &s.denies {
                let key = match (
                    d.rules.is_empty(),
                    s.covered(d).iter().any(|&p| !s.ports[p].http()),
                ) {
                    (true, true) => "deny without rules on a tcp port",
                    (true, false) => "deny without rules",
                    (false, _) => "deny with rules",
                };
                *seen.entry(key).or_default() += 1;
            }
            for r in s.allows.iter().chain(&s.denies).flat_map(|a| &a.rules) {
                for c in &r.conditions {
                    let key = match c {
                        Cond::Tenant => "header =",
                        Cond::NotEnv => "header !=",
                        Cond::Jwt(_) => "jwt",
                        Cond::Groups => "claim",
                    };
                    *seen.entry(key).or_default() += 1;
                }
            }
            for issuer in s.issuers() {
                *seen.entry(issuer).or_default() += 1;
            }
            if s.deny_equals_allow() {
                *seen.entry("deny equal to an allow").or_default() += 1;
            }
        }
    }
    for key in [
        "dry-run namespace",
        "network cilium",
        "deny without rules on a tcp port",
        "deny without rules",
        "deny with rules",
        "header =",
        "header !=",
        "jwt",
        "claim",
        ISSUERS[0],
        ISSUERS[1],
    ] {
        assert!(seen.get(key).copied().unwrap_or(0) >= 3, "{key}: {seen:?}");
    }
    eprintln!("{seen:?}");
}
