//! AuthorizationPolicy's JSON shapes: rules, sources and operations; and the
//! [`AuthorizationPolicy`] built from them, with the notes on what this model does not
//! evaluate.

use super::selector::{match_labels, RawSelector};
use super::strings::{set, Strings};
use crate::evaluate::policy::{
    Action, AuthorizationPolicy, AuthorizationRule, Condition, ConditionKey, Operation,
    RequestPrincipals, Source,
};
use serde::de::IgnoredAny;
use serde::Deserialize;

#[derive(Deserialize)]
pub(crate) struct RawRule {
    #[serde(default)]
    from: Option<Vec<RawFrom>>,
    #[serde(default)]
    to: Option<Vec<RawTo>>,
    #[serde(default)]
    when: Option<Vec<RawCondition>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCondition {
    key: String,
    #[serde(default)]
    values: Strings,
    #[serde(default)]
    not_values: Strings,
}

#[derive(Deserialize)]
struct RawFrom {
    #[serde(default)]
    source: Option<RawSource>,
}

#[derive(Deserialize)]
struct RawTo {
    #[serde(default)]
    operation: Option<RawOperation>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawSource {
    #[serde(default)]
    principals: Strings,
    #[serde(default)]
    not_principals: Strings,
    #[serde(default)]
    namespaces: Strings,
    #[serde(default)]
    not_namespaces: Strings,
    #[serde(default)]
    request_principals: Strings,
    #[serde(default)]
    not_request_principals: Strings,
    #[serde(default)]
    ip_blocks: Option<IgnoredAny>,
    #[serde(default)]
    not_ip_blocks: Option<IgnoredAny>,
    #[serde(default)]
    remote_ip_blocks: Option<IgnoredAny>,
    #[serde(default)]
    not_remote_ip_blocks: Option<IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawOperation {
    #[serde(default)]
    ports: Strings,
    #[serde(default)]
    not_ports: Strings,
    #[serde(default)]
    methods: Strings,
    #[serde(default)]
    not_methods: Strings,
    #[serde(default)]
    paths: Strings,
    #[serde(default)]
    not_paths: Strings,
    #[serde(default)]
    hosts: Option<IgnoredAny>,
    #[serde(default)]
    not_hosts: Option<IgnoredAny>,
}

/// The AuthorizationPolicy of a spec's AuthorizationPolicy fields, with its notes.
/// ROOT_NAMESPACE is Istio's root namespace, for the notes. The fields come one by one
/// because the spec (`object.rs`) holds this file's rule shapes, so this file does not
/// name it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn policy(
    namespace: String,
    name: String,
    dry_run: bool,
    root_namespace: &str,
    selector: Option<RawSelector>,
    action: Option<String>,
    target_ref: Option<super::target::RawTarget>,
    target_refs: Option<Vec<super::target::RawTarget>>,
    rules: Option<Vec<RawRule>>,
) -> AuthorizationPolicy {
    let title = format!("AuthorizationPolicy {namespace}/{name}");
    let mut notes = Vec::new();
    let action = match action.as_deref() {
        None | Some("ALLOW") => Some(Action::Allow),
        Some("DENY") => Some(Action::Deny),
        Some(other) => {
            if matches!(other, "CUSTOM" | "AUDIT") {
                notes.push(format!("{title}: action {other} ignored"));
            }
            None
        }
    };
    let targeted = target_ref.is_some() || target_refs.is_some();
    let targets = super::target::targets(target_ref, target_refs);
    if targeted {
        notes.push(format!("{title}: targetRef(s) policy ignored for sidecars"));
    }
    if namespace == root_namespace {
        notes.push(format!(
            "{title}: root-namespace policy not given mesh-wide reach"
        ));
    }
    let rules = rules
        .unwrap_or_default()
        .into_iter()
        .map(|rule| {
            let mut unknown: Vec<&str> = Vec::new();
            let when: Vec<Condition> = rule
                .when
                .unwrap_or_default()
                .into_iter()
                .map(|c| Condition {
                    key: condition_key(&c.key),
                    values: set(c.values),
                    not_values: set(c.not_values),
                })
                .collect();
            let unsupported_keys: Vec<String> = when
                .iter()
                .filter_map(|c| match &c.key {
                    ConditionKey::Unsupported(k) => Some(format!("when {k}")),
                    _ => None,
                })
                .collect();
            let from = rule
                .from
                .unwrap_or_default()
                .into_iter()
                .map(|f| {
                    let s = f.source.unwrap_or_default();
                    let unsupported: Vec<&str> = [
                        ("ipBlocks", s.ip_blocks.is_some()),
                        ("notIpBlocks", s.not_ip_blocks.is_some()),
                        ("remoteIpBlocks", s.remote_ip_blocks.is_some()),
                        ("notRemoteIpBlocks", s.not_remote_ip_blocks.is_some()),
                    ]
                    .into_iter()
                    .filter_map(|(key, set)| set.then_some(key))
                    .collect();
                    unknown.extend(&unsupported);
                    Source {
                        unsupported: !unsupported.is_empty(),
                        request_principals: match (
                            set(s.request_principals),
                            set(s.not_request_principals),
                        ) {
                            (None, None) => None,
                            (values, not_values) => {
                                Some(Box::new(RequestPrincipals { values, not_values }))
                            }
                        },
                        principals: set(s.principals),
                        not_principals: set(s.not_principals),
                        namespaces: set(s.namespaces),
                        not_namespaces: set(s.not_namespaces),
                    }
                })
                .collect();
            let to = rule
                .to
                .unwrap_or_default()
                .into_iter()
                .map(|t| {
                    let o = t.operation.unwrap_or_default();
                    let unsupported: Vec<&str> = [
                        ("hosts", o.hosts.is_some()),
                        ("notHosts", o.not_hosts.is_some()),
                    ]
                    .into_iter()
                    .filter_map(|(key, set)| set.then_some(key))
                    .collect();
                    unknown.extend(&unsupported);
                    Operation {
                        unsupported: !unsupported.is_empty(),
                        // Present even when empty: an ALLOW rule with `methods: []`
                        // still holds an HTTP-only field.
                        http_only: o.methods.is_some()
                            || o.not_methods.is_some()
                            || o.paths.is_some()
                            || o.not_paths.is_some(),
                        ports: set(o.ports),
                        not_ports: set(o.not_ports),
                        methods: set(o.methods),
                        not_methods: set(o.not_methods),
                        paths: set(o.paths),
                        not_paths: set(o.not_paths),
                    }
                })
                .collect();
            let mut unknown: Vec<String> = unknown.into_iter().map(str::to_string).collect();
            unknown.extend(unsupported_keys);
            if !unknown.is_empty() {
                notes.push(format!("{title}: fields not evaluated: {unknown:?}"));
            }
            AuthorizationRule { when, from, to }
        })
        .collect();
    AuthorizationPolicy {
        namespace,
        name,
        selector: match_labels(selector),
        targeted,
        targets,
        action,
        dry_run,
        rules,
        notes,
    }
}

/// The `when` key as this model evaluates it. Claims are read one level deep
/// (`request.auth.claims[groups]`); a nested claim (`[a][b]`) is not evaluated.
fn condition_key(key: &str) -> ConditionKey {
    let bracketed = |prefix: &str| {
        key.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(']'))
            .filter(|name| !name.is_empty() && !name.contains(['[', ']']))
    };
    if let Some(name) = bracketed("request.headers[") {
        return ConditionKey::Header(name.to_ascii_lowercase());
    }
    if let Some(name) = bracketed("request.auth.claims[") {
        return ConditionKey::Claim(name.to_string());
    }
    match key {
        "request.auth.principal" => ConditionKey::RequestPrincipal,
        "source.principal" => ConditionKey::SourcePrincipal,
        "source.namespace" => ConditionKey::SourceNamespace,
        "destination.port" => ConditionKey::DestinationPort,
        other => ConditionKey::Unsupported(other.to_string()),
    }
}
