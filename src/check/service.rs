//! `service` blocks: each one's own statements first (`lower`), then what needs the whole
//! tree: duplicates, shared accounts, overlapping selectors (`check_namespaces`), callers
//! (`resolve`) and calls (`check_calls`).

use super::mesh::{labels, WorkloadDraft};
use super::{names, Sink};
use crate::ast::{self, RouteStatement, Statement};
use crate::code::Code;
use crate::ir::{self, Caller, Identity, Labels, Mtls, Protocol};
use crate::source::{FileId, Span};
use crate::suggest;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) struct Draft {
    pub file: FileId,
    pub origin: String,
    pub ast: ast::Service,
    pub identity: Identity,
    /// Where the account comes from: its statement, or the service name for the default.
    pub account_span: Span,
    pub selector_span: Span,
    pub selector_labels: Vec<ast::Label>,
    pub ports: Vec<ir::Port>,
    pub mtls: Mtls,
    pub routes: Vec<ir::Route>,
    /// The first `split`, if any: it forbids selecting on `version` in the namespace.
    pub split: Option<Span>,
}

/// Lower one service's own statements; nothing here looks at other files.
pub(crate) fn lower(file: FileId, origin: String, service: ast::Service, sink: &mut Sink) -> Draft {
    sink.ok(
        Code::InvalidName,
        service.name.span,
        names::dns_label("service", &service.name.text),
    );
    sink.ok(
        Code::InvalidName,
        service.namespace.span,
        names::dns_label("namespace", &service.namespace.text),
    );
    let mut account: Option<&ast::Word> = None;
    let mut selector: Option<(Span, &Vec<ast::Label>)> = None;
    let mut mtls: Option<&ast::Word> = None;
    let mut ports = Vec::new();
    let mut port_spans = Vec::new();
    for statement in &service.statements {
        match statement {
            Statement::Account(w) => match account {
                Some(first) => {
                    sink.error(Code::DuplicateSetting, w.span, "`account` is given twice")
                        .note(first.span, "first given here");
                }
                None => {
                    sink.ok(
                        Code::InvalidName,
                        w.span,
                        names::dns_label("account", &w.text),
                    );
                    account = Some(w);
                }
            },
            Statement::Selector { span, labels } => match selector {
                Some((first, _)) => {
                    sink.error(Code::DuplicateSetting, *span, "`selector` is given twice")
                        .help("list every label in one statement: `selector app=a, tier=b`")
                        .note(first, "first given here");
                }
                None => selector = Some((*span, labels)),
            },
            Statement::Mtls(w) => match mtls {
                Some(first) => {
                    sink.error(Code::DuplicateSetting, w.span, "`mtls` is given twice")
                        .note(first.span, "first given here");
                }
                None => mtls = Some(w),
            },
            Statement::Port(p) => {
                if let Some(port) = port(p, &ports, &port_spans, sink) {
                    ports.push(port);
                    port_spans.push(p.name.span);
                }
            }
            Statement::Allow(_) | Statement::Calls(_) | Statement::Route(_) => {}
        }
    }
    let mtls = match mtls {
        None => Mtls::Strict,
        Some(w) => match w.text.as_str() {
            "strict" => Mtls::Strict,
            "permissive" => Mtls::Permissive,
            other => {
                let d = sink.error(
                    Code::UnknownMtlsMode,
                    w.span,
                    format!("unknown mTLS mode `{other}`"),
                );
                match suggest::closest(other, ["strict", "permissive"]) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None => d.help("the modes are `strict` and `permissive`"),
                };
                Mtls::Strict
            }
        },
    };
    let (selector_span, selector_labels, selector) = match selector {
        Some((span, l)) => (span, l.clone(), labels(l, sink)),
        None => (
            service.name.span,
            Vec::new(),
            Labels::from([("app".to_string(), service.name.text.clone())]),
        ),
    };
    let (account_span, account) = match account {
        Some(w) => (w.span, w.text.clone()),
        None => (service.name.span, service.name.text.clone()),
    };
    let mut routes = Vec::new();
    let mut route_spans: Vec<(usize, Span)> = Vec::new();
    let mut split = None;
    for statement in &service.statements {
        if let Statement::Route(r) = statement {
            if let Some(route) = route(
                r,
                &service.name.text,
                &ports,
                &route_spans,
                &mut split,
                sink,
            ) {
                route_spans.push((route.port, r.port.span));
                routes.push(route);
            }
        }
    }
    Draft {
        file,
        origin,
        identity: Identity {
            name: service.name.text.clone(),
            namespace: service.namespace.text.clone(),
            account,
            selector,
            managed: true,
        },
        account_span,
        selector_span,
        selector_labels,
        ports,
        mtls,
        routes,
        split,
        ast: service,
    }
}

