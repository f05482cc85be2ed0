//! Grammar-aware fuzzing: an `Arbitrary` model of intent trees, printed to intent text.
//!
//! The model covers every statement of docs/language.md (`deny`, `when` conditions, mesh
//! `jwt` blocks, `dataplane`, `waypoint`, `cluster` blocks, `eastwest` and a service's
//! `clusters` included) with values drawn mostly from small
//! pools (so that services, callers, ports and calls often line up and the tree compiles)
//! and sometimes from odd ones: upper-case, reserved, empty and too-long names; ports 0,
//! 15001, 65536 and 20-digit numbers; unknown protocols, methods, retry conditions and
//! duration units; misplaced `*` in paths; split weights that do not sum to 100. The
//! printer then sometimes damages the text (drops a token or a brace, inserts a stray one,
//! cuts the file short) and varies the layout (CRLF, tabs, BOM, comments).
//!
//! For every input: the whole pipeline must not panic and every diagnostic must render in
//! both forms. When the tree compiles, cheap properties are checked:
//!
//! 1. no result implies at least one error;
//! 2. every output file is non-empty and starts with the generated-file header;
//! 3. determinism: compiling the same files again gives the same tree and diagnostics;
//! 4. the files given in reverse order give the same tree;
//! 5. folder layout carries no meaning: renaming the files so that their path order is
//!    reversed gives the same files, except lines starting with `#` (which name sources);
//! 6. every emitted YAML file reads back (serde_yaml) as exactly the objects rendered
//!    (with `cluster` blocks: each cluster's, under `<cluster>/`).
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use meshward::diagnostic::{render_json, render_text};
use std::fmt::Debug;

// ------------------------------------------------------------------ helpers

fn pick<T: Copy>(u: &mut Unstructured, items: &[T]) -> Result<T> {
    Ok(*u.choose(items)?)
}

/// Between 0 and N items.
#[derive(Debug)]
struct Few<T, const N: usize>(Vec<T>);

impl<'a, T: Arbitrary<'a>, const N: usize> Arbitrary<'a> for Few<T, N> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let n = u.int_in_range(0..=N)?;
        (0..n)
            .map(|_| T::arbitrary(u))
            .collect::<Result<_>>()
            .map(Few)
    }
}

/// Between 1 and N items.
#[derive(Debug, Clone)]
struct Some1<T, const N: usize>(Vec<T>);

impl<'a, T: Arbitrary<'a>, const N: usize> Arbitrary<'a> for Some1<T, N> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let n = u.int_in_range(1..=N)?;
        (0..n)
            .map(|_| T::arbitrary(u))
            .collect::<Result<_>>()
            .map(Some1)
    }
}

/// Something that is there only rarely (about 1 in 16): a duplicate statement, say.
#[derive(Debug, Clone)]
struct Rarely<T>(Option<T>);

impl<'a, T: Arbitrary<'a>> Arbitrary<'a> for Rarely<T> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Rarely(if u.arbitrary::<u8>()? >= 240 {
            Some(T::arbitrary(u)?)
        } else {
            None
        }))
    }
}

/// Something that is mostly there (3 in 4, and always when the input ran out).
#[derive(Debug, Clone)]
struct Mostly<T>(Option<T>);

impl<'a, T: Arbitrary<'a>> Arbitrary<'a> for Mostly<T> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Mostly(if u.arbitrary::<u8>()? < 192 {
            Some(T::arbitrary(u)?)
        } else {
            None
        }))
    }
}

/// A rarely-true flag (about 1 in 16).
#[derive(Debug, Clone, Copy)]
struct Rare(bool);

impl<'a> Arbitrary<'a> for Rare {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Rare(u.arbitrary::<u8>()? >= 240))
    }
}

// ------------------------------------------------------------------ leaves

/// Names of services, namespaces, ports, accounts, subsets and workloads. Exhausted input
/// gives the first pool name, so short inputs stay valid.
const NAMES: &[&str] = &[
    "orders",
    "web",
    "shop",
    "http",
    "grpc",
    "api",
    "v1",
    "v2",
    "metrics",
    "monitoring",
];
const RESERVED: &[&str] = &[
    "in",
    "to",
    "namespace",
    "anyone",
    "external",
    "service",
    "mesh",
    "port",
];
const ODD_NAMES: &[&str] = &[
    "a_b",
    "-a",
    "a-",
    "1abc",
    "x.y",
    "é",
    "a--b",
    "9",
    "ORDERS",
    "Orders",
    "default",
    "kube-system",
    "istio-system",
    "_",
];

#[derive(Debug, Clone)]
struct Name(String);

impl<'a> Arbitrary<'a> for Name {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        let s = match k {
            0..=239 => pick(u, NAMES)?.to_string(),
            240..=242 => pick(u, NAMES)?.to_uppercase(),
            243..=245 => pick(u, RESERVED)?.to_string(),
            246 => "a".repeat(64),
            247..=249 => format!("a{}", "b".repeat(62)), // exactly 63: valid
            250 => String::new(),
            _ => pick(u, ODD_NAMES)?.to_string(),
        };
        Ok(Name(s))
    }
}

/// A port, weight or retry count as typed.
#[derive(Debug, Clone)]
struct Num(String);

impl<'a> Arbitrary<'a> for Num {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        let s = match k {
            0..=99 => pick(u, &[8080, 80, 9090, 443, 5432, 9102])?.to_string(),
            100..=159 => (8000 + u.int_in_range(0..=999u16)?).to_string(),
            160..=199 => u.arbitrary::<u16>()?.to_string(),
            200..=209 => "0".into(),
            210..=219 => {
                pick(u, &[15000, 15001, 15006, 15020, 15090, 15099, 15100, 14999])?.to_string()
            }
            220..=229 => pick(u, &[65535, 65536, 70000, 4294967296u64])?.to_string(),
            230..=239 => "99999999999999999999999".into(),
            240..=247 => "0080".into(),
            _ => u.arbitrary::<u32>()?.to_string(),
        };
        Ok(Num(s))
    }
}

#[derive(Debug, Clone)]
struct Weight(String);

impl<'a> Arbitrary<'a> for Weight {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        let s = match k {
            0..=199 => pick(u, &[100, 50, 90, 10, 0, 25, 75])?.to_string(),
            200..=229 => u.arbitrary::<u8>()?.to_string(),
            230..=239 => "99999999999999999999".into(),
            _ => pick(u, &["101", "4294967296", "-1", "1.5", "x"])?.to_string(),
        };
        Ok(Weight(s))
    }
}

#[derive(Debug, Clone)]
struct Protocol(Option<String>);

impl<'a> Arbitrary<'a> for Protocol {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(Protocol(match k {
            0..=49 => None,
            50..=229 => Some(pick(u, &["http", "http2", "grpc", "tcp", "tls"])?.to_string()),
            _ => Some(
                pick(u, &["udp", "HTTP", "https", "sctp", "h2c", "0", "grpc-web"])?.to_string(),
            ),
        }))
    }
}

