//! A seeded generator of large, valid intent trees, for benchmarks and load tests.
//!
//! [`generate`] returns `(relative path, intent text)` pairs shaped like a big real mesh:
//! services spread over namespaces of about 40, each allowing about 5 callers of which a
//! third sit in another namespace, 1 to 3 ports, HTTP rules on about half of them, routes
//! on about a fifth, and a `mesh.intent` that declares an ingress gateway and a Prometheus
//! scraper as workloads. Every `calls` is derived from an `allow` of its target, so the
//! tree always checks clean. The same `(services, seed)` always gives the same text: the
//! random numbers come from a small built-in splitmix64, not from a crate whose stream
//! could change between versions.

mod authz;
mod clusters;
mod dump;
mod rng;
pub use dump::dump;
use rng::Rng;

use std::fmt::Write as _;

/// Services per namespace, on average.
pub const NAMESPACE_SIZE: usize = 40;

const WORDS: [&str; 16] = [
    "orders", "cart", "catalog", "billing", "ledger", "search", "users", "auth", "stock", "ship",
    "notify", "review", "price", "media", "report", "quote",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Proto {
    Http,
    Http2,
    Grpc,
    Tcp,
}

impl Proto {
    fn as_str(self) -> &'static str {
        match self {
            Proto::Http => "http",
            Proto::Http2 => "http2",
            Proto::Grpc => "grpc",
            Proto::Tcp => "tcp",
        }
    }
}

struct Port {
    name: String,
    proto: Proto,
}

/// A caller of a service, as the target's `allow` names it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Caller {
    Service(usize),
    Gateway,
    Namespace(usize),
}

struct Svc {
    name: String,
    ns: usize,
    ports: Vec<Port>,
    rules: bool,
    /// Connections only: no HTTP rule and no route (a namespace without a waypoint).
    l4: bool,
    /// `(callers, port indices)` of each `allow`, before rules are split off.
    allows: Vec<(Vec<Caller>, Vec<usize>)>,
    /// `(target service, port index or None)`.
    calls: Vec<(usize, Option<usize>)>,
    /// Calls beyond the tree, as written after `calls`: `external api-3:https`.
    beyond: Vec<String>,
}

/// What a generated tree holds besides services.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Externals of both kinds and workload destinations, called by about one service in
    /// six, with `cluster-cidrs` set.
    pub beyond: bool,
    /// `sidecar-scoping on` (the language's default) or `off`.
    pub sidecar_scoping: bool,
    /// Two token issuers (one URL a prefix of the other's), conditions on every service's
    /// HTTP rules (a header, a jwt with a claim) and a deny on its HTTP ports.
    pub authz: bool,
    /// `network cilium`: CiliumNetworkPolicy in place of NetworkPolicy.
    pub cilium: bool,
    /// `dataplane ambient`, with a waypoint in each namespace but every third (whose
    /// services then have no HTTP rules and no routes, which a waypoint would need),
    /// unless `authz` (whose denies need one everywhere).
    pub ambient: bool,
    /// Three clusters on two networks, services placed in one, two or all of them.
    pub clusters: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            beyond: false,
            sidecar_scoping: true,
            authz: false,
            cilium: false,
            ambient: false,
            clusters: false,
        }
    }
}

/// Externals per 1,000 services: host ones (every fifth a wildcard), then cidr ones.
const HOST_EXTERNALS: usize = 4;
const CIDR_EXTERNALS: usize = 2;
/// Workloads that may be called, each in its own namespace.
const DESTINATIONS: [(&str, &str, u16); 2] = [("vault", "api", 8200), ("legacy-db", "sql", 1521)];

fn namespace_name(i: usize) -> String {
    format!("team-{i:03}")
}

/// Generate a valid tree of `services` services (at least 1) from `seed`.
pub fn generate(services: usize, seed: u64) -> Vec<(String, String)> {
    generate_with(services, seed, Options::default())
}