fn protocol(word: Option<&ast::Word>, sink: &mut Sink) -> Protocol {
    let Some(w) = word else {
        return Protocol::Tcp;
    };
    match w.text.as_str() {
        "http" => Protocol::Http,
        "http2" => Protocol::Http2,
        "grpc" => Protocol::Grpc,
        "tcp" => Protocol::Tcp,
        "tls" => Protocol::Tls,
        "https" => {
            sink.error(Code::UnknownProtocol, w.span, "unknown protocol `https`").help(
                "write `tls` when the application terminates TLS itself, or `http`: the mesh adds mTLS either way",
            );
            Protocol::Http
        }
        other => {
            let d = sink.error(
                Code::UnknownProtocol,
                w.span,
                format!("unknown protocol `{other}`"),
            );
            match suggest::closest(other, ["http", "http2", "grpc", "tcp", "tls"]) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help("protocols are `http`, `http2`, `grpc`, `tcp` and `tls`"),
            };
            // Assume HTTP so that rules on this port do not raise a second, spurious error.
            Protocol::Http
        }
    }
}

fn port(p: &ast::Port, existing: &[ir::Port], spans: &[Span], sink: &mut Sink) -> Option<ir::Port> {
    let name_ok = sink.ok(
        Code::InvalidName,
        p.name.span,
        names::dns_label("port", &p.name.text),
    );
    let protocol = protocol(p.protocol.as_ref(), sink);
    let number = |w: &ast::Word, sink: &mut Sink| match names::port_number(&w.text) {
        Ok(n) => Some(n),
        Err((m, h)) => {
            let d = sink.error(Code::PortOutOfRange, w.span, m);
            if let Some(h) = h {
                d.help(h);
            }
            None
        }
    };
    let target = number(&p.target_port, sink)?;
    let service_port = match &p.service_port {
        Some(w) => number(w, sink)?,
        None => target,
    };
    if (15000..=15099).contains(&target) {
        sink.error(
            Code::ReservedPort,
            p.target_port.span,
            format!("target port {target} is reserved for the Istio sidecar"),
        )
        .help("ports 15000 to 15099 belong to the sidecar; pick another pod port");
        return None;
    }
    let clash = |f: &dyn Fn(&ir::Port) -> bool| existing.iter().position(f);
    if let Some(i) = clash(&|q| q.name == p.name.text) {
        sink.error(
            Code::DuplicatePort,
            p.name.span,
            format!("port `{}` is declared twice", p.name.text),
        )
        .note(spans[i], "first declared here");
        return None;
    }
    if let Some(i) = clash(&|q| q.port == service_port) {
        let span = p.service_port.as_ref().unwrap_or(&p.target_port).span;
        sink.error(
            Code::DuplicatePort,
            span,
            format!("Service port {service_port} is used twice"),
        )
        .note(spans[i], "also used by this port");
        return None;
    }
    if let Some(i) = clash(&|q| q.target == target) {
        sink.error(
            Code::DuplicatePort,
            p.target_port.span,
            format!("target port {target} is used twice"),
        )
        .note(spans[i], "also used by this port");
        return None;
    }
    name_ok.then(|| ir::Port {
        name: p.name.text.clone(),
        port: service_port,
        target,
        protocol,
    })
}