#[derive(Debug, Clone)]
struct Method(&'static str);

impl<'a> Arbitrary<'a> for Method {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(Method(if k < 220 {
            pick(
                u,
                &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"],
            )?
        } else {
            pick(
                u,
                &["get", "Post", "CONNECT", "TRACE", "FOO", "G3T", "GET_", ""],
            )?
        }))
    }
}

#[derive(Debug, Clone)]
struct PathPat(&'static str);

impl<'a> Arbitrary<'a> for PathPat {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(PathPat(if k < 200 {
            pick(
                u,
                &[
                    "/api/orders",
                    "/api/orders/*",
                    "/*",
                    "*.png",
                    "/orders.v1.Orders/Create",
                    "/",
                    "/health",
                ],
            )?
        } else {
            pick(
                u,
                &[
                    "*", "/a/*/b", "/a*", "/a/**", "**", "*png", "/a/*.png", "*/a", "/é/ü",
                    "/a%20b", "//", "/a?b=1", "*.", "/*/*",
                ],
            )?
        }))
    }
}

#[derive(Debug, Clone)]
struct Duration(String);

impl<'a> Arbitrary<'a> for Duration {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(Duration(match k {
            0..=49 => format!("{}ms", u.arbitrary::<u16>()?),
            50..=119 => format!("{}s", u.int_in_range(0..=120u8)?),
            120..=159 => format!("{}m", u.int_in_range(0..=90u8)?),
            160..=189 => pick(u, &["500ms", "2s", "1m", "1h", "0s", "0ms"])?.to_string(),
            190..=219 => pick(u, &["5d", "5sec", "5MS", "5us", "1ns", "2S"])?.to_string(),
            220..=239 => "99999999999999999999ms".to_string(),
            _ => format!("{}h", u.arbitrary::<u32>()?),
        }))
    }
}

/// Istio's retry conditions, as the checker knows them.
const CONDITIONS: &[&str] = &meshward::check::RETRY_CONDITIONS;

#[derive(Debug, Clone)]
struct Condition(&'static str);

impl<'a> Arbitrary<'a> for Condition {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(Condition(if k < 220 {
            pick(u, CONDITIONS)?
        } else {
            pick(
                u,
                &["5XX", "bogus", "retriable_4xx", "connect-failur", "4xx"],
            )?
        }))
    }
}

#[derive(Debug, Clone)]
struct Mtls(&'static str);

impl<'a> Arbitrary<'a> for Mtls {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(Mtls(if k < 220 {
            pick(u, &["strict", "permissive"])?
        } else {
            pick(u, &["STRICT", "off", "disable", "Permissive"])?
        }))
    }
}

#[derive(Debug, Clone)]
struct Label(String);

impl<'a> Arbitrary<'a> for Label {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        let key = if k < 220 {
            pick(
                u,
                &[
                    "app",
                    "tier",
                    "version",
                    "app.kubernetes.io/name",
                    "istio",
                    "k8s-app",
                ],
            )?
            .to_string()
        } else {
            match pick(u, &[0, 1, 2, 3, 4, 5, 6])? {
                0 => "-bad".into(),
                1 => "a/b/c".into(),
                2 => "k".repeat(64),
                3 => format!("{}/k", "d".repeat(254)),
                4 => "/k".into(),
                5 => "Example.COM/k".into(),
                _ => "k_".into(),
            }
        };
        let k: u8 = u.arbitrary()?;
        let value = if k < 200 {
            let n = pick(u, NAMES)?;
            n.to_string()
        } else {
            match pick(u, &[0, 1, 2, 3, 4, 5, 6, 7])? {
                0 => "on".into(),
                1 => "true".into(),
                2 => "-x".into(),
                3 => "v".repeat(64),
                4 => "1e3".into(),
                5 => "null".into(),
                6 => "0x1F".into(),
                _ => "a..b".into(),
            }
        };
        Ok(Label(format!("{key}={value}")))
    }
}

#[derive(Debug, Clone)]
struct Domain(String);

impl<'a> Arbitrary<'a> for Domain {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(Domain(if k < 200 {
            pick(u, &["cluster.local", "example.com", "corp"])?.to_string()
        } else {
            match pick(u, &[0, 1, 2, 3, 4, 5])? {
                0 => ".bad".into(),
                1 => "a..b".into(),
                2 => "UPPER.local".into(),
                3 => format!("{}.local", "d".repeat(64)),
                4 => "under_score.local".into(),
                _ => "trailing.".into(),
            }
        }))
    }
}

/// An external's host as typed: mostly valid, sometimes each kind of malformed.
#[derive(Debug, Clone)]
struct Host(String);

impl<'a> Arbitrary<'a> for Host {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        let s = if k < 208 {
            pick(
                u,
                &[
                    "api.stripe.com",
                    "files.stripe.com",
                    "*.stripe.com",
                    "db.example.org",
                ],
            )?
        } else {
            pick(
                u,
                &[
                    "Api.stripe.com",
                    "api.stripe.com.",
                    "api.*.com",
                    "*stripe.com",
                    "localhost",
                    "*.com",
                    "a_b.com",
                    "10.0.0.1",
                    "api.stripe.com:443",
                    "https://api.stripe.com/v1",
                    "a..com",
                    "é.com",
                ],
            )?
        };
        Ok(Host(s.to_string()))
    }
}

/// An address range as typed, for `cidr` and `cluster-cidrs`.
#[derive(Debug, Clone)]
struct Cidr(String);

impl<'a> Arbitrary<'a> for Cidr {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        let s = if k < 208 {
            pick(
                u,
                &[
                    "10.20.0.0/16",
                    "2001:db8::/48",
                    "203.0.113.0/24",
                    "10.0.0.0/12",
                    "fd00::/8",
                    "0.0.0.0/0",
                    "::/0",
                ],
            )?
        } else {
            pick(
                u,
                &[
                    "10.20.1.0/16",
                    "10.0.0.0/33",
                    "2001:db8::/129",
                    "::ffff:10.0.0.0/104",
                    "010.0.0.0/8",
                    "10.0.0.0/08",
                    "10.0.0.0",
                    "10.0.0/8",
                    "x",
                    "1.2.3.4/-1",
                ],
            )?
        };
        Ok(Cidr(s.to_string()))
    }
}

/// `sidecar-scoping`'s value as typed.
#[derive(Debug, Clone)]
struct Switch(&'static str);

impl<'a> Arbitrary<'a> for Switch {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(Switch(if k < 240 {
            pick(u, &["on", "off"])?
        } else {
            pick(u, &["yes", "ON", "0"])?
        }))
    }
}

/// `network`'s value as typed.
#[derive(Debug, Clone)]
struct NetworkWord(&'static str);

impl<'a> Arbitrary<'a> for NetworkWord {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(NetworkWord(if k < 240 {
            pick(u, &["kubernetes", "cilium"])?
        } else {
            pick(u, &["calico", "Cilium", "cillium"])?
        }))
    }
}

