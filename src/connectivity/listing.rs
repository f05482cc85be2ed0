//! The connectivity listing as cli.md fixes it: `{"connections": [CONN, ...]}`.

use serde::Serialize;

/// One listed connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Connection {
    pub from: String,
    pub from_kind: String,
    pub to: String,
    pub to_kind: String,
    pub l4: Vec<ProtocolPorts>,
    /// What the destination's AuthorizationPolicies leave of the TCP connections: `all`,
    /// `partial` (some requests only) or `none`; `all` when no TCP port is admitted or the
    /// destination is an address (no proxy there).
    pub l7: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProtocolPorts {
    pub protocol: &'static str,
    /// Inclusive ranges, sorted and merged.
    pub ports: Vec<[u16; 2]>,
}

/// The whole answer, as `--format json` prints it.
#[derive(Debug, Serialize)]
pub struct Connectivity {
    pub connections: Vec<Connection>,
}
