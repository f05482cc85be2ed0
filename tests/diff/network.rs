//! `network kubernetes → cilium` narrows where a `host` external exists (its hosts are
//! then admitted by name, not every outside address); back widens.

use super::repo::{changes_json, Repo};
use serde_json::json;

#[test]
fn switching_the_network_layer_is_an_identity_change_on_the_mesh() {
    let repo = Repo::with_shop("intents");
    repo.edit(
        "intents/mesh.intent",
        "mesh {\n",
        "mesh {\n  network cilium\n",
    );
    let changes = changes_json(&repo.path("intents"), "HEAD");
    assert_eq!(
        changes,
        json!({"changes": [{
            "kind": "identity", "effect": "narrows", "subject": "mesh",
            "field": "network", "old": "kubernetes", "new": "cilium"
        }]}),
        "{changes:#}"
    );
    repo.commit("cilium");
    repo.edit(
        "intents/mesh.intent",
        "  network cilium\n",
        "  network kubernetes\n",
    );
    let back = changes_json(&repo.path("intents"), "HEAD");
    assert_eq!(back["changes"][0]["effect"], "widens", "{back:#}");
}
