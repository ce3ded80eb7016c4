#!/usr/bin/env bash
# Whole-process benchmark: dvmlint check against the bare parallel read+parse floor
# and against peers (yamllint, checkov), on a generated corpus, in one run.
# Prints a Markdown table (and saves it under $RESULTS_DIR). See benches/README.md.
#
#   benches/whole-lint.sh --mb 10|100|1000      corpus of ~N MB (~14 KB files, as the 113 MB corpus)
#   benches/whole-lint.sh --shape small [--mb N] the small-file shape of real repositories (0.3-2 KB files,
#                                                one or two objects; 100,000 files unless --mb/--files say)
#   benches/whole-lint.sh --shape both --mb N   both shapes at ~N MB, one table each, in one run
#   benches/whole-lint.sh --files N --payload-kb K
#   benches/whole-lint.sh 8000 12               (old form: FILES PAYLOAD_KB)
#   benches/whole-lint.sh --mb 1000 --dry-run   size maths, disk room, commands; runs nothing
#   benches/whole-lint.sh --memory [--files 2000] [--payloads "4 64"]
#                                                dvmlint peak RSS against ConfigMap payload size
# Options:  --runs N (hyperfine runs of the fast tools, default 5)  --no-peers  --peers yamllint,checkov
#           --rounds N (interleaved rounds for the target ratios, default 7)
# Env:      CORPUS_DIR (parent of generated corpora, default /tmp)   PEER_TIMEOUT (s, default 600)
#           PEER_REPEAT_UNDER (s, default 30: a peer whose first run is faster gets hyperfine --runs 3)
#           YAMLLINT, CHECKOV (commands; default: on PATH, else /tmp/bench-venv/bin/...)
#           YAMLLINT_ARGS (default: -c benches/yamllint-correctness.yaml)   RESULTS_DIR (default target/bench-results)
# Exit status: 1 if `--jobs 1` and `--jobs 2` JSON outputs differ (determinism check), 2 on usage errors.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
all_args=("$@")

mb=""
files=""
payload=""
runs=5
rounds=7
dry_run=0
memory=0
payloads="4 64"
peers="yamllint,checkov"
shape=default
positional=()
while [ $# -gt 0 ]; do
  case "$1" in
    --mb) mb=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --payload-kb) payload=$2; shift 2 ;;
    --shape) shape=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    --memory) memory=1; shift ;;
    --payloads) payloads=$2; shift 2 ;;
    --no-peers) peers=""; shift ;;
    --peers) peers=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "whole-lint.sh: unknown option $1" >&2; exit 2 ;;
    *) positional+=("$1"); shift ;;
  esac
done
[ ${#positional[@]} -ge 1 ] && files=${positional[0]}
[ ${#positional[@]} -ge 2 ] && payload=${positional[1]}
payload=${payload:-12}
case "$shape" in
  default) ;;
  small) payload=small ;; # the corpus's name and generator arguments say "small" where a payload would be
  both)
    # Each shape in turn, by this script, then their tables side by side in one file.
    [ "$memory" -eq 0 ] || { echo "whole-lint.sh: --memory takes no --shape" >&2; exit 2; }
    rest=()
    skip=0
    for a in "${all_args[@]}"; do
      if [ "$skip" -eq 1 ]; then skip=0; continue; fi
      if [ "$a" = --shape ]; then skip=1; continue; fi
      rest+=("$a")
    done
    out=${RESULTS_DIR:-$repo/target/bench-results}
    mkdir -p "$out"
    combined=$out/whole-lint-both-$(date -u +%Y%m%dT%H%M).md
    : > "$combined"
    status=0
    for s in default small; do
      log=$(mktemp)
      "$0" "${rest[@]}" --shape "$s" | tee "$log" || status=$?
      saved=$(sed -n 's/^(saved to \(.*\))$/\1/p' "$log")
      { echo "### Shape: $s"; echo; [ -n "$saved" ] && cat "$saved"; echo; } >> "$combined"
      rm -f "$log"
    done
    echo "(both shapes saved to $combined)"
    exit "$status"
    ;;
  *) echo "whole-lint.sh: --shape is default, small or both" >&2; exit 2 ;;
esac

