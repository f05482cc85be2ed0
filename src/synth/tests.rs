//! The generator's trees check clean, keep their shape, and never change for a seed.

use super::*;

/// The errors of COMPILED, rendered as the terminal shows them.
fn errors(compiled: &crate::pipeline::Outcome) -> Vec<String> {
    compiled
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| crate::diagnostic::render_text(d, &compiled.sources))
        .collect()
}

#[test]
fn generated_trees_compile_cleanly() {
    for seed in [1, 2, 3] {
        let compiled = crate::pipeline::run_texts(generate(500, seed));
        let errors = errors(&compiled);
        assert!(errors.is_empty(), "seed {seed}:\n{}", errors.join("\n"));
        let (mesh, tree) = compiled.result.expect("a model");
        assert_eq!(mesh.services.len(), 500);
        assert!(tree.files.len() > 500);
    }
}

#[test]
fn trees_beyond_the_tree_compile_cleanly() {
    for scoping in [true, false] {
        let options = Options {
            beyond: true,
            sidecar_scoping: scoping,
            ..Options::default()
        };
        let compiled = crate::pipeline::run_texts(generate_with(1200, 4, options));
        let errors = errors(&compiled);
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        assert!(compiled.faults.is_empty(), "{:?}", compiled.faults);
        let (mesh, _) = compiled.result.expect("a model");
        assert_eq!(mesh.externals.len(), 2 * (HOST_EXTERNALS + CIDR_EXTERNALS));
        assert_eq!(mesh.settings.sidecar_scoping, scoping);
    }
}

#[test]
fn trees_with_denies_and_conditions_compile_cleanly_and_prove() {
    let options = Options {
        authz: true,
        ..Options::default()
    };
    let compiled = crate::pipeline::run_texts(generate_with(400, 5, options));
    let diagnostics: Vec<String> = compiled
        .diagnostics
        .iter()
        .map(|d| crate::diagnostic::render_text(d, &compiled.sources))
        .collect();
    assert!(diagnostics.is_empty(), "{}", diagnostics.join("\n"));
    assert!(compiled.faults.is_empty(), "{:?}", compiled.faults);
    let (mesh, _) = compiled.result.expect("a model");
    assert_eq!(mesh.settings.jwts.len(), 2);
    let denies = mesh
        .services
        .iter()
        .filter(|s| !s.denies.is_empty())
        .count();
    let conditioned = mesh
        .services
        .iter()
        .filter(|s| s.allows.iter().any(|a| a.is_conditioned()))
        .count();
    assert!(
        denies > 100 && conditioned > 100,
        "{denies} denies, {conditioned} conditioned"
    );
}

#[test]
fn authz_off_changes_nothing() {
    assert_eq!(generate(300, 7), generate_with(300, 7, Options::default()));
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(generate(300, 7), generate(300, 7));
    assert_ne!(generate(300, 7), generate(300, 8));
}

#[test]
fn small_trees_are_valid_too() {
    for n in [1, 2, 3, 41] {
        let compiled = crate::pipeline::run_texts(generate(n, 9));
        assert!(!compiled.has_errors(), "{n} services");
    }
}

#[test]
fn shape_matches_the_brief() {
    let files = generate(2000, 1);
    let services = &files[..];
    let text: String = services.iter().map(|(_, t)| t.as_str()).collect();
    let count = |needle: &str| text.matches(needle).count();
    let namespaces: std::collections::BTreeSet<&str> = files
        .iter()
        .filter_map(|(p, _)| p.split_once('/').map(|(ns, _)| ns))
        .collect();
    assert_eq!(namespaces.len(), 2000 / NAMESPACE_SIZE);
    // About a fifth route, about half have rules (counted by allow blocks with braces).
    let routes = count("  route ");
    assert!((300..500).contains(&routes), "{routes} routes");
    assert!(
        count(" in team-") > 2000,
        "cross-namespace callers and calls"
    );
}

#[test]
fn ambient_trees_compile_cleanly_and_prove() {
    for (authz, beyond) in [(false, false), (true, false), (false, true)] {
        let options = Options {
            ambient: true,
            authz,
            beyond,
            ..Options::default()
        };
        let compiled = crate::pipeline::run_texts(generate_with(150, 6, options));
        let errors = errors(&compiled);
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        assert!(compiled.faults.is_empty(), "{:?}", compiled.faults);
        let (mesh, _) = compiled.result.expect("a model");
        assert!(mesh.settings.is_ambient());
        // Without authz, every third namespace has no waypoint: both paths are proven.
        let namespaces: std::collections::BTreeSet<&str> =
            mesh.services.iter().map(|s| s.namespace()).collect();
        let served = mesh.settings.waypoints.len();
        assert!(served > 0);
        assert_eq!(served < namespaces.len(), !authz);
    }
}

#[test]
fn trees_of_several_clusters_compile_cleanly_and_prove() {
    for (authz, beyond, cilium) in [
        (false, false, false),
        (true, false, false),
        (false, true, false),
        (false, false, true),
    ] {
        let options = Options {
            clusters: true,
            authz,
            beyond,
            cilium,
            ..Options::default()
        };
        let compiled = crate::pipeline::run_texts(generate_with(120, 7, options));
        let errors = errors(&compiled);
        assert!(errors.is_empty(), "{}", errors.join("\n"));
        assert!(compiled.faults.is_empty(), "{:?}", compiled.faults);
        let (mesh, tree) = compiled.result.expect("a model");
        assert_eq!(mesh.settings.clusters.len(), 3);
        // Every cluster has its own root, and west holds only what runs there.
        for c in ["central", "east", "west"] {
            assert!(tree.files.contains_key(&format!("{c}/kustomization.yaml")));
        }
        let central_only = mesh
            .services
            .iter()
            .find(|s| {
                let at: Vec<&str> = mesh
                    .settings
                    .clusters_of(&s.identity)
                    .map(|c| c.name.as_str())
                    .collect();
                at == ["central"]
            })
            .expect("a service only in central");
        // The other clusters' pods are inside the mesh: a `host` external's ipBlock
        // leaves every cluster's pod range out (`except`).
        if beyond && !cilium {
            assert!(tree
                .files
                .values()
                .any(|t| t.contains("- \"10.72.0.0/14\"")));
        }
        // At most its routes, for callers in west.
        let path = format!("west/{}", crate::render::service_file(central_only));
        if let Some(text) = tree.files.get(&path) {
            assert!(!text.contains("kind: NetworkPolicy"), "{path}");
            assert!(!text.contains("kind: AuthorizationPolicy"), "{path}");
        }
    }
}
