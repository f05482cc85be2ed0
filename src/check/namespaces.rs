//! Rules between the services of one namespace, and namespaces meshward must stay out of.
//! Each needs every draft at once, so they run after the index is built.

use super::draft::Draft;
use super::index::Index;
use super::labels;
use super::sink::Sink;
use crate::code::Code;
use std::collections::BTreeMap;

/// Namespaces meshward must not manage: the defaults it writes for a managed namespace
/// (deny-all, STRICT, allow-nothing) would cut DNS or istiod off from every pod, and in
/// Istio's root namespace the allow-nothing policy applies to the whole mesh.
pub(crate) fn check_system_namespaces(
    drafts: &[Draft],
    index: &Index,
    system: &[(&str, &str)],
    sink: &mut Sink,
) {
    for d in drafts.iter().filter(|d| index.is_canonical(d)) {
        let ns = d.identity.namespace.as_str();
        if let Some((_, what)) = system.iter().find(|(s, _)| *s == ns) {
            sink.error(
                Code::SystemNamespace,
                d.ast.namespace.span,
                format!("service `{}` is in namespace `{ns}`, where {what} runs", d.identity.name),
            )
            .help("meshward would deny all traffic in that namespace by default; declare the pods you need to call there as a `workload` in the mesh block instead");
        }
    }
}

/// Rules between services of one namespace: own accounts, selectors that do not overlap,
/// no `version` selectors where subsets are split by `version`.
pub(crate) fn check_namespaces(drafts: &[Draft], index: &Index, sink: &mut Sink) {
    let mut by_namespace: BTreeMap<&str, Vec<&Draft>> = BTreeMap::new();
    for d in drafts.iter().filter(|d| index.is_canonical(d)) {
        by_namespace
            .entry(&d.identity.namespace)
            .or_default()
            .push(d);
    }
    for (namespace, members) in by_namespace {
        let mut accounts: BTreeMap<&str, &Draft> = BTreeMap::new();
        for d in &members {
            match accounts.get(d.identity.account.as_str()) {
                Some(first) => {
                    sink.error(Code::SharedAccount,
                        d.account_span,
                        format!(
                            "services `{}` and `{}` in namespace `{namespace}` share the account `{}`",
                            first.identity.name, d.identity.name, d.identity.account
                        ),
                    )
                    .help(if d.account_span == d.ast.name.span {
                        format!("`{}` has no `account` statement, so its account is its name; give each service its own `account`, or callers could not be told apart at L7", d.identity.name)
                    } else {
                        "give each service its own `account`, or callers could not be told apart at L7".to_string()
                    })
                    .note(first.account_span, "the other service's account");
                }
                None => {
                    accounts.insert(&d.identity.account, d);
                }
            }
        }
        for (i, later) in members.iter().enumerate() {
            for earlier in &members[..i] {
                let (a, b) = (&earlier.identity.selector, &later.identity.selector);
                if labels::overlap(a, b) {
                    sink.error(
                        Code::OverlappingSelectors,
                        later.selector_span,
                        format!(
                            "the selectors of `{}` and `{}` overlap: one picks pods of the other",
                            earlier.identity.name, later.identity.name
                        ),
                    )
                    .help("add a label that tells their pods apart")
                    .note(earlier.selector_span, "the other service's selector");
                }
            }
        }
        if let Some(split) = members.iter().find_map(|d| d.split) {
            for d in &members {
                if let Some(label) = d.selector_labels.iter().find(|l| l.key.text == "version") {
                    sink.error(Code::VersionSelector,
                        label.key.span,
                        format!("`{}` selects on `version`, which subsets use in this namespace", d.identity.name),
                    )
                    .help("subsets of a split are told apart by the pod label `version`; select on another key")
                    .note(split, "a split in this namespace");
                }
            }
        }
    }
}