corpus_parent=${CORPUS_DIR:-/tmp}
peer_timeout=${PEER_TIMEOUT:-600}
peer_repeat_under=${PEER_REPEAT_UNDER:-30}
results_dir=${RESULTS_DIR:-$repo/target/bench-results}
yamllint_config_default="-c $repo/benches/yamllint-correctness.yaml"
yamllint_args=${YAMLLINT_ARGS:-$yamllint_config_default}
find_tool() { # NAME: $NAME env, else PATH, else the venv the README installs into
  local var; var=$(echo "$1" | tr a-z A-Z)
  if [ -n "${!var:-}" ]; then echo "${!var}"
  elif command -v "$1" > /dev/null; then command -v "$1"
  elif [ -x "/tmp/bench-venv/bin/$1" ]; then echo "/tmp/bench-venv/bin/$1"
  fi
}

need() { command -v "$1" > /dev/null || { echo "whole-lint.sh: needs $1 ($2)" >&2; exit 2; }; }
need hyperfine "apt-get install hyperfine"
need python3 "for reading hyperfine's JSON"
[ -x /usr/bin/time ] || { echo "whole-lint.sh: needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }

echo "building (profiling: release with line tables)..." >&2
cargo build --profile profiling --quiet --example gen_corpus --example parse_floor
cargo build --profile profiling --quiet
gen=$repo/target/profiling/examples/gen_corpus
floor=$repo/target/profiling/examples/parse_floor
dvmlint=$repo/target/profiling/dvmlint
work=$(mktemp -d /tmp/whole-lint.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Apparent bytes and file count of the YAML files of a corpus.
corpus_bytes() { find "$1" -type f \( -name '*.yaml' -o -name '*.yml' \) -printf '%s\n' | awk '{s+=$1} END {print s+0}'; }
corpus_files() { find "$1" -type f \( -name '*.yaml' -o -name '*.yml' \) | wc -l; }

# gen_corpus's arguments for a payload (KB), or for the small-file shape ("small").
gen_args() { if [ "$1" = small ]; then echo "--shape small"; else echo "--payload-kb $1"; fi; }

# Bytes per generated file at a payload, measured on a sample (gen_corpus is
# deterministic; the default shape's kinds cycle every 10 files, the small
# shape draws its kinds at random, so its sample is larger).
bytes_per_file() {
  local sample=$work/sample-$1 n=200
  [ "$1" = small ] && n=5000
  # shellcheck disable=SC2046 # gen_args is a word list
  "$gen" --files "$n" $(gen_args "$1") --out "$sample" > /dev/null
  echo $(( $(corpus_bytes "$sample") / n ))
  rm -rf "$sample"
}

# Generates (once) the corpus for FILES PAYLOAD and prints its path.
corpus_for() {
  local dir=$corpus_parent/dvmlint-corpus-$1-$2
  if [ -d "$dir" ] && [ ! -e "$dir.complete" ]; then
    # Never delete what this script did not mark as its own (e.g. the old script's corpora).
    echo "reusing $dir, which has no $dir.complete marker: delete it to regenerate" >&2
  elif [ ! -e "$dir.complete" ]; then
    echo "generating $dir ..." >&2
    # shellcheck disable=SC2046 # gen_args is a word list
    "$gen" --files "$1" $(gen_args "$2") --out "$dir" >&2
    touch "$dir.complete"
  fi
  echo "$dir"
}

# Runs a command once under GNU time (and `timeout` when a limit is given) and
# writes "wall_s peak_rss_kb cpu_s status" to stdout; status: ok | exit N | timeout.
timed_run() { # LIMIT_S CMD...
  local limit=$1; shift
  local start end rc=0
  start=$(date +%s.%N)
  if [ "$limit" -gt 0 ]; then
    /usr/bin/time -v -o "$work/time.txt" timeout "$limit" "$@" > "$work/stdout.txt" 2> "$work/stderr.txt" || rc=$?
  else
    /usr/bin/time -v -o "$work/time.txt" "$@" > "$work/stdout.txt" 2> "$work/stderr.txt" || rc=$?
  fi
  end=$(date +%s.%N)
  local rss user sys status=ok
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  user=$(awk -F': ' '/User time/ {print $2}' "$work/time.txt")
  sys=$(awk -F': ' '/System time/ {print $2}' "$work/time.txt")
  if [ "$rc" -eq 124 ] && [ "$limit" -gt 0 ]; then status=timeout
  elif [ "$rc" -ne 0 ]; then status="exit_$rc"; fi
  echo "$(echo "$end - $start" | bc -l) ${rss:-0} $(echo "${user:-0} + ${sys:-0}" | bc -l) $status"
}

# Mean and standard deviation (s) of the first command of a hyperfine JSON export.
hf_stats() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print(r["mean"], r.get("stddev") or 0, len(r["times"]))' "$1"; }

version_of() {
  case "$1" in
    yamllint) "$(find_tool yamllint)" --version 2>&1 | head -1 ;;
    checkov) echo "checkov $(CKV_SKIP_PACKAGE_UPDATE_CHECK=true "$(find_tool checkov)" --version 2>&1 | tail -1)" ;;
  esac
}