/// [`generate`], with what OPTIONS adds.
pub fn generate_with(services: usize, seed: u64, options: Options) -> Vec<(String, String)> {
    let services = services.max(1);
    let mut rng = Rng(seed ^ 0x6d65_7368_7761_7264); // "meshward"
    let namespaces = services.div_ceil(NAMESPACE_SIZE);
    let mut svcs: Vec<Svc> = (0..services)
        .map(|i| {
            let nports = 1 + rng.below(3);
            let ports = (0..nports)
                .map(|p| {
                    let proto = match rng.below(10) {
                        0..=4 => Proto::Http,
                        5 => Proto::Http2,
                        6 | 7 => Proto::Grpc,
                        _ => Proto::Tcp,
                    };
                    Port {
                        name: format!("{}-{p}", proto.as_str()),
                        proto,
                    }
                })
                .collect::<Vec<_>>();
            // Round-robin keeps namespaces within one service of NAMESPACE_SIZE.
            let ns = i % namespaces;
            let l4 = options.ambient && !options.authz && ns % 3 == 2;
            Svc {
                name: format!("{}-{i}", WORDS[rng.below(WORDS.len())]),
                ns,
                rules: rng.chance(1, 2) && !l4,
                l4,
                ports,
                allows: Vec::new(),
                calls: Vec::new(),
                beyond: Vec::new(),
            }
        })
        .collect();
    let by_ns: Vec<Vec<usize>> = (0..namespaces)
        .map(|ns| (ns..services).step_by(namespaces).collect())
        .collect();

    // Callers: about 5 per service, a third of them from another namespace.
    for t in 0..services {
        let want = 4 + rng.below(3);
        let mut callers: Vec<Caller> = Vec::new();
        for _ in 0..want * 3 {
            if callers.len() == want {
                break;
            }
            let home = svcs[t].ns;
            let ns = if namespaces > 1 && rng.chance(1, 3) {
                (home + 1 + rng.below(namespaces - 1)) % namespaces
            } else {
                home
            };
            let c = by_ns[ns][rng.below(by_ns[ns].len())];
            if c != t && !callers.contains(&Caller::Service(c)) {
                callers.push(Caller::Service(c));
            }
        }
        if rng.chance(1, 20) {
            callers.push(Caller::Gateway);
        }
        if namespaces > 1 && rng.chance(1, 50) {
            callers.push(Caller::Namespace(rng.below(namespaces)));
        }
        if callers.is_empty() {
            continue;
        }
        let nports = svcs[t].ports.len();
        // Two statements: the first covers every port, the second a random one.
        let split = callers.len().div_ceil(2);
        let second = callers.split_off(split);
        svcs[t].allows.push((callers, (0..nports).collect()));
        if !second.is_empty() {
            svcs[t].allows.push((second, vec![rng.below(nports)]));
        }
        // Every service caller calls what it was allowed: on one allowed port, or, when it
        // may use every port, sometimes without naming one.
        let allows: Vec<(Vec<Caller>, Vec<usize>)> = svcs[t].allows.clone();
        for (callers, ports) in allows {
            for c in callers {
                if let Caller::Service(c) = c {
                    let port = if ports.len() == nports && rng.chance(1, 10) {
                        None
                    } else {
                        Some(ports[rng.below(ports.len())])
                    };
                    svcs[c].calls.push((t, port));
                }
            }
        }
    }

    let mut files = Vec::with_capacity(services + 1);
    let mut mesh = String::from(
        "# Synthetic mesh settings.\n\
         mesh {\n  \
           scraper prometheus in monitoring\n\n  \
           workload ingressgateway in istio-system {\n    \
             selector istio=ingressgateway\n    \
             account istio-ingressgateway-service-account\n  \
           }\n\n  \
           workload prometheus in monitoring {\n    \
             selector app.kubernetes.io/name=prometheus\n    \
             account prometheus-k8s\n  \
           }\n",
    );
    if !options.sidecar_scoping {
        mesh.push_str("\n  sidecar-scoping off\n");
    }
    if options.cilium {
        mesh.push_str("\n  network cilium\n");
    }
    if options.ambient {
        mesh.push_str("\n  dataplane ambient\n");
        for ns in (0..namespaces).filter(|&ns| !svcs.iter().any(|s| s.ns == ns && s.l4)) {
            let name = namespace_name(ns);
            let _ = writeln!(mesh, "  waypoint {name}-waypoint in {name}");
        }
    }
    if options.beyond {
        beyond(&mut svcs, &mut rng, &mut mesh, &mut files);
    }
    if options.authz {
        mesh.push_str(authz::JWTS);
    }
    if options.clusters {
        mesh.push_str(clusters::CLUSTERS);
    }
    mesh.push_str("}\n");
    files.push(("mesh.intent".to_string(), mesh));
    for t in 0..services {
        let mut text = service_text(&svcs, t, &mut rng, options.authz);
        if let Some(line) = clusters::line(t).filter(|_| options.clusters) {
            let at = text.find(" {\n").map_or(0, |i| i + 3);
            text.insert_str(at, line);
        }
        let s = &svcs[t];
        files.push((format!("{}/{}.intent", namespace_name(s.ns), s.name), text));
    }
    files.sort();
    files
}

