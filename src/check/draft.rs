//! One `service` block on its own: its name, account, selector, ports, mTLS mode and
//! routes, checked and lowered into a [`Draft`]. Nothing here looks at other files, so
//! every service lowers in parallel; what needs the whole tree (duplicates, callers,
//! calls) reads the drafts later.

use super::labels;
use super::names;
use super::ports;
use super::routes;
use super::sink::Sink;
use crate::ast::{self, Statement};
use crate::code::Code;
use crate::ir::{self, Identity, Labels, Mtls};
use crate::source::{FileId, Span};
use crate::suggest;

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
                if let Some(port) = ports::port(p, &ports, &port_spans, sink) {
                    ports.push(port);
                    port_spans.push(p.name.span);
                }
            }
            Statement::Allow(_)
            | Statement::Deny(_)
            | Statement::Calls(_)
            | Statement::Route(_)
            | Statement::Clusters { .. } => {}
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
        Some((span, l)) => (span, l.clone(), labels::checked(l, sink)),
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
            if let Some(route) = routes::route(
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
