//! VirtualService and DestinationRule, the routing layer.
//!
//! Routes match on the Service port (what clients dial), hosts are always the full
//! `<service>.<ns>.svc.<cluster-domain>`, and durations are written in seconds, the form
//! protobuf's Duration JSON mapping requires (`1m` would be rejected by Istio).

use super::istio::*;
use super::metadata::metadata;
use crate::ir::{Labels, Route, Service};

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

fn http_route(service: &Service, route: &Route, host: &str) -> HttpRoute {
    let port = &service.ports[route.port];
    let destination = |subset: Option<&str>| Destination {
        host: host.to_string(),
        subset: subset.map(str::to_string),
        port: PortSelector { number: port.port },
    };
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
    HttpRoute {
        name: port.name.clone(),
        matches: vec![PortMatch { port: port.port }],
        route: destinations,
        timeout: route.timeout_ms.map(seconds),
        retries: route.retries.as_ref().map(|r| HttpRetry {
            attempts: r.attempts,
            per_try_timeout: r.per_try_ms.map(seconds),
            retry_on: (!r.on.is_empty()).then(|| r.on.join(",")),
        }),
    }
}

pub fn virtual_service(service: &Service, host: &str) -> Option<VirtualService> {
    if service.routes.is_empty() {
        return None;
    }
    let mut routes: Vec<&Route> = service.routes.iter().collect();
    routes.sort_by_key(|r| service.ports[r.port].port);
    Some(VirtualService {
        api_version: NETWORKING_V1,
        kind: "VirtualService",
        metadata: metadata(service.name(), service.namespace()),
        spec: VirtualServiceSpec {
            hosts: vec![host.to_string()],
            http: routes
                .iter()
                .map(|r| http_route(service, r, host))
                .collect(),
        },
    })
}

/// The union of the subsets a service's routes split over, by name.
pub fn destination_rule(service: &Service, host: &str) -> Option<DestinationRule> {
    let mut names: Vec<&str> = service
        .routes
        .iter()
        .flat_map(|r| r.split.iter().map(|(s, _)| s.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        return None;
    }
    Some(DestinationRule {
        api_version: NETWORKING_V1,
        kind: "DestinationRule",
        metadata: metadata(service.name(), service.namespace()),
        spec: DestinationRuleSpec {
            host: host.to_string(),
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