/// Add externals (files under `egress/`) and callable workloads (in MESH) called by
/// about one service in six, and `cluster-cidrs`.
fn beyond(svcs: &mut [Svc], rng: &mut Rng, mesh: &mut String, files: &mut Vec<(String, String)>) {
    let scale = svcs.len().div_ceil(1000);
    let hosts = HOST_EXTERNALS * scale;
    let cidrs = CIDR_EXTERNALS * scale;
    // Callers of each destination: the externals, then the workloads.
    let mut callers: Vec<Vec<usize>> = vec![Vec::new(); hosts + cidrs + DESTINATIONS.len()];
    for (t, s) in svcs.iter_mut().enumerate() {
        if !rng.chance(1, 6) {
            continue;
        }
        let d = rng.below(callers.len());
        callers[d].push(t);
        s.beyond.push(if d < hosts {
            format!("external api-{d}:https")
        } else if d < hosts + cidrs {
            format!("external db-{}:sql", d - hosts)
        } else {
            let (name, port, _) = DESTINATIONS[d - hosts - cidrs];
            format!("{name} in {name}:{port}")
        });
    }
    let allow = |who: &[usize], port: &str| -> String {
        who.chunks(8)
            .map(|chunk| {
                let names: Vec<String> = chunk
                    .iter()
                    .map(|&c| format!("{} in {}", svcs[c].name, namespace_name(svcs[c].ns)))
                    .collect();
                format!("  allow {} to {port}\n", names.join(", "))
            })
            .collect()
    };
    for (d, who) in callers.iter().enumerate().take(hosts + cidrs) {
        let (name, body) = if d < hosts {
            let host = if d % 5 == 4 {
                format!("*.partner-{d}.example.com")
            } else {
                format!("api.partner-{d}.example.com, files.partner-{d}.example.com")
            };
            let name = format!("api-{d}");
            (name, format!("  host {host}\n  port https 443/tls\n"))
        } else {
            let k = d - hosts;
            let body = format!(
                "  cidr 10.{}.{}.0/24\n  port sql 5432\n",
                100 + k / 250,
                k % 250
            );
            (format!("db-{k}"), body)
        };
        let port = if d < hosts { "https" } else { "sql" };
        let mut text = format!("# Synthetic external {name}.\nexternal {name} {{\n{body}");
        text.push_str(&allow(who, port));
        text.push_str("}\n");
        files.push((format!("egress/{name}.intent"), text));
    }
    mesh.push_str("\n  cluster-cidrs 10.0.0.0/14, fd00::/8\n");
    for (k, (name, port, number)) in DESTINATIONS.iter().enumerate() {
        let who = &callers[hosts + cidrs + k];
        let _ = write!(
            mesh,
            "\n  workload {name} in {name} {{\n    port {port} {number}\n"
        );
        mesh.push_str(&allow(who, port).replace("  allow", "    allow"));
        mesh.push_str("  }\n");
    }
}

fn caller_text(svcs: &[Svc], home: usize, c: Caller) -> String {
    match c {
        Caller::Service(i) if svcs[i].ns == home => svcs[i].name.clone(),
        Caller::Service(i) => format!("{} in {}", svcs[i].name, namespace_name(svcs[i].ns)),
        Caller::Gateway => "ingressgateway in istio-system".to_string(),
        Caller::Namespace(ns) => format!("namespace {}", namespace_name(ns)),
    }
}

