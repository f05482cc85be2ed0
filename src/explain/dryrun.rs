//! `explain` across a dry-run namespace: the verdict now, while the namespace only
//! observes, and the verdict once it is enforced, which is what the intents mean and
//! what `explain` exits with.
//!
//! Both come from the evaluator: the enforced answer reads the objects enforcement would
//! write (NetworkPolicies, STRICT mTLS, AuthorizationPolicies without the dry-run
//! annotation), the answer now reads the objects `build` writes, with dry-run
//! AuthorizationPolicies left out as the proxy leaves them out.

use super::answer::{Explanation, Question};
use super::resolve::explain;
use crate::ir::Mesh;
use crate::source::SourceMap;
use serde_json::Value;

/// The dry-run namespaces among FROM's and TO's, sorted: the ones whose objects change
/// the answer. An external has no namespace.
pub fn observed_namespaces(mesh: &Mesh, q: &Question) -> Vec<String> {
    let mut out: Vec<String> = [&q.from, &q.to]
        .into_iter()
        .filter_map(|party| party.split_once('.').map(|(_, ns)| ns))
        .filter(|ns| mesh.settings.is_dry_run(ns))
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The answer on the ENFORCED objects, with the verdicts on the WRITTEN ones beside it
/// when FROM or TO lives in a dry-run namespace.
pub fn explain_observed(
    mesh: &Mesh,
    written: &[Value],
    enforced: &[Value],
    sources: &SourceMap,
    q: &Question,
) -> Result<Explanation, String> {
    let namespaces = observed_namespaces(mesh, q);
    if namespaces.is_empty() {
        return explain(mesh, written, sources, q);
    }
    let mut answer = explain(mesh, enforced, sources, q)?;
    let now = explain(mesh, written, sources, q)?;
    for (port, now) in answer.ports.iter_mut().zip(&now.ports) {
        port.allowed_now = Some(now.allowed);
    }
    answer.allowed_now = Some(now.allowed);
    answer.dry_run = namespaces;
    Ok(answer)
}