/// Find a port by name; report an unknown one with a did-you-mean.
fn port_index(
    ports: &[ir::Port],
    word: &ast::Word,
    service: &str,
    sink: &mut Sink,
) -> Option<usize> {
    if let Some(i) = ports.iter().position(|p| p.name == word.text) {
        return Some(i);
    }
    let d = sink.error(
        Code::UnknownPort,
        word.span,
        format!("service `{service}` has no port named `{}`", word.text),
    );
    match suggest::closest(&word.text, ports.iter().map(|p| p.name.as_str())) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None if ports.is_empty() => d.help("declare it first: `port NAME NUMBER/PROTOCOL`"),
        None => d.help(format!(
            "its ports are {}",
            ports
                .iter()
                .map(|p| format!("`{}`", p.name))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    };
    None
}

fn duration(word: &ast::Word, sink: &mut Sink) -> Option<u64> {
    match names::duration_ms(&word.text) {
        Ok(ms) => Some(ms),
        Err((m, h)) => {
            let d = sink.error(Code::InvalidDuration, word.span, m);
            if let Some(h) = h {
                d.help(h);
            }
            None
        }
    }
}

fn route(
    r: &ast::Route,
    service_name: &str,
    ports: &[ir::Port],
    seen: &[(usize, Span)],
    split_seen: &mut Option<Span>,
    sink: &mut Sink,
) -> Option<ir::Route> {
    let port = port_index(ports, &r.port, service_name, sink);
    if let Some(i) = port {
        if !ports[i].protocol.is_http() {
            sink.error(
                Code::RouteOnNonHttpPort,
                r.port.span,
                format!(
                    "port `{}` is {}; routes apply only to `http`, `http2` and `grpc` ports",
                    ports[i].name,
                    ports[i].protocol.as_str()
                ),
            )
            .help("the sidecar routes only traffic it parses as HTTP; remove the route, or declare the port's real protocol");
        }
        if let Some((_, first)) = seen.iter().find(|(p, _)| *p == i) {
            sink.error(
                Code::DuplicateRoute,
                r.port.span,
                format!("a second route for port `{}`", ports[i].name),
            )
            .help("put every setting for one port in one `route` block")
            .note(*first, "the first route for this port");
        }
    }
    if r.statements.is_empty() {
        sink.error(Code::EmptyRoute, r.span, "empty route")
            .help("give it a `timeout`, `retries` or `split`, or delete it");
    }
    let mut out = ir::Route {
        port: port.unwrap_or(0),
        timeout_ms: None,
        retries: None,
        split: Vec::new(),
        span: r.port.span,
    };
    let mut once: Vec<(&str, Span)> = Vec::new();
    let mut first = |what: &'static str, span: Span, sink: &mut Sink| {
        if let Some((_, f)) = once.iter().find(|(w, _)| *w == what) {
            sink.error(
                Code::DuplicateSetting,
                span,
                format!("`{what}` is given twice in one route"),
            )
            .note(*f, "first given here");
            return false;
        }
        once.push((what, span));
        true
    };
    for statement in &r.statements {
        match statement {
            RouteStatement::Timeout(w) => {
                if first("timeout", w.span, sink) {
                    out.timeout_ms = duration(w, sink);
                }
            }
            RouteStatement::Retries {
                span,
                attempts,
                per_try,
                on,
            } => {
                if !first("retries", *span, sink) {
                    continue;
                }
                let n = match attempts.text.parse::<u32>() {
                    Ok(n) if n <= 10 => Some(n),
                    _ => {
                        sink.error(
                            Code::RetriesOutOfRange,
                            attempts.span,
                            format!("`{}` retries is out of range", attempts.text),
                        )
                        .help("retries take a number from 0 to 10");
                        None
                    }
                };
                if n == Some(0) && (per_try.is_some() || !on.is_empty()) {
                    let at = per_try
                        .as_ref()
                        .map(|w| w.span)
                        .unwrap_or_else(|| on[0].span);
                    sink.error(
                        Code::RetriesZeroWithOptions,
                        at,
                        "`retries 0` turns retries off and takes no `per-try` or `on`",
                    )
                    .help("remove this part, or retry at least once");
                }
                let per_try_ms = per_try.as_ref().and_then(|w| duration(w, sink));
                let mut conditions: Vec<String> = Vec::new();
                for c in on {
                    if !names::RETRY_CONDITIONS.contains(&c.text.as_str()) {
                        let d = sink.error(
                            Code::UnknownRetryCondition,
                            c.span,
                            format!("unknown retry condition `{}`", c.text),
                        );
                        match suggest::closest(&c.text, names::RETRY_CONDITIONS) {
                            Some(s) => d.help(format!("did you mean `{s}`?")),
                            None => d.help(format!(
                                "Istio's conditions are {}",
                                names::RETRY_CONDITIONS.join(", ")
                            )),
                        };
                    } else if !conditions.contains(&c.text) {
                        conditions.push(c.text.clone());
                    }
                }
                out.retries = Some(ir::Retries {
                    attempts: n.unwrap_or(0),
                    per_try_ms,
                    on: conditions,
                });
            }
            RouteStatement::Split { span, subsets } => {
                if !first("split", *span, sink) {
                    continue;
                }
                split_seen.get_or_insert(*span);
                let mut total: u32 = 0;
                for (subset, weight) in subsets {
                    sink.ok(
                        Code::InvalidName,
                        subset.span,
                        names::dns_label("subset", &subset.text),
                    );
                    let earlier = subsets
                        .iter()
                        .take_while(|(s, _)| s.span != subset.span)
                        .find(|(s, _)| s.text == subset.text);
                    if let Some((first, _)) = earlier {
                        sink.error(
                            Code::DuplicateSubset,
                            subset.span,
                            format!("subset `{}` is named twice", subset.text),
                        )
                        .help("name each subset once, with its total weight")
                        .note(first.span, "first named here");
                    }
                    let w = match weight.text.parse::<u32>() {
                        Ok(w) if w <= 100 => w,
                        _ => {
                            sink.error(
                                Code::WeightOutOfRange,
                                weight.span,
                                format!("weight `{}` is out of range", weight.text),
                            )
                            .help("weights are numbers from 0 to 100 that add up to 100");
                            continue;
                        }
                    };
                    total += w;
                    out.split.push((subset.text.clone(), w as u8));
                }
                if total != 100 && out.split.len() == subsets.len() {
                    sink.error(
                        Code::WeightsNot100,
                        *span,
                        format!("split weights add up to {total}, not 100"),
                    )
                    .help("give the subsets weights that sum to exactly 100");
                }
            }
        }
    }
    port.map(|_| out)
}

