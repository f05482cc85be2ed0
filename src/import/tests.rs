//! The round trip on generated meshes: build, dump, import, build, same answers.

use super::import;

fn roundtrip(files: Vec<(String, String)>) -> super::Import {
    let dump = crate::synth::dump(files);
    let objects = crate::inventory::objects(dump, "dump.yaml");
    let (inv, problems) = crate::inventory::inventory(objects);
    assert!(problems.is_empty(), "{problems:?}");
    import(&inv)
}

#[test]
fn generated_meshes_import_exactly() {
    for seed in 0..6u64 {
        let files = crate::synth::generate(12, seed);
        let out = roundtrip(files);
        assert!(
            out.mismatches.is_empty(),
            "seed {seed}: {:#?}",
            out.mismatches
        );
        assert!(
            out.unexpressed.is_empty(),
            "seed {seed}: {:#?}",
            out.unexpressed
        );
        assert!(out.connections > 0 && out.requests > 0);
    }
}

/// The intent files of an example folder, as `run_texts` takes them.
fn example(name: &str) -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, root, out);
            } else if p.extension().is_some_and(|e| e == "intent") {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().to_string();
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

#[test]
fn examples_import_exactly() {
    for name in ["hello", "shop"] {
        let out = roundtrip(example(name));
        assert!(out.mismatches.is_empty(), "{name}: {:#?}", out.mismatches);
        assert!(out.unexpressed.is_empty(), "{name}: {:#?}", out.unexpressed);
    }
}

#[test]
fn generated_variants_import_exactly() {
    use crate::synth::{generate_with, Options};
    let variants = [
        Options {
            beyond: true,
            ..Options::default()
        },
        Options {
            authz: true,
            ..Options::default()
        },
        Options {
            cilium: true,
            beyond: true,
            ..Options::default()
        },
        Options {
            sidecar_scoping: false,
            authz: true,
            beyond: true,
            ..Options::default()
        },
    ];
    for (k, options) in variants.into_iter().enumerate() {
        for seed in 0..3u64 {
            let out = roundtrip(generate_with(12, seed, options));
            assert!(
                out.mismatches.is_empty(),
                "variant {k} seed {seed}: {:#?}",
                out.mismatches
            );
            assert!(
                out.unexpressed.is_empty(),
                "variant {k} seed {seed}: {:#?}",
                out.unexpressed
            );
        }
    }
}

/// The proof is not a formality: intents that differ from the input in one word fail it.
#[test]
fn the_proof_catches_a_wrong_import() {
    let dump = crate::synth::dump(example("shop"));
    let (inv, _) = crate::inventory::inventory(crate::inventory::objects(dump, "dump.yaml"));
    let good = import(&inv).files;
    let corruptions: [(&str, &str, &str); 6] = [
        (
            "web/frontend.intent",
            "* /api/internal/*",
            "* /api/internals/*",
        ),
        (
            "shop/cart.intent",
            "GET|DELETE /api/cart",
            "GET|DELETE|POST /api/cart",
        ),
        (
            "shop/catalog.intent",
            "x-channel = beta, canary-*",
            "x-channel = beta",
        ),
        ("shop/inventory.intent", "  mtls permissive\n", ""),
        ("data/redis.intent", "checkout in shop, ", ""),
        (
            "mesh.intent",
            "allow checkout in shop, orders in shop to p9090",
            "allow orders in shop to p9090",
        ),
    ];
    for (file, from, to) in corruptions {
        let plan = super::plan::plan(&inv);
        let mut files = good.clone();
        let text = &mut files.iter_mut().find(|(p, _)| p == file).unwrap().1;
        assert!(text.contains(from), "{file} lacks {from:?}:\n{text}");
        *text = text.replace(from, to);
        if file == "mesh.intent" {
            // The call the workload no longer allows must go too, or the build fails.
            let checkout = &mut files
                .iter_mut()
                .find(|(p, _)| p == "shop/checkout.intent")
                .unwrap()
                .1;
            *checkout = checkout.replace("  calls payments in billing:p9090\n", "");
        }
        if file == "data/redis.intent" {
            let checkout = &mut files
                .iter_mut()
                .find(|(p, _)| p == "shop/checkout.intent")
                .unwrap()
                .1;
            *checkout = checkout.replace("  calls redis in data:p6379\n", "");
        }
        let proof = super::proof::prove(&plan, &files);
        assert!(
            !proof.mismatches.is_empty(),
            "{file}: {from:?} -> {to:?} was not caught"
        );
    }
}
