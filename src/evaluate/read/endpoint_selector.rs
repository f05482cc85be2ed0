//! Cilium endpoint selectors, read into the shapes NetworkPolicy already has.
//!
//! A Cilium selector is one label selector over an identity's labels, each key with a
//! source prefix (`k8s:`, `any:`, `reserved:`, ...). A pod's identity holds its own labels
//! (`k8s:`), its namespace (`io.kubernetes.pod.namespace`), its namespace's labels
//! (`io.cilium.k8s.namespace.labels.K`), its service account
//! (`io.cilium.k8s.policy.serviceaccount`) and its cluster (`io.cilium.k8s.policy.cluster`).
//! Each requirement is sorted into the selector that judges it: pod labels, the
//! namespace's labels (the namespace's name is its `kubernetes.io/metadata.name` label),
//! or the service account; so [`Peer::Pods`] and [`NetworkPolicy`] keep one meaning for
//! both kinds.
//!
//! [`NetworkPolicy`]: crate::evaluate::policy::NetworkPolicy

use crate::evaluate::cluster::NAMESPACE_NAME_LABEL;
use crate::evaluate::policy::{Peer, SERVICE_ACCOUNT_KEY};
use crate::evaluate::selector::{Expression, Selector};

const POD_NAMESPACE: &str = "io.kubernetes.pod.namespace";
const NAMESPACE_LABELS: &str = "io.cilium.k8s.namespace.labels.";
const CLUSTER: &str = "io.cilium.k8s.policy.cluster";

/// One Cilium selector split by what each requirement is about.
pub(crate) struct Split {
    pub(crate) pods: Selector,
    /// Requirements on the namespace's labels, its name under [`NAMESPACE_NAME_LABEL`].
    pub(crate) namespaces: Selector,
    pub(crate) accounts: Selector,
    /// Whether the selector names `io.kubernetes.pod.namespace` (else Cilium pins
    /// `fromEndpoints`/`toEndpoints` to the policy's namespace).
    pub(crate) names_namespace: bool,
}

/// Where a key's requirement goes.
enum Target {
    Pods(String),
    Namespace(String),
    Account,
    /// The cluster label: this model knows one cluster, whose pods all match.
    Cluster,
}

/// The target of KEY. `k8s:` and `any:` are stripped (an unprefixed key matches any
/// source); a key of another source (`reserved:`, `cidr:`, `container:`) stays as it is:
/// a Kubernetes label key cannot hold a `:`, so no pod carries it.
fn target(key: &str, notes: &mut Vec<String>) -> Target {
    let key = match key.split_once(':') {
        Some(("k8s" | "any", rest)) => rest,
        Some((source, _)) => {
            notes.push(format!(
                "label key `{key}` has source `{source}`: no pod carries it"
            ));
            return Target::Pods(key.to_string());
        }
        None => key,
    };
    if key == POD_NAMESPACE {
        Target::Namespace(NAMESPACE_NAME_LABEL.to_string())
    } else if let Some(label) = key.strip_prefix(NAMESPACE_LABELS) {
        Target::Namespace(label.to_string())
    } else if key == SERVICE_ACCOUNT_KEY {
        Target::Account
    } else if key == CLUSTER {
        notes.push(format!(
            "`{key}` read as matching: a single cluster is assumed"
        ));
        Target::Cluster
    } else {
        Target::Pods(key.to_string())
    }
}

impl Split {
    /// The selector KEY's requirement goes into, with the key it is matched under there.
    fn place(&mut self, key: &str, notes: &mut Vec<String>) -> Option<(&mut Selector, String)> {
        match target(key, notes) {
            Target::Pods(k) => Some((&mut self.pods, k)),
            Target::Namespace(k) => {
                self.names_namespace |= !key.contains(NAMESPACE_LABELS);
                Some((&mut self.namespaces, k))
            }
            Target::Account => Some((&mut self.accounts, SERVICE_ACCOUNT_KEY.to_string())),
            Target::Cluster => None,
        }
    }
}

/// Split SELECTOR; NOTES gets what this model reads in a simplified way.
pub(crate) fn split(selector: Selector, notes: &mut Vec<String>) -> Split {
    let mut out = Split {
        pods: Selector::default(),
        namespaces: Selector::default(),
        accounts: Selector::default(),
        names_namespace: false,
    };
    for (key, value) in selector.match_labels {
        if let Some((into, key)) = out.place(&key, notes) {
            into.match_labels.push((key, value));
        }
    }
    for expression in selector.expressions {
        let Some(key) = expression.key.as_deref() else {
            out.pods.expressions.push(expression); // matches nothing
            continue;
        };
        if let Some((into, key)) = out.place(key, notes) {
            into.expressions.push(Expression {
                key: Some(key),
                ..expression
            });
        }
    }
    out.pods.match_labels.sort();
    out.namespaces.match_labels.sort();
    out.accounts.match_labels.sort();
    out
}

/// A `fromEndpoints`/`toEndpoints` selector of a policy in POLICY_NS. Without a
/// requirement on `io.kubernetes.pod.namespace` Cilium adds `= POLICY_NS`; that is what
/// `namespaces: None` already means, unless namespace labels are required too.
pub(crate) fn peer(selector: Selector, policy_ns: &str, notes: &mut Vec<String>) -> Peer {
    let split = split(selector, notes);
    let mut namespaces = split.namespaces;
    let namespaces = if split.names_namespace {
        Some(namespaces)
    } else if namespaces == Selector::default() {
        None
    } else {
        namespaces
            .match_labels
            .push((NAMESPACE_NAME_LABEL.to_string(), policy_ns.to_string()));
        namespaces.match_labels.sort();
        Some(namespaces)
    };
    Peer::Pods {
        namespaces,
        pods: Some(split.pods),
        accounts: (split.accounts != Selector::default()).then(|| Box::new(split.accounts)),
    }
}
