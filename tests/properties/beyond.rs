//! Property test beyond the tree: for random trees with externals (hosts and address
//! ranges), a callable workload, optional `cluster-cidrs` and sidecar scoping on or off,
//! every pod's L4 egress toward outside addresses and the workload's pods, and its
//! proxy's verdict on every host, are exactly what the intents allow.
//!
//! As in `main.rs`, the expected verdicts come from the generator's own model, the actual
//! ones from `meshward::evaluate` reading the rendered objects.

use meshward::evaluate::{Cluster, Endpoint, Outbound, Pod, Transport};
use proptest::prelude::*;
use std::net::IpAddr;

const NAMESPACES: [&str; 3] = ["alpha", "beta", "gamma"];
const CLUSTER_CIDRS: [&str; 2] = ["10.0.0.0/14", "fd00::/8"];

#[derive(Clone, Debug)]
enum Caller {
    Service(usize),
    Namespace(usize),
    Anyone,
}

#[derive(Clone, Debug)]
enum Kind {
    /// Names, each exact or `*.`-wildcard.
    Hosts(Vec<&'static str>),
    Cidrs(Vec<&'static str>),
}

#[derive(Clone, Debug)]
struct External {
    kind: Kind,
    /// `(port, allowed callers)`: one port per external keeps the model small.
    port: u16,
    callers: Vec<Caller>,
}

#[derive(Clone, Debug)]
struct Tree {
    /// The namespace of each service; service i is `s{i}`, port http 8000.
    services: Vec<&'static str>,
    externals: Vec<External>,
    /// Who may call the vault workload on 8200.
    vault: Vec<Caller>,
    cluster_cidrs: bool,
    scoping: bool,
}

const HOSTS: [&str; 6] = [
    "api.pay.example.com",
    "*.files.example.com",
    "db.example.net",
    "*.example.org",
    "login.example.io",
    "*.cdn.example.io",
];
/// The names external k may use: disjoint, an exact one and a wildcard.
const POOLS: [[&str; 2]; 3] = [
    ["api.pay.example.com", "*.files.example.com"],
    ["db.example.net", "*.example.org"],
    ["login.example.io", "*.cdn.example.io"],
];
const CIDRS: [&str; 4] = [
    "10.20.0.0/16",
    "192.168.4.0/24",
    "2001:db8::/48",
    "10.2.0.0/16",
];

fn caller(services: usize) -> impl Strategy<Value = Caller> {
    prop_oneof![
        4 => (0..services).prop_map(Caller::Service),
        1 => (0..services).prop_map(Caller::Namespace),
        1 => Just(Caller::Anyone),
    ]
}

fn tree_strategy() -> impl Strategy<Value = Tree> {
    prop::collection::vec(prop::sample::select(NAMESPACES.to_vec()), 1..=4).prop_flat_map(
        |services| {
            let n = services.len();
            let external = (
                any::<bool>(),
                prop::sample::subsequence(HOSTS[..2].to_vec(), 1..=2),
                prop::sample::subsequence(CIDRS.to_vec(), 1..=2),
                prop::sample::select(vec![443u16, 5432, 8443]),
                prop::collection::vec(caller(n), 0..=3),
            )
                .prop_map(|(by_host, hosts, cidrs, port, callers)| External {
                    kind: if by_host {
                        Kind::Hosts(hosts)
                    } else {
                        Kind::Cidrs(cidrs)
                    },
                    port,
                    callers,
                });
            (
                Just(services),
                prop::collection::vec(external, 0..=3),
                prop::collection::vec(caller(n), 1..=2),
                any::<bool>(),
                any::<bool>(),
            )
                .prop_map(
                    |(services, mut externals, vault, cluster_cidrs, scoping)| {
                        // A host belongs to one external (E0710): each external takes its
                        // names from its own pool.
                        for (k, e) in externals.iter_mut().enumerate() {
                            if let Kind::Hosts(hosts) = &mut e.kind {
                                let mut own: Vec<&'static str> = hosts
                                    .iter()
                                    .map(|h| POOLS[k][usize::from(h.starts_with('*'))])
                                    .collect();
                                own.dedup();
                                *hosts = own;
                            }
                        }
                        Tree {
                            services,
                            externals,
                            vault,
                            cluster_cidrs,
                            scoping,
                        }
                    },
                )
        },
    )
}

fn caller_text(tree: &Tree, c: &Caller) -> String {
    match c {
        Caller::Service(i) => format!("s{i} in {}", tree.services[*i]),
        Caller::Namespace(i) => format!("namespace {}", tree.services[*i]),
        Caller::Anyone => "anyone".into(),
    }
}

fn callers_text(tree: &Tree, callers: &[Caller]) -> String {
    callers
        .iter()
        .map(|c| caller_text(tree, c))
        .collect::<Vec<_>>()
        .join(", ")
}

fn render(tree: &Tree) -> Vec<(String, String)> {
    let mut mesh = String::from("mesh {\n");
    if tree.cluster_cidrs {
        mesh.push_str(&format!("  cluster-cidrs {}\n", CLUSTER_CIDRS.join(", ")));
    }
    if !tree.scoping {
        mesh.push_str("  sidecar-scoping off\n");
    }
    mesh.push_str(&format!(
        "  workload vault in vault {{\n    port api 8200/http\n    allow {}\n  }}\n}}\n",
        callers_text(tree, &tree.vault)
    ));
    let mut files = vec![("mesh.intent".to_string(), mesh)];
    for (i, ns) in tree.services.iter().enumerate() {
        files.push((
            format!("{ns}/s{i}.intent"),
            format!("service s{i} in {ns} {{\n  port http 8000/http\n}}\n"),
        ));
    }
    for (k, e) in tree.externals.iter().enumerate() {
        let (what, proto) = match &e.kind {
            Kind::Hosts(h) => (format!("host {}", h.join(", ")), "tls"),
            Kind::Cidrs(c) => (format!("cidr {}", c.join(", ")), "tcp"),
        };
        let mut text = format!("external e{k} {{\n  {what}\n  port p {}/{proto}\n", e.port);
        if !e.callers.is_empty() {
            text.push_str(&format!("  allow {}\n", callers_text(tree, &e.callers)));
        }
        text.push_str("}\n");
        files.push((format!("egress/e{k}.intent"), text));
    }
    files
}

/// A source pod: a service's, or a stray pod of a namespace holding services.
struct Source {
    pod: Pod,
    service: Option<usize>,
    namespace: &'static str,
}

fn covers(tree: &Tree, c: &Caller, src: &Source) -> bool {
    match c {
        Caller::Anyone => true,
        Caller::Service(i) => src.service == Some(*i),
        Caller::Namespace(i) => tree.services[*i] == src.namespace,
    }
}

fn cidr_holds(cidr: &str, ip: IpAddr) -> bool {
    meshward::evaluate::cidr_contains(cidr, ip)
}

/// Addresses asked about: inside and just outside each range, inside the cluster,
/// and outside everything, in both families.
const ADDRESSES: [&str; 12] = [
    "10.20.0.1",
    "10.21.0.1",
    "192.168.4.9",
    "192.168.5.1",
    "10.2.3.4",
    "10.1.2.3",
    "203.0.113.9",
    "2001:db8::5",
    "2001:db8:1::5",
    "fd00::9",
    "2001:db8:ffff::1",
    "10.3.255.255",
];

/// The name a proxy is asked for to reach a host external's name.
fn asked(host: &str) -> String {
    host.replace('*', "www")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn beyond_the_tree_admits_exactly_the_intents(tree in tree_strategy()) {
        let files = render(&tree);
        let compiled = meshward::pipeline::run_texts(files.clone());
        let errors: Vec<String> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| meshward::diagnostic::render_text(d, &compiled.sources))
            .collect();
        prop_assert!(errors.is_empty(), "valid tree rejected: {errors:?}\n{files:#?}");
        prop_assert!(compiled.faults.is_empty(), "self-check: {:?}\n{files:#?}", compiled.faults);
        let (mesh, _) = compiled.result.as_ref().expect("compiled");
        let objects = meshward::pipeline::render_objects(mesh).expect("render");
        let cluster = Cluster::from_objects(objects);

        let mut sources: Vec<Source> = tree.services.iter().enumerate().map(|(i, ns)| Source {
            pod: Pod::new(&format!("s{i}"), ns).label("app", &format!("s{i}")).account(&format!("s{i}")),
            service: Some(i),
            namespace: ns,
        }).collect();
        let mut managed: Vec<&'static str> = tree.services.clone();
        managed.sort();
        managed.dedup();
        for ns in managed {
            sources.push(Source { pod: Pod::new("stray", ns).label("app", "stray"), service: None, namespace: ns });
        }
        let vault = Pod::new("vault", "vault").label("app", "vault").account("vault");
        let inside = |ip: IpAddr| tree.cluster_cidrs && CLUSTER_CIDRS.iter().any(|c| cidr_holds(c, ip));
        for src in &sources {
            let who = format!("{}.{}", src.pod.name, src.pod.namespace);
            // Invariant 7: outside addresses.
            for text in ADDRESSES {
                let ip: IpAddr = text.parse().expect("an address");
                for port in [443u16, 5432, 8443, 9999] {
                    let want = tree.externals.iter().any(|e| {
                        e.port == port
                            && e.callers.iter().any(|c| covers(&tree, c, src))
                            && match &e.kind {
                                Kind::Cidrs(c) => c.iter().any(|c| cidr_holds(c, ip)),
                                Kind::Hosts(_) => !inside(ip),
                            }
                    });
                    let got = cluster.connection_allowed(Endpoint::Pod(&src.pod), Endpoint::Ip(ip), port, Transport::Tcp);
                    prop_assert_eq!(got, want, "L4 {} -> {}:{}\n{:#?}", who, ip, port, files);
                }
            }
            // Invariant 9: the workload's pods.
            let want = tree.vault.iter().any(|c| covers(&tree, c, src));
            for port in [8200u16, 8201] {
                let got = cluster.connection_allowed(Endpoint::Pod(&src.pod), Endpoint::Pod(&vault), port, Transport::Tcp);
                prop_assert_eq!(got, want && port == 8200, "L4 {} -> vault:{}\n{:#?}", who, port, files);
            }
            // Invariant 8: the proxy knows exactly the hosts it may call.
            let mut hosts: Vec<(String, u16, bool)> = Vec::new();
            for host in HOSTS {
                let named = || tree.externals.iter().filter(|e| matches!(&e.kind, Kind::Hosts(h) if h.contains(&host)));
                let allowing = named().find(|e| e.callers.iter().any(|c| covers(&tree, c, src)));
                let port = allowing.or(named().next()).map_or(443, |e| e.port);
                hosts.push((asked(host), port, allowing.is_some()));
            }
            hosts.push(("anything.vault.svc.cluster.local".into(), 8200, want));
            for (i, ns) in tree.services.iter().enumerate() {
                // Services allow nobody here: no service host is granted.
                hosts.push((format!("s{i}.{ns}.svc.cluster.local"), 8000, false));
            }
            for (host, port, want) in hosts {
                let got = cluster.sidecar_admits(&src.pod, &host, port);
                let admits = matches!(got, Outbound::Forwarded { .. } | Outbound::Passthrough { .. });
                if tree.scoping {
                    prop_assert_eq!(admits, want, "proxy of {} for {}:{}: {:?}\n{:#?}", who, host, port, got, files);
                } else if want {
                    prop_assert!(admits, "proxy of {} drops {}:{}: {:?}\n{:#?}", who, host, port, got, files);
                }
            }
        }
    }
}
