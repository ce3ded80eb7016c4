#!/usr/bin/env bash
# Whole-process benchmark: dvmlint check vs the bare parallel read+parse floor,
# on a generated corpus. Usage: benches/whole-lint.sh [FILES] [PAYLOAD_KB]
# Needs hyperfine (Debian package `hyperfine`).
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-8000}
payload=${2:-12}
corpus=${CORPUS_DIR:-/tmp/dvmlint-corpus-$files-$payload}
cargo build --release --quiet --example gen_corpus --example parse_floor
cargo build --release --quiet
[ -d "$corpus" ] || ./target/release/examples/gen_corpus --files "$files" --payload-kb "$payload" --out "$corpus"
echo "corpus: $corpus ($(du -sh "$corpus" | cut -f1), $(find "$corpus" -name '*.yaml' | wc -l) files)"
hyperfine --warmup 1 --runs 5 --ignore-failure \
  "./target/release/examples/parse_floor $corpus" \
  "./target/release/dvmlint check $corpus --format json --quiet --output /dev/null" \
  "./target/release/dvmlint check $corpus --format json --quiet --output /dev/null --jobs 1"
for cmd in "./target/release/examples/parse_floor $corpus" "./target/release/dvmlint check $corpus --format json --quiet --output /dev/null"; do
  /usr/bin/time -f "peak RSS %M KB: $cmd" $cmd > /dev/null || true
done
