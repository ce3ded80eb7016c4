#!/usr/bin/env bash
# The pre-commit path of issue "Speed at scale": a repository of FILES files, three
# files passed on the command line (as pre-commit does), the whole project still
# modelled. Times it without the cache (every file parsed), with a cold cache
# (parse + write .dvmlint-cache/) and with a warm cache after editing the three files;
# then the cache's size against the input's, the warm run's CPU time, peak RSS and
# stage timings, and (CALLGRIND=1) its instruction count.
#
#   benches/precommit.sh [FILES] [PAYLOAD_KB | small]    (defaults: 20000 12)
#   benches/precommit.sh 100000 small                    # the small-file shape (gen_corpus --shape small)
# Env: CORPUS_DIR (parent of the generated corpus, default /tmp), RUNS (hyperfine runs, default 5),
# CALLGRIND=1 (also count the warm run's instructions, --jobs 1; slow). Needs hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-20000}
shape=${2:-12}
runs=${RUNS:-5}
if [ "$shape" = small ]; then
  gen_args=(--shape small --files "$files")
else
  gen_args=(--files "$files" --payload-kb "$shape")
fi
corpus=${CORPUS_DIR:-/tmp}/dvmlint-precommit-$files-$shape
cargo build --profile profiling --quiet --example gen_corpus
cargo build --profile profiling --quiet
dvmlint=$PWD/target/profiling/dvmlint
[ -d "$corpus" ] || ./target/profiling/examples/gen_corpus "${gen_args[@]}" --out "$corpus" > /dev/null
mapfile -t changed < <(cd "$corpus" && find . -name '*.yaml' -path '*ns-*' | sort | sed -n '1p;1000p;5000p')
input_bytes=$(find "$corpus" -path "$corpus/.dvmlint-cache" -prune -o -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "corpus: $corpus ($(find "$corpus" -name '*.yaml' | wc -l) files, $input_bytes bytes); changed: ${changed[*]}"
cd "$corpus"
touch_script=$(mktemp)
trap 'rm -f "$touch_script"' EXIT
printf 'for f in %s; do printf "# edit %%s\\n" "$RANDOM$RANDOM" >> "$f"; done\n' "${changed[*]}" > "$touch_script"
hyperfine --warmup 1 --runs "$runs" --ignore-failure \
  -n "no cache (--no-cache)" --prepare "true" "$dvmlint check --quiet --no-cache ${changed[*]}" \
  -n "cold cache (cache removed before each run)" --prepare "rm -rf .dvmlint-cache" "$dvmlint check --quiet ${changed[*]}" \
  -n "warm cache, the 3 files edited before each run" --prepare "bash $touch_script" "$dvmlint check --quiet ${changed[*]}"
cache_bytes=$(find .dvmlint-cache -type f -name 'results-*' -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "cache: $cache_bytes bytes in $(find .dvmlint-cache -name 'results-*' | wc -l) shards = $(awk "BEGIN {printf \"%.1f\", 100 * $cache_bytes / $input_bytes}")% of the input"
bash "$touch_script"
/usr/bin/time -f "warm cache: %e s wall, %U s user, %S s sys, peak RSS %M KB" "$dvmlint" check --quiet "${changed[@]}" > /dev/null || true
bash "$touch_script"
DVMLINT_TIMINGS=1 "$dvmlint" check --quiet "${changed[@]}" 2>&1 > /dev/null | grep timing || true
/usr/bin/time -f "no cache: %e s wall, %U s user, %S s sys, peak RSS %M KB" "$dvmlint" check --quiet --no-cache "${changed[@]}" > /dev/null || true
if [ "${CALLGRIND:-0}" = 1 ]; then
  bash "$touch_script"
  out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$dvmlint" check --quiet --jobs 1 "${changed[@]}" > /dev/null 2> "$out" || true
  grep -E "Collected" "$out" | sed 's/^==[0-9]*== /warm cache, --jobs 1: instructions /'
  rm -f "$out"
fi
