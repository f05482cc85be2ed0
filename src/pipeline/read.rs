//! What the self-check reads of rendered documents: each document's policies as the
//! evaluator reads them back, its routing objects, and the whole tree collected in path
//! order; the objects of a model, rendered, for `explain` and the tests.

use crate::{compile, evaluate, ir, render, selfcheck};

/// The policy objects meshward renders for MESH, as the JSON values the emitter writes as
/// YAML: what the self-check and `explain` judge.
pub fn render_objects(mesh: &ir::Mesh) -> Result<Vec<serde_json::Value>, serde_json::Error> {
    render_objects_as(mesh, render::Reading::Written)
}

/// [`render_objects`] as READING: with [`render::Reading::Enforced`], what enforcing every
/// dry-run namespace would write.
pub fn render_objects_as(
    mesh: &ir::Mesh,
    reading: render::Reading,
) -> Result<Vec<serde_json::Value>, serde_json::Error> {
    let tables = compile::compile(mesh);
    let documents: Vec<render::Document> = render::render_as(mesh, &tables, reading, |d| d)
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    objects(&documents)
}

/// The self-check of what enforcing every dry-run namespace would write, its faults
/// marked as such: the verdicts `explain` gives "once enforced" are proven at every
/// build, not only once the namespace is switched. Costs a second rendering and
/// self-check, only in trees with `dry-run`.
pub(crate) fn enforced_faults(mesh: &ir::Mesh, tables: &compile::Tables) -> Vec<selfcheck::Fault> {
    let waves = mesh.settings.sync_waves;
    let rendered = render::render_as(mesh, tables, render::Reading::Enforced, |document| {
        judged(&document, waves)
    });
    let mut policies = Vec::new();
    let mut routing = Vec::new();
    let mut placed = Vec::new();
    for (path, result) in rendered {
        match result {
            Ok((p, r, w)) => {
                policies.extend(p);
                routing.extend(r);
                placed.extend(w);
            }
            Err(e) => {
                return vec![selfcheck::Fault(format!(
                    "once enforced: {path} cannot be read back: {e}"
                ))]
            }
        }
    }
    let cluster = selfcheck::environment(mesh, evaluate::Cluster::from_read(policies));
    let routing: Vec<&serde_json::Value> = routing.iter().collect();
    let reading = render::Reading::Enforced;
    selfcheck::check_as(mesh, &cluster, &routing, &placed, reading)
        .into_iter()
        .map(|f| selfcheck::Fault(format!("once enforced: {}", f.0)))
        .collect()
}

/// One document as the self-check judges it: its policies as the evaluator reads them
/// back from JSON text (no `Value` tree is built for them), and its VirtualServices and
/// DestinationRules as JSON values.
pub type Judged = (
    Vec<Result<Option<evaluate::Policy>, String>>,
    Vec<serde_json::Value>,
    Vec<selfcheck::Placed>,
);
/// One document's YAML text and what the self-check reads of it.
pub(crate) type Emitted = Result<(String, Judged), serde_json::Error>;
/// The output tree's texts by path, the evaluator's cluster and the routing objects.
type Collected = (
    Vec<(String, String)>,
    evaluate::Cluster,
    Vec<serde_json::Value>,
    Vec<selfcheck::Placed>,
);

pub fn judged(document: &render::Document, waves: bool) -> Result<Judged, serde_json::Error> {
    thread_local! {
        /// One JSON buffer per thread, reused for every policy: a fresh `Vec` per object
        /// was grown (and its pages first touched) 30,000 times in a 10k-service build.
        static JSON: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut policies = Vec::new();
    let mut routing = Vec::new();
    let mut placed = Vec::new();
    for object in &document.objects {
        match object {
            render::Object::Kustomization(_) => {}
            render::Object::VirtualService(_) | render::Object::DestinationRule(_) => {
                let value = serde_json::to_value(object)?;
                if waves || value.pointer("/metadata/annotations").is_some() {
                    placed.extend(selfcheck::Placed::from_value(&value));
                }
                routing.push(value)
            }
            _ => policies.push(JSON.with_borrow_mut(|json| {
                json.clear();
                serde_json::to_writer(&mut *json, object)?;
                placed.extend(selfcheck::Placed::read(json, waves));
                Ok::<_, serde_json::Error>(evaluate::Cluster::read_json(json))
            })?),
        }
    }
    Ok((policies, routing, placed))
}

/// The tree, the evaluator's cluster and the routing objects, from the documents in path
/// order; the first error in path order wins.
pub(crate) fn collect(rendered: Vec<(String, Emitted)>) -> Result<Collected, serde_json::Error> {
    let mut texts = Vec::with_capacity(rendered.len());
    // Sized exactly: a 10,000-service tree reads about 40,000 policies of ~200 bytes, and
    // doubling growth would hold up to twice that (and both halves while it moves).
    let count = |r: &Emitted| r.as_ref().map_or(0, |(_, (p, _, _))| p.len());
    let mut policies = Vec::with_capacity(rendered.iter().map(|(_, r)| count(r)).sum());
    let mut routing = Vec::new();
    let mut placed = Vec::new();
    for (path, result) in rendered {
        let (text, (p, r, w)) = result?;
        texts.push((path, text));
        policies.extend(p);
        routing.extend(r);
        placed.extend(w);
    }
    Ok((
        texts,
        evaluate::Cluster::from_read(policies),
        routing,
        placed,
    ))
}

/// The policy objects of the tree as JSON values, the form the emitter writes as YAML.
fn objects(documents: &[render::Document]) -> Result<Vec<serde_json::Value>, serde_json::Error> {
    documents
        .iter()
        .flat_map(|d| d.objects.iter())
        .filter(|o| !matches!(o, render::Object::Kustomization(_)))
        .map(serde_json::to_value)
        .collect()
}
