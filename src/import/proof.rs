//! The proof that the written intents admit what the input admits: build them in memory,
//! put the policies the build renders in place of the input's, around the same workloads
//! and namespaces, and ask the evaluator the same questions of both.
//!
//! Two answers are compared for every pair the import did not list as left out:
//! the connectivity listing (every port of every protocol, workloads and address ranges,
//! both directions), and, for every admitted TCP port, a set of requests drawn from both
//! sides' AuthorizationPolicies (methods, paths just inside and outside each pattern,
//! each header value and a stranger, tokens of each issuer with and without each claim, and
//! of an issuer nobody knows). A difference is a meshward bug (exit 3).

use super::plan::{count, Plan, Scope, Unexpressed};
use crate::connectivity::{Connection, ProtocolPorts};
use crate::evaluate::{Cluster, ConditionKey, Pod, PodView, Request, Token};
use crate::inventory::Inventory;
use std::collections::{BTreeMap, BTreeSet};

pub(super) struct Proof {
    pub mismatches: Vec<String>,
    /// Differences meshward's namespace defaults cause (DNS, istiod): listed, not bugs.
    pub defaults: Vec<Unexpressed>,
    pub connections: usize,
    pub requests: usize,
}

/// The mesh defaults every managed pod may reach: `dns` and `istiod` as the import writes
/// them (meshward's defaults).
fn default_target(w: &crate::inventory::Workload) -> bool {
    (w.namespace == "kube-system"
        && w.labels.get("k8s-app").map(String::as_str) == Some("kube-dns"))
        || (w.namespace == "istio-system"
            && w.labels.get("app").map(String::as_str) == Some("istiod"))
}

pub(super) fn prove(plan: &Plan, files: &[(String, String)]) -> Proof {
    let mut proof = Proof {
        mismatches: Vec::new(),
        defaults: Vec::new(),
        connections: 0,
        requests: 0,
    };
    let outcome = crate::pipeline::run_texts(files.to_vec());
    let built = match (
        &outcome.result,
        outcome.has_errors(),
        outcome.faults.is_empty(),
    ) {
        (Some((mesh, _)), false, true) => crate::pipeline::render_objects(mesh).ok(),
        _ => None,
    };
    let Some(objects) = built else {
        for d in outcome.diagnostics.iter().filter(|d| d.is_error()) {
            proof
                .mismatches
                .push(format!("the imported intents do not build: {}", d.message));
        }
        for f in &outcome.faults {
            proof
                .mismatches
                .push(format!("the imported intents fail the self-check: {f:?}"));
        }
        if proof.mismatches.is_empty() {
            proof
                .mismatches
                .push("the imported intents do not build".into());
        }
        return proof;
    };
    // The pipeline's model and YAML texts are not needed past this point.
    drop(outcome);
    let inv = plan.inv;
    // The namespaces the intents write nothing for keep their objects.
    let mut policies = crate::inventory::objects(objects, "<imported build>");
    policies.extend(
        inv.policies
            .iter()
            .filter(|o| {
                plan.kept
                    .contains(&crate::inventory::namespace_of(&o.value))
            })
            .cloned(),
    );
    let built = Inventory {
        namespaces: inv.namespaces.clone(),
        workloads: inv.workloads.clone(),
        services: inv.services.clone(),
        policies,
        notes: Vec::new(),
        trust_domain: inv.trust_domain.clone(),
    };
    let cluster_out = built.cluster();
    let after = crate::connectivity::connectivity_in(&built, &cluster_out);
    let index =
        |list: &[Connection]| -> BTreeMap<(String, String), (Vec<ProtocolPorts>, &'static str)> {
            list.iter()
                .map(|c| ((c.from.clone(), c.to.clone()), (c.l4.clone(), c.l7)))
                .collect()
        };
    let (was, now) = (index(&plan.listing.connections), index(&after.connections));
    let by_id: BTreeMap<String, usize> = inv
        .workloads
        .iter()
        .enumerate()
        .map(|(i, w)| (w.id(), i))
        .collect();
    let keys: BTreeSet<&(String, String)> = was.keys().chain(now.keys()).collect();
    for key in keys {
        let (from, to) = key;
        if plan.left_out(from, to) {
            // Left out is not compared, but never wider between ends the intents speak
            // for: the build may admit less than the input there (what the list says),
            // never more. A workload left out itself has none of its policies in the
            // build (it keeps its own), so its pairs say nothing about the intents.
            if let Some((l4, _)) = now.get(key).filter(|_| spoken_for(plan, &by_id, from, to)) {
                let input = was.get(key).map(|w| w.0.as_slice()).unwrap_or_default();
                if !within(l4, input) {
                    proof.mismatches.push(format!(
                        "{from} -> {to} (left out): the imported build admits {}, more than the input's {}",
                        show(now.get(key)),
                        show(was.get(key))
                    ));
                }
            }
            continue;
        }
        proof.connections += 1;
        let (a, b) = (was.get(key), now.get(key));
        // L4 here; L7 is compared request by request below, with the requests both
        // readings' policies suggest (each listing's `l7` summary asks only its own).
        if a.map(|x| &x.0) == b.map(|x| &x.0) {
            continue;
        }
        let message = format!(
            "{from} -> {to}: the input admits {}, the imported build {}",
            show(a),
            show(b)
        );
        match by_id.get(to) {
            Some(&j) if default_target(&inv.workloads[j]) => proof.defaults.push(Unexpressed {
                origin: inv.workloads[j].origin.clone(),
                message: format!("{message}: meshward lets every pod of a namespace it manages reach DNS and istiod"),
                scopes: vec![Scope::pair(from, to)],
            }),
            _ => proof.mismatches.push(message),
        }
    }
    requests(plan, &cluster_out, &was, &by_id, &mut proof, false);
    requests(plan, &cluster_out, &now, &by_id, &mut proof, true);
    proof
}

