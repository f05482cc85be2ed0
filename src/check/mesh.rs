//! The `mesh` block: settings with their defaults, declared workloads, the scraper.

use super::addresses;
use super::destination;
use super::index::Index;
use super::labels;
use super::names;
use super::sink::Sink;
use crate::ast::{self, MeshStatement};
use crate::code::Code;
use crate::ir::{self, Cidr, Identity, Labels, PodGroup};
use crate::source::Span;
use crate::suggest;

pub(crate) struct Settings {
    pub trust_domain: String,
    pub cluster_domain: String,
    pub istiod: PodGroup,
    pub dns: PodGroup,
    pub scraper: Option<(ast::Word, ast::Word)>,
    pub workloads: Vec<WorkloadDraft>,
    /// `cluster-cidrs` entries with where each is written.
    pub cluster_cidrs: Vec<(Cidr, Span)>,
    /// The `cluster-cidrs` statement, when there is one.
    pub cluster_cidrs_statement: Option<Span>,
    pub sidecar_scoping: bool,
    pub sync_waves: bool,
    /// Every namespace of every `dry-run` line, as written; resolved by `dryrun.rs` once
    /// the services are known.
    pub dry_run: Vec<ast::Word>,
    pub network: ir::Network,
    pub dataplane: ir::Dataplane,
    /// Every `waypoint NAME in NS` line, as written; resolved by `ambient.rs`.
    pub waypoints: Vec<(ast::Word, ast::Word, Span)>,
    /// `sidecar-scoping` as written, which ambient refuses when `on`.
    pub sidecar_scoping_written: Option<(bool, Span)>,
}

pub(crate) struct WorkloadDraft {
    pub identity: Identity,
    pub span: Span,
    /// Its ports as a destination, checked; resolving allows needs the index.
    pub ports: Vec<ir::Port>,
    pub allows: Vec<ast::Allow>,
    /// Whether its own lines (ports, account, selector) had no error.
    pub clean: bool,
}

fn group(namespace: &str, key: &str, value: &str) -> PodGroup {
    PodGroup {
        namespace: namespace.into(),
        selector: Labels::from([(key.into(), value.into())]),
    }
}

