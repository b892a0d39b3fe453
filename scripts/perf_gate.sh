#!/usr/bin/env bash
# Instruction-count regression gate (issue 6): counts the instructions of the forward pass
# (beex_engine_trace / beex_engine_run_batch[_rule] only, via callgrind's --toggle-collect) on the
# scalar and AVX2 variants, one thread, for a fixed seeded random model and fixed token ids,
# and compares them with results/baselines/perf_gate.json through `beex compare`: more than
# 2 % growth fails. Valgrind cannot run AVX-512 code, so BEEX_ISA pins each run to a variant
# valgrind can execute (valgrind also hides AVX-512 from CPUID).
#
# Usage: bash scripts/perf_gate.sh BEEX_BINARY [--refresh | --history FILE]
#   --refresh        rewrite the baseline with the counts of this build (commit the file)
#   --history FILE   take the baseline from the performance history (docs/history.md): the
#                    last record of this machine in FILE with "build": "ok", instead of
#                    results/baselines/perf_gate.json, with the same 2 % rule. Its
#                    forward/w1a1/scalar and forward/w1a1/avx2 instructions count the same
#                    run: the history's forward bench (app/history/history_measure.c) is this
#                    command (this model, these 8 ids, `beex run --ids --variant V --threads 1
#                    --batch 4 --delta 0.1` under BEEX_ISA=V), and it counts the cost inside
#                    the same entry points (beex_engine_trace, beex_engine_run_batch*), as the
#                    inclusive cost of those functions rather than by toggling collection on
#                    them. On one binary the two agree to about 0.01 % (callgrind's own
#                    run-to-run spread), far inside the 2 % rule.
set -euo pipefail
usage="usage: bash scripts/perf_gate.sh BEEX_BINARY [--refresh | --history FILE]"
[ $# -ge 1 ] || { echo "$usage" >&2; exit 2; }
BEEX=$(realpath "$1")
shift
REFRESH=0
HISTORY=
while [ $# -gt 0 ]; do
    case "$1" in
    --refresh) REFRESH=1 ;;
    --history)
        [ $# -ge 2 ] || { echo "perf_gate: --history needs a FILE" >&2; exit 2; }
        HISTORY=$(realpath "$2") || { echo "perf_gate: --history $2: no such file" >&2; exit 2; }
        shift ;;
    *) echo "perf_gate: unknown option '$1'; $usage" >&2; exit 2 ;;
    esac
    shift
done
cd "$(dirname "$0")/.."
BASELINE=results/baselines/perf_gate.json
if [ -n "$HISTORY" ]; then
    [ $REFRESH = 0 ] || { echo "perf_gate: --refresh and --history: the history is appended by \`beex history record\`" >&2; exit 2; }
    [ -f "$HISTORY" ] && [ -r "$HISTORY" ] || { echo "perf_gate: --history $HISTORY: not a readable file" >&2; exit 2; }
    command -v jq >/dev/null || { echo "perf_gate: --history needs jq (scripts/setup.sh)" >&2; exit 2; }
fi
[ -x "$BEEX" ] || { echo "perf_gate: $BEEX is not an executable" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "perf_gate: valgrind not installed (scripts/setup.sh)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -n "$HISTORY" ]; then
    # This machine's slug as the history names it (app/history/history_header.c: vendor, CPU
    # family and model on x86, "arm-<implementer>-<part>" on aarch64, [a-z0-9-] only).
    # BEEX_MACHINE overrides it.
    machine=${BEEX_MACHINE:-$(awk -F'[ \t]*: *' '
        /^$/ { exit }  # the first processor is enough
        $1 == "vendor_id" { v = ($2 == "GenuineIntel") ? "intel" : ($2 == "AuthenticAMD") ? "amd" : $2 }
        $1 == "cpu family" { f = $2 } $1 == "model" { m = $2 }
        $1 == "CPU implementer" { v = "arm"; f = $2; sub(/^0x/, "", f) }
        $1 == "CPU part" { m = $2; sub(/^0x/, "", m) }
        END { if (v != "" && f != "" && m != "") { s = tolower(v "-" f "-" m); gsub(/[^a-z0-9-]/, "-", s); print s } }' /proc/cpuinfo)}
    [ -n "$machine" ] || { echo "perf_gate: cannot tell this machine from /proc/cpuinfo; set BEEX_MACHINE" >&2; exit 2; }
    # One JSON value per line; the last ok record of this machine becomes a perf-gate baseline
    # (found before anything is counted).
    jq -e -s --arg m "$machine" '
        [.[] | select(.machine.fingerprint == $m and .build == "ok")] | last
        | select(. != null)
        | {kind: "beex-perf-gate", commit: .commit,
           what: "instructions of beex_engine_trace/run_batch, 1 thread, callgrind (history)",
           compiler: .compiler,
           benchmarks: [{name: "forward/scalar", instructions: .counts["forward/w1a1/scalar"].instructions},
                        {name: "forward/avx2", instructions: .counts["forward/w1a1/avx2"].instructions}]}
        | select(all(.benchmarks[]; .instructions != null))' "$HISTORY" >"$tmp/base.json" 2>"$tmp/jq.err" || {
        echo "perf_gate: $HISTORY has no record of this machine ($machine) with \"build\": \"ok\" and both forward/w1a1 counts" >&2
        cat "$tmp/jq.err" >&2; exit 1; }
    echo "perf_gate: baseline: commit $(jq -r .commit "$tmp/base.json") of $HISTORY ($machine)"
    BASELINE=$tmp/base.json
fi

# A fixed small model (4 blocks, d 64) and 8 fixed examples of 6..48 ids: big enough to
# exercise every kernel, small enough for callgrind to finish in seconds.
"$BEEX" init --out "$tmp/model.safetensors" --seed 20260101 --vocab 512 --d 64 --heads 2 \
    --dff 128 --blocks 4 --max-len 48 --classes 2 --precision w1a1 >/dev/null
awk 'BEGIN { for (e = 0; e < 8; e++) { n = 6 + 6 * e; line = "";
             for (i = 0; i < n; i++) line = line (i ? " " : "") (2 + (e * 131 + i * 17) % 510);
             print line } }' >"$tmp/ids.txt"

# `beex run` calls beex_engine_run_batch_rule; older builds called beex_engine_run_batch, which
# reaches it by tail jumps, which callgrind's toggles do not see: both are toggled, so that the
# baseline's build and this one are counted the same way.
count() { # $1 = variant; prints the instruction count of the forward pass
    BEEX_ISA=$1 OMP_NUM_THREADS=1 OMP_WAIT_POLICY=passive \
        valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$1" \
        --toggle-collect='beex_engine_trace' --toggle-collect='beex_engine_run_batch' \
        --toggle-collect='beex_engine_run_batch_rule' \
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