/// Where every service and workload of the tree is, and which declaration of a
/// duplicated service counts (the first in path order).
pub(crate) struct Index {
    /// namespace → name → identity and where it is declared. Nested so that a look-up
    /// borrows its key: resolving 50,000 callers must not allocate 100,000 strings.
    identities: BTreeMap<String, BTreeMap<String, (Arc<Identity>, Span)>>,
    /// namespace → name → the file whose declaration counts (the first in path order).
    canonical: BTreeMap<String, BTreeMap<String, FileId>>,
    namespaces: BTreeMap<String, Span>,
}

impl Index {
    pub fn new(drafts: &[Draft], workloads: &[WorkloadDraft], sink: &mut Sink) -> Index {
        let mut index = Index {
            identities: BTreeMap::new(),
            canonical: BTreeMap::new(),
            namespaces: BTreeMap::new(),
        };
        for d in drafts {
            let (ns, name) = (&d.identity.namespace, &d.identity.name);
            if let Some((_, first)) = index.get(ns, name) {
                sink.error(
                    Code::DuplicateService,
                    d.ast.name.span,
                    format!("service `{name}` in namespace `{ns}` is defined twice"),
                )
                .help("a service is defined once in the tree; merge the two files")
                .note(*first, "first defined here");
                continue;
            }
            index
                .canonical
                .entry(ns.clone())
                .or_default()
                .insert(name.clone(), d.file);
            index
                .namespaces
                .entry(ns.clone())
                .or_insert(d.ast.name.span);
            index.identities.entry(ns.clone()).or_default().insert(
                name.clone(),
                (Arc::new(d.identity.clone()), d.ast.name.span),
            );
        }
        for w in workloads {
            index
                .identities
                .entry(w.identity.namespace.clone())
                .or_default()
                .entry(w.identity.name.clone())
                .or_insert((Arc::new(w.identity.clone()), w.span));
        }
        index
    }

    fn get(&self, namespace: &str, name: &str) -> Option<&(Arc<Identity>, Span)> {
        self.identities.get(namespace)?.get(name)
    }

    pub fn is_canonical(&self, d: &Draft) -> bool {
        self.canonical
            .get(&d.identity.namespace)
            .and_then(|names| names.get(&d.identity.name))
            == Some(&d.file)
    }

    pub fn identity(&self, namespace: &str, name: &str) -> Option<&Arc<Identity>> {
        self.get(namespace, name).map(|(i, _)| i)
    }

    /// `NAME in NS` for every service and workload, for did-you-mean.
    pub fn identity_names(&self) -> Vec<String> {
        self.identities
            .iter()
            .flat_map(|(ns, names)| names.keys().map(move |name| format!("{name} in {ns}")))
            .collect()
    }

    pub fn first_in_namespace(&self, namespace: &str) -> Option<Span> {
        self.namespaces.get(namespace).copied()
    }

    fn services_in<'a>(&'a self, namespace: &'a str) -> impl Iterator<Item = &'a Identity> + 'a {
        self.identities
            .get(namespace)
            .into_iter()
            .flat_map(|names| names.values())
            .map(|(i, _)| &**i)
            .filter(|i| i.managed)
    }
}