# ---------- memory against payload size ----------
if [ "$memory" -eq 1 ]; then
  files=${files:-2000}
  if [ "$dry_run" -eq 1 ]; then
    for p in $payloads; do
      bpf=$(bytes_per_file "$p")
      echo "payload ${p} KB: $files files x ~$bpf B = ~$(( files * bpf / 1000000 )) MB in $corpus_parent/dvmlint-corpus-$files-$p"
    done
    df -h "$corpus_parent"
    exit 0
  fi
  table=$work/memory.md
  {
    echo "Peak RSS against ConfigMap payload size: $files generated files, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)"
    echo
    echo "| --payload-kb | corpus | dvmlint check peak RSS | dvmlint wall | parse_floor peak RSS |"
    echo "|---|---|---|---|---|"
  } > "$table"
  for p in $payloads; do
    dir=$(corpus_for "$files" "$p")
    bytes=$(corpus_bytes "$dir"); n=$(corpus_files "$dir")
    best_rss=""; walls=()
    for _ in 1 2 3; do # peak RSS varies with thread timing: keep the largest of 3
      read -r wall rss _ _ < <(timed_run 0 "$dvmlint" check "$dir" --format json --quiet --no-cache --output /dev/null)
      walls+=("$wall")
      if [ -z "$best_rss" ] || [ "$rss" -gt "$best_rss" ]; then best_rss=$rss; fi
    done
    read -r _ floor_rss _ _ < <(timed_run 0 "$floor" "$dir")
    printf '| %s | %s files, %.1f MB | %.1f MB | %.2f s (median of 3) | %.1f MB |\n' "$p" "$n" \
      "$(echo "$bytes / 1000000" | bc -l)" "$(echo "$best_rss / 1024" | bc -l)" \
      "$(printf '%s\n' "${walls[@]}" | sort -g | sed -n 2p)" "$(echo "$floor_rss / 1024" | bc -l)" >> "$table"
  done
  mkdir -p "$results_dir"
  cp "$table" "$results_dir/memory-$files.md"
  echo; cat "$table"; echo; echo "(saved to $results_dir/memory-$files.md)"
  exit 0
fi

# ---------- sizes ----------
if [ -n "$mb" ]; then
  [ -z "$files" ] || { echo "whole-lint.sh: --mb and --files are exclusive" >&2; exit 2; }
  bpf=$(bytes_per_file "$payload")
  files=$(( (mb * 1000000 + bpf / 2) / bpf ))
elif [ "$payload" = small ]; then
  files=${files:-100000}
else
  files=${files:-8000}
fi
corpus=$corpus_parent/dvmlint-corpus-$files-$payload

if [ "$dry_run" -eq 1 ]; then
  bpf=${bpf:-$(bytes_per_file "$payload")}
  est=$(( files * bpf ))
  # On disk each file also rounds up to 4 KiB blocks.
  disk=$(( files * ( (bpf + 4095) / 4096 * 4096 ) ))
  avail=$(df -B1 --output=avail "$corpus_parent" | tail -1)
  echo "corpus:      $corpus"
  echo "gen_corpus:  $gen --files $files $(gen_args "$payload") --out $corpus"
  echo "size:        $files files x ~$bpf B (measured on a 200-file sample) = ~$(( est / 1000000 )) MB of YAML, ~$(( disk / 1000000 )) MB on disk"
  echo "disk:        $(( avail / 1000000000 )) GB available on $corpus_parent: $([ "$avail" -gt $(( disk * 2 )) ] && echo 'room enough' || echo 'NOT ENOUGH ROOM (want 2x)')"
  echo "peers:       ${peers:-none}; timeout ${peer_timeout}s each; yamllint $(find_tool yamllint || true) / checkov $(find_tool checkov || true)"
  echo "runs:        hyperfine --warmup 1 --runs $runs for parse_floor and dvmlint (both --jobs settings)"
  exit 0
fi

corpus=$(corpus_for "$files" "$payload")
bytes=$(corpus_bytes "$corpus")
nfiles=$(corpus_files "$corpus")
mbytes=$(echo "$bytes / 1000000" | bc -l)
echo "corpus: $corpus ($nfiles YAML files, $(printf '%.1f' "$mbytes") MB apparent, $(du -sh "$corpus" | cut -f1) on disk)" >&2

