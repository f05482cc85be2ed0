use super::*;
use crate::inventory::{inventory, objects};

fn inventory_of(values: Vec<serde_json::Value>) -> Inventory {
    let (inv, problems) = inventory(objects(values, "dump"));
    assert!(problems.is_empty(), "{problems:?}");
    inv
}

#[test]
fn pruning_by_label_index_lists_exactly_what_asking_every_pair_lists() {
    use crate::synth::{dump, generate_with, Options};
    for (seed, options) in [
        (3, Options::default()),
        (
            4,
            Options {
                beyond: true,
                ..Options::default()
            },
        ),
        (
            5,
            Options {
                cilium: true,
                beyond: true,
                ..Options::default()
            },
        ),
    ] {
        let inv = inventory_of(dump(generate_with(80, seed, options)));
        assert!(inv.workloads.len() >= 80);
        let cluster = inv.cluster();
        let pruned = compute(&inv, &cluster, true);
        let exhaustive = compute(&inv, &cluster, false);
        assert!(
            pruned.connections.len() > 80,
            "{}",
            pruned.connections.len()
        );
        assert_eq!(pruned.connections, exhaustive.connections, "seed {seed}");
    }
}
