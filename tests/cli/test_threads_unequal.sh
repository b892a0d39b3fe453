#!/usr/bin/env bash
# Threads for unequal cores (issue 25, item 3), end to end on tiny settings, no timing asserted:
# `beex bench gemm --ceiling` writes each multi-thread row's ceiling (per-CPU speeds, their
# sum, the threads' speed, the ratio with its interval, the verdict) in the table and the
# JSON, only for the CPUs this process may use (taskset); `beex sweep` records which thread
# count each timed point ran on and the calibration that chose it; a pinned team's context
# says how its cores were ordered.
set -euo pipefail
BEEX=$(realpath "$1")
command -v jq >/dev/null || { echo "SKIP: jq not installed (scripts/setup.sh installs it)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
ncpu=$(nproc)

"$BEEX" bench gemm --shapes 256x64x256 --threads 1,2 --reps 3 --variant scalar --no-libxsmm \
    --ceiling --json g.json >out.txt || fail "bench gemm --ceiling failed"
if [ "$ncpu" -ge 2 ]; then
    grep -q '^  ceiling: CPU .* reaches 0.9: \(yes\|no\|unsure\)$' out.txt || fail "no ceiling line: $(cat out.txt)"
    jq -e '[.benchmarks[] | select(.threads == 2) | .ceiling
            | (.cpus | length) >= 2 and .cores_summed == 2 and .rounds == 3 and .target == 0.9
              and .ceiling > 0 and .threads_rate > 0
              and .ratio.p2_5 <= .ratio.median and .ratio.median <= .ratio.p97_5
              and (.reaches_target | test("^(yes|no|unsure)$"))] | length > 0 and all' \
        g.json >/dev/null || fail "the 2-thread rows lack a complete ceiling"
    jq -e '.context.threads.core_order | test("^(fastest first \\(measured\\)|logical)$")' \
        g.json >/dev/null || fail "no core_order in the context"
fi
jq -e '[.benchmarks[] | select(.threads == 1) | has("ceiling") | not] | all' g.json >/dev/null ||
    fail "a one-thread row has a ceiling"

# Under taskset to one CPU the ceiling counts that CPU alone (the cap makes the team 1 thread:
# no ceiling row), and the run still succeeds.
if command -v taskset >/dev/null; then
    cpu=$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')
    taskset -c "$cpu" "$BEEX" bench gemm --shapes 64x64x64 --threads 2 --reps 2 --variant scalar \
        --no-libxsmm --ceiling --json t.json >/dev/null 2>&1 || fail "bench gemm --ceiling under taskset"
    jq -e '[.benchmarks[] | .ceiling // empty | .cpus | length == 1] | all' t.json >/dev/null ||
        fail "the ceiling used CPUs outside the taskset"
fi

# The sweep's timed points: threads_used and, on a team, the calibration that chose it.
"$BEEX" init --out m.safetensors --seed 3 --vocab 120 --d 32 --heads 2 --dff 64 --blocks 3 \
    --max-len 24 --labels 0,1 >/dev/null
mkdir task
for s in train dev test; do
    awk -v seed="${#s}" 'BEGIN { srand(seed); for (i = 0; i < 40; i++) { t = "";
        k = 2 + int(rand() * 20); for (j = 0; j < k; j++) t = t " w" (2 + int(rand() * 118));
        print int(rand() * 2) "\t" t } }' >task/$s.tsv
done
"$BEEX" sweep m.safetensors task --out run --threads 1,2 --batches 1,4 --points 1 \
    --variants scalar >/dev/null 2>err.txt || { cat err.txt; fail "sweep failed"; }
jq -e '[.. | objects | select(has("threads_used"))] as $r | ($r | length) == 4 and
       ([$r[] | select(.threads == 1) | .threads_used == 1 and .thread_choice == null] | all) and
       ([$r[] | select(.threads > 1) | (.threads_used == 1 or .threads_used == .threads)
         and .thread_choice.rounds == 5 and .thread_choice.examples >= 1
         and .thread_choice.median_seconds_one_thread > 0
         and .thread_choice.median_seconds_team > 0] | all)' run/sweep.json >/dev/null ||
    fail "timed runs without threads_used or their thread choice"
echo "PASS"