/// Whether both ends of a pair are addresses, services the intents write, or mesh
/// workloads they leave to their owners (as the input does): not workloads left out.
fn spoken_for(plan: &Plan, by_id: &BTreeMap<String, usize>, from: &str, to: &str) -> bool {
    [from, to].iter().all(|id| match by_id.get(*id) {
        Some(&i) => plan.roles[i] != super::plan::Role::Left,
        None => id.starts_with("ipBlock:"),
    })
}

/// Whether every port of every protocol in INNER is admitted by OUTER.
fn within(inner: &[ProtocolPorts], outer: &[ProtocolPorts]) -> bool {
    inner.iter().all(|p| {
        let wide: Vec<[u16; 2]> = outer
            .iter()
            .filter(|o| o.protocol == p.protocol)
            .flat_map(|o| o.ports.iter().copied())
            .collect();
        p.ports.iter().all(|r| {
            // Ranges are merged, so one outer range holds each inner one when any does.
            wide.iter().any(|w| w[0] <= r[0] && r[1] <= w[1])
        })
    })
}

fn show(c: Option<&(Vec<ProtocolPorts>, &'static str)>) -> String {
    match c {
        None => "nothing".into(),
        Some((l4, l7)) => {
            let ports: Vec<String> = l4
                .iter()
                .map(|p| format!("{} {:?}", p.protocol, p.ports))
                .collect();
            format!("{} (l7 {l7})", ports.join(", "))
        }
    }
}

/// Ask both readings the same requests on every admitted TCP port of the pairs in
/// LISTING: the compared ones, or (LEFT) the left-out ones, where the build may refuse
/// what the input admits but never admit what it refuses.
fn requests(
    plan: &Plan,
    after: &Cluster,
    listing: &BTreeMap<(String, String), (Vec<ProtocolPorts>, &'static str)>,
    by_id: &BTreeMap<String, usize>,
    proof: &mut Proof,
    left: bool,
) {
    // By destination: its requests are drawn once, and dropped before the next one's (a
    // large dump holds thousands of destinations, each with hundreds of requests).
    let mut by_destination: BTreeMap<usize, Vec<Pair>> = BTreeMap::new();
    for ((from, to), (l4, _)) in listing {
        if plan.left_out(from, to) != left || (left && !spoken_for(plan, by_id, from, to)) {
            continue;
        }
        if let Some(&j) = by_id.get(to) {
            by_destination.entry(j).or_default().push((from, to, l4));
        }
    }
    for (j, pairs) in by_destination {
        let pod: &Pod = &plan.pods[j];
        let probes = probes(&plan.cluster.view(pod), &after.view(pod));
        if !pairs_agree(plan, after, pod, &probes, &pairs, by_id, proof, left) {
            return;
        }
    }
}

/// One listed pair: from, to (listing ids), and what L4 admits.
type Pair<'a> = (&'a String, &'a String, &'a Vec<ProtocolPorts>);

/// Ask every request of PROBES on each admitted TCP port of PAIRS (all to POD); false on
/// the first disagreement, which is recorded.
#[allow(clippy::too_many_arguments)]
fn pairs_agree(
    plan: &Plan,
    after: &Cluster,
    pod: &Pod,
    probes: &[Request],
    pairs: &[Pair],
    by_id: &BTreeMap<String, usize>,
    proof: &mut Proof,
    left: bool,
) -> bool {
    let service = plan.cluster.services_of(pod).into_iter().next();
    for &(from, to, l4) in pairs {
        let source = by_id
            .get(from)
            .map(|&i| plan.inv.principal(&plan.inv.workloads[i]));
        let mut ports: Vec<u16> = Vec::new();
        for p in l4.iter().filter(|p| p.protocol == "TCP") {
            for r in &p.ports {
                if count(std::slice::from_ref(p)) <= super::service::PORT_LIMIT {
                    ports.extend(r[0]..=r[1]);
                } else {
                    ports.extend([r[0], r[1]]);
                }
            }
        }
        for port in ports {
            for probe in probes.iter() {
                let mut req = probe.clone();
                req.port = port;
                if let Some(p) = &source {
                    req.principal = Some(p.clone());
                    req.namespace = crate::evaluate::principal_namespace(p).map(str::to_string);
                }
                proof.requests += usize::from(!left);
                let (a, b) = (
                    plan.cluster
                        .call_allowed(pod, service, &req, &plan.inv.trust_domain)
                        .is_allowed(),
                    after
                        .call_allowed(pod, service, &req, &plan.inv.trust_domain)
                        .is_allowed(),
                );
                if a != b && !(left && a) {
                    proof.mismatches.push(format!(
                        "{from} -> {to}: {req:?} is {} by the input and {} by the imported build",
                        verdict(a),
                        verdict(b)
                    ));
                    return false;
                }
            }
        }
    }
    true
}

fn verdict(allowed: bool) -> &'static str {
    if allowed {
        "allowed"
    } else {
        "denied"
    }
}

