//! Several clusters: `cluster NAME { ... }` and `eastwest` in the mesh block, `clusters`
//! in a service.
//!
//! What is checked is what the network needs to carry every allowed call between two
//! clusters: on one network, both clusters' pod ranges (each side's NetworkPolicy names
//! the other's pods by address); across networks, the destination's east-west gateway
//! (its addresses for the caller's egress, its pods for the destination's ingress). A
//! call the network could not carry is an error where the caller is allowed, not an
//! outage found after deployment. Overlapping pod ranges are refused: an address would
//! then name pods of two clusters, and an ipBlock meant for one would admit the other.

use super::addresses;
use super::labels;
use super::mesh;
use super::names;
use super::sink::Sink;
use crate::ast::{self, MeshStatement, Statement};
use crate::code::Code;
use crate::ir::{self, Caller, Cidr, PodGroup};
use crate::source::Span;
use crate::suggest;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// The mesh block's clusters, each with the span of its name, and the east-west pods.
#[derive(Default)]
pub(crate) struct Declared {
    pub clusters: Vec<(ir::Cluster, Span)>,
    pub eastwest: Option<PodGroup>,
}

impl Declared {
    fn span(&self, name: &str) -> Option<Span> {
        self.clusters
            .iter()
            .find(|(c, _)| c.name == name)
            .map(|(_, s)| *s)
    }

