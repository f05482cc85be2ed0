//! VirtualService and DestinationRule, the routing layer: header routes before the
//! weighted split, and circuit breaking as the DestinationRule's port-level settings.
//!
//! Routes match on the Service port (what clients dial), hosts are always the full
//! `<service>.<ns>.svc.<cluster-domain>`, and durations are written in seconds, the form
//! protobuf's Duration JSON mapping requires (`1m` would be rejected by Istio).

use super::istio::*;
use super::metadata::metadata;
use crate::ir::{Labels, Route, Service};
use std::collections::BTreeMap;

/// Milliseconds as a protobuf Duration string: `500` → `0.5s`, `60000` → `60s`.
pub fn seconds(ms: u64) -> String {
    let (s, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        format!("{s}s")
    } else {
        let digits = format!("{frac:03}");
        format!("{s}.{}s", digits.trim_end_matches('0'))
    }
}

/// The HTTP routes of one `route`: one per `match header` (its subset alone), then the
/// default route (the split, or the Service), all with the route's timeout and retries.
fn http_routes(service: &Service, route: &Route, host: &str) -> Vec<HttpRoute> {
    let port = &service.ports[route.port];
    let destination = |subset: Option<&str>| Destination {
        host: host.to_string(),
        subset: subset.map(str::to_string),
        port: PortSelector { number: port.port },
    };
    let http = |name: String, headers: BTreeMap<String, ExactMatch>, route_to| HttpRoute {
        name,
        matches: vec![PortMatch {
            port: port.port,
            headers,
        }],
        route: route_to,
        timeout: route.timeout_ms.map(seconds),
        retries: route.retries.as_ref().map(|r| HttpRetry {
            attempts: r.attempts,
            per_try_timeout: r.per_try_ms.map(seconds),
            retry_on: (!r.on.is_empty()).then(|| r.on.join(",")),
        }),
    };
    let mut out: Vec<HttpRoute> = route
        .matches
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let headers = BTreeMap::from([(
                m.header.clone(),
                ExactMatch {
                    exact: m.value.clone(),
                },
            )]);
            let to = vec![RouteDestination {
                destination: destination(Some(&m.subset)),
                weight: None,
            }];
            http(format!("{}-match-{i}", port.name), headers, to)
        })
        .collect();
    let destinations = if route.split.is_empty() {
        vec![RouteDestination {
            destination: destination(None),
            weight: None,
        }]
    } else {
        route
            .split
            .iter()
            .map(|(subset, weight)| RouteDestination {
                destination: destination(Some(subset)),
                weight: Some(*weight),
            })
            .collect()
    };
    out.push(http(port.name.clone(), BTreeMap::new(), destinations));
    out
}

pub fn virtual_service(service: &Service, host: &str) -> Option<VirtualService> {
    let mut routes: Vec<&Route> = service.routes.iter().filter(|r| r.routes()).collect();
    if routes.is_empty() {
        return None;
    }
    routes.sort_by_key(|r| service.ports[r.port].port);
    Some(VirtualService {
        api_version: NETWORKING_V1,
        kind: "VirtualService",
        metadata: metadata(service.name(), service.namespace()),
        spec: VirtualServiceSpec {
            hosts: vec![host.to_string()],
            http: routes
                .iter()
                .flat_map(|r| http_routes(service, r, host))
                .collect(),
        },
    })
}

/// The port settings of one route's circuit-breaking lines.
fn port_settings(service: &Service, route: &Route) -> PortTrafficPolicy {
    let pool = route.pool;
    let tcp = pool.connections.map(|n| TcpPool { max_connections: n });
    let http = (pool.pending.is_some() || pool.requests.is_some()).then_some(HttpPool {
        http1_max_pending_requests: pool.pending,
        http2_max_requests: pool.requests,
    });
    PortTrafficPolicy {
        port: PortSelector {
            number: service.ports[route.port].port,
        },
        connection_pool: (tcp.is_some() || http.is_some()).then_some(ConnectionPool { tcp, http }),
        outlier_detection: route.eject.map(|e| OutlierDetection {
            consecutive_5xx_errors: e.errors,
            interval: seconds(e.interval_ms),
            base_ejection_time: seconds(e.base_ms),
            max_ejection_percent: e.max_percent,
        }),
    }
}

/// The union of the subsets a service's routes split over, by name, and the port
/// settings of its circuit-breaking lines, by Service port.
pub fn destination_rule(service: &Service, host: &str) -> Option<DestinationRule> {
    let mut names: Vec<&str> = service
        .routes
        .iter()
        .flat_map(|r| r.split.iter().map(|(s, _)| s.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut breaking: Vec<&Route> = service
        .routes
        .iter()
        .filter(|r| r.breaks_circuits())
        .collect();
    breaking.sort_by_key(|r| service.ports[r.port].port);
    if names.is_empty() && breaking.is_empty() {
        return None;
    }
    Some(DestinationRule {
        api_version: NETWORKING_V1,
        kind: "DestinationRule",
        metadata: metadata(service.name(), service.namespace()),
        spec: DestinationRuleSpec {
            host: host.to_string(),
            traffic_policy: (!breaking.is_empty()).then(|| TrafficPolicy {
                port_level_settings: breaking.iter().map(|r| port_settings(service, r)).collect(),
            }),
            subsets: names
                .into_iter()
                .map(|name| Subset {
                    name: name.to_string(),
                    labels: Labels::from([("version".to_string(), name.to_string())]),
                })
                .collect(),
        },
    })
}

#[cfg(test)]
mod tests {
    use crate::render::traffic::seconds;

    #[test]
    fn durations_are_protobuf_seconds() {
        assert_eq!(seconds(500), "0.5s");
        assert_eq!(seconds(1500), "1.5s");
        assert_eq!(seconds(2000), "2s");
        assert_eq!(seconds(60_000), "60s");
        assert_eq!(seconds(1), "0.001s");
    }
}