/// `dataplane`'s value as typed.
#[derive(Debug, Clone)]
struct DataplaneWord(&'static str);

impl<'a> Arbitrary<'a> for DataplaneWord {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(DataplaneWord(if k < 240 {
            pick(u, &["sidecar", "ambient"])?
        } else {
            pick(u, &["Ambient", "ambiant", "sidecars"])?
        }))
    }
}

/// The names of the clusters: the i-th `cluster` block is named `CLUSTERS[i]` unless
/// (rarely) renamed, and a service's `clusters` line draws from the same pool.
const CLUSTERS: &[&str] = &["east", "west", "central"];

/// A cluster's name as a service's `clusters` line (or a renamed block) types it: mostly
/// one of the pool, so that it names a declared cluster (or one more than declared),
/// sometimes misspelt (E1101 with a did-you-mean) or invalid.
#[derive(Debug, Clone)]
struct ClusterName(&'static str);

impl<'a> Arbitrary<'a> for ClusterName {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(ClusterName(if k < 224 {
            pick(u, CLUSTERS)?
        } else {
            pick(u, &["eats", "East", "wset", "centrl", "north", "a_b", "9"])?
        }))
    }
}

/// A name in a service's `clusters` line: mostly one of the declared clusters (the I-th,
/// modulo how many there are), sometimes a name as typed (one of the pool that may not be
/// declared, or misspelt).
#[derive(Debug, Clone)]
enum ClusterRef {
    Declared(u8),
    Typed(ClusterName),
}

impl<'a> Arbitrary<'a> for ClusterRef {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(if k < 216 {
            ClusterRef::Declared(u.arbitrary()?)
        } else {
            ClusterRef::Typed(ClusterName::arbitrary(u)?)
        })
    }
}

/// A cluster's `trust-domain`: its own, the mesh's default, or malformed.
#[derive(Debug, Clone)]
struct ClusterTrust(&'static str);

impl<'a> Arbitrary<'a> for ClusterTrust {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(ClusterTrust(if k < 224 {
            pick(
                u,
                &["east.example.com", "west.example.com", "cluster.local"],
            )?
        } else {
            pick(
                u,
                &["East.example.com", "a..b", ".bad", "under_score.local"],
            )?
        }))
    }
}

/// A cluster's `network`: from a pool of two, so that pairs of clusters are on one
/// network (pod to pod) as often as on two (through the east-west gateway).
#[derive(Debug, Clone)]
struct NetName(&'static str);

impl<'a> Arbitrary<'a> for NetName {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(NetName(if k < 240 {
            pick(u, &["net-a", "net-b"])?
        } else {
            pick(u, &["Net-A", "net_a", "-net"])?
        }))
    }
}

/// A range of `pod-cidrs`: three that are disjoint, one that covers the first two
/// (E1104 with either), and a malformed one.
#[derive(Debug, Clone)]
struct PodCidr(&'static str);

impl<'a> Arbitrary<'a> for PodCidr {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(PodCidr(match k {
            0..=207 => pick(u, &["10.1.0.0/16", "10.2.0.0/16", "fd00:1::/48"])?,
            208..=239 => "10.0.0.0/14",
            _ => "10.1.0.0/33",
        }))
    }
}

/// An address of a cluster's `gateway`: IPv4 or IPv6, or (rarely) a range, which is not
/// an address.
#[derive(Debug, Clone)]
struct Gateway(&'static str);

impl<'a> Arbitrary<'a> for Gateway {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(Gateway(if k < 232 {
            pick(u, &["203.0.113.10", "198.51.100.7", "2001:db8::10"])?
        } else {
            "203.0.113.0/24"
        }))
    }
}

/// `eastwest NS LABELS`: mostly Istio's usual gateway, sometimes any namespace and labels.
#[derive(Debug, Clone)]
struct Eastwest(Name, Vec<Label>);

impl<'a> Arbitrary<'a> for Eastwest {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(if k < 224 {
            Eastwest(
                Name("istio-system".into()),
                vec![Label("istio=eastwestgateway".into())],
            )
        } else {
            Eastwest(Name::arbitrary(u)?, Some1::<Label, 2>::arbitrary(u)?.0)
        })
    }
}

/// A header or claim name of a `when` condition: mostly valid, sometimes not.
#[derive(Debug, Clone)]
struct CondName(&'static str);

impl<'a> Arbitrary<'a> for CondName {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(CondName(if k < 230 {
            pick(u, &["x-tenant", "x-env", "groups", "sub", "iss", "aud"])?
        } else {
            pick(u, &["X-Tenant", "x_env", "", ":authority", "x-forwarded-for"])?
        }))
    }
}

/// A value of a `when` condition: exact, `abc*`, `*abc`, sometimes `*` alone or odd.
#[derive(Debug, Clone)]
struct CondValue(&'static str);

impl<'a> Arbitrary<'a> for CondValue {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(CondValue(if k < 230 {
            pick(u, &["acme", "beta*", "*-test", "prod", "admin", "ops*"])?
        } else {
            pick(u, &["*", "a*b", "**", "\"x\"", "é"])?
        }))
    }
}

/// An issuer or jwks URL: mostly https, two of them sharing a prefix.
#[derive(Debug, Clone)]
struct Url(&'static str);

impl<'a> Arbitrary<'a> for Url {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let k: u8 = u.arbitrary()?;
        Ok(Url(if k < 230 {
            pick(
                u,
                &[
                    "https://idp.example",
                    "https://idp.example/eu",
                    "https://idp.example/keys",
                    "https://accounts.google.com",
                ],
            )?
        } else {
            pick(u, &["http://idp.example", "https://", "idp.example", "https://a b"])?
        }))
    }
}

// ------------------------------------------------------------------ statements

#[derive(Arbitrary, Debug)]
enum Caller {
    Name(Name),
    NameIn(Name, Name),
    Namespace(Name),
    Anyone,
}

#[derive(Arbitrary, Debug)]
enum Methods {
    Any,
    List(Some1<Method, 3>),
}

/// One condition of `when ...` (joined by `and`).
#[derive(Arbitrary, Debug)]
enum When {
    /// `header NAME = V, ...` or, negated, `header NAME != V, ...`.
    Header(CondName, bool, Some1<CondValue, 3>),
    Jwt(Name),
    Claim(CondName, Some1<CondValue, 2>),
}

#[derive(Arbitrary, Debug)]
struct Rule {
    methods: Methods,
    paths: Some1<PathPat, 3>,
    conditions: Option<Some1<When, 3>>,
}

#[derive(Arbitrary, Debug)]
struct Allow {
    callers: Some1<Caller, 3>,
    to: Option<Some1<Name, 2>>,
    rules: Option<Few<Rule, 3>>,
}

#[derive(Arbitrary, Debug)]
struct CallTarget {
    /// `calls external NAME[:PORT]`: the namespace is then not printed.
    external: Rare,
    name: Name,
    namespace: Option<Name>,
    port: Option<Name>,
}

#[derive(Arbitrary, Debug)]
struct Port {
    name: Name,
    service_port: Option<Num>,
    target_port: Num,
    protocol: Protocol,
}

