#!/usr/bin/env bash
# The language server's latency after one keystroke (docs/performance.md,
# "Language server"): p95 time from `textDocument/didChange` to the changed
# file's `textDocument/publishDiagnostics`, on generated repositories of 20,000
# and 100,000 files, over real pipes (examples/lsp_relint.rs).
#
#   benches/lsp.sh                      # 20,000 and 100,000 files, 200 edits each
#   benches/lsp.sh --files "20000" --edits 50
#   benches/lsp.sh --callgrind          # also instructions per edit (valgrind), 20,000 files
#   benches/lsp.sh --edit policy        # each edit changes a port of the policy (default:
#                                       # a character typed in a comment)
#
# Corpora go to $CORPUS_DIR (default /tmp), generated once (`--payload-kb 1`:
# the ConfigMap payloads no rule reads are kept small; the model is the same).
set -euo pipefail
cd "$(dirname "$0")/.."
FILES="20000 100000"
EDITS=200
CALLGRIND=0
EDIT=comment
CORPUS_DIR=${CORPUS_DIR:-/tmp}
while [ $# -gt 0 ]; do
    case $1 in
        --files) FILES=$2; shift 2 ;;
        --edits) EDITS=$2; shift 2 ;;
        --callgrind) CALLGRIND=1; shift ;;
        --edit) EDIT=$2; shift 2 ;;
        *) echo "usage: $0 [--files \"N ...\"] [--edits N] [--edit comment|policy] [--callgrind]" >&2; exit 2 ;;
    esac
done
cargo build --quiet --profile profiling --bin dvmlint --example gen_corpus --example lsp_relint
BIN=$PWD/target/profiling
echo "machine: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%FT%TZ); commit $(git rev-parse --short HEAD)"
for n in $FILES; do
    corpus="$CORPUS_DIR/dvmlint-lsp-$n"
    if [ ! -f "$corpus/.dvmlint.yaml" ]; then
        "$BIN/examples/gen_corpus" --files "$n" --payload-kb 1 --out "$corpus"
    fi
    echo "== $n files, $EDIT edits"
    "$BIN/examples/lsp_relint" "$BIN/dvmlint" "$corpus" "$EDITS" "$EDIT"
done
if [ "$CALLGRIND" = 1 ]; then
    # Instructions of the whole server process (every thread) with E edits and
    # with none; their difference over E is what one edit costs, whatever the
    # machine's load.
    n=$(echo "$FILES" | cut -d' ' -f1)
    corpus="$CORPUS_DIR/dvmlint-lsp-$n"
    out=$(mktemp -d)
    wrapper="$out/dvmlint-callgrind"
    for edits in 0 10; do
        printf '#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=%s/cg.%s %s "$@"\n' \
            "$out" "$edits" "$BIN/dvmlint" > "$wrapper"
        chmod +x "$wrapper"
        "$BIN/examples/lsp_relint" "$wrapper" "$corpus" "$edits" "$EDIT" > /dev/null 2>"$out/log.$edits" ||
            { cat "$out/log.$edits" >&2; exit 1; }
    done
    ir() { grep -m1 '^summary:' "$out/cg.$1" | awk '{print $2}'; }
    echo "== callgrind, $n files: $(ir 0) instructions with no edit, $(ir 10) with 10;" \
        "$(( ($(ir 10) - $(ir 0)) / 10 )) per edit"
fi