/// Namespaces meshward must not manage: the defaults it writes for a managed namespace
/// (deny-all, STRICT, allow-nothing) would cut DNS or istiod off from every pod, and in
/// Istio's root namespace the allow-nothing policy applies to the whole mesh.
pub(crate) fn check_system_namespaces(
    drafts: &[Draft],
    index: &Index,
    system: &[(&str, &str)],
    sink: &mut Sink,
) {
    for d in drafts.iter().filter(|d| index.is_canonical(d)) {
        let ns = d.identity.namespace.as_str();
        if let Some((_, what)) = system.iter().find(|(s, _)| *s == ns) {
            sink.error(
                Code::SystemNamespace,
                d.ast.namespace.span,
                format!("service `{}` is in namespace `{ns}`, where {what} runs", d.identity.name),
            )
            .help("meshward would deny all traffic in that namespace by default; declare the pods you need to call there as a `workload` in the mesh block instead");
        }
    }
}

/// Rules between services of one namespace: own accounts, selectors that do not overlap,
/// no `version` selectors where subsets are split by `version`.
pub(crate) fn check_namespaces(drafts: &[Draft], index: &Index, sink: &mut Sink) {
    let mut by_namespace: BTreeMap<&str, Vec<&Draft>> = BTreeMap::new();
    for d in drafts.iter().filter(|d| index.is_canonical(d)) {
        by_namespace
            .entry(&d.identity.namespace)
            .or_default()
            .push(d);
    }
    for (namespace, members) in by_namespace {
        let mut accounts: BTreeMap<&str, &Draft> = BTreeMap::new();
        for d in &members {
            match accounts.get(d.identity.account.as_str()) {
                Some(first) => {
                    sink.error(Code::SharedAccount,
                        d.account_span,
                        format!(
                            "services `{}` and `{}` in namespace `{namespace}` share the account `{}`",
                            first.identity.name, d.identity.name, d.identity.account
                        ),
                    )
                    .help(if d.account_span == d.ast.name.span {
                        format!("`{}` has no `account` statement, so its account is its name; give each service its own `account`, or callers could not be told apart at L7", d.identity.name)
                    } else {
                        "give each service its own `account`, or callers could not be told apart at L7".to_string()
                    })
                    .note(first.account_span, "the other service's account");
                }
                None => {
                    accounts.insert(&d.identity.account, d);
                }
            }
        }
        for (i, later) in members.iter().enumerate() {
            for earlier in &members[..i] {
                let (a, b) = (&earlier.identity.selector, &later.identity.selector);
                let subset = |x: &Labels, y: &Labels| x.iter().all(|(k, v)| y.get(k) == Some(v));
                if subset(a, b) || subset(b, a) {
                    sink.error(
                        Code::OverlappingSelectors,
                        later.selector_span,
                        format!(
                            "the selectors of `{}` and `{}` overlap: one picks pods of the other",
                            earlier.identity.name, later.identity.name
                        ),
                    )
                    .help("add a label that tells their pods apart")
                    .note(earlier.selector_span, "the other service's selector");
                }
            }
        }
        if let Some(split) = members.iter().find_map(|d| d.split) {
            for d in &members {
                if let Some(label) = d.selector_labels.iter().find(|l| l.key.text == "version") {
                    sink.error(Code::VersionSelector,
                        label.key.span,
                        format!("`{}` selects on `version`, which subsets use in this namespace", d.identity.name),
                    )
                    .help("subsets of a split are told apart by the pod label `version`; select on another key")
                    .note(split, "a split in this namespace");
                }
            }
        }
    }
}

