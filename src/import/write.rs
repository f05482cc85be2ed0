//! The intent files, as text: one per service (`NS/NAME.intent`), `mesh.intent` with the
//! workloads and token issuers, one per external (`externals/NAME.intent`). Each line
//! that grants something is preceded by a comment naming the policy it came from, and
//! each file is put in the canonical layout by `crate::fmt` before it is returned.

use super::plan::Plan;
use super::rules::{Callers, HttpRule};
use super::service::{Line, Service};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// A destination that is not a service: a mesh `workload` or an `external`, with its
/// ports and who may call it on which.
#[derive(Debug, Default)]
pub(super) struct Target {
    pub ports: BTreeSet<u16>,
    pub callers: BTreeMap<usize, BTreeSet<u16>>,
}

/// What the whole tree says, ready to write.
pub(super) struct Tree<'a> {
    pub plan: &'a Plan<'a>,
    pub services: &'a [Service],
    /// Open workloads, by index, with what services call on them.
    pub opens: &'a BTreeMap<usize, Target>,
    /// External name → its ranges and callers.
    pub externals: &'a BTreeMap<String, (Vec<String>, Target)>,
    /// Service index → calls (`NAME in NS:PORT`, `external NAME:PORT`).
    pub calls: &'a BTreeMap<usize, BTreeSet<String>>,
    /// Issuer → (name, jwks) for those the rules use.
    pub jwts: &'a BTreeMap<String, (String, String)>,
    pub sidecar_scoping: bool,
    pub cilium: bool,
}

/// The name of target port PORT of workload I: its container port's name when that is a
/// usable name, else `pNUMBER`.
pub(super) fn port_name(plan: &Plan, i: usize, port: u16) -> String {
    let w = plan.workload(i);
    let named = w
        .ports
        .iter()
        .find(|p| p.number == port && p.protocol == "TCP")
        .and_then(|p| p.name.clone());
    let clash = |n: &str| {
        w.ports
            .iter()
            .filter(|p| p.name.as_deref() == Some(n))
            .count()
            > 1
            || n.starts_with('p') && n[1..].parse::<u16>().is_ok()
    };
    match named {
        Some(n) if super::names::name(&n) && !clash(&n) => n,
        _ => format!("p{port}"),
    }
}

fn caller(plan: &Plan, i: usize) -> String {
    let w = plan.workload(i);
    format!("{} in {}", w.name, w.namespace)
}

fn rules_text(rules: &[HttpRule]) -> String {
    let mut out = String::new();
    for r in rules {
        let methods = if r.methods.is_empty() {
            "*".to_string()
        } else {
            r.methods.join("|")
        };
        let _ = write!(out, "\n    {methods} {}", r.paths.join(", "));
        if !r.when.is_empty() {
            let _ = write!(out, " when {}", r.when.join(" and "));
        }
    }
    out
}

