//! `external` blocks: a destination outside the cluster by DNS names (`host`) or address
//! ranges (`cidr`), its ports and who may call it. Externals have no namespace, so their
//! names are unique in the tree; the first in path order counts.

use super::addresses;
use super::destination;
use super::index::Index;
use super::names;
use super::sink::Sink;
use crate::ast::{self, ExternalStatement};
use crate::code::Code;
use crate::ir::{self, Cidr, Destination, Protocol};
use crate::source::Span;
use std::collections::BTreeMap;

/// One `external` block as parsed, with the file it came from.
pub(crate) struct Parsed {
    pub origin: String,
    pub ast: ast::External,
}

/// `cluster-cidrs` as resolved, with where it is written.
pub(crate) struct ClusterCidrs<'a> {
    pub cidrs: &'a [(Cidr, Span)],
    pub statement: Option<Span>,
    /// Under `network cilium` a host is named exactly (`toFQDNs`), so the ranges are
    /// not needed to keep a host external out of the cluster.
    pub exact_hosts: bool,
}

/// Check every external; the result is sorted by name, each with whether it had no error
/// (calls to an external with errors are not judged: what it left out is already reported).
pub(crate) fn resolve(
    parsed: &[Parsed],
    index: &Index,
    cluster: &ClusterCidrs,
    sink: &mut Sink,
) -> Vec<(ir::External, bool)> {
    let mut out: Vec<(ir::External, bool)> = Vec::new();
    for p in parsed {
        let name = &p.ast.name;
        if !sink.ok(
            Code::InvalidName,
            name.span,
            names::dns_label("external", &name.text),
        ) {
            continue;
        }
        if let Some((first, _)) = out.iter().find(|(e, _)| e.name == name.text) {
            sink.error(
                Code::DuplicateExternal,
                name.span,
                format!("external `{}` is declared twice", name.text),
            )
            .help("externals have no namespace, so their names are unique in the tree; merge the two or rename one")
            .note(first.span, "first declared here");
            continue;
        }
        let before = sink.errors();
        let e = external(p, index, cluster, sink);
        out.push((e, sink.errors() == before));
    }
    duplicate_hosts(parsed, sink);
    out.sort_by(|(a, _), (b, _)| a.name.cmp(&b.name));
    out
}

/// One host in two externals: each would write a ServiceEntry for it, and a caller allowed
/// by both would see two entries claiming one name.
fn duplicate_hosts(parsed: &[Parsed], sink: &mut Sink) {
    let mut seen: BTreeMap<&str, (&str, Span)> = BTreeMap::new();
    for p in parsed {
        for s in &p.ast.statements {
            let ExternalStatement::Hosts { hosts, .. } = s else {
                continue;
            };
            for w in hosts {
                match seen.get(w.text.as_str()) {
                    Some((other, first)) if *other != p.ast.name.text => {
                        sink.error(
                            Code::DuplicateHost,
                            w.span,
                            format!("host `{}` is also a host of external `{other}`", w.text),
                        )
                        .help("a host belongs to one external; list its ports and callers there")
                        .note(*first, "declared here");
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(&w.text, (&p.ast.name.text, w.span));
                    }
                }
            }
        }
    }
}

