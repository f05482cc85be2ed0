//! `allow` statements resolved against the index: callers named, ports found, HTTP rules
//! checked. This is where a [`Draft`] becomes the [`ir::Service`] the compiler reads.

use super::conditions;
use super::draft::Draft;
use super::index::Index;
use super::names;
use super::ports;
use super::sink::Sink;
use crate::ast::{self, Statement};
use crate::code::Code;
use crate::ir::{self, Caller, Jwt, Protocol};
use crate::source::Span;
use crate::suggest;

/// What an `allow` or a `deny` is resolved against.
pub(crate) struct Scope<'a> {
    pub index: &'a Index,
    pub jwts: &'a [(Jwt, Span)],
}

/// Resolve callers and ports of every `allow` and `deny`, and check their HTTP rules.
pub(crate) fn resolve(d: &Draft, scope: &Scope, sink: &mut Sink) -> ir::Service {
    let index = scope.index;
    let mut allows = Vec::new();
    let mut denies = Vec::new();
    let mut calls = Vec::new();
    let namespace = d.identity.namespace.as_str();
    for statement in &d.ast.statements {
        match statement {
            Statement::Allow(a) => {
                if let Some(allow) = allow(d, a, "allow", scope, sink) {
                    allows.push(allow);
                }
            }
            Statement::Deny(a) => {
                if let Some(deny) = allow(d, a, "deny", scope, sink) {
                    denies.push(deny);
                }
            }
            Statement::Calls(targets) => {
                for t in targets {
                    let ns = t.namespace.as_ref().map_or(namespace, |w| w.text.as_str());
                    let (kind, ns) = if t.external.is_some() {
                        (ir::CallKind::External, "")
                    } else if index.identity(ns, &t.name.text).is_some_and(|i| !i.managed) {
                        (ir::CallKind::Workload, ns)
                    } else {
                        (ir::CallKind::Service, ns)
                    };
                    calls.push(ir::Call {
                        kind,
                        namespace: ns.to_string(),
                        name: t.name.text.clone(),
                        port: t.port.as_ref().map(|w| w.text.clone()),
                        span: t.span,
                    });
                }
            }
            _ => {}
        }
    }
    ir::Service {
        identity: d.identity.clone(),
        ports: d.ports.clone(),
        mtls: d.mtls,
        allows,
        denies,
        calls,
        routes: d.routes.clone(),
        origin: d.origin.clone(),
        span: d.ast.name.span,
    }
}