#[derive(Arbitrary, Debug)]
struct Retries {
    count: Weight,
    per_try: Option<Duration>,
    on: Option<Some1<Condition, 3>>,
}

#[derive(Arbitrary, Debug)]
enum RouteStmt {
    Timeout(Duration),
    Retries(Retries),
    Split(Some1<(Name, Weight), 3>),
    /// `match header NAME = VALUE to SUBSET`.
    Match(Name, Name, Name),
    /// `connections N`, `pending N` or `requests N` by the first field.
    Pool(u8, Weight),
    /// `eject N errors every D for D max P%`.
    Eject(Weight, Duration, Duration, Weight),
}

#[derive(Arbitrary, Debug)]
enum Stmt {
    Account(Name),
    Selector(Some1<Label, 2>),
    Port(Port),
    Mtls(Mtls),
    Allow(Allow),
    Calls(Some1<CallTarget, 3>),
    Route(Name, Few<RouteStmt, 3>),
    Deny(Allow),
}

/// Statements that may appear many times.
#[derive(Arbitrary, Debug)]
enum RepeatedStmt {
    Allow(Allow),
    Allow2(Allow),
    Calls(Some1<CallTarget, 3>),
    Route(Name, Few<RouteStmt, 3>),
    Deny(Allow),
}

#[derive(Arbitrary, Debug)]
struct Service {
    name: Name,
    namespace: Name,
    account: Option<Name>,
    selector: Option<Some1<Label, 2>>,
    mtls: Option<Mtls>,
    ports: Some1<Port, 3>,
    stmts: Few<RepeatedStmt, 5>,
    /// A rare extra statement of any kind (a second `mtls`, a fourth port, ...).
    extra: Rarely<Stmt>,
    /// `clusters NAME, ...`: printed when the mesh block declares clusters, otherwise only
    /// when `clusters_anyway` is set (every name is then unknown, E1101).
    clusters: Option<Some1<ClusterRef, 2>>,
    clusters_anyway: Rare,
}

/// A line of a `cluster` block.
#[derive(Arbitrary, Debug, Clone)]
enum ClusterLine {
    TrustDomain(ClusterTrust),
    Network(NetName),
    PodCidrs(Some1<PodCidr, 2>),
    Gateway(Some1<Gateway, 2>),
}

/// `cluster NAME { ... }`: every line optional, `pod-cidrs` mostly there (a cluster
/// without it cannot be reached pod to pod, E1103), printed in the order `order` picks.
#[derive(Arbitrary, Debug, Clone)]
struct ClusterDef {
    /// Rarely the block is not named by its place in `CLUSTERS` but drawn (a duplicate
    /// name, E1107, a misspelt or invalid one).
    rename: Rarely<ClusterName>,
    /// Absent: the mesh's trust domain.
    trust_domain: Option<ClusterTrust>,
    /// Absent: a network of the cluster's own (its name).
    network: Option<NetName>,
    pod_cidrs: Mostly<Some1<PodCidr, 2>>,
    gateway: Option<Some1<Gateway, 2>>,
    /// A rare second line of a kind (E0105, given twice).
    extra: Rarely<ClusterLine>,
    order: u8,
}

impl ClusterDef {
    /// The lines, permuted by `order` (any order is valid).
    fn lines(&self) -> Vec<ClusterLine> {
        let mut out = Vec::new();
        if let Some(d) = &self.trust_domain {
            out.push(ClusterLine::TrustDomain(d.clone()));
        }
        if let Some(n) = &self.network {
            out.push(ClusterLine::Network(n.clone()));
        }
        if let Some(c) = &self.pod_cidrs.0 {
            out.push(ClusterLine::PodCidrs(c.clone()));
        }
        if let Some(g) = &self.gateway {
            out.push(ClusterLine::Gateway(g.clone()));
        }
        if let Some(extra) = &self.extra.0 {
            out.push(extra.clone());
        }
        let mut k = usize::from(self.order);
        for i in 0..out.len() {
            let left = out.len() - i;
            out.swap(i, i + k % left);
            k /= left;
        }
        out
    }
}

#[derive(Arbitrary, Debug, Clone)]
enum MeshStmt {
    TrustDomain(Domain),
    ClusterDomain(Domain),
    Istiod(Name, Some1<Label, 2>),
    Dns(Name, Some1<Label, 2>),
    Scraper(Name, Name),
    Workload(Name, Name, Option<(Option<Name>, Option<Some1<Label, 2>>)>),
    ClusterCidrs(Some1<Cidr, 2>),
    SidecarScoping(Switch),
    SyncWaves(Switch),
    DryRun(Some1<Name, 2>),
    Network(NetworkWord),
    Dataplane(DataplaneWord),
    Waypoint(Name, Name),
    Cluster(ClusterName, ClusterDef),
    Eastwest(Eastwest),
}

#[derive(Arbitrary, Debug)]
struct Mesh {
    trust_domain: Option<Domain>,
    cluster_domain: Option<Domain>,
    istiod: Option<(Name, Some1<Label, 2>)>,
    dns: Option<(Name, Some1<Label, 2>)>,
    scraper: Option<(Name, Name)>,
    workloads: Few<(Name, Name, Option<(Option<Name>, Option<Some1<Label, 2>>)>), 2>,
    /// Workloads that are destinations too: their `port` and `allow` lines.
    destinations: Few<(Name, Name, Some1<Port, 1>, Few<Allow, 1>), 1>,
    cluster_cidrs: Option<Some1<Cidr, 2>>,
    sidecar_scoping: Option<Switch>,
    sync_waves: Option<Switch>,
    /// `dry-run NS, ...`: namespaces observed, mostly ones that hold services (the names
    /// are drawn from the same small pool as the services').
    dry_run: Option<Some1<Name, 2>>,
    network: Option<NetworkWord>,
    dataplane: Option<DataplaneWord>,
    /// `waypoint NAME in NS`: names from the services' pool, so that they often serve a
    /// namespace that holds services.
    waypoints: Few<(Name, Name), 2>,
    /// `cluster NAME { ... }` blocks, named `east`, `west`, `central` in order (see
    /// `ClusterDef`).
    clusters: Few<ClusterDef, 3>,
    /// `eastwest istio-system istio=eastwestgateway`, needed by calls across networks
    /// (E1105 without it).
    eastwest: Option<Eastwest>,
    /// A rare extra statement of any kind (a second `dns`, ...).
    extra: Rarely<MeshStmt>,
    /// `jwt NAME { issuer URL  jwks URL }`, either line sometimes missing.
    jwts: Few<(Name, Option<Url>, Option<Url>), 2>,
}

