//! PeerAuthentication: workload over namespace, `UNSET`, `portLevelMtls`, and what a
//! STRICT sidecar does with plaintext.

use super::*;

#[test]
fn peer_authentication_modes() {
    let cluster = Cluster::from_objects([
        pa("x", "default", json!({"mtls": {"mode": "STRICT"}})),
        pa(
            "x",
            "legacy",
            json!({"selector": {"matchLabels": {"app": "legacy"}}, "mtls": {"mode": "PERMISSIVE"},
                   "portLevelMtls": {"9000": {"mode": "DISABLE"}}}),
        ),
        pa(
            "x",
            "unset",
            json!({"selector": {"matchLabels": {"app": "unset"}}, "mtls": {"mode": "UNSET"}}),
        ),
    ]);
    let plain = Pod::new("p", "x").label("app", "plain");
    let legacy = Pod::new("l", "x").label("app", "legacy");
    let unset = Pod::new("u", "x").label("app", "unset");
    assert_eq!(cluster.mtls_mode(&plain), MtlsMode::Strict);
    assert_eq!(cluster.mtls_mode(&legacy), MtlsMode::Permissive);
    assert_eq!(
        cluster.mtls_mode_on_port(&legacy, Some(9000)),
        MtlsMode::Disable
    );
    assert_eq!(cluster.mtls_mode(&unset), MtlsMode::Strict);
    assert_eq!(cluster.mtls_mode(&Pod::new("o", "y")), MtlsMode::Permissive);

    // STRICT refuses plaintext even where authorization would allow it.
    let req = Request::plaintext(80).http("GET", "/");
    assert!(!cluster.request_allowed(&plain, &req).is_allowed());
    assert!(cluster.request_allowed(&legacy, &req).is_allowed());
    let mtls = Request::from_pod(&web_pod(), TD, 80).http("GET", "/");
    assert!(cluster.request_allowed(&plain, &mtls).is_allowed());
}
