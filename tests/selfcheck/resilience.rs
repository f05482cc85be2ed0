//! Corruptions of header routes and circuit breaking in examples/shop (catalog's
//! `match header x-canary = always to v2` before its 90/10 split; payments' `connections
//! 100`, `requests 1000` and `eject 5 errors every 10s for 30s max 50%`), each caught by
//! the self-check with a fault that names what moved.

use super::{caught, object};
use serde_json::{json, Value};

fn http_routes(o: &mut [Value]) -> &mut Vec<Value> {
    object(o, "VirtualService", "shop", "catalog")["spec"]["http"]
        .as_array_mut()
        .expect("http")
}

fn settings(o: &mut [Value]) -> &mut Value {
    &mut object(o, "DestinationRule", "billing", "payments")["spec"]["trafficPolicy"]
        ["portLevelSettings"][0]
}

#[test]
fn a_header_route_with_another_value() {
    caught(
        |o| http_routes(o)[0]["match"][0]["headers"]["x-canary"]["exact"] = json!("alway"),
        &["route of catalog.shop:80 for a request with [x-canary: always]: intent v2, VirtualService v1 90%, v2 10%"],
    );
}

#[test]
fn a_header_route_to_another_subset() {
    caught(
        |o| http_routes(o)[0]["route"][0]["destination"]["subset"] = json!("v1"),
        &["route of catalog.shop:80 for a request with [x-canary: always]: intent v2, VirtualService v1"],
    );
}

#[test]
fn a_header_route_dropped() {
    caught(
        |o| {
            http_routes(o).remove(0);
        },
        &["route of catalog.shop:80 for a request with [x-canary: always]: intent v2, VirtualService v1 90%, v2 10%"],
    );
}

#[test]
fn a_header_route_that_matches_a_prefix() {
    // `prefix: always` would also route `alwaysx` to v2.
    caught(
        |o| http_routes(o)[0]["match"][0]["headers"]["x-canary"] = json!({"prefix": "always"}),
        &["route of catalog.shop:80 for a request with [x-canary: always]: intent v2"],
    );
}

#[test]
fn a_header_route_moved_after_the_default_one() {
    caught(
        |o| http_routes(o).reverse(),
        &["route of catalog.shop:80 for a request with [x-canary: always]: intent v2, VirtualService v1 90%, v2 10%"],
    );
}

#[test]
fn a_default_route_that_lost_its_weights() {
    caught(
        |o| http_routes(o)[1]["route"][0]["weight"] = json!(100),
        &["route of catalog.shop:80 for a request with []: intent v1 90%, v2 10%, VirtualService v1 100%, v2 10%"],
    );
}

#[test]
fn a_pool_limit_changed_or_dropped() {
    caught(
        |o| settings(o)["connectionPool"]["tcp"]["maxConnections"] = json!(10),
        &["DestinationRule of payments.billing port 9090 connectionPool.tcp.maxConnections: intent 100, object 10"],
    );
    caught(
        |o| {
            settings(o)["connectionPool"]
                .as_object_mut()
                .expect("pool")
                .remove("http");
        },
        &["connectionPool.http.http2MaxRequests: intent 1000, object unset"],
    );
}

#[test]
fn outlier_detection_changed() {
    caught(
        |o| settings(o)["outlierDetection"]["maxEjectionPercent"] = json!(100),
        &["outlierDetection.maxEjectionPercent: intent 50, object 100"],
    );
    caught(
        |o| settings(o)["outlierDetection"]["interval"] = json!("1s"),
        &["outlierDetection.interval: intent 10000, object 1000"],
    );
}

#[test]
fn port_settings_on_the_wrong_port_or_gone() {
    caught(
        |o| settings(o)["port"]["number"] = json!(9091),
        &["DestinationRule for payments.billing.svc.cluster.local has no settings for port 9090"],
    );
    caught(
        |o| {
            object(o, "DestinationRule", "billing", "payments")["spec"]
                .as_object_mut()
                .expect("spec")
                .remove("trafficPolicy");
        },
        &["the intents' circuit breaking is lost"],
    );
}

#[test]
fn circuit_breaking_nobody_asked_for() {
    caught(
        |o| {
            let dr = object(o, "DestinationRule", "shop", "catalog");
            dr["spec"]["trafficPolicy"] = json!({"portLevelSettings": [
                {"port": {"number": 80}, "connectionPool": {"tcp": {"maxConnections": 1}}}
            ]});
        },
        &["DestinationRule for catalog.shop.svc.cluster.local sets port 80 though no route of catalog.shop breaks circuits there"],
    );
}