impl Mesh {
    fn stmts(&self) -> Vec<MeshStmt> {
        let mut out = Vec::new();
        if let Some(d) = &self.trust_domain {
            out.push(MeshStmt::TrustDomain(d.clone()));
        }
        if let Some(d) = &self.cluster_domain {
            out.push(MeshStmt::ClusterDomain(d.clone()));
        }
        if let Some((ns, l)) = &self.istiod {
            out.push(MeshStmt::Istiod(ns.clone(), Some1(l.0.clone())));
        }
        if let Some((ns, l)) = &self.dns {
            out.push(MeshStmt::Dns(ns.clone(), Some1(l.0.clone())));
        }
        if let Some((n, ns)) = &self.scraper {
            out.push(MeshStmt::Scraper(n.clone(), ns.clone()));
        }
        for (n, ns, block) in &self.workloads.0 {
            let block = block
                .as_ref()
                .map(|(a, l)| (a.clone(), l.as_ref().map(|l| Some1(l.0.clone()))));
            out.push(MeshStmt::Workload(n.clone(), ns.clone(), block));
        }
        if let Some(c) = &self.cluster_cidrs {
            out.push(MeshStmt::ClusterCidrs(c.clone()));
        }
        if let Some(v) = &self.sidecar_scoping {
            out.push(MeshStmt::SidecarScoping(v.clone()));
        }
        if let Some(v) = &self.sync_waves {
            out.push(MeshStmt::SyncWaves(v.clone()));
        }
        if let Some(ns) = &self.dry_run {
            out.push(MeshStmt::DryRun(Some1(ns.0.clone())));
        }
        if let Some(v) = &self.network {
            out.push(MeshStmt::Network(v.clone()));
        }
        if let Some(v) = &self.dataplane {
            out.push(MeshStmt::Dataplane(v.clone()));
        }
        for (n, ns) in &self.waypoints.0 {
            out.push(MeshStmt::Waypoint(n.clone(), ns.clone()));
        }
        for (i, c) in self.clusters.0.iter().enumerate() {
            let name = c.rename.0.clone().unwrap_or(ClusterName(CLUSTERS[i]));
            out.push(MeshStmt::Cluster(name, c.clone()));
        }
        if let Some(e) = &self.eastwest {
            out.push(MeshStmt::Eastwest(e.clone()));
        }
        if let Some(extra) = &self.extra.0 {
            out.push(extra.clone());
        }
        out
    }
}

/// What an external is: one of the two, or (rarely, as an error) both or neither.
#[derive(Arbitrary, Debug)]
enum Destination {
    Hosts(Some1<Host, 2>),
    Hosts2(Some1<Host, 2>),
    Cidrs(Some1<Cidr, 2>),
    Both(Host, Cidr),
    Neither,
}

#[derive(Arbitrary, Debug)]
struct External {
    name: Name,
    destination: Destination,
    ports: Few<Port, 2>,
    allows: Few<Allow, 2>,
}

#[derive(Arbitrary, Debug)]
enum Junk {
    LBrace,
    RBrace,
    Comma,
    In,
    To,
    Star,
    Slash,
    Colon,
    Equals,
    Bar,
    Bom,
    Tab,
    NonAscii,
    Nul,
    Hash,
    LoneCr,
}

impl Junk {
    fn text(&self) -> &'static str {
        match self {
            Junk::LBrace => "{",
            Junk::RBrace => "}",
            Junk::Comma => ",",
            Junk::In => "in",
            Junk::To => "to",
            Junk::Star => "*",
            Junk::Slash => "/",
            Junk::Colon => ":",
            Junk::Equals => "=",
            Junk::Bar => "|",
            Junk::Bom => "\u{feff}",
            Junk::Tab => "\t",
            Junk::NonAscii => "é",
            Junk::Nul => "\0",
            Junk::Hash => "#",
            Junk::LoneCr => "\r",
        }
    }
}

/// Damage done to one file's tokens after printing.
#[derive(Arbitrary, Debug)]
enum Mangle {
    DropToken(u16),
    DropBrace(u8),
    DuplicateToken(u16),
    Insert(u16, Junk),
    SwapTokens(u16),
    Truncate(u16),
}

#[derive(Arbitrary, Debug)]
struct Layout {
    crlf: bool,
    tabs: bool,
    comments: bool,
    bom: Rare,
}

#[derive(Arbitrary, Debug)]
struct Input {
    services: Few<Service, 5>,
    externals: Few<External, 2>,
    mesh: Option<Mesh>,
    second_mesh: Rare,
    empty_file: Rare,
    layout: Layout,
    /// Damage is done only when this is 192 or more (a quarter of inputs; not when the
    /// input ran out, which reads as 0).
    mangle_gate: u8,
    mangle_file: u8,
    mangles: Some1<Mangle, 3>,
}

// ------------------------------------------------------------------ printing

enum Piece {
    Tok(String),
    Nl,
}

#[derive(Default)]
struct Printer {
    pieces: Vec<Piece>,
}

