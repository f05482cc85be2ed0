//! One AuthorizationPolicy rule read back into the intent language's terms: who it names,
//! the end-user token and conditions it requires, and its operations grouped by port.
//!
//! Only what the language can say exactly is accepted; anything else (`notPrincipals`,
//! `notPaths`, `hosts`, `ipBlocks`, a `when` key other than headers and token claims, a
//! `requestPrincipals` that is not a whole issuer) is an error naming the field, and the
//! caller leaves the policy's workload out rather than guess.

use super::names;
use crate::evaluate::{istio_match, AuthorizationRule, ConditionKey};
use std::collections::{BTreeMap, BTreeSet};

/// Who a rule names: any source, or these workloads of the input (by index).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Callers {
    Anyone,
    Some(BTreeSet<usize>),
}

/// One HTTP rule: methods (empty: any) and path patterns (empty: any), with conditions.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct HttpRule {
    pub methods: Vec<String>,
    pub paths: Vec<String>,
    pub when: Vec<String>,
}

/// A rule in the language's terms. `groups` maps the ports an operation names (`None`:
/// every port) to its HTTP rules; an empty list admits every request on those ports.
#[derive(Debug)]
pub(super) struct Translated {
    pub callers: Callers,
    pub jwt: Option<String>,
    pub groups: BTreeMap<Option<BTreeSet<u16>>, Vec<HttpRule>>,
}

pub(super) fn translate(
    rule: &AuthorizationRule,
    inv: &crate::inventory::Inventory,
    jwt_name: &dyn Fn(&str) -> Option<String>,
) -> Result<Translated, String> {
    let (callers, issuer) = sources(rule, inv)?;
    let mut when = Vec::new();
    let mut iss_checked = false;
    for c in &rule.when {
        let values = |vs: &Vec<String>, what: &str| -> Result<String, String> {
            if vs.is_empty() || !vs.iter().all(|v| names::value(v)) {
                return Err(format!("a `when` {what} value the language cannot write"));
            }
            Ok(vs.join(", "))
        };
        match (&c.key, &c.values, &c.not_values) {
            (ConditionKey::Header(h), Some(v), None) if names::header(h) => {
                when.push(format!("header {h} = {}", values(v, "header")?))
            }
            (ConditionKey::Header(h), None, Some(v)) if names::header(h) => {
                when.push(format!("header {h} != {}", values(v, "header")?))
            }
            (ConditionKey::Claim(n), Some(v), None) if n == "iss" => {
                if issuer.as_ref().is_none_or(|i| v != &vec![i.clone()]) {
                    return Err("a `request.auth.claims[iss]` condition that is not the issuer of the rule's `requestPrincipals`".into());
                }
                iss_checked = true;
            }
            (ConditionKey::Claim(n), Some(v), None) if names::claim(n) && issuer.is_some() => {
                when.push(format!("claim {n} = {}", values(v, "claim")?))
            }
            (key, _, _) => {
                return Err(format!(
                    "a `when` condition on {key:?} the language cannot write (headers with `values` or `notValues`, and claims of a token the rule requires, can be)"
                ))
            }
        }
    }
    let mut jwt = None;
    if let Some(issuer) = &issuer {
        if !iss_checked {
            return Err(format!("`requestPrincipals: [\"{issuer}/*\"]` without `request.auth.claims[iss]` equal to `{issuer}`: it would also admit issuers whose URL starts with it"));
        }
        let name = jwt_name(issuer).ok_or_else(|| {
            format!("a token issuer `{issuer}` no RequestAuthentication gives a `jwksUri` for")
        })?;
        when.insert(0, format!("jwt {name}"));
        jwt = Some(issuer.clone());
    }
    let mut groups: BTreeMap<Option<BTreeSet<u16>>, Vec<HttpRule>> = BTreeMap::new();
    let mut bare: BTreeSet<Option<BTreeSet<u16>>> = BTreeSet::new();
    let ops: Vec<crate::evaluate::Operation> = if rule.to.is_empty() {
        vec![Default::default()]
    } else {
        rule.to.clone()
    };
    for op in &ops {
        if op.unsupported
            || op.not_ports.is_some()
            || op.not_methods.is_some()
            || op.not_paths.is_some()
        {
            return Err("an operation with `hosts`, `notPorts`, `notMethods` or `notPaths`".into());
        }
        let ports = match &op.ports {
            None => None,
            Some(ps) => Some(
                ps.iter()
                    .map(|p| p.parse::<u16>().map_err(|_| format!("the port `{p}`")))
                    .collect::<Result<BTreeSet<u16>, String>>()?,
            ),
        };
        let methods = op.methods.clone().unwrap_or_default();
        let paths = op.paths.clone().unwrap_or_default();
        if let Some(m) = methods.iter().find(|m| !names::method(m)) {
            return Err(format!("the method `{m}`"));
        }
        if let Some(p) = paths.iter().find(|p| !names::path(p)) {
            return Err(format!("the path `{p}`, which the language cannot write"));
        }
        let list = groups.entry(ports.clone()).or_default();
        if methods.is_empty() && paths.is_empty() {
            if when.is_empty() {
                bare.insert(ports);
                continue;
            }
            list.push(HttpRule {
                methods,
                paths: vec!["/*".into()],
                when: when.clone(),
            });
        } else {
            let paths = if paths.is_empty() {
                vec!["/*".into()]
            } else {
                paths
            };
            list.push(HttpRule {
                methods,
                paths,
                when: when.clone(),
            });
        }
    }
    for ports in bare {
        groups.insert(ports, Vec::new());
    }
    Ok(Translated {
        callers,
        jwt,
        groups,
    })
}

/// The workloads a rule's `from` names, and the issuer its `requestPrincipals` require.
fn sources(
    rule: &AuthorizationRule,
    inv: &crate::inventory::Inventory,
) -> Result<(Callers, Option<String>), String> {
    if rule.from.is_empty() {
        return Ok((Callers::Anyone, None));
    }
    let mut issuers = BTreeSet::new();
    let mut anyone = false;
    let mut matched = BTreeSet::new();
    for s in &rule.from {
        if s.unsupported || s.not_principals.is_some() || s.not_namespaces.is_some() {
            return Err("a source with `notPrincipals`, `notNamespaces` or `ipBlocks`".into());
        }
        match &s.request_principals {
            None => {
                issuers.insert(None);
            }
            Some(rp) => match (&rp.values, &rp.not_values) {
                (Some(v), None) if v.len() == 1 && v[0].ends_with("/*") => {
                    issuers.insert(Some(v[0].trim_end_matches("/*").to_string()));
                }
                _ => {
                    return Err(
                        "`requestPrincipals` other than one whole issuer (`ISSUER/*`)".into(),
                    )
                }
            },
        }
        if s.principals.is_none() && s.namespaces.is_none() {
            anyone = true;
            continue;
        }
        for (i, w) in inv.workloads.iter().enumerate() {
            let p = inv.principal(w);
            let by_principal = s
                .principals
                .as_ref()
                .is_none_or(|ps| ps.iter().any(|x| istio_match(x, &p)));
            let by_namespace = s
                .namespaces
                .as_ref()
                .is_none_or(|ns| ns.iter().any(|x| istio_match(x, &w.namespace)));
            if by_principal && by_namespace {
                matched.insert(i);
            }
        }
    }
    if issuers.len() > 1 {
        return Err("sources requiring different end-user tokens in one rule".into());
    }
    let issuer = issuers.into_iter().next().flatten();
    let callers = if anyone {
        Callers::Anyone
    } else {
        Callers::Some(matched)
    };
    Ok((callers, issuer))
}