pub(crate) fn domain(word: &ast::Word, sink: &mut Sink) -> String {
    let ok = !word.text.is_empty()
        && word.text.len() <= 253
        && word.text.split('.').all(|part| {
            !part.is_empty()
                && part.len() <= 63
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
    if !ok {
        sink.error(
            Code::InvalidDomain,
            word.span,
            format!("`{}` is not a valid domain", word.text),
        )
        .help("a domain is lower-case DNS labels joined by dots, like `cluster.local`");
    }
    word.text.clone()
}

pub(crate) fn settings(mesh: Option<&ast::Mesh>, sink: &mut Sink) -> Settings {
    let mut settings = Settings {
        trust_domain: "cluster.local".into(),
        cluster_domain: "cluster.local".into(),
        istiod: group("istio-system", "app", "istiod"),
        dns: group("kube-system", "k8s-app", "kube-dns"),
        scraper: None,
        workloads: Vec::new(),
        cluster_cidrs: Vec::new(),
        cluster_cidrs_statement: None,
        sidecar_scoping: true,
        sync_waves: false,
        dry_run: Vec::new(),
        network: ir::Network::Kubernetes,
        dataplane: ir::Dataplane::Sidecar,
        waypoints: Vec::new(),
        sidecar_scoping_written: None,
    };
    let Some(mesh) = mesh else {
        return settings;
    };
    let mut seen: Vec<(&'static str, Span)> = Vec::new();
    let mut once = |what: &'static str, span: Span, sink: &mut Sink| -> bool {
        if let Some((_, first)) = seen.iter().find(|(w, _)| *w == what) {
            sink.error(
                Code::DuplicateSetting,
                span,
                format!("`{what}` is set twice in the mesh block"),
            )
            .note(*first, "first set here");
            return false;
        }
        seen.push((what, span));
        true
    };
    for statement in &mesh.statements {
        match statement {
            MeshStatement::TrustDomain(w) => {
                if once("trust-domain", w.span, sink) {
                    settings.trust_domain = domain(w, sink);
                }
            }
            MeshStatement::ClusterDomain(w) => {
                if once("cluster-domain", w.span, sink) {
                    settings.cluster_domain = domain(w, sink);
                }
            }
            MeshStatement::Istiod {
                span,
                namespace,
                labels: l,
            }
            | MeshStatement::Dns {
                span,
                namespace,
                labels: l,
            } => {
                let is_dns = matches!(statement, MeshStatement::Dns { .. });
                let what = if is_dns { "dns" } else { "istiod" };
                if !once(what, *span, sink) {
                    continue;
                }
                sink.ok(
                    Code::InvalidName,
                    namespace.span,
                    names::dns_label("namespace", &namespace.text),
                );
                let pods = PodGroup {
                    namespace: namespace.text.clone(),
                    selector: labels::checked(l, sink),
                };
                if is_dns {
                    settings.dns = pods;
                } else {
                    settings.istiod = pods;
                }
            }
            MeshStatement::Scraper {
                span,
                name,
                namespace,
            } => {
                if once("scraper", *span, sink) {
                    settings.scraper = Some((name.clone(), namespace.clone()));
                }
            }
            MeshStatement::Workload(w) => {
                if let Some(draft) = workload(w, &settings.workloads, sink) {
                    settings.workloads.push(draft);
                }
            }
            MeshStatement::ClusterCidrs { span, cidrs } => {
                if once("cluster-cidrs", *span, sink) {
                    settings.cluster_cidrs_statement = Some(*span);
                    for w in cidrs {
                        match addresses::cidr(&w.text) {
                            Ok(c) if !settings.cluster_cidrs.iter().any(|(k, _)| *k == c) => {
                                settings.cluster_cidrs.push((c, w.span))
                            }
                            Ok(_) => {}
                            Err(e) => {
                                sink.ok(Code::InvalidCidr, w.span, Err(e));
                            }
                        }
                    }
                }
            }
            MeshStatement::SidecarScoping(w) => {
                if once("sidecar-scoping", w.span, sink) {
                    settings.sidecar_scoping = switch("sidecar-scoping", true, w, sink);
                    settings.sidecar_scoping_written = Some((settings.sidecar_scoping, w.span));
                }
            }
            MeshStatement::SyncWaves(w) => {
                if once("sync-waves", w.span, sink) {
                    settings.sync_waves = switch("sync-waves", false, w, sink);
                }
            }
            MeshStatement::Network(w) => {
                if once("network", w.span, sink) {
                    settings.network = network(w, sink);
                }
            }
            MeshStatement::Dataplane(w) => {
                if once("dataplane", w.span, sink) {
                    settings.dataplane = dataplane(w, sink);
                }
            }
            MeshStatement::Waypoint {
                span,
                name,
                namespace,
            } => settings
                .waypoints
                .push((name.clone(), namespace.clone(), *span)),
            // Several lines may list namespaces, so that enforcing one is a one-line change.
            MeshStatement::DryRun { namespaces, .. } => {
                settings.dry_run.extend(namespaces.iter().cloned())
            }
            // Read by `jwts` and `clusters`, which need nothing else of the mesh block.
            MeshStatement::Jwt(_) | MeshStatement::Cluster(_) | MeshStatement::Eastwest { .. } => {}
        }
    }
    settings
}

/// `kubernetes` or `cilium`; anything else is reported and read as `kubernetes`.
fn network(w: &ast::Word, sink: &mut Sink) -> ir::Network {
    match w.text.as_str() {
        "kubernetes" => ir::Network::Kubernetes,
        "cilium" => ir::Network::Cilium,
        other => {
            let d = sink.error(
                Code::UnknownNetwork,
                w.span,
                format!("`network` is `kubernetes` or `cilium`, not `{other}`"),
            );
            match suggest::closest(&other.to_ascii_lowercase(), ["kubernetes", "cilium"]) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(
                    "write `network kubernetes` (the default: NetworkPolicy) or `network cilium` (CiliumNetworkPolicy)",
                ),
            };
            ir::Network::Kubernetes
        }
    }
}

/// `sidecar` or `ambient`; anything else is reported and read as `sidecar`.
fn dataplane(w: &ast::Word, sink: &mut Sink) -> ir::Dataplane {
    match w.text.as_str() {
        "sidecar" => ir::Dataplane::Sidecar,
        "ambient" => ir::Dataplane::Ambient,
        other => {
            let d = sink.error(
                Code::UnknownDataplane,
                w.span,
                format!("`dataplane` is `sidecar` or `ambient`, not `{other}`"),
            );
            match suggest::closest(&other.to_ascii_lowercase(), ["sidecar", "ambient"]) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(
                    "write `dataplane sidecar` (the default: an Envoy sidecar in every pod) or `dataplane ambient` (ztunnel and waypoints)",
                ),
            };
            ir::Dataplane::Sidecar
        }
    }
}