    /// The clusters sorted by name, for the model.
    pub fn sorted(&self) -> Vec<ir::Cluster> {
        let mut out: Vec<ir::Cluster> = self.clusters.iter().map(|(c, _)| c.clone()).collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}

/// Read the `cluster` blocks and the `eastwest` line; TRUST_DOMAIN is the mesh's, each
/// cluster's default.
pub(crate) fn declared(
    mesh: Option<&ast::Mesh>,
    trust_domain: &str,
    ambient: bool,
    sink: &mut Sink,
) -> Declared {
    let mut out = Declared::default();
    let Some(mesh) = mesh else {
        return out;
    };
    let mut eastwest_at: Option<Span> = None;
    for statement in &mesh.statements {
        match statement {
            MeshStatement::Cluster(c) => {
                if let Some(cluster) = cluster(c, trust_domain, &out, sink) {
                    out.clusters.push((cluster, c.name.span));
                }
            }
            MeshStatement::Eastwest {
                span,
                namespace,
                labels: l,
            } => {
                if let Some(first) = eastwest_at {
                    sink.error(
                        Code::DuplicateSetting,
                        *span,
                        "`eastwest` is set twice in the mesh block",
                    )
                    .note(first, "first set here");
                    continue;
                }
                eastwest_at = Some(*span);
                sink.ok(
                    Code::InvalidName,
                    namespace.span,
                    names::dns_label("namespace", &namespace.text),
                );
                out.eastwest = Some(PodGroup {
                    namespace: namespace.text.clone(),
                    selector: labels::checked(l, sink),
                });
            }
            _ => {}
        }
    }
    if ambient {
        if let Some((_, span)) = out.clusters.first() {
            sink.error(
                Code::ClustersUnderAmbient,
                *span,
                "several clusters are built for sidecars only, and this mesh runs `dataplane ambient`",
            )
            .help("write `dataplane sidecar`, or keep one tree per cluster without `cluster` blocks");
        }
    }
    overlaps(&out, sink);
    out
}

fn cluster(
    c: &ast::Cluster,
    trust_domain: &str,
    earlier: &Declared,
    sink: &mut Sink,
) -> Option<ir::Cluster> {
    let named = sink.ok(
        Code::InvalidName,
        c.name.span,
        names::dns_label("cluster", &c.name.text),
    );
    if let Some(first) = earlier.span(&c.name.text) {
        sink.error(
            Code::DuplicateCluster,
            c.name.span,
            format!("cluster `{}` is declared twice", c.name.text),
        )
        .note(first, "first declared here")
        .help("give each cluster its own name, or merge the two blocks");
        return None;
    }
    let what = format!("cluster `{}`", c.name.text);
    let once = |what_line: &str, spans: &[Span], sink: &mut Sink| {
        for later in spans.iter().skip(1) {
            sink.error(
                Code::DuplicateSetting,
                *later,
                format!("`{what_line}` is given twice in {what}"),
            )
            .note(spans[0], "first given here");
        }
    };
    let spans: Vec<Span> = c.trust_domains.iter().map(|w| w.span).collect();
    once("trust-domain", &spans, sink);
    let spans: Vec<Span> = c.networks.iter().map(|w| w.span).collect();
    once("network", &spans, sink);
    let spans: Vec<Span> = c.pod_cidrs.iter().map(|(s, _)| *s).collect();
    once("pod-cidrs", &spans, sink);
    let spans: Vec<Span> = c.gateways.iter().map(|(s, _)| *s).collect();
    once("gateway", &spans, sink);
    let trust_domain = match c.trust_domains.first() {
        Some(w) => mesh::domain(w, sink),
        None => trust_domain.to_string(),
    };
    let network = match c.networks.first() {
        Some(w) => {
            sink.ok(
                Code::InvalidName,
                w.span,
                names::dns_label("network", &w.text),
            );
            w.text.clone()
        }
        None => c.name.text.clone(),
    };
    let mut pod_cidrs: Vec<Cidr> = Vec::new();
    for w in c.pod_cidrs.first().into_iter().flat_map(|(_, l)| l) {
        match addresses::cidr(&w.text) {
            Ok(cidr) if !pod_cidrs.contains(&cidr) => pod_cidrs.push(cidr),
            Ok(_) => {}
            Err(e) => {
                sink.ok(Code::InvalidCidr, w.span, Err(e));
            }
        }
    }
    let mut gateway: Vec<IpAddr> = Vec::new();
    for w in c.gateways.first().into_iter().flat_map(|(_, l)| l) {
        match w.text.parse::<IpAddr>() {
            Ok(ip) if !gateway.contains(&ip) => gateway.push(ip),
            Ok(_) => {}
            Err(_) => {
                sink.error(
                    Code::InvalidCidr,
                    w.span,
                    format!("`{}` is not an IP address", w.text),
                )
                .help("write the addresses its east-west gateway is reached at, such as `203.0.113.10`");
            }
        }
    }
    pod_cidrs.sort();
    gateway.sort();
    named.then(|| ir::Cluster {
        name: c.name.text.clone(),
        trust_domain,
        network,
        pod_cidrs,
        gateway,
    })
}

/// Two clusters' pod ranges must not share an address.
fn overlaps(declared: &Declared, sink: &mut Sink) {
    for (i, (later, span)) in declared.clusters.iter().enumerate() {
        for (earlier, first) in &declared.clusters[..i] {
            let clash = later.pod_cidrs.iter().find_map(|a| {
                earlier
                    .pod_cidrs
                    .iter()
                    .find(|b| a.overlaps(b))
                    .map(|b| (a, b))
            });
            if let Some((a, b)) = clash {
                sink.error(
                    Code::OverlappingPodCidrs,
                    *span,
                    format!(
                        "the pod ranges of clusters `{}` ({a}) and `{}` ({b}) overlap",
                        later.name, earlier.name
                    ),
                )
                .note(*first, "the other cluster")
                .help("give every cluster its own pod range: an address in both would name pods of either, and a rule admitting one cluster's pods would admit the other's");
            }
        }
    }
}

/// The ranges inside the mesh, which `host` externals never open: `cluster-cidrs` as
/// written, then every cluster's pod ranges it does not already hold. A pod of another
/// cluster is not "outside" because this cluster's NetworkPolicy sees it by address.
pub(crate) fn inside(written: &[(Cidr, Span)], declared: &Declared) -> Vec<Cidr> {
    let mut out: Vec<Cidr> = written.iter().map(|(c, _)| *c).collect();
    for (c, _) in &declared.clusters {
        for range in &c.pod_cidrs {
            if !out
                .iter()
                .any(|o| o.contains(range.address) && o.prefix <= range.prefix)
            {
                out.push(*range);
            }
        }
    }
    out
}

/// Where each service with a `clusters` line runs, keyed by (namespace, name); every
/// entry checked against the declared clusters.
pub(crate) fn placements(
    services: &[&ast::Service],
    declared: &Declared,
    sink: &mut Sink,
) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let known: Vec<&str> = declared
        .clusters
        .iter()
        .map(|(c, _)| c.name.as_str())
        .collect();
    let mut out = BTreeMap::new();
    for service in services {
        let mut first: Option<Span> = None;
        for statement in &service.statements {
            let Statement::Clusters { span, names } = statement else {
                continue;
            };
            if let Some(first) = first {
                sink.error(Code::DuplicateSetting, *span, "`clusters` is given twice")
                    .note(first, "first given here")
                    .help("list every cluster in one statement: `clusters east, west`");
                continue;
            }
            first = Some(*span);
            let mut set = BTreeSet::new();
            for name in names {
                if known.contains(&name.text.as_str()) {
                    set.insert(name.text.clone());
                    continue;
                }
                let d = sink.error(
                    Code::UnknownCluster,
                    name.span,
                    format!("unknown cluster `{}`", name.text),
                );
                match suggest::closest(&name.text, known.iter().copied()) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None if known.is_empty() => d.help(format!(
                        "declare it in the mesh block: `cluster {} {{ pod-cidrs ... }}`",
                        name.text
                    )),
                    None => d.help(format!("the clusters are {}", list(&known))),
                };
            }
            out.entry(service.namespace.text.clone())
                .or_insert_with(BTreeMap::new)
                .insert(service.name.text.clone(), set);
        }
    }
    out
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every allowed call between two clusters must have a path: pod ranges on both sides on
/// one network, the destination's gateway and the east-west pods across networks. Each
/// missing piece is reported once, at the first caller that needs it.
pub(crate) fn paths(
    services: &[ir::Service],
    settings: &ir::Settings,
    declared: &Declared,
    sink: &mut Sink,
) {
    if settings.clusters.is_empty() {
        return;
    }
    let mut told: BTreeSet<(Code, String)> = BTreeSet::new();
    let every: Vec<&ir::Cluster> = settings.clusters.iter().collect();
    for service in services {
        let at: Vec<&ir::Cluster> = settings.clusters_of(&service.identity).collect();
        for allow in &service.allows {
            for (caller, span) in allow.callers.iter().zip(&allow.caller_spans) {
                let from: Vec<&ir::Cluster> = match caller {
                    Caller::Pods(i) => settings.clusters_of(i).collect(),
                    Caller::Namespace(_) | Caller::Anyone => every.clone(),
                };
                for y in &from {
                    for x in at.iter().filter(|x| x.name != y.name) {
                        let who = caller_text(caller);
                        let to = format!("`{}` in cluster `{}`", service.name(), x.name);
                        if x.network == y.network {
                            for c in [*y, *x] {
                                if c.pod_cidrs.is_empty()
                                    && told.insert((Code::NoPodCidrs, c.name.clone()))
                                {
                                    let d = sink.error(
                                        Code::NoPodCidrs,
                                        *span,
                                        format!("{who} in cluster `{}` may call {to} on the same network, and cluster `{}` has no `pod-cidrs`", y.name, c.name),
                                    )
                                    .help(format!("add `pod-cidrs RANGE, ...` to cluster `{}`: on one network, each side's NetworkPolicy admits the other's pods by address", c.name));
                                    if let Some(s) = declared.span(&c.name) {
                                        d.note(s, "declared here");
                                    }
                                }
                            }
                        } else {
                            if x.gateway.is_empty()
                                && told.insert((Code::NoGatewayAcrossNetworks, x.name.clone()))
                            {
                                let d = sink.error(
                                    Code::NoGatewayAcrossNetworks,
                                    *span,
                                    format!("{who} in cluster `{}` (network `{}`) may call {to} (network `{}`), and cluster `{}` has no `gateway`", y.name, y.network, x.network, x.name),
                                )
                                .help(format!("add `gateway ADDRESS` to cluster `{}`: callers on other networks reach it through its east-west gateway", x.name));
                                if let Some(s) = declared.span(&x.name) {
                                    d.note(s, "declared here");
                                }
                            }
                            if declared.eastwest.is_none()
                                && told.insert((Code::NoEastwest, String::new()))
                            {
                                sink.error(
                                    Code::NoEastwest,
                                    *span,
                                    format!("{who} in cluster `{}` may call {to} across networks, and the mesh block has no `eastwest` line", y.name),
                                )
                                .help("add `eastwest NAMESPACE LABELS` (such as `eastwest istio-system istio=eastwestgateway`): the destination admits the east-west gateway's pods");
                            }
                        }
                    }
                }
            }
        }
    }
}

fn caller_text(caller: &Caller) -> String {
    match caller {
        Caller::Pods(i) => format!("`{} in {}`", i.name, i.namespace),
        Caller::Namespace(ns) => format!("`namespace {ns}`"),
        Caller::Anyone => "`anyone`".to_string(),
    }
}
