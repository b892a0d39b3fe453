#!/usr/bin/env bash
# Instruction-count regression gate (issue 6): counts the instructions of the forward pass
# (beex_engine_trace / beex_engine_run_batch only, via callgrind's --toggle-collect) on the
# scalar and AVX2 variants, one thread, for a fixed seeded random model and fixed token ids,
# and compares them with results/baselines/perf_gate.json through `beex compare`: more than
# 2 % growth fails. Valgrind cannot run AVX-512 code, so BEEX_ISA pins each run to a variant
# valgrind can execute (valgrind also hides AVX-512 from CPUID).
#
# Usage: bash scripts/perf_gate.sh BEEX_BINARY [--refresh]
#   --refresh   rewrite the baseline with the counts of this build (commit the file)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bash scripts/perf_gate.sh BEEX_BINARY [--refresh]" >&2; exit 2; }
BEEX=$(realpath "$1")
REFRESH=0
[ "${2:-}" = "--refresh" ] && REFRESH=1
BASELINE=results/baselines/perf_gate.json
[ -x "$BEEX" ] || { echo "perf_gate: $BEEX is not an executable" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "perf_gate: valgrind not installed (scripts/setup.sh)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A fixed small model (4 blocks, d 64) and 8 fixed examples of 6..48 ids: big enough to
# exercise every kernel, small enough for callgrind to finish in seconds.
"$BEEX" init --out "$tmp/model.safetensors" --seed 20260101 --vocab 512 --d 64 --heads 2 \
    --dff 128 --blocks 4 --max-len 48 --classes 2 --precision w1a1 >/dev/null
awk 'BEGIN { for (e = 0; e < 8; e++) { n = 6 + 6 * e; line = "";
             for (i = 0; i < n; i++) line = line (i ? " " : "") (2 + (e * 131 + i * 17) % 510);
             print line } }' >"$tmp/ids.txt"

count() { # $1 = variant; prints the instruction count of the forward pass
    BEEX_ISA=$1 OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive \
        valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" \
        --toggle-collect='beex_engine_trace' --toggle-collect='beex_engine_run_batch' \
        "$BEEX" run "$tmp/model.safetensors" --ids --variant "$1" --threads 1 --batch 4 --delta 0.1 \
        <"$tmp/ids.txt" >"$tmp/out.$1" 2>"$tmp/vg.$1" || {
        echo "perf_gate: valgrind run of the $1 variant failed:" >&2; tail -20 "$tmp/vg.$1" >&2; exit 1; }
    local n
    n=$(awk '/^summary:/ { print $2 }' "$tmp/cg.$1")
    [ -n "$n" ] && [ "$n" -gt 0 ] || { echo "perf_gate: no instructions counted for $1 (symbols stripped?)" >&2; exit 1; }
    echo "$n"
}

scalar=$(count scalar)
avx2=$(count avx2)
compiler=$("${CC:-cc}" --version 2>/dev/null | head -1 | tr -d '"\\' || echo unknown)
# Two integers and fixed names only, so printf is safe here.
printf '{\n  "kind": "beex-perf-gate",\n  "what": "instructions of beex_engine_trace/run_batch, 1 thread, callgrind",\n  "compiler": "%s",\n  "benchmarks": [\n    {"name": "forward/scalar", "instructions": %s},\n    {"name": "forward/avx2", "instructions": %s}\n  ]\n}\n' \
    "$compiler" "$scalar" "$avx2" >"$tmp/new.json"
echo "forward pass instructions: scalar $scalar, avx2 $avx2"

if [ $REFRESH = 1 ]; then
    cp "$tmp/new.json" "$BASELINE.tmp.$$" && mv "$BASELINE.tmp.$$" "$BASELINE"
    echo "perf_gate: baseline rewritten: $BASELINE (commit it)"
    exit 0
fi
[ -f "$BASELINE" ] || { echo "perf_gate: no baseline $BASELINE; run with --refresh" >&2; exit 1; }
"$BEEX" compare "$BASELINE" "$tmp/new.json" --instr-threshold 0.02