/// `on` or `off` for setting WHAT; anything else is reported and read as DEFAULT.
fn switch(what: &str, default: bool, w: &ast::Word, sink: &mut Sink) -> bool {
    match w.text.as_str() {
        "on" => true,
        "off" => false,
        other => {
            let d = sink.error(
                Code::UnknownSwitch,
                w.span,
                format!("`{what}` is `on` or `off`, not `{other}`"),
            );
            let (first, second) = if default {
                ("on", "off")
            } else {
                ("off", "on")
            };
            match suggest::closest(&other.to_ascii_lowercase(), ["on", "off"]) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!(
                    "write `{what} {first}` (the default) or `{what} {second}`"
                )),
            };
            default
        }
    }
}

fn workload(
    w: &ast::Workload,
    existing: &[WorkloadDraft],
    sink: &mut Sink,
) -> Option<WorkloadDraft> {
    let before = sink.errors();
    let name_ok = sink.ok(
        Code::InvalidName,
        w.name.span,
        names::dns_label("workload", &w.name.text),
    );
    let ns_ok = sink.ok(
        Code::InvalidName,
        w.namespace.span,
        names::dns_label("namespace", &w.namespace.text),
    );
    for (what, at, first) in &w.duplicates {
        sink.error(
            Code::DuplicateSetting,
            *at,
            format!("`{what}` is given twice in workload `{}`", w.name.text),
        )
        .note(*first, "first given here");
    }
    let account = match &w.account {
        Some(a) => {
            sink.ok(
                Code::InvalidName,
                a.span,
                names::dns_label("account", &a.text),
            );
            a.text.clone()
        }
        None => w.name.text.clone(),
    };
    let selector = match &w.selector {
        Some(l) => labels::checked(l, sink),
        None => Labels::from([("app".to_string(), w.name.text.clone())]),
    };
    if let Some(first) = existing
        .iter()
        .find(|e| e.identity.name == w.name.text && e.identity.namespace == w.namespace.text)
    {
        sink.error(
            Code::DuplicateWorkload,
            w.name.span,
            format!(
                "workload `{} in {}` is declared twice",
                w.name.text, w.namespace.text
            ),
        )
        .note(first.span, "first declared here");
        return None;
    }
    if !(name_ok && ns_ok) {
        return None;
    }
    let what = format!("workload `{} in {}`", w.name.text, w.namespace.text);
    let lines: Vec<&ast::Port> = w.ports.iter().collect();
    let (ports, _) = destination::ports(&what, &lines, sink);
    Some(WorkloadDraft {
        clean: sink.errors() == before,
        ports,
        allows: w.allows.clone(),
        identity: Identity {
            name: w.name.text.clone(),
            namespace: w.namespace.text.clone(),
            account,
            selector,
            managed: false,
        },
        span: w.name.span,
    })
}