fn external(p: &Parsed, index: &Index, cluster: &ClusterCidrs, sink: &mut Sink) -> ir::External {
    let name = &p.ast.name;
    let what = format!("external `{}`", name.text);
    let mut hosts: Option<(Span, &Vec<ast::Word>)> = None;
    let mut cidrs: Option<(Span, &Vec<ast::Word>)> = None;
    let mut port_lines = Vec::new();
    let mut allow_lines = Vec::new();
    for s in &p.ast.statements {
        match s {
            ExternalStatement::Hosts { keyword, hosts: h } => {
                repeat_or_set(&mut hosts, "host", *keyword, h, sink)
            }
            ExternalStatement::Cidrs { keyword, cidrs: c } => {
                repeat_or_set(&mut cidrs, "cidr", *keyword, c, sink)
            }
            ExternalStatement::Port(port) => port_lines.push(port),
            ExternalStatement::Allow(a) => allow_lines.push(a),
        }
    }
    let destination = match (hosts, cidrs) {
        (Some(h), Some(c)) => {
            let (later, earlier) = if h.0.start > c.0.start {
                (h, c)
            } else {
                (c, h)
            };
            sink.error(
                Code::ExternalDestination,
                later.0,
                format!("{what} has both `host` and `cidr`; an external is one or the other"),
            )
            .help("declare the names and the ranges as two externals")
            .note(earlier.0, "the other one is here");
            None
        }
        (None, None) => {
            sink.error(
                Code::ExternalDestination,
                name.span,
                format!("{what} has neither `host` nor `cidr`, so it names no destination"),
            )
            .help(
                "add `host api.example.com` (DNS names) or `cidr 203.0.113.0/24` (address ranges)",
            );
            None
        }
        (Some((_, words)), None) => {
            let mut list: Vec<String> = Vec::new();
            for w in words {
                if sink.ok(Code::InvalidHost, w.span, addresses::host(&w.text))
                    && !list.contains(&w.text)
                {
                    list.push(w.text.clone());
                }
            }
            Some(Destination::Hosts(list))
        }
        (None, Some((_, words))) => {
            let mut list: Vec<Cidr> = Vec::new();
            for w in words {
                match addresses::cidr(&w.text) {
                    Ok(c) => {
                        inside_cluster(&what, &c, w.span, cluster, sink);
                        if !list.contains(&c) {
                            list.push(c);
                        }
                    }
                    Err(e) => {
                        sink.ok(Code::InvalidCidr, w.span, Err(e));
                    }
                }
            }
            Some(Destination::Cidrs(list))
        }
    };
    let (ports, spans) = destination::ports(&what, &port_lines, sink);
    if port_lines.is_empty() {
        sink.error(
            Code::ExternalWithoutPorts,
            name.span,
            format!("{what} declares no port, so nothing may be called on it"),
        )
        .help("declare the ports it serves: `port https 443/tls`");
    }
    if let Some((keyword, _)) = hosts {
        for (port, span) in ports.iter().zip(&spans) {
            if port.protocol == Protocol::Tcp {
                let at = port_lines
                    .iter()
                    .find(|l| l.name.span == *span)
                    .and_then(|l| l.protocol.as_ref())
                    .map_or(*span, |w| w.span);
                sink.error(
                    Code::TcpOnHostExternal,
                    at,
                    format!(
                        "port `{}` of {what} is tcp, but a sidecar tells hosts apart only by TLS SNI or the HTTP Host header",
                        port.name
                    ),
                )
                .help("give the port its protocol (`tls`, `http`, `http2`, `grpc`), or name the destination by address with `cidr`");
            }
        }
        if cluster.statement.is_none() && !cluster.exact_hosts {
            sink.warning(
                Code::HostWithoutClusterCidrs,
                keyword,
                format!("{what} is named by host, but the mesh block sets no `cluster-cidrs`, so its NetworkPolicy side also admits every in-cluster address on its ports"),
            )
            .help("NetworkPolicy cannot name hosts; set `cluster-cidrs` in the mesh block to the pod and Service ranges so they are excepted");
        }
    }
    let allows = destination::allows(
        &what,
        &allow_lines,
        &ports,
        port_lines.is_empty(),
        index,
        sink,
    );
    if allow_lines.is_empty() {
        sink.warning(
            Code::UncallableDestination,
            name.span,
            format!("{what} has no `allow`, so nothing may call it"),
        )
        .help(
            "add `allow NAME in NAMESPACE` for each service that calls it, or delete the external",
        );
    }
    ir::External {
        name: name.text.clone(),
        // Only an external with errors has none, and no model is built then.
        destination: destination.unwrap_or(Destination::Hosts(Vec::new())),
        ports,
        allows,
        origin: p.origin.clone(),
        span: name.span,
    }
}

/// A second `host` or `cidr` line: every entry belongs in one statement.
fn repeat_or_set<'a>(
    slot: &mut Option<(Span, &'a Vec<ast::Word>)>,
    keyword: &str,
    at: Span,
    words: &'a Vec<ast::Word>,
    sink: &mut Sink,
) {
    match slot {
        Some((first, _)) => {
            sink.error(
                Code::DuplicateSetting,
                at,
                format!("`{keyword}` is given twice"),
            )
            .help(format!(
                "list every entry in one statement: `{keyword} A, B`"
            ))
            .note(*first, "first given here");
        }
        None => *slot = Some((at, words)),
    }
}

/// A `cidr` external inside `cluster-cidrs` is admitted as written, in-cluster too.
fn inside_cluster(what: &str, c: &Cidr, at: Span, cluster: &ClusterCidrs, sink: &mut Sink) {
    if let Some((inner, span)) = cluster.cidrs.iter().find(|(k, _)| k.overlaps(c)) {
        sink.warning(
            Code::ExternalInsideCluster,
            at,
            format!("range `{c}` of {what} overlaps the cluster range `{inner}`, so in-cluster pods at those addresses are admitted too"),
        )
        .help("narrow the range to the addresses outside the cluster, or drop it if the destination is in the cluster")
        .note(*span, "the cluster range is declared here");
    }
}