/// One `allow`, or with WHAT `deny` a `deny`: they have one shape and one check.
fn allow(
    d: &Draft,
    a: &ast::Allow,
    what: &str,
    scope: &Scope,
    sink: &mut Sink,
) -> Option<ir::Allow> {
    let index = scope.index;
    let name = d.identity.name.as_str();
    let an = if what == "allow" { "an" } else { "a" };
    let ports: Vec<usize> = match &a.ports {
        Some(words) => {
            let mut out: Vec<usize> = words
                .iter()
                .filter_map(|w| {
                    ports::port_index(&d.ports, w, format_args!("service `{name}`"), sink)
                })
                .collect();
            out.sort_unstable();
            out.dedup();
            out
        }
        None => (0..d.ports.len()).collect(),
    };
    if d.ports.is_empty() && a.ports.is_none() {
        sink.error(
            Code::NoPorts,
            a.span,
            format!("service `{name}` declares no ports, so this `{what}` covers nothing"),
        )
        .help("declare the ports it serves: `port http 8080/http`");
    }
    let mut rules = Vec::new();
    if let Some(ast_rules) = &a.rules {
        if ast_rules.is_empty() {
            sink.error(
                Code::EmptyRules,
                a.span,
                format!("this `{what}` has an empty rule block, which would {what} no request"),
            )
            .help(format!(
                "list rules such as `GET /api/*`, or remove the braces to {what} any request"
            ));
        }
        for &p in &ports {
            let port = &d.ports[p];
            if !port.protocol.is_http() {
                let at = a
                    .ports
                    .as_ref()
                    .and_then(|ws| ws.iter().find(|w| w.text == port.name))
                    .map_or(a.span, |w| w.span);
                sink.error(
                    Code::RulesOnNonHttpPort,
                    at,
                    format!(
                        "HTTP rules need `http`, `http2` or `grpc` ports, but `{}` is {}",
                        port.name,
                        port.protocol.as_str()
                    ),
                )
                .help(if a.ports.is_none() {
                    format!("without `to`, {an} `{what}` covers every port; name the HTTP ports with `to`")
                } else {
                    format!("move this port to {an} `{what}` without rules")
                });
            }
        }
        let grpc = ports.iter().any(|&p| d.ports[p].protocol == Protocol::Grpc);
        for r in ast_rules {
            let mut methods = Vec::new();
            for m in &r.methods {
                if !names::METHODS.contains(&m.text.as_str()) {
                    let upper = m.text.to_ascii_uppercase();
                    let d = sink.error(
                        Code::UnknownMethod,
                        m.span,
                        format!("unknown HTTP method `{}`", m.text),
                    );
                    if names::METHODS.contains(&upper.as_str()) {
                        d.help(format!("methods are upper case: `{upper}`"));
                    } else if let Some(s) = suggest::closest(&upper, names::METHODS) {
                        d.help(format!("did you mean `{s}`?"));
                    } else {
                        d.help(format!(
                            "methods are {}, or `*` for any",
                            names::METHODS.join(", ")
                        ));
                    }
                    continue;
                }
                if grpc && m.text != "POST" {
                    sink.error(
                        Code::GrpcMethod,
                        m.span,
                        format!("gRPC ports accept only `POST` and `*`, not `{}`", m.text),
                    )
                    .help("every gRPC call is an HTTP/2 POST; write `POST` or `*`");
                }
                if !methods.contains(&m.text) {
                    methods.push(m.text.clone());
                }
            }
            let mut paths = Vec::new();
            for p in &r.paths {
                if sink.ok(Code::InvalidPath, p.span, names::path(&p.text))
                    && !paths.contains(&p.text)
                {
                    paths.push(p.text.clone());
                }
            }
            let conditions = conditions::conditions(r, scope.jwts, sink).unwrap_or_default();
            rules.push(ir::HttpRule {
                methods,
                paths,
                conditions,
            });
        }
    }
    let mut callers = Vec::new();
    let mut caller_spans = Vec::new();
    for c in &a.callers {
        if let Some(caller) = caller(d, c, index, sink) {
            if !callers.contains(&caller) {
                callers.push(caller);
                caller_spans.push(c.span());
            }
        }
    }
    Some(ir::Allow {
        callers,
        caller_spans,
        ports,
        rules,
        span: a.span,
    })
}

fn caller(d: &Draft, c: &ast::Caller, index: &Index, sink: &mut Sink) -> Option<Caller> {
    match c {
        ast::Caller::Anyone { .. } => Some(Caller::Anyone),
        ast::Caller::Namespace { namespace, .. } => sink
            .ok(
                Code::InvalidName,
                namespace.span,
                names::dns_label("namespace", &namespace.text),
            )
            .then(|| Caller::Namespace(namespace.text.clone())),
        ast::Caller::Named {
            span,
            name,
            namespace,
        } => {
            let ns = namespace
                .as_ref()
                .map_or(d.identity.namespace.as_str(), |w| w.text.as_str());
            if let Some(identity) = index.identity(ns, &name.text) {
                return Some(Caller::Pods(identity.clone()));
            }
            let wanted = match namespace {
                Some(_) => format!("{} in {ns}", name.text),
                None => name.text.clone(),
            };
            let candidates: Vec<String> = match namespace {
                Some(_) => index.identity_names(),
                None => index
                    .services_in(ns)
                    .map(|i| i.name.clone())
                    .chain(index.identity_names())
                    // A service never needs to name itself: do not suggest it.
                    .filter(|n| *n != d.identity.name)
                    .collect(),
            };
            let d = sink.error(
                Code::UnknownCaller,
                *span,
                format!("unknown caller `{wanted}`"),
            );
            // The same name elsewhere: the usual slip is a bare name for a workload.
            let elsewhere: Vec<String> = index
                .identity_names()
                .into_iter()
                .filter(|n| n.split(" in ").next() == Some(name.text.as_str()))
                .collect();
            match suggest::closest(&wanted, candidates.iter().map(String::as_str)) {
                _ if namespace.is_none() && !elsewhere.is_empty() => d.help(format!(
                    "did you mean `{}`? a bare name is a service in namespace `{ns}`; name workloads and other namespaces' services with `in`",
                    elsewhere.join("` or `")
                )),
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None if namespace.is_none() => d.help(format!(
                    "a bare name is a service in namespace `{ns}`; write `{} in NAMESPACE` for another namespace",
                    name.text
                )),
                None => d.help("callers are services of the tree or workloads declared in the mesh block"),
            };
            None
        }
    }
}