/// A workload's namespace belongs to someone else: a service there would get namespace
/// defaults (deny-all) that break the workload.
pub(crate) fn check_workloads(settings: &Settings, index: &Index, sink: &mut Sink) {
    // Within a namespace, workloads must be told apart like services: by pods at L4 and
    // by account at L7, or `allow a` would also admit `b`.
    for (i, later) in settings.workloads.iter().enumerate() {
        for earlier in settings.workloads[..i]
            .iter()
            .filter(|e| e.identity.namespace == later.identity.namespace)
        {
            let (a, b) = (&earlier.identity, &later.identity);
            if labels::overlap(&a.selector, &b.selector) {
                sink.error(
                    Code::OverlappingSelectors,
                    later.span,
                    format!("the selectors of workloads `{}` and `{}` overlap: one picks pods of the other", a.name, b.name),
                )
                .help("add a label that tells their pods apart")
                .note(earlier.span, "the other workload");
            }
            if a.account == b.account {
                sink.error(
                    Code::SharedAccount,
                    later.span,
                    format!("workloads `{}` and `{}` in namespace `{}` share the account `{}`", a.name, b.name, b.namespace, b.account),
                )
                .help("give each workload its own `account`, or callers could not be told apart at L7")
                .note(earlier.span, "the other workload");
            }
        }
    }
    for w in &settings.workloads {
        if let Some(service) = index.first_in_namespace(&w.identity.namespace) {
            sink.error(Code::WorkloadInServiceNamespace,
                w.span,
                format!(
                    "workload `{}` is in namespace `{}`, which holds services of this tree",
                    w.identity.name, w.identity.namespace
                ),
            )
            .help("declare it as a service instead, or move it to a namespace meshward does not manage")
            .note(service, "a service of that namespace is declared here");
        }
    }
}

/// Each workload with its destination side resolved: its allows need the index.
/// Each with whether it had no error, as for externals.
pub(crate) fn resolve_workloads(
    settings: &mut Settings,
    index: &Index,
    sink: &mut Sink,
) -> Vec<(ir::Workload, bool)> {
    let mut out: Vec<(ir::Workload, bool)> = std::mem::take(&mut settings.workloads)
        .into_iter()
        .map(|w| {
            let what = format!("workload `{} in {}`", w.identity.name, w.identity.namespace);
            let lines: Vec<&ast::Allow> = w.allows.iter().collect();
            let before = sink.errors();
            let allows = destination::allows(&what, &lines, &w.ports, false, index, sink);
            let clean = w.clean && sink.errors() == before;
            if !w.ports.is_empty() && lines.is_empty() {
                sink.warning(
                    Code::UncallableDestination,
                    w.span,
                    format!("{what} declares ports but no `allow`, so nothing may call it"),
                )
                .help("add `allow NAME in NAMESPACE to PORT` for each service that calls it, or drop the ports");
            }
            let workload = ir::Workload {
                identity: w.identity,
                ports: w.ports,
                allows,
                span: w.span,
            };
            (workload, clean)
        })
        .collect();
    out.sort_by(|(a, _), (b, _)| a.identity.cmp(&b.identity));
    out
}

pub(crate) fn resolve_scraper(
    settings: &Settings,
    index: &Index,
    sink: &mut Sink,
) -> Option<Identity> {
    let (name, namespace) = settings.scraper.as_ref()?;
    if let Some(identity) = index.identity(&namespace.text, &name.text) {
        return Some(Identity::clone(identity));
    }
    let wanted = format!("{} in {}", name.text, namespace.text);
    let known = index.identity_names();
    let d = sink.error(
        Code::UnknownScraper,
        name.span,
        format!("unknown scraper `{wanted}`; it must be a declared workload or a service"),
    );
    match suggest::closest(&wanted, known.iter().map(String::as_str)) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d.help(format!(
            "declare it in the mesh block: `workload {} in {} {{ }}`",
            name.text, namespace.text
        )),
    };
    None
}