# ---------- determinism: --jobs 1 and --jobs 2 give the same JSON ----------
deterministic=yes
"$dvmlint" check "$corpus" --format json --quiet --no-cache --output "$work/jobs1.json" --jobs 1 || true
"$dvmlint" check "$corpus" --format json --quiet --no-cache --output "$work/jobs2.json" --jobs 2 || true
if ! cmp -s "$work/jobs1.json" "$work/jobs2.json"; then
  deterministic=no
  echo "DETERMINISM CHECK FAILED: --jobs 1 and --jobs 2 JSON outputs differ:" >&2
  diff "$work/jobs1.json" "$work/jobs2.json" | head -20 >&2 || true
fi
findings=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d) if isinstance(d,list) else len(d.get("findings", [])))' "$work/jobs1.json" 2> /dev/null || echo "?")

# ---------- measurements ----------
rows=$work/rows.tsv
: > "$rows"
fmt_row() { # NAME CMD RUNS MEAN SD RSS_KB CPU STATUS REPORTED
  local name=$1 cmd=$2 nruns=$3 mean=$4 sd=$5 rss=$6 cpu=$7 status=$8 reported=$9
  local wall fps mbs
  if [ "$status" = timeout ]; then
    wall="did not finish in ${peer_timeout} s"; fps="—"; mbs="—"
  else
    if [ "$nruns" -ge 3 ]; then wall=$(printf '%.2f s ± %.2f' "$mean" "$sd"); else wall=$(printf '%.2f s (1 run)' "$mean"); fi
    fps=$(printf '%.0f' "$(echo "$nfiles / $mean" | bc -l)")
    mbs=$(printf '%.1f' "$(echo "$mbytes / $mean" | bc -l)")
    [ "$status" = ok ] || wall="$wall, $status"
  fi
  printf '| %s | `%s` | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$cmd" "$nruns" "$wall" "$fps" "$mbs" \
    "$(printf '%.1f MB' "$(echo "$rss / 1024" | bc -l)")" "$(printf '%.2f s' "$cpu")" "$reported" >> "$rows"
}

# Fast tools: hyperfine for the wall time, one GNU time run for peak RSS and CPU.
fast() { # NAME DISPLAY REPORTED CMD...
  local name=$1 display=$2 reported=$3; shift 3
  echo "measuring $name ..." >&2
  hyperfine --warmup 1 --runs "$runs" --ignore-failure --style none --export-json "$work/hf.json" -n "$name" "$(printf '%q ' "$@")" > /dev/null
  read -r mean sd n < <(hf_stats "$work/hf.json")
  read -r _ rss cpu status < <(timed_run 0 "$@")
  [ "$status" = timeout ] && status=ok
  case "$status" in exit_1) status=ok ;; esac # dvmlint exits 1 when it reports findings
  fmt_row "$name" "$display" "$n" "$mean" "$sd" "$rss" "$cpu" "$status" "$reported"
}

# Peers: one timed run under PEER_TIMEOUT; when it is quick, hyperfine --runs 3 for the mean.
peer() { # NAME DISPLAY COUNT_PATTERN CMD... (COUNT_PATTERN: grep -c of stdout = problems reported)
  local name=$1 display=$2 pattern=$3; shift 3
  echo "measuring $name (timeout ${peer_timeout}s) ..." >&2
  read -r wall rss cpu status < <(timed_run "$peer_timeout" "$@")
  local n=1 mean=$wall sd=0 reported
  reported=$(grep -c -- "$pattern" "$work/stdout.txt" || true)
  case "$status" in exit_1|exit_2) status=ok ;; esac # linters exit non-zero when they report problems
  if [ "$status" = ok ] && [ "$(echo "$wall < $peer_repeat_under" | bc -l)" -eq 1 ]; then
    hyperfine --warmup 0 --runs 3 --ignore-failure --style none --export-json "$work/hf.json" -n "$name" "$(printf '%q ' "$@")" > /dev/null
    read -r mean sd n < <(hf_stats "$work/hf.json")
  fi
  if [ "$status" != ok ] && [ "$status" != timeout ]; then
    echo "$name: $status; stderr tail:" >&2; tail -5 "$work/stderr.txt" >&2
  fi
  [ "$status" = timeout ] && reported="—"
  fmt_row "$name" "$display" "$n" "$mean" "$sd" "$rss" "$cpu" "$status" "$reported"
}

