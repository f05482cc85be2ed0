//! What externals and workloads share as destinations: `port NAME NUMBER[/PROTOCOL]` lines
//! (no Service in front, so `port == target`) and `allow CALLERS [to PORTS]` lines whose
//! callers must be pods meshward manages, since the grant becomes the callers' egress.

use super::index::Index;
use super::names;
use super::ports;
use super::sink::Sink;
use crate::ast;
use crate::code::Code;
use crate::ir::{self, Caller, Protocol};
use crate::source::Span;
use crate::suggest;

/// The ports of a destination named WHAT (`external `stripe``), checked; with the span of
/// each port's name, for "first declared here" notes.
pub(crate) fn ports(
    what: &str,
    lines: &[&ast::Port],
    sink: &mut Sink,
) -> (Vec<ir::Port>, Vec<Span>) {
    let mut out: Vec<ir::Port> = Vec::new();
    let mut spans: Vec<Span> = Vec::new();
    for p in lines {
        let name_ok = sink.ok(
            Code::InvalidName,
            p.name.span,
            names::dns_label("port", &p.name.text),
        );
        let protocol = match &p.protocol {
            // For a destination outside the tree the answer is always `tls`: the sidecar
            // passes the application's TLS through and tells hosts apart by SNI.
            Some(w) if w.text == "https" => {
                sink.error(Code::UnknownProtocol, w.span, "unknown protocol `https`")
                    .help(format!(
                        "write `tls`: the caller's own TLS passes through the sidecar, which routes it by SNI (`port {} {}/tls`)",
                        p.name.text, p.target_port.text
                    ));
                Protocol::Tls
            }
            other => ports::protocol(other.as_ref(), sink),
        };
        if let Some(w) = &p.service_port {
            sink.error(
                Code::ServicePortOnDestination,
                w.span,
                format!("{what} has no Service in front, so its port takes one number"),
            )
            .help(format!(
                "write the port the destination listens on alone, such as `port {} {}`",
                p.name.text, p.target_port.text
            ));
        }
        let number = match names::port_number(&p.target_port.text) {
            Ok(n) if !ports::leading_zeros(&p.target_port, sink) => n,
            Ok(_) => continue,
            Err((m, h)) => {
                let d = sink.error(Code::PortOutOfRange, p.target_port.span, m);
                if let Some(h) = h {
                    d.help(h);
                }
                continue;
            }
        };
        if let Some(i) = out.iter().position(|q| q.name == p.name.text) {
            sink.error(
                Code::DuplicatePort,
                p.name.span,
                format!("port `{}` is declared twice in {what}", p.name.text),
            )
            .note(spans[i], "first declared here");
            continue;
        }
        if let Some(i) = out.iter().position(|q| q.port == number) {
            sink.error(
                Code::DuplicatePort,
                p.target_port.span,
                format!("port {number} is used twice in {what}"),
            )
            .note(spans[i], "also used by this port");
            continue;
        }
        if name_ok {
            out.push(ir::Port {
                name: p.name.text.clone(),
                port: number,
                target: number,
                protocol,
            });
            spans.push(p.name.span);
        }
    }
    (out, spans)
}

/// The `allow` lines of a destination named WHAT, resolved against its PORTS. An `allow`
/// without `to` on a destination without ports is reported here unless NO_PORTS_REPORTED
/// (an external says so once, at its name).
pub(crate) fn allows(
    what: &str,
    lines: &[&ast::Allow],
    ports: &[ir::Port],
    no_ports_reported: bool,
    index: &Index,
    sink: &mut Sink,
) -> Vec<ir::Allow> {
    let mut out = Vec::new();
    for a in lines {
        if let Some(rules) = &a.rules {
            let at = rules
                .first()
                .and_then(|r| r.any_method.or(r.methods.first().map(|m| m.span)))
                .unwrap_or(a.span);
            sink.error(
                Code::RulesOnDestination,
                at,
                format!("HTTP rules on an `allow` of {what}, where meshward writes no policy to enforce them"),
            )
            .help("remove the rule block: a destination outside the tree is allowed by port only");
        }
        let indices: Vec<usize> = match &a.ports {
            Some(words) => {
                let mut found: Vec<usize> = words
                    .iter()
                    .filter_map(|w| ports::port_index(ports, w, what, sink))
                    .collect();
                found.sort_unstable();
                found.dedup();
                found
            }
            None => {
                if ports.is_empty() && !no_ports_reported {
                    sink.error(
                        Code::NoPorts,
                        a.span,
                        format!("{what} declares no ports, so this `allow` covers nothing"),
                    )
                    .help("declare the ports it serves: `port api 8200/http`");
                }
                (0..ports.len()).collect()
            }
        };
        let mut callers = Vec::new();
        let mut caller_spans = Vec::new();
        for c in &a.callers {
            if let Some(caller) = caller(what, c, index, sink) {
                if !callers.contains(&caller) {
                    callers.push(caller);
                    caller_spans.push(c.span());
                }
            }
        }
        out.push(ir::Allow {
            callers,
            caller_spans,
            ports: indices,
            rules: Vec::new(),
            span: a.span,
        });
    }
    out
}

/// A caller of a destination: a service of the tree, a namespace holding one, or anyone.
fn caller(what: &str, c: &ast::Caller, index: &Index, sink: &mut Sink) -> Option<Caller> {
    match c {
        ast::Caller::Anyone { .. } => Some(Caller::Anyone),
        ast::Caller::Namespace { namespace, .. } => {
            if !sink.ok(
                Code::InvalidName,
                namespace.span,
                names::dns_label("namespace", &namespace.text),
            ) {
                return None;
            }
            if index.first_in_namespace(&namespace.text).is_none() {
                sink.error(
                    Code::EgressToUnmanaged,
                    namespace.span,
                    format!(
                        "namespace `{}` holds no service of this tree, so meshward cannot give its pods egress to {what}",
                        namespace.text
                    ),
                )
                .help("egress is written into the policies of managed namespaces; name a namespace that holds services");
                return None;
            }
            Some(Caller::Namespace(namespace.text.clone()))
        }
        ast::Caller::Named {
            span,
            name,
            namespace,
        } => {
            let Some(ns) = namespace else {
                let d = sink.error(
                    Code::UnknownCaller,
                    *span,
                    format!(
                        "caller `{}` has no namespace; {what} has none to default to",
                        name.text
                    ),
                );
                let same: Vec<String> = index
                    .identity_names()
                    .into_iter()
                    .filter(|n| n.split(" in ").next() == Some(name.text.as_str()))
                    .collect();
                match same.first() {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help(format!("write `{} in NAMESPACE`", name.text)),
                };
                return None;
            };
            match index.identity(&ns.text, &name.text) {
                Some(identity) if identity.managed => Some(Caller::Pods(identity.clone())),
                Some(_) => {
                    sink.error(
                        Code::EgressToUnmanaged,
                        *span,
                        format!(
                            "`{} in {}` is a workload, whose pods meshward does not manage, so it cannot be given egress to {what}",
                            name.text, ns.text
                        ),
                    )
                    .help("only services of the tree get egress; the workload's owners must open it themselves");
                    None
                }
                None => {
                    let wanted = format!("{} in {}", name.text, ns.text);
                    let d = sink.error(
                        Code::UnknownCaller,
                        *span,
                        format!("unknown caller `{wanted}`"),
                    );
                    let known = index.service_names();
                    match suggest::closest(&wanted, known.iter().map(String::as_str)) {
                        Some(s) => d.help(format!("did you mean `{s}`?")),
                        None => d.help("callers of a destination are services of the tree"),
                    };
                    None
                }
            }
        }
    }
}
