#!/usr/bin/env bash
# The pre-commit path of issue "Speed at scale": a 20,000-file repository, three
# files passed on the command line (as pre-commit does), the whole project still
# modelled. Times it without the cache (every file parsed), with a cold cache
# (parse + write .dvmlint-cache/) and with a warm cache after editing the three files.
#
#   benches/precommit.sh [FILES] [PAYLOAD_KB]      (defaults: 20000 12)
# Env: CORPUS_DIR (parent of the generated corpus, default /tmp). Needs hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-20000}
payload=${2:-12}
corpus=${CORPUS_DIR:-/tmp}/dvmlint-precommit-$files-$payload
cargo build --profile profiling --quiet --example gen_corpus
cargo build --profile profiling --quiet
dvmlint=$PWD/target/profiling/dvmlint
[ -d "$corpus" ] || ./target/profiling/examples/gen_corpus --files "$files" --payload-kb "$payload" --out "$corpus" > /dev/null
mapfile -t changed < <(cd "$corpus" && find . -name '*.yaml' -path '*ns-*' | sort | sed -n '1p;1000p;5000p')
echo "corpus: $corpus ($(find "$corpus" -name '*.yaml' | wc -l) files, $(du -sh --exclude=.dvmlint-cache "$corpus" | cut -f1)); changed: ${changed[*]}"
cd "$corpus"
touch_script=$(mktemp)
trap 'rm -f "$touch_script"' EXIT
printf 'for f in %s; do printf "# edit %%s\\n" "$RANDOM$RANDOM" >> "$f"; done\n' "${changed[*]}" > "$touch_script"
hyperfine --warmup 1 --runs 5 --ignore-failure \
  -n "no cache (--no-cache)" --prepare "true" "$dvmlint check --quiet --no-cache ${changed[*]}" \
  -n "cold cache (cache removed before each run)" --prepare "rm -rf .dvmlint-cache" "$dvmlint check --quiet ${changed[*]}" \
  -n "warm cache, the 3 files edited before each run" --prepare "bash $touch_script" "$dvmlint check --quiet ${changed[*]}"
/usr/bin/time -f "warm cache: peak RSS %M KB, %e s" "$dvmlint" check --quiet "${changed[@]}" > /dev/null || true
/usr/bin/time -f "no cache: peak RSS %M KB, %e s" "$dvmlint" check --quiet --no-cache "${changed[@]}" > /dev/null || true
ls -la .dvmlint-cache