fast "parse_floor" "parse_floor DIR" "—" "$floor" "$corpus"
fast "dvmlint check (jobs: default, $(nproc) cores)" "dvmlint check DIR --format json --quiet --no-cache --output /dev/null" "$findings" \
  "$dvmlint" check "$corpus" --format json --quiet --no-cache --output /dev/null
fast "dvmlint check --jobs 1" "dvmlint check DIR --format json --quiet --no-cache --output /dev/null --jobs 1" "$findings" \
  "$dvmlint" check "$corpus" --format json --quiet --no-cache --output /dev/null --jobs 1

# The target ratios, measured round by round: a round runs the floor, dvmlint and
# dvmlint --jobs 1 back to back, so a shared host that slows down for a while
# slows all three alike (hyperfine's batches above run one tool after the other).
echo "measuring the target ratios ($rounds interleaved rounds) ..." >&2
ratios=$(python3 - "$rounds" "$floor" "$dvmlint" "$corpus" <<'PY'
import statistics, subprocess, sys, time
rounds, floor, dvmlint, corpus = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
check = [dvmlint, "check", corpus, "--format", "json", "--quiet", "--no-cache", "--output", "/dev/null"]
def wall(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start
throughput, speedup = [], []
wall([floor, corpus]); wall(check)  # warm-up
for _ in range(rounds):
    f, two, one = wall([floor, corpus]), wall(check), wall(check + ["--jobs", "1"])
    throughput.append(f / two)
    speedup.append(one / two)
def show(values, fmt):
    return f"median {fmt(statistics.median(values))} (range {fmt(min(values))} to {fmt(max(values))})"
print(f"| dvmlint throughput / floor throughput | {show(throughput, lambda v: f'{v:.0%}')} | ≥ 85% |")
print(f"| `--jobs 1` wall / `--jobs 2` wall | {show(speedup, lambda v: f'{v:.2f}x')} | ≥ 1.7x |")
PY
)

versions="dvmlint $(git rev-parse --short HEAD)"
case ",$peers," in *,yamllint,*)
  yl=$(find_tool yamllint || true)
  if [ -z "$yl" ]; then echo "yamllint not found: skipped (pip install yamllint)" >&2
  else
    # shellcheck disable=SC2086 # YAMLLINT_ARGS is a word list
    peer "yamllint (1 process)" "yamllint $yamllint_args -f parsable DIR" ': \[' "$yl" $yamllint_args -f parsable "$corpus"
    versions="$versions, $(version_of yamllint)"
  fi ;;
esac
case ",$peers," in *,checkov,*)
  ck=$(find_tool checkov || true)
  if [ -z "$ck" ]; then echo "checkov not found: skipped (pip install checkov)" >&2
  else
    peer "checkov" "checkov --framework kubernetes -d DIR --quiet --compact --skip-download" '^Check: ' \
      env CKV_SKIP_PACKAGE_UPDATE_CHECK=true "$ck" --framework kubernetes -d "$corpus" --quiet --compact --skip-download
    versions="$versions, $(version_of checkov)"
  fi ;;
esac

table=$work/table.md
{
  echo "Corpus: \`gen_corpus --files $files $(gen_args "$payload")\`: $nfiles YAML files, $(printf '%.1f' "$mbytes") MB ($(du -sh "$corpus" | cut -f1) on disk). Machine: $(nproc) cores, load average before the run $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC'). Versions: $versions."
  echo
  echo "| tool | command | runs | wall time (mean ± sd) | files/s | MB/s | peak RSS | CPU (user+sys, 1 run) | problems reported |"
  echo "|---|---|---|---|---|---|---|---|---|"
  cat "$rows"
  echo
  echo "Determinism (\`--jobs 1\` vs \`--jobs 2\` JSON, $findings findings): $([ $deterministic = yes ] && echo identical || echo DIFFERENT)."
  echo
  echo "Target ratios, $rounds interleaved rounds (floor, dvmlint, dvmlint --jobs 1 back to back; per-round ratios):"
  echo
  echo "| ratio | measured | target |"
  echo "|---|---|---|"
  echo "$ratios"
} > "$table"
mkdir -p "$results_dir"
cp "$table" "$results_dir/whole-lint-$files-$payload.md"
echo
cat "$table"
echo
echo "(saved to $results_dir/whole-lint-$files-$payload.md)"
[ "$deterministic" = yes ] || exit 1
