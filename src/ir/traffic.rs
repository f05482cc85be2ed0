//! A `route` block resolved: how requests to one HTTP port are routed (timeout, retries,
//! header routes, the weighted split) and how the callers' proxies protect it (the
//! connection pool and outlier ejection).

use crate::source::Span;

#[derive(Clone, Debug)]
pub struct Route {
    /// Index into the service's `ports`.
    pub port: usize,
    pub timeout_ms: Option<u64>,
    pub retries: Option<Retries>,
    /// `(subset, weight)` as written; empty without `split`.
    pub split: Vec<(String, u8)>,
    /// `match header` lines, in the order they are tried; each names a subset of `split`.
    pub matches: Vec<HeaderRoute>,
    /// `connections`, `pending`, `requests`; all unset without such lines.
    pub pool: Pool,
    pub eject: Option<Eject>,
    /// The port name in the `route` line.
    pub span: Span,
}

impl Route {
    /// Whether the route shapes where requests go: a VirtualService route is written only
    /// then (a route of circuit-breaking lines alone writes none).
    pub fn routes(&self) -> bool {
        self.timeout_ms.is_some()
            || self.retries.is_some()
            || !self.split.is_empty()
            || !self.matches.is_empty()
    }

    /// Whether the route has circuit-breaking lines (DestinationRule port settings).
    pub fn breaks_circuits(&self) -> bool {
        self.pool != Pool::default() || self.eject.is_some()
    }
}

#[derive(Clone, Debug)]
pub struct Retries {
    pub attempts: u32,
    pub per_try_ms: Option<u64>,
    pub on: Vec<String>,
}

/// `match header NAME = VALUE to SUBSET`: a request carrying exactly that header value goes
/// to SUBSET, before the split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderRoute {
    /// Lower case.
    pub header: String,
    /// Matched exactly.
    pub value: String,
    pub subset: String,
}

/// The connection pool the callers' proxies keep toward the port.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pool {
    /// `connections N`: TCP connections (`connectionPool.tcp.maxConnections`).
    pub connections: Option<u32>,
    /// `pending N`: HTTP/1.1 requests waiting for a connection
    /// (`connectionPool.http.http1MaxPendingRequests`).
    pub pending: Option<u32>,
    /// `requests N`: concurrent HTTP/2 requests (`connectionPool.http.http2MaxRequests`).
    pub requests: Option<u32>,
}

/// `eject N errors every D for D max P%`: outlier detection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Eject {
    /// Consecutive 5xx errors that eject an endpoint (`consecutive5xxErrors`).
    pub errors: u32,
    /// How often endpoints are judged (`interval`).
    pub interval_ms: u64,
    /// How long an ejection lasts at first (`baseEjectionTime`).
    pub base_ms: u64,
    /// The most endpoints ejected at once, in percent (`maxEjectionPercent`).
    pub max_percent: u8,
}