fn service_text(svcs: &[Svc], t: usize, rng: &mut Rng, authz: bool) -> String {
    let s = &svcs[t];
    let ns = namespace_name(s.ns);
    let mut out = String::with_capacity(1024);
    let _ = writeln!(out, "# Synthetic service {} of namespace {ns}.", s.name);
    let _ = writeln!(out, "service {} in {ns} {{", s.name);
    if rng.chance(1, 10) {
        let _ = writeln!(out, "  account {}-sa", s.name);
        let _ = writeln!(out, "  selector app={}, tier=backend", s.name);
    }
    for (i, p) in s.ports.iter().enumerate() {
        let target = 8080 + i;
        if rng.chance(1, 3) {
            let _ = writeln!(
                out,
                "  port {} {}:{target}/{}",
                p.name,
                80 + i,
                p.proto.as_str()
            );
        } else {
            let _ = writeln!(out, "  port {} {target}/{}", p.name, p.proto.as_str());
        }
    }
    out.push('\n');
    for (callers, ports) in &s.allows {
        let who = callers
            .iter()
            .map(|&c| caller_text(svcs, s.ns, c))
            .collect::<Vec<_>>()
            .join(", ");
        // Rules only on HTTP ports, and gRPC ports only with POST, so one statement per kind.
        let kinds: [(&[Proto], bool); 3] = [
            (&[Proto::Http, Proto::Http2], s.rules),
            (&[Proto::Grpc], s.rules),
            (&[Proto::Tcp], false),
        ];
        let mut plain: Vec<&str> = Vec::new();
        for (protos, with_rules) in kinds {
            let group: Vec<&Port> = ports
                .iter()
                .map(|&i| &s.ports[i])
                .filter(|p| protos.contains(&p.proto))
                .collect();
            if group.is_empty() {
                continue;
            }
            if !with_rules {
                plain.extend(group.iter().map(|p| p.name.as_str()));
                continue;
            }
            let to = group
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(out, "  allow {who} to {to} {{");
            let base = s.name.split('-').next().unwrap_or("api");
            if protos.contains(&Proto::Grpc) {
                let _ = writeln!(
                    out,
                    "    POST /{base}.v1.{base}/Get, /{base}.v1.{base}/List"
                );
                let _ = writeln!(out, "    * /{base}.v1.admin/*");
            } else {
                let _ = writeln!(out, "    GET /api/{base}, /api/{base}/*");
                let _ = writeln!(out, "    POST|PUT /api/{base}/items/*");
                if rng.chance(1, 4) {
                    let _ = writeln!(out, "    GET|HEAD *.png, /static/*");
                }
                if authz {
                    out.push_str(&authz::conditioned_rules(base));
                }
            }
            out.push_str("  }\n");
            if authz && !protos.contains(&Proto::Grpc) {
                out.push_str(&authz::deny(base, &to));
            }
        }
        if !plain.is_empty() {
            if plain.len() == s.ports.len() && rng.chance(1, 2) {
                let _ = writeln!(out, "  allow {who}");
            } else {
                let _ = writeln!(out, "  allow {who} to {}", plain.join(", "));
            }
        }
    }
    for target in &s.beyond {
        let _ = writeln!(out, "  calls {target}");
    }
    if !s.calls.is_empty() {
        out.push('\n');
        for chunk in s.calls.chunks(3) {
            let targets = chunk
                .iter()
                .map(|&(c, port)| {
                    let mut t = svcs[c].name.clone();
                    if svcs[c].ns != s.ns {
                        let _ = write!(t, " in {}", namespace_name(svcs[c].ns));
                    }
                    if let Some(p) = port {
                        let _ = write!(t, ":{}", svcs[c].ports[p].name);
                    }
                    t
                })
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(out, "  calls {targets}");
        }
    }
    // A fifth of the services route their first HTTP port; half of those split it.
    if rng.chance(1, 5) && !s.l4 {
        if let Some(p) = s.ports.iter().find(|p| p.proto != Proto::Tcp) {
            out.push('\n');
            let _ = writeln!(out, "  route {} {{", p.name);
            let _ = writeln!(out, "    timeout {}s", 1 + rng.below(5));
            if p.proto == Proto::Grpc {
                out.push_str("    retries 0\n");
            } else {
                out.push_str("    retries 3 per-try 500ms on 5xx, reset, connect-failure\n");
            }
            if rng.chance(1, 2) {
                let w = 5 * (1 + rng.below(10));
                let _ = writeln!(out, "    split v1 {}, v2 {w}", 100 - w);
            }
            out.push_str("  }\n");
        }
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests;
