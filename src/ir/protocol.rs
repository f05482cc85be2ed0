//! The protocols a port may carry, and which of them the proxies parse as HTTP.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Http,
    Http2,
    Grpc,
    Tcp,
    Tls,
}

impl Protocol {
    /// Ports whose traffic the sidecar parses as HTTP, so L7 rules and routes apply.
    pub fn is_http(self) -> bool {
        matches!(self, Protocol::Http | Protocol::Http2 | Protocol::Grpc)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Http2 => "http2",
            Protocol::Grpc => "grpc",
            Protocol::Tcp => "tcp",
            Protocol::Tls => "tls",
        }
    }
}
