//! Stable diagnostic codes.
//!
//! A code never changes meaning once released, so CI scripts and docs can refer to it;
//! docs/errors.md has a failing example and the fix for each (a test keeps them in step).
//! Codes are grouped by what they are about: files and syntax (E00), names (E01), the
//! tree as a whole (E02), ports (E03), `allow` (E04), `calls` (E05), `route` (E06),
//! destinations outside the tree (E07), conditions and tokens (E08), other data planes
//! (E10), several clusters (E11); warnings are W0.

use serde::Serialize;

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal,)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum Code {
            $($(#[$doc])* #[serde(rename = $code)] $name,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$name => $code,)*
                }
            }
        }
    };
}

codes! {
    /// The text does not follow the grammar.
    Syntax = "E0001",
    /// A file holds no block, only whitespace or comments.
    EmptyFile = "E0002",
    /// A file contains a NUL byte: a binary, not an intent.
    BinaryFile = "E0003",
    /// A file is not UTF-8.
    NotUtf8 = "E0004",
    /// A file is larger than the limit.
    FileTooLarge = "E0005",
    /// DIR is missing, not a folder, unreadable, or holds no intent file.
    NoIntents = "E0006",
    /// An intent file's path holds a control character (a line break would end the
    /// generated header comment and let the name inject YAML).
    UnsafePath = "E0007",
    /// A name is not a DNS-1123 label, or is a reserved word.
    InvalidName = "E0101",
    /// A label key or value does not follow Kubernetes label syntax.
    InvalidLabel = "E0102",
    /// One selector gives the same key twice.
    DuplicateLabelKey = "E0103",
    /// `trust-domain` or `cluster-domain` is not a domain.
    InvalidDomain = "E0104",
    /// A setting that may appear once appears twice.
    DuplicateSetting = "E0105",
    /// `sidecar-scoping` is neither `on` nor `off`.
    UnknownSwitch = "E0106",
    /// `dry-run` names a namespace where the tree declares no service.
    DryRunUnmanaged = "E0107",
    /// `network` is neither `kubernetes` nor `cilium`.
    UnknownNetwork = "E0108",
    /// `dataplane` is neither `sidecar` nor `ambient`.
    UnknownDataplane = "E0109",
    /// The same service is defined in two places.
    DuplicateService = "E0201",
    /// A second `mesh` block.
    SecondMesh = "E0202",
    /// The same workload is declared twice.
    DuplicateWorkload = "E0203",
    /// A workload lives in a namespace that holds services.
    WorkloadInServiceNamespace = "E0204",
    /// `scraper` names nothing declared.
    UnknownScraper = "E0205",
    /// Two services of a namespace share a service account.
    SharedAccount = "E0206",
    /// Two services of a namespace select overlapping pods.
    OverlappingSelectors = "E0207",
    /// A service selects on `version` where subsets use it.
    VersionSelector = "E0208",
    /// A service in the namespace of DNS, istiod or Istio's root: its defaults would cut
    /// the whole mesh off.
    SystemNamespace = "E0209",
    /// A port protocol is not one of http, http2, grpc, tcp, tls.
    UnknownProtocol = "E0301",
    /// A port number is outside 1-65535.
    PortOutOfRange = "E0302",
    /// A target port is in the sidecar's range 15000-15099.
    ReservedPort = "E0303",
    /// A port name, Service port or target port is used twice.
    DuplicatePort = "E0304",
    /// A statement names a port the service does not have.
    UnknownPort = "E0305",
    /// An `allow` on a service without ports.
    NoPorts = "E0306",
    /// `mtls` is neither `strict` nor `permissive`.
    UnknownMtlsMode = "E0307",
    /// A port number written with leading zeros (`0080`).
    PortLeadingZero = "E0308",
    /// A caller is not a service or declared workload.
    UnknownCaller = "E0401",
    /// HTTP rules on an `allow` that covers a tcp or tls port.
    RulesOnNonHttpPort = "E0402",
    /// A method is not an HTTP method meshward knows.
    UnknownMethod = "E0403",
    /// A method other than POST or `*` on a gRPC port.
    GrpcMethod = "E0404",
    /// A path has `*` somewhere other than first or last after `/`.
    InvalidPath = "E0405",
    /// An `allow` with an empty rule block.
    EmptyRules = "E0406",
    /// `calls` names something that is not a service of the tree.
    UnknownCallTarget = "E0501",
    /// `calls` names a call that the target does not allow.
    CallNotAllowed = "E0502",
    /// `calls external NAME` names no external of the tree.
    UnknownExternal = "E0503",
    /// A route on a tcp or tls port.
    RouteOnNonHttpPort = "E0601",
    /// Two routes for one port.
    DuplicateRoute = "E0602",
    /// A route with no settings.
    EmptyRoute = "E0603",
    /// A duration that is zero, too large, or has an unknown unit.
    InvalidDuration = "E0604",
    /// `retries` outside 0-10.
    RetriesOutOfRange = "E0605",
    /// `retries 0` with `per-try` or `on`.
    RetriesZeroWithOptions = "E0606",
    /// A retry condition Istio does not know.
    UnknownRetryCondition = "E0607",
    /// A subset named twice in one split.
    DuplicateSubset = "E0608",
    /// A split weight outside 0-100.
    WeightOutOfRange = "E0609",
    /// Split weights that do not add up to 100.
    WeightsNot100 = "E0610",
    /// A `match header ... to SUBSET` whose subset is not in the route's `split`.
    MatchUnknownSubset = "E0611",
    /// A circuit-breaking number out of range: `connections`, `pending`, `requests`,
    /// `eject`'s errors (at least 1) or its percentage (1 to 100).
    CircuitOutOfRange = "E0612",
    /// A `host` of an external is not a lower-case DNS name (with an optional leading `*.`).
    InvalidHost = "E0701",
    /// A `cidr` or `cluster-cidrs` entry is not an IPv4 or IPv6 range with zero host bits.
    InvalidCidr = "E0702",
    /// An external with both `host` and `cidr`, or neither.
    ExternalDestination = "E0703",
    /// A `tcp` port on a `host` external: a sidecar cannot tell hosts apart on raw TCP.
    TcpOnHostExternal = "E0704",
    /// HTTP rules on the `allow` of an external or a workload.
    RulesOnDestination = "E0705",
    /// Egress given to pods meshward does not manage: a workload, or a namespace that
    /// holds no service.
    EgressToUnmanaged = "E0706",
    /// Two externals with one name.
    DuplicateExternal = "E0707",
    /// An external without a `port`.
    ExternalWithoutPorts = "E0708",
    /// A `SERVICEPORT:TARGETPORT` port on an external or a workload, which have no Service.
    ServicePortOnDestination = "E0709",
    /// A host named by two externals: their ServiceEntries would claim one name.
    DuplicateHost = "E0710",
    /// A header or claim name in a condition that is not lower case or holds other
    /// characters.
    InvalidConditionName = "E0801",
    /// A condition value with a character outside the set, or a misplaced `*`.
    InvalidConditionValue = "E0802",
    /// `claim` in a rule without `jwt`: no token is validated, so there is no claim.
    ClaimWithoutJwt = "E0803",
    /// `jwt NAME` naming no `jwt` of the mesh block.
    UnknownJwt = "E0804",
    /// Two different `jwt` conditions in one rule: a token has one issuer.
    TwoJwts = "E0805",
    /// A `jwt` issuer or jwks that is not an https URL.
    InvalidJwtUrl = "E0806",
    /// A `jwt` name, or an issuer, declared twice.
    DuplicateJwt = "E0807",
    /// A `jwt` block without its `issuer` or its `jwks`.
    IncompleteJwt = "E0808",
    /// A `deny` identical to an `allow` of the same service.
    DenyEqualsAllow = "E0809",
    /// meshward could not serialise its own output (a bug).
    Internal = "E0900",
    /// A `waypoint` line under `dataplane sidecar`, where nothing would use it.
    WaypointWithoutAmbient = "E1001",
    /// Under ambient, a service needs L7 and its namespace has no waypoint.
    L7WithoutWaypoint = "E1002",
    /// `sidecar-scoping on` under ambient, which has no sidecars.
    SidecarScopingUnderAmbient = "E1003",
    /// Under ambient, HTTP rules that plain-text callers of a `mtls permissive` service
    /// would have to meet: plain text never passes a waypoint.
    PlaintextRulesUnderAmbient = "E1004",
    /// A `waypoint` for a namespace where the tree declares no service.
    WaypointUnmanaged = "E1005",
    /// Two `waypoint` lines for one namespace.
    SecondWaypoint = "E1006",
    /// A `clusters` entry that names no declared cluster.
    UnknownCluster = "E1101",
    /// A caller on another network is allowed into a cluster that has no `gateway`.
    NoGatewayAcrossNetworks = "E1102",
    /// Callers on the same network reach a cluster across from one without `pod-cidrs`.
    NoPodCidrs = "E1103",
    /// Two clusters whose `pod-cidrs` overlap: an address would name pods of both.
    OverlappingPodCidrs = "E1104",
    /// Calls cross networks and the mesh block has no `eastwest` line.
    NoEastwest = "E1105",
    /// Several clusters under `dataplane ambient`, which meshward does not build.
    ClustersUnderAmbient = "E1106",
    /// Two `cluster` blocks with one name.
    DuplicateCluster = "E1107",
    /// Caller identities used on a service that accepts plaintext.
    PermissiveIdentities = "W0001",
    /// `namespace NS` for a namespace the tree declares nothing in.
    UnknownNamespace = "W0002",
    /// A port-less `calls` the target allows on some ports only.
    PartialCall = "W0003",
    /// A route on a port no `allow` covers.
    UnreachableRoute = "W0004",
    /// An external, or a workload with ports, that allows no caller.
    UncallableDestination = "W0005",
    /// A `cidr` external overlapping `cluster-cidrs`: admitted as written, in-cluster too.
    ExternalInsideCluster = "W0006",
    /// A `host` external while `cluster-cidrs` is unset: its L4 side admits in-cluster
    /// addresses on its ports too.
    HostWithoutClusterCidrs = "W0007",
    /// Two paths of one service's rules that become one under path normalization.
    PathNormalization = "W0008",
    /// A `deny` naming services or namespaces on a `mtls permissive` service: a
    /// plain-text caller has no identity and escapes it.
    DenyOnPermissive = "W0009",
    /// A `deny` that removes nothing any `allow` of the service grants.
    DenyRemovesNothing = "W0010",
    /// An `allow` every request of which some `deny` refuses.
    AllowDenied = "W0011",
    /// A header condition on a header the proxy sets or rewrites itself.
    ProxyHeader = "W0012",
    /// `eject ... max 100%` on a route without two subsets to fall back on: every endpoint
    /// may be ejected at once.
    EjectEverything = "W0013",
    /// `connections` lower than the route's retry attempts.
    ConnectionsBelowRetries = "W0014",
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