impl Printer {
    fn t(&mut self, s: impl Into<String>) {
        self.pieces.push(Piece::Tok(s.into()));
    }
    fn nl(&mut self) {
        self.pieces.push(Piece::Nl);
    }
    fn list<T>(&mut self, items: &[T], mut f: impl FnMut(&mut Self, &T)) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.t(",");
            }
            f(self, item);
        }
    }
    fn labels(&mut self, labels: &[Label]) {
        self.list(labels, |p, l| p.t(l.0.clone()));
    }

    /// CLUSTERS: how many `cluster` blocks the mesh declares (a `clusters` line is printed
    /// when the service has one and there are some, or rarely anyway).
    fn service(&mut self, s: &Service, clusters: usize) {
        self.t("service");
        self.t(s.name.0.clone());
        self.t("in");
        self.t(s.namespace.0.clone());
        self.t("{");
        self.nl();
        if let Some(a) = &s.account {
            self.stmt(&Stmt::Account(a.clone()));
        }
        if let Some(l) = &s.selector {
            self.stmt(&Stmt::Selector(Some1(l.0.clone())));
        }
        if let Some(m) = &s.mtls {
            self.stmt(&Stmt::Mtls(m.clone()));
        }
        if let (Some(names), true) = (&s.clusters, clusters > 0 || s.clusters_anyway.0) {
            self.t("clusters");
            self.list(&names.0, |p, n| match n {
                ClusterRef::Declared(i) => {
                    p.t(CLUSTERS[usize::from(*i) % clusters.clamp(1, CLUSTERS.len())])
                }
                ClusterRef::Typed(n) => p.t(n.0),
            });
            self.nl();
        }
        for port in &s.ports.0 {
            self.port(port);
        }
        for stmt in &s.stmts.0 {
            match stmt {
                RepeatedStmt::Allow(a) | RepeatedStmt::Allow2(a) => {
                    self.allow(a);
                    self.nl();
                }
                RepeatedStmt::Deny(a) => {
                    self.statement("deny", a);
                    self.nl();
                }
                RepeatedStmt::Calls(c) => self.calls(&c.0),
                RepeatedStmt::Route(port, stmts) => self.route(port, &stmts.0),
            }
        }
        if let Some(extra) = &s.extra.0 {
            self.stmt(extra);
        }
        self.t("}");
        self.nl();
    }

    fn port(&mut self, p: &Port) {
        self.t("port");
        self.t(p.name.0.clone());
        let mut numbers = match &p.service_port {
            Some(sp) => format!("{}:{}", sp.0, p.target_port.0),
            None => p.target_port.0.clone(),
        };
        if let Some(proto) = &p.protocol.0 {
            numbers.push('/');
            numbers.push_str(proto);
        }
        self.t(numbers);
        self.nl();
    }

    fn stmt(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Account(n) => {
                self.t("account");
                self.t(n.0.clone());
            }
            Stmt::Selector(labels) => {
                self.t("selector");
                self.labels(&labels.0);
            }
            Stmt::Port(p) => return self.port(p),
            Stmt::Mtls(m) => {
                self.t("mtls");
                self.t(m.0);
            }
            Stmt::Allow(a) => self.allow(a),
            Stmt::Deny(a) => self.statement("deny", a),
            Stmt::Calls(targets) => return self.calls(&targets.0),
            Stmt::Route(port, stmts) => return self.route(port, &stmts.0),
        }
        self.nl();
    }

    fn calls(&mut self, targets: &[CallTarget]) {
        self.t("calls");
        self.list(targets, |p, c| {
            if c.external.0 {
                p.t("external");
            }
            p.t(c.name.0.clone());
            if let (Some(ns), false) = (&c.namespace, c.external.0) {
                p.t("in");
                p.t(ns.0.clone());
            }
            if let Some(port) = &c.port {
                p.t(":");
                p.t(port.0.clone());
            }
        });
        self.nl();
    }

    fn route(&mut self, port: &Name, stmts: &[RouteStmt]) {
        self.t("route");
        self.t(port.0.clone());
        self.t("{");
        self.nl();
        for s in stmts {
            self.route_stmt(s);
            self.nl();
        }
        self.t("}");
        self.nl();
    }

    fn allow(&mut self, a: &Allow) {
        self.statement("allow", a);
    }

    /// `allow ...` or `deny ...`: the same shape.
    fn statement(&mut self, keyword: &str, a: &Allow) {
        self.t(keyword);
        self.list(&a.callers.0, |p, c| match c {
            Caller::Name(n) => p.t(n.0.clone()),
            Caller::NameIn(n, ns) => {
                p.t(n.0.clone());
                p.t("in");
                p.t(ns.0.clone());
            }
            Caller::Namespace(ns) => {
                p.t("namespace");
                p.t(ns.0.clone());
            }
            Caller::Anyone => p.t("anyone"),
        });
        if let Some(to) = &a.to {
            self.t("to");
            self.list(&to.0, |p, n| p.t(n.0.clone()));
        }
        if let Some(rules) = &a.rules {
            self.t("{");
            self.nl();
            for r in &rules.0 {
                match &r.methods {
                    Methods::Any => self.t("*"),
                    Methods::List(ms) => {
                        let joined: Vec<&str> = ms.0.iter().map(|m| m.0).collect();
                        self.t(joined.join("|"));
                    }
                }
                self.list(&r.paths.0, |p, path| p.t(path.0));
                if let Some(conditions) = &r.conditions {
                    self.t("when");
                    for (i, c) in conditions.0.iter().enumerate() {
                        if i > 0 {
                            self.t("and");
                        }
                        self.when(c);
                    }
                }
                self.nl();
            }
            self.t("}");
        }
    }

    fn when(&mut self, c: &When) {
        match c {
            When::Header(name, negated, values) => {
                self.t("header");
                self.t(name.0);
                self.t(if *negated { "!=" } else { "=" });
                self.list(&values.0, |p, v| p.t(v.0));
            }
            When::Jwt(name) => {
                self.t("jwt");
                self.t(name.0.clone());
            }
            When::Claim(name, values) => {
                self.t("claim");
                self.t(name.0);
                self.t("=");
                self.list(&values.0, |p, v| p.t(v.0));
            }
        }
    }

    fn route_stmt(&mut self, s: &RouteStmt) {
        match s {
            RouteStmt::Timeout(d) => {
                self.t("timeout");
                self.t(d.0.clone());
            }
            RouteStmt::Retries(r) => {
                self.t("retries");
                self.t(r.count.0.clone());
                if let Some(d) = &r.per_try {
                    self.t("per-try");
                    self.t(d.0.clone());
                }
                if let Some(on) = &r.on {
                    self.t("on");
                    self.list(&on.0, |p, c| p.t(c.0));
                }
            }
            RouteStmt::Split(subsets) => {
                self.t("split");
                self.list(&subsets.0, |p, (n, w)| {
                    p.t(n.0.clone());
                    p.t(w.0.clone());
                });
            }
            RouteStmt::Match(header, value, subset) => {
                self.t("match");
                self.t("header");
                self.t(header.0.clone());
                self.t("=");
                self.t(value.0.clone());
                self.t("to");
                self.t(subset.0.clone());
            }
            RouteStmt::Pool(kind, n) => {
                self.t(["connections", "pending", "requests"][usize::from(*kind % 3)]);
                self.t(n.0.clone());
            }
            RouteStmt::Eject(errors, every, base, max) => {
                self.t("eject");
                self.t(errors.0.clone());
                self.t("errors");
                self.t("every");
                self.t(every.0.clone());
                self.t("for");
                self.t(base.0.clone());
                self.t("max");
                self.t(format!("{}%", max.0));
            }
        }
    }

    fn mesh(&mut self, m: &Mesh) {
        self.t("mesh");
        self.t("{");
        self.nl();
        for s in &m.stmts() {
            match s {
                MeshStmt::TrustDomain(d) => {
                    self.t("trust-domain");
                    self.t(d.0.clone());
                }
                MeshStmt::ClusterDomain(d) => {
                    self.t("cluster-domain");
                    self.t(d.0.clone());
                }
                MeshStmt::Istiod(ns, labels) => {
                    self.t("istiod");
                    self.t(ns.0.clone());
                    self.labels(&labels.0);
                }
                MeshStmt::Dns(ns, labels) => {
                    self.t("dns");
                    self.t(ns.0.clone());
                    self.labels(&labels.0);
                }
                MeshStmt::Scraper(n, ns) => {
                    self.t("scraper");
                    self.t(n.0.clone());
                    self.t("in");
                    self.t(ns.0.clone());
                }
                MeshStmt::Workload(n, ns, block) => {
                    self.t("workload");
                    self.t(n.0.clone());
                    self.t("in");
                    self.t(ns.0.clone());
                    if let Some((account, selector)) = block {
                        self.t("{");
                        self.nl();
                        if let Some(a) = account {
                            self.t("account");
                            self.t(a.0.clone());
                            self.nl();
                        }
                        if let Some(l) = selector {
                            self.t("selector");
                            self.labels(&l.0);
                            self.nl();
                        }
                        self.t("}");
                    }
                }
                MeshStmt::ClusterCidrs(c) => {
                    self.t("cluster-cidrs");
                    self.list(&c.0, |p, c| p.t(c.0.clone()));
                }
                MeshStmt::SidecarScoping(v) => {
                    self.t("sidecar-scoping");
                    self.t(v.0);
                }
                MeshStmt::SyncWaves(v) => {
                    self.t("sync-waves");
                    self.t(v.0);
                }
                MeshStmt::DryRun(ns) => {
                    self.t("dry-run");
                    self.list(&ns.0, |p, n| p.t(n.0.clone()));
                }
                MeshStmt::Network(v) => {
                    self.t("network");
                    self.t(v.0);
                }
                MeshStmt::Dataplane(v) => {
                    self.t("dataplane");
                    self.t(v.0);
                }
                MeshStmt::Waypoint(n, ns) => {
                    self.t("waypoint");
                    self.t(n.0.clone());
                    self.t("in");
                    self.t(ns.0.clone());
                }
                MeshStmt::Cluster(name, c) => {
                    self.t("cluster");
                    self.t(name.0);
                    self.t("{");
                    self.nl();
                    for line in c.lines() {
                        match line {
                            ClusterLine::TrustDomain(d) => {
                                self.t("trust-domain");
                                self.t(d.0);
                            }
                            ClusterLine::Network(n) => {
                                self.t("network");
                                self.t(n.0);
                            }
                            ClusterLine::PodCidrs(c) => {
                                self.t("pod-cidrs");
                                self.list(&c.0, |p, c| p.t(c.0));
                            }
                            ClusterLine::Gateway(g) => {
                                self.t("gateway");
                                self.list(&g.0, |p, g| p.t(g.0));
                            }
                        }
                        self.nl();
                    }
                    self.t("}");
                }
                MeshStmt::Eastwest(Eastwest(ns, labels)) => {
                    self.t("eastwest");
                    self.t(ns.0.clone());
                    self.labels(labels);
                }
            }
            self.nl();
        }
        for (n, ns, ports, allows) in &m.destinations.0 {
            self.t("workload");
            self.t(n.0.clone());
            self.t("in");
            self.t(ns.0.clone());
            self.t("{");
            self.nl();
            for port in &ports.0 {
                self.port(port);
            }
            for a in &allows.0 {
                self.allow(a);
                self.nl();
            }
            self.t("}");
            self.nl();
        }
        for (name, issuer, jwks) in &m.jwts.0 {
            self.t("jwt");
            self.t(name.0.clone());
            self.t("{");
            self.nl();
            for (key, url) in [("issuer", issuer), ("jwks", jwks)] {
                if let Some(url) = url {
                    self.t(key);
                    self.t(url.0);
                    self.nl();
                }
            }
            self.t("}");
            self.nl();
        }
        self.t("}");
        self.nl();
    }

    fn external(&mut self, e: &External) {
        self.t("external");
        self.t(e.name.0.clone());
        self.t("{");
        self.nl();
        let hosts = |p: &mut Self, hosts: &[Host]| {
            p.t("host");
            p.list(hosts, |p, h| p.t(h.0.clone()));
            p.nl();
        };
        let cidrs = |p: &mut Self, cidrs: &[Cidr]| {
            p.t("cidr");
            p.list(cidrs, |p, c| p.t(c.0.clone()));
            p.nl();
        };
        match &e.destination {
            Destination::Hosts(h) | Destination::Hosts2(h) => hosts(self, &h.0),
            Destination::Cidrs(c) => cidrs(self, &c.0),
            Destination::Both(h, c) => {
                hosts(self, std::slice::from_ref(h));
                cidrs(self, std::slice::from_ref(c));
            }
            Destination::Neither => {}
        }
        for port in &e.ports.0 {
            self.port(port);
        }
        for a in &e.allows.0 {
            self.allow(a);
            self.nl();
        }
        self.t("}");
        self.nl();
    }

    fn mangle(&mut self, m: &Mangle) {
        let toks: Vec<usize> = self
            .pieces
            .iter()
            .enumerate()
            .filter(|(_, p)| matches!(p, Piece::Tok(_)))
            .map(|(i, _)| i)
            .collect();
        if toks.is_empty() {
            return;
        }
        let at = |n: u16| toks[n as usize % toks.len()];
        match m {
            Mangle::DropToken(n) => {
                self.pieces.remove(at(*n));
            }
            Mangle::DropBrace(n) => {
                let braces: Vec<usize> = toks
                    .iter()
                    .copied()
                    .filter(|&i| matches!(&self.pieces[i], Piece::Tok(t) if t == "{" || t == "}"))
                    .collect();
                if !braces.is_empty() {
                    self.pieces.remove(braces[*n as usize % braces.len()]);
                }
            }
            Mangle::DuplicateToken(n) => {
                let i = at(*n);
                if let Piece::Tok(t) = &self.pieces[i] {
                    let t = t.clone();
                    self.pieces.insert(i, Piece::Tok(t));
                }
            }
            Mangle::Insert(n, junk) => {
                self.pieces
                    .insert(at(*n), Piece::Tok(junk.text().to_string()));
            }
            Mangle::SwapTokens(n) => {
                let i = *n as usize % toks.len();
                let j = (i + 1) % toks.len();
                self.pieces.swap(toks[i], toks[j]);
            }
            Mangle::Truncate(n) => {
                self.pieces.truncate(at(*n));
            }
        }
    }

    fn finish(&self, layout: &Layout) -> String {
        let nl = if layout.crlf { "\r\n" } else { "\n" };
        let sep = if layout.tabs { "\t" } else { " " };
        let mut out = String::new();
        if layout.bom.0 {
            out.push('\u{feff}');
        }
        if layout.comments {
            out.push_str("# fuzz { } , é");
            out.push_str(nl);
        }
        let mut line_start = true;
        for p in &self.pieces {
            match p {
                Piece::Tok(t) => {
                    if !line_start {
                        out.push_str(sep);
                    }
                    out.push_str(t);
                    line_start = false;
                }
                Piece::Nl => {
                    if layout.comments && !line_start {
                        out.push_str(" # trailing } comment");
                    }
                    out.push_str(nl);
                    line_start = true;
                }
            }
        }
        out
    }
}