fn line_text(plan: &Plan, j: usize, line: &Line) -> String {
    let callers = match &line.callers {
        Callers::Anyone => "anyone".to_string(),
        Callers::Some(set) => set
            .iter()
            .map(|i| caller(plan, *i))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let ports: Vec<String> = line.ports.iter().map(|p| port_name(plan, j, *p)).collect();
    let verb = if line.deny { "deny" } else { "allow" };
    let body = if line.rules.is_empty() {
        String::new()
    } else {
        format!(" {{{}\n  }}", rules_text(&line.rules))
    };
    format!(
        "  # {}\n  {verb} {callers} to {}{body}\n",
        line.source,
        ports.join(", ")
    )
}

fn service_text(tree: &Tree, s: &Service) -> String {
    let plan = tree.plan;
    let w = plan.workload(s.index);
    let mut out = format!(
        "# Imported from {} {} ({}).\n\nservice {} in {} {{\n",
        w.kind,
        w.id(),
        w.origin,
        w.name,
        w.namespace
    );
    let _ = writeln!(out, "  account {}", w.service_account);
    let labels: Vec<String> = w.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let _ = writeln!(out, "  selector {}", labels.join(", "));
    for (port, http) in &s.ports {
        let proto = if *http { "http" } else { "tcp" };
        let _ = writeln!(
            out,
            "  port {} {port}/{proto}",
            port_name(plan, s.index, *port)
        );
    }
    if s.permissive {
        out.push_str("  mtls permissive\n");
    }
    for line in &s.lines {
        out.push('\n');
        out.push_str(&line_text(plan, s.index, line));
    }
    if let Some(calls) = tree.calls.get(&s.index).filter(|c| !c.is_empty()) {
        out.push('\n');
        for c in calls {
            let _ = writeln!(out, "  calls {c}");
        }
    }
    out.push_str("}\n");
    out
}

fn target_lines(plan: &Plan, owner: &dyn Fn(u16) -> String, t: &Target) -> String {
    let mut out = String::new();
    for p in &t.ports {
        let _ = writeln!(out, "  port {} {p}", owner(*p));
    }
    let mut by_ports: BTreeMap<&BTreeSet<u16>, Vec<usize>> = BTreeMap::new();
    for (i, ps) in &t.callers {
        by_ports.entry(ps).or_default().push(*i);
    }
    for (ps, callers) in by_ports {
        let callers: Vec<String> = callers.iter().map(|i| caller(plan, *i)).collect();
        let ports: Vec<String> = ps.iter().map(|p| owner(*p)).collect();
        let _ = writeln!(
            out,
            "  allow {} to {}",
            callers.join(", "),
            ports.join(", ")
        );
    }
    out
}

fn mesh_text(tree: &Tree) -> String {
    let plan = tree.plan;
    let mut out = String::from("# Imported by `meshward import`: mesh-wide settings, the workloads meshward\n# writes no policy for (their namespaces have none), and end-user token issuers.\n\nmesh {\n");
    if plan.inv.trust_domain != crate::inventory::DEFAULT_TRUST_DOMAIN {
        let _ = writeln!(out, "  trust-domain {}", plan.inv.trust_domain);
    }
    let _ = writeln!(
        out,
        "  sidecar-scoping {}",
        if tree.sidecar_scoping { "on" } else { "off" }
    );
    if tree.cilium {
        out.push_str("  network cilium\n");
    }
    if let Some(i) = plan.scraper {
        let _ = writeln!(out, "  scraper {}", caller(plan, i));
    }
    for (issuer, (name, jwks)) in tree.jwts {
        let _ = writeln!(
            out,
            "\n  jwt {name} {{\n    issuer {issuer}\n    jwks {jwks}\n  }}"
        );
    }
    let empty = Target::default();
    for (i, role) in plan.roles.iter().enumerate() {
        if *role != super::plan::Role::Open {
            continue;
        }
        let w = plan.workload(i);
        let labels: Vec<String> = w.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = write!(
            out,
            "\n  # {} {} ({})\n  workload {} in {} {{\n    selector {}\n    account {}\n",
            w.kind,
            w.id(),
            w.origin,
            w.name,
            w.namespace,
            labels.join(", "),
            w.service_account
        );
        let t = tree.opens.get(&i).unwrap_or(&empty);
        let name = |p: u16| port_name(plan, i, p);
        for l in target_lines(plan, &name, t).lines() {
            let _ = writeln!(out, "  {l}");
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

fn external_text(tree: &Tree, name: &str, cidrs: &[String], t: &Target) -> String {
    let mut out = format!("# Imported: addresses outside the cluster that NetworkPolicy ipBlocks let\n# services reach.\n\nexternal {name} {{\n  cidr {}\n", cidrs.join(", "));
    let pname = |p: u16| format!("p{p}");
    out.push_str(&target_lines(tree.plan, &pname, t));
    out.push_str("}\n");
    out
}

/// Every file, path relative to the output folder, formatted; an error when `fmt`
/// refuses one (a bug: the text was generated).
pub(super) fn files(tree: &Tree) -> Result<Vec<(String, String)>, String> {
    let mut out = vec![("mesh.intent".to_string(), mesh_text(tree))];
    for s in tree.services {
        let w = tree.plan.workload(s.index);
        out.push((
            format!("{}/{}.intent", w.namespace, w.name),
            service_text(tree, s),
        ));
    }
    for (name, (cidrs, t)) in tree.externals {
        out.push((
            format!("externals/{name}.intent"),
            external_text(tree, name, cidrs, t),
        ));
    }
    out.into_iter()
        .map(|(path, text)| match crate::fmt::format(&text) {
            Ok(formatted) => Ok((path, formatted)),
            Err(d) => Err(format!(
                "{path} as generated does not parse ({}):\n{text}",
                d.first().map(|d| d.message.clone()).unwrap_or_default()
            )),
        })
        .collect()
}