/// The requests worth asking of a pod, from what both readings' policies name.
fn probes(before: &PodView, after: &PodView) -> Vec<Request> {
    let mut methods: BTreeSet<String> = ["GET", "POST", "DELETE"].map(String::from).into();
    let mut paths: BTreeSet<String> = ["/", "/meshward-probe"].map(String::from).into();
    let mut headers: BTreeSet<(String, String)> = BTreeSet::new();
    let mut issuers: BTreeSet<String> = ["https://meshward.invalid".to_string()].into();
    let mut claims: BTreeSet<(String, String)> = BTreeSet::new();
    for view in [before, after] {
        issuers.extend(view.token_issuers().iter().map(|s| s.to_string()));
        for policy in view.authorization_policies() {
            for rule in &policy.rules {
                for op in &rule.to {
                    methods.extend(op.methods.iter().flatten().cloned());
                    for p in op.paths.iter().flatten() {
                        paths.extend(around_path(p));
                    }
                }
                for c in &rule.when {
                    let values = c.values.iter().chain(&c.not_values).flatten();
                    match &c.key {
                        ConditionKey::Header(h) => {
                            for v in values {
                                headers.insert((h.clone(), v.replace('*', "x")));
                            }
                            headers.insert((h.clone(), "meshward-stranger".into()));
                        }
                        ConditionKey::Claim(n) if n == "iss" => {
                            issuers.extend(values.cloned());
                        }
                        ConditionKey::Claim(n) => {
                            for v in values {
                                claims.insert((n.clone(), v.replace('*', "x")));
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    let mut tokens: Vec<Token> = Vec::new();
    for issuer in &issuers {
        let plain = Token::new(issuer, "probe");
        tokens.push(plain.clone());
        for (n, v) in &claims {
            tokens.push(plain.clone().claim(n, &[v]));
        }
        if !claims.is_empty() {
            let mut all = plain.clone();
            for (n, v) in &claims {
                all = all.claim(n, &[v]);
            }
            tokens.push(all);
        }
    }
    let mut out = vec![Request::plaintext(0)];
    for m in &methods {
        for p in &paths {
            let base = Request::plaintext(0).http(m, p);
            out.push(base.clone());
            for (h, v) in &headers {
                out.push(base.clone().header(h, v));
            }
            let mut every = base.clone();
            let mut seen = BTreeSet::new();
            for (h, v) in &headers {
                if seen.insert(h) {
                    every = every.header(h, v);
                }
            }
            for t in &tokens {
                out.push(base.clone().token(t.clone()));
                out.push(every.clone().token(t.clone()));
            }
        }
    }
    out
}

/// Paths just inside and just outside PATTERN.
fn around_path(pattern: &str) -> Vec<String> {
    if let Some(head) = pattern.strip_suffix('*') {
        vec![
            head.to_string(),
            format!("{head}x"),
            head.trim_end_matches('/').to_string() + "/",
        ]
        .into_iter()
        .chain(
            [head.trim_end_matches('/').to_string()]
                .into_iter()
                .filter(|s| !s.is_empty()),
        )
        .collect()
    } else if let Some(tail) = pattern.strip_prefix('*') {
        vec![format!("/x{tail}"), format!("/x{tail}x")]
    } else {
        vec![
            pattern.to_string(),
            format!("{pattern}/x"),
            format!("{pattern}x"),
        ]
    }
}