// ------------------------------------------------------------------ checks

type Files = Vec<(String, String)>;

fn files_of(input: &Input) -> Files {
    let mut printers: Vec<(String, Printer)> = Vec::new();
    let clusters = input.mesh.as_ref().map_or(0, |m| m.clusters.0.len());
    for (i, s) in input.services.0.iter().enumerate() {
        let mut p = Printer::default();
        p.service(s, clusters);
        printers.push((format!("t{}/s{i}.intent", i % 3), p));
    }
    for (i, e) in input.externals.0.iter().enumerate() {
        let mut p = Printer::default();
        p.external(e);
        printers.push((format!("egress/x{i}.intent"), p));
    }
    if let Some(m) = &input.mesh {
        let mut p = Printer::default();
        p.mesh(m);
        printers.push(("mesh.intent".to_string(), p));
        if input.second_mesh.0 {
            let mut p = Printer::default();
            p.mesh(m);
            printers.push(("z/mesh.intent".to_string(), p));
        }
    }
    if input.mangle_gate >= 192 && !printers.is_empty() {
        let n = printers.len();
        let (_, p) = &mut printers[input.mangle_file as usize % n];
        for m in &input.mangles.0 {
            p.mangle(m);
        }
    }
    let mut files: Files = printers
        .into_iter()
        .map(|(path, p)| (path, p.finish(&input.layout)))
        .collect();
    if input.empty_file.0 {
        files.push(("e/empty.intent".to_string(), "# nothing here\n".to_string()));
    }
    files
}