/// Resolve callers and ports of every `allow`, and check its HTTP rules.
pub(crate) fn resolve(d: &Draft, index: &Index, sink: &mut Sink) -> ir::Service {
    let mut allows = Vec::new();
    let mut calls = Vec::new();
    let namespace = d.identity.namespace.as_str();
    for statement in &d.ast.statements {
        match statement {
            Statement::Allow(a) => {
                if let Some(allow) = allow(d, a, index, sink) {
                    allows.push(allow);
                }
            }
            Statement::Calls(targets) => {
                for t in targets {
                    calls.push(ir::Call {
                        namespace: t
                            .namespace
                            .as_ref()
                            .map_or(namespace.to_string(), |w| w.text.clone()),
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
        calls,
        routes: d.routes.clone(),
        origin: d.origin.clone(),
        span: d.ast.name.span,
    }
}

fn allow(d: &Draft, a: &ast::Allow, index: &Index, sink: &mut Sink) -> Option<ir::Allow> {
    let name = d.identity.name.as_str();
    let ports: Vec<usize> = match &a.ports {
        Some(words) => {
            let mut out: Vec<usize> = words
                .iter()
                .filter_map(|w| port_index(&d.ports, w, name, sink))
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
            format!("service `{name}` declares no ports, so this `allow` covers nothing"),
        )
        .help("declare the ports it serves: `port http 8080/http`");
    }
    let mut rules = Vec::new();
    if let Some(ast_rules) = &a.rules {
        if ast_rules.is_empty() {
            sink.error(
                Code::EmptyRules,
                a.span,
                "this `allow` has an empty rule block, which would allow no request",
            )
            .help("list rules such as `GET /api/*`, or remove the braces to allow any request");
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
                    "without `to`, an `allow` covers every port; name the HTTP ports with `to`"
                } else {
                    "move this port to an `allow` without rules"
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
            rules.push(ir::HttpRule { methods, paths });
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

/// A `calls` must be allowed by its target: calls document intent, they never widen it.
pub(crate) fn check_calls(
    drafts: &[Draft],
    services: &[ir::Service],
    index: &Index,
    sink: &mut Sink,
) {
    let by_key: BTreeMap<(&str, &str), &ir::Service> = services
        .iter()
        .map(|s| ((s.namespace(), s.name()), s))
        .collect();
    let found: Vec<Sink> = drafts
        .par_iter()
        .filter(|d| index.is_canonical(d))
        .map(|d| {
            let mut local = Sink::default();
            for statement in &d.ast.statements {
                if let Statement::Calls(targets) = statement {
                    for t in targets {
                        call(d, t, &by_key, &mut local);
                    }
                }
            }
            local
        })
        .collect();
    for local in found {
        sink.diagnostics.extend(local.diagnostics);
    }
}

fn call(
    d: &Draft,
    t: &ast::CallTarget,
    by_key: &BTreeMap<(&str, &str), &ir::Service>,
    sink: &mut Sink,
) {
    let ns = t
        .namespace
        .as_ref()
        .map_or(d.identity.namespace.as_str(), |w| w.text.as_str());
    let Some(target) = by_key.get(&(ns, t.name.text.as_str())) else {
        let wanted = format!("{} in {ns}", t.name.text);
        let names: Vec<String> = by_key.keys().map(|(n, s)| format!("{s} in {n}")).collect();
        let e = sink.error(
            Code::UnknownCallTarget,
            t.name.span,
            format!("`calls` names `{wanted}`, which is not a service of the tree"),
        );
        if let Some(s) = suggest::closest(&wanted, names.iter().map(String::as_str)) {
            e.help(format!("did you mean `{s}`?"));
        }
        return;
    };
    let port = match &t.port {
        None => None,
        Some(w) => {
            let found = target
                .ports
                .iter()
                .position(|p| p.name == w.text)
                .or_else(|| {
                    let n: u16 = w.text.parse().ok()?;
                    target
                        .ports
                        .iter()
                        .position(|p| p.port == n)
                        .or_else(|| target.ports.iter().position(|p| p.target == n))
                });
            match found {
                Some(i) => Some(i),
                None => {
                    let e = sink.error(
                        Code::UnknownPort,
                        w.span,
                        format!("service `{}` has no port named `{}`", target.name(), w.text),
                    );
                    match suggest::closest(&w.text, target.ports.iter().map(|p| p.name.as_str())) {
                        Some(s) => e.help(format!("did you mean `{s}`?")),
                        None => e.help(format!(
                            "its ports are {}",
                            target
                                .ports
                                .iter()
                                .map(|p| format!("`{}`", p.name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    };
                    return;
                }
            }
        }
    };
    let me = &d.identity;
    let covers = |c: &Caller| c.covers(me);
    let allowed = target
        .allows
        .iter()
        .any(|a| a.callers.iter().any(covers) && port.is_none_or(|p| a.ports.contains(&p)));
    if allowed {
        return;
    }
    let on = port.map_or(String::new(), |p| {
        format!(" on port `{}`", target.ports[p].name)
    });
    let to = port.map_or(String::new(), |p| format!(" to {}", target.ports[p].name));
    sink.error(
        Code::CallNotAllowed,
        t.span,
        format!(
            "`{}` calls `{} in {}`{on}, but `{}` does not allow it",
            me.name,
            target.name(),
            target.namespace(),
            target.name()
        ),
    )
    .help(format!(
        "calls never widen access: add `allow {} in {}{to}` to {}",
        me.name, me.namespace, target.origin
    ));
}
