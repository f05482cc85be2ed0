//! `port` statements: names, numbers and protocols checked, duplicates refused, and the
//! look-up by name that `route`, `allow ... to` and their errors share.

use super::names;
use super::sink::Sink;
use crate::ast;
use crate::code::Code;
use crate::ir::{self, Protocol};
use crate::source::Span;
use crate::suggest;

pub(crate) fn protocol(word: Option<&ast::Word>, sink: &mut Sink) -> Protocol {
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

pub(crate) fn port(
    p: &ast::Port,
    existing: &[ir::Port],
    spans: &[Span],
    sink: &mut Sink,
) -> Option<ir::Port> {
    let name_ok = sink.ok(
        Code::InvalidName,
        p.name.span,
        names::dns_label("port", &p.name.text),
    );
    let protocol = protocol(p.protocol.as_ref(), sink);
    let number = |w: &ast::Word, sink: &mut Sink| match names::port_number(&w.text) {
        Ok(n) => {
            if leading_zeros(w, sink) {
                return None;
            }
            Some(n)
        }
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

/// Report a port number written with leading zeros; true when it was.
pub(crate) fn leading_zeros(w: &ast::Word, sink: &mut Sink) -> bool {
    let Some(plain) = names::leading_zeros(&w.text) else {
        return false;
    };
    sink.error(
        Code::PortLeadingZero,
        w.span,
        format!("port number `{}` has leading zeros", w.text),
    )
    .help(format!("write `{plain}`"));
    true
}

/// Find a port by name; report an unknown one with a did-you-mean. OWNER names what the
/// ports belong to (`service `orders``, `external `stripe``), formatted only on an error.
pub(crate) fn port_index(
    ports: &[ir::Port],
    word: &ast::Word,
    owner: impl std::fmt::Display,
    sink: &mut Sink,
) -> Option<usize> {
    if let Some(i) = ports.iter().position(|p| p.name == word.text) {
        return Some(i);
    }
    let d = sink.error(
        Code::UnknownPort,
        word.span,
        format!("{owner} has no port named `{}`", word.text),
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