fn rendered(c: &meshward::pipeline::Outcome) -> Vec<(String, String)> {
    c.diagnostics
        .iter()
        .map(|d| {
            let text = render_text(d, &c.sources);
            assert!(!text.is_empty(), "empty rendering of {d:?}");
            let json = render_json(d, &c.sources);
            assert!(
                json.starts_with('{'),
                "bad JSON rendering {json:?} of {d:?}"
            );
            (text, json)
        })
        .collect()
}

fn without_comments(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

fn fail(what: &str, files: &Files, detail: impl Debug) -> ! {
    let mut shown = String::new();
    for (p, t) in files {
        shown.push_str(&format!("--- {p} ---\n{t}\n"));
    }
    panic!("property failed: {what}\n{shown}{detail:#?}");
}

/// With `MESHWARD_FUZZ_STATS=1`, one line per input on stderr: `ok` (`ok, clusters N` with
/// `cluster` blocks) or the first error,
/// to see how much of the generated input gets past the checker (see docs/fuzzing.md).
/// With `MESHWARD_FUZZ_STATS=2`, the first error is also shown rendered.
fn stats(compiled: &meshward::pipeline::Outcome) {
    static LEVEL: std::sync::OnceLock<u8> = std::sync::OnceLock::new();
    let level = *LEVEL
        .get_or_init(|| std::env::var("MESHWARD_FUZZ_STATS").map_or(0, |v| v.parse().unwrap_or(1)));
    if level > 0 {
        match compiled.diagnostics.iter().find(|d| d.is_error()) {
            None => {
                let result = compiled.result.as_ref();
                match result.map_or(0, |(m, _)| m.settings.clusters.len()) {
                    0 => eprintln!("STATS ok"),
                    n => eprintln!("STATS ok, clusters {n}"),
                }
            }
            Some(d) => {
                eprintln!("STATS error {}", d.message);
                if level > 1 {
                    eprintln!("{}", render_text(d, &compiled.sources));
                }
            }
        }
    }
}

fn check(files: Files) {
    let compiled = meshward::pipeline::run_texts(files.clone());
    stats(&compiled);
    let diagnostics = rendered(&compiled);
    if !compiled.faults.is_empty() {
        // The self-check found rendered objects that do not admit exactly the intents: a
        // compiler bug. Fatal unless MESHWARD_FUZZ_FAULTS=log, which prints it and goes on
        // (so one known fault does not stop a campaign; grep the log for `FAULT`).
        let faults: Vec<String> = compiled.faults.iter().map(|f| f.to_string()).collect();
        if std::env::var("MESHWARD_FUZZ_FAULTS").as_deref() == Ok("log") {
            eprintln!("FAULT {}", faults.join(" | "));
            return;
        }
        fail("self-check fault", &files, faults);
    }
    let Some((mesh, tree)) = &compiled.result else {
        if !compiled.has_errors() {
            fail("no result but no error", &files, &diagnostics);
        }
        return;
    };
    if compiled.has_errors() {
        fail("a result despite errors", &files, &diagnostics);
    }

    // 2. headers
    for (path, text) in &tree.files {
        if text.is_empty() || !text.starts_with("# Generated by meshward") {
            fail("output file without header", &files, (path, text));
        }
    }

    // 3. determinism
    let again = meshward::pipeline::run_texts(files.clone());
    match &again.result {
        Some((_, t)) if t == tree => {}
        other => fail(
            "second compile differs",
            &files,
            other.as_ref().map(|r| &r.1),
        ),
    }
    if rendered(&again) != diagnostics {
        fail(
            "second compile gives other diagnostics",
            &files,
            rendered(&again),
        );
    }

    // 4. files given in reverse order
    let mut reversed = files.clone();
    reversed.reverse();
    let rev = meshward::pipeline::run_texts(reversed);
    match &rev.result {
        Some((_, t)) if t == tree => {}
        other => fail(
            "reverse order differs",
            &files,
            other.as_ref().map(|r| &r.1),
        ),
    }

    // 5. path order reversed by renaming: only `#` lines may change
    let n = files.len();
    let renamed: Files = files
        .iter()
        .enumerate()
        .map(|(i, (p, t))| (format!("r{:02}/{p}", n - i), t.clone()))
        .collect();
    let ren = meshward::pipeline::run_texts(renamed.clone());
    match &ren.result {
        Some((_, t)) => {
            let a: Vec<&String> = tree.files.keys().collect();
            let b: Vec<&String> = t.files.keys().collect();
            if a != b {
                fail("renamed files give other output paths", &renamed, (a, b));
            }
            for (path, text) in &tree.files {
                let other = &t.files[path];
                if without_comments(text) != without_comments(other) {
                    fail(
                        "path order changes output beyond comments",
                        &files,
                        (path, text, other),
                    );
                }
            }
        }
        None => fail("renamed files do not compile", &renamed, rendered(&ren)),
    }

    // 6. YAML reads back as the rendered objects; with `cluster` blocks, each cluster's
    // tree (its own compile of the same intents) under `<cluster>/`.
    let sites: Vec<(String, meshward::ir::Mesh)> = if mesh.settings.clusters.is_empty() {
        vec![(String::new(), mesh.clone())]
    } else {
        (mesh.settings.clusters.iter().enumerate())
            .map(|(i, c)| (format!("{}/", c.name), mesh.at(i)))
            .collect()
    };
    for (prefix, site) in &sites {
        check_yaml(&files, tree, prefix, site);
    }
}

/// Property 6 for one tree: every document rendered for SITE is in TREE at PREFIX + its
/// path and reads back as exactly its objects.
fn check_yaml(
    files: &Files,
    tree: &meshward::output::Tree,
    prefix: &str,
    site: &meshward::ir::Mesh,
) {
    let tables = meshward::compile::compile(site);
    let documents = meshward::render::render(site, &tables);
    for d in &documents {
        let path = format!("{prefix}{}", d.path);
        let Some(text) = tree.files.get(&path) else {
            fail("a rendered document is not in the tree", files, path);
        };
        let expected: Vec<serde_json::Value> = d
            .objects
            .iter()
            .map(|o| serde_json::to_value(o).expect("object to JSON"))
            .collect();
        let read: Vec<serde_json::Value> = serde_yaml::Deserializer::from_str(text)
            .map(|doc| {
                serde::Deserialize::deserialize(doc)
                    .unwrap_or_else(|e| fail("emitted YAML does not parse", files, (text, e)))
            })
            .collect();
        if read != expected {
            fail(
                "emitted YAML reads back differently",
                files,
                (text, read, expected),
            );
        }
    }
}

fuzz_target!(|input: Input| {
    check(files_of(&input));
});
