//! A mesh of several clusters: one complete tree per cluster, `OUT/<cluster>/...`, each
//! compiled from the same intents for that cluster, self-checked on its own, then the
//! calls between clusters proven across the trees (invariant 14).

use super::read::{collect, enforced_faults, judged, Emitted};
use crate::{compile, emit, evaluate, ir, output, render, selfcheck};

/// Build every cluster's tree; the whole output tree (paths prefixed with the cluster's
/// name, one manifest at the root) and every fault of the self-check.
pub fn build(mesh: &ir::Mesh) -> Result<(output::Tree, Vec<selfcheck::Fault>), serde_json::Error> {
    let mut clock = crate::timings::Stopwatch::start();
    let mut texts = Vec::new();
    let mut faults = Vec::new();
    let mut members = Vec::new();
    for (i, cluster) in mesh.settings.clusters.iter().enumerate() {
        let site = mesh.at(i);
        let tables = compile::compile(&site);
        let waves = site.settings.sync_waves;
        let rendered: Vec<(String, Emitted)> = render::render_with(&site, &tables, |document| {
            Ok::<_, serde_json::Error>((emit::emit(&document)?, judged(&document, waves)?))
        });
        let (site_texts, read, routing, placed) = collect(rendered)?;
        texts.extend(
            site_texts
                .into_iter()
                .map(|(path, text)| (format!("{}/{path}", cluster.name), text)),
        );
        let read = selfcheck::environment(&site, read);
        let routing: Vec<&serde_json::Value> = routing.iter().collect();
        let mut found = selfcheck::check(&site, &read, &routing, &placed);
        if !site.settings.dry_run.is_empty() {
            found.extend(enforced_faults(&site, &tables));
        }
        faults.extend(
            found
                .into_iter()
                .map(|f| selfcheck::Fault(format!("cluster {}: {}", cluster.name, f.0))),
        );
        members.push((cluster.name.clone(), read));
        clock.lap(&format!("cluster {}", cluster.name));
    }
    faults.extend(selfcheck::across(mesh, members, false));
    clock.lap("across clusters");
    if !mesh.settings.dry_run.is_empty() {
        // What enforcing every dry-run namespace would write, proven across clusters too.
        let mut enforced = Vec::new();
        for (i, cluster) in mesh.settings.clusters.iter().enumerate() {
            let site = mesh.at(i);
            let objects = super::read::render_objects_as(&site, render::Reading::Enforced)?;
            let read = selfcheck::environment(&site, evaluate::Cluster::from_objects(objects));
            enforced.push((cluster.name.clone(), read));
        }
        faults.extend(
            selfcheck::across(mesh, enforced, true)
                .into_iter()
                .map(|f| selfcheck::Fault(format!("once enforced: {}", f.0))),
        );
    }
    Ok((output::Tree::from_texts(texts), faults))
}

/// The policy objects of each cluster's tree, in cluster order: what `explain` and the
/// tests judge.
pub fn objects(
    mesh: &ir::Mesh,
) -> Result<Vec<(String, Vec<serde_json::Value>)>, serde_json::Error> {
    mesh.settings
        .clusters
        .iter()
        .enumerate()
        .map(|(i, c)| Ok((c.name.clone(), super::read::render_objects(&mesh.at(i))?)))
        .collect()
}

/// The self-check of OBJECTS, each cluster's policy objects by name (as [`objects`]
/// gives them), against MESH: each tree on its own, then the calls between them.
pub fn self_check(
    mesh: &ir::Mesh,
    objects: &[(String, Vec<serde_json::Value>)],
) -> Vec<selfcheck::Fault> {
    let mut faults = Vec::new();
    let mut members = Vec::new();
    for (name, objects) in objects {
        let Some(i) = mesh.settings.clusters.iter().position(|c| c.name == *name) else {
            faults.push(selfcheck::Fault(format!("no cluster named {name}")));
            continue;
        };
        let site = mesh.at(i);
        let read = selfcheck::environment(&site, evaluate::Cluster::from_objects(objects));
        let routing: Vec<&serde_json::Value> = objects
            .iter()
            .filter(|o| selfcheck::is_routing(o))
            .collect();
        let placed: Vec<selfcheck::Placed> = objects
            .iter()
            .filter_map(selfcheck::Placed::from_value)
            .collect();
        faults.extend(
            selfcheck::check(&site, &read, &routing, &placed)
                .into_iter()
                .map(|f| selfcheck::Fault(format!("cluster {name}: {}", f.0))),
        );
        members.push((name.clone(), read));
    }
    faults.extend(selfcheck::across(mesh, members, false));
    faults
}
