#!/usr/bin/env bash
# Fill fuzz/corpus/<target>/ (git-ignored) with the committed seeds and every intent file
# of the examples and the error goldens. Safe to run again: files are named by content.
set -euo pipefail
cd "$(dirname "$0")"
for target in parse_bytes structured; do
  mkdir -p "corpus/$target"
  for f in seeds/"$target"/* $(find ../examples ../golden/errors/inputs -name '*.intent'); do
    [ -f "$f" ] || continue
    cp "$f" "corpus/$target/seed-$(sha1sum "$f" | cut -c1-16)"
  done
done
# cluster_bytes: the hand-written clusters of the connectivity corpus.
mkdir -p corpus/cluster_bytes
for f in ../tests/corpus/*/cluster.yaml; do
  cp "$f" "corpus/cluster_bytes/seed-$(sha1sum "$f" | cut -c1-16)"
done
echo "corpus: $(ls corpus/parse_bytes | wc -l) parse_bytes, $(ls corpus/structured | wc -l) structured, $(ls corpus/cluster_bytes | wc -l) cluster_bytes"
