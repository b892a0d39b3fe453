#!/usr/bin/env bash
# Issue 26's answer on this CPU, "is one bit worth it against int8?", in one command from the
# repository root after a release build:
#   bash scripts/study_precision.sh
# 1. accuracy: `beex study` of TASKS x fp32, w8a8 (quantization-aware), w1a32, w1a1 x SEEDS
#    seeds, untimed (scripts/study_precision.recipe), units side by side;
# 2. post-training quantization: each fp32 unit's model through `beex quantize` (calibration on
#    its training set) and `beex eval --precision w8a8`;
# 3. latency: the same study's seed-1 units copied to a second folder and swept again there,
#    timed (selected point, full depth and the entropy-ratio choice per variant, batch 1); the
#    study keeps a copied unit's model and only sweeps it, so these are the same models;
# 4. offline throughput: `beex bench model --shapes small` at batch 32, full depth, one thread;
# 5. results/precision.md's tables and results/precision_points.csv (scripts/precision_report.py)
#    and the plot plots/out/precision.{png,svg} (plots/precision.gp).
# Steps 3 and 4 time things: keep the machine otherwise idle. Resumable: finished units are
# skipped. Environment: BEEX (default build/release/beex), OUT (default
# results/runs/precision), TASKS (default mr), TIMED_TASKS (the tasks of steps 3 and 5's speed
# tables; default TASKS; the plot is of the first), SEEDS (default 5), JOBS (default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
BEEX=${BEEX:-build/release/beex}
OUT=${OUT:-results/runs/precision}
TASKS=${TASKS:-mr}
SEEDS=${SEEDS:-5}
JOBS=${JOBS:-$(nproc)}
TIMED_TASKS=${TIMED_TASKS:-$TASKS}
[ -x "$BEEX" ] || { echo "study_precision: $BEEX not built (cmake --build build/release)" >&2; exit 2; }
for task in ${TASKS//,/ }; do
    BEEX=$BEEX bash datasets/fetch.sh "$task" >/dev/null
done
bash datasets/glove.sh >/dev/null
PRECISIONS=fp32,w8a8,w1a32,w1a1
common=(--precisions "$PRECISIONS" --recipe scripts/study_precision.recipe --threads 1)
t0=$(date -u +%s)
"$BEEX" study --tasks "$TASKS" "${common[@]}" --jobs "$JOBS" --seeds-count "$SEEDS" --out "$OUT/study"
t1=$(date -u +%s)
mkdir -p "$OUT/ptq"
for task in ${TASKS//,/ }; do
    for s in $(seq 1 "$SEEDS"); do
        unit=$OUT/study/units/$task-fp32-s$s
        [ -f "$OUT/ptq/ptq-$task-s$s.json" ] && continue
        "$BEEX" quantize --model "$unit/model.safetensors" --data "datasets/data/$task/train.tsv" \
            --out "$OUT/ptq/$task-s$s.w8a8.safetensors" --overwrite --threads "$JOBS" >/dev/null
        "$BEEX" eval "$OUT/ptq/$task-s$s.w8a8.safetensors" "$task" --precision w8a8 \
            --json "$OUT/ptq/ptq-$task-s$s.json" >/dev/null
    done
done
t2=$(date -u +%s)
mkdir -p "$OUT/timed/units"
for task in ${TIMED_TASKS//,/ }; do
    for p in ${PRECISIONS//,/ }; do
        [ -d "$OUT/timed/units/$task-$p-s1" ] || cp -a "$OUT/study/units/$task-$p-s1" "$OUT/timed/units/"
    done
done
# One unit at a time: a unit timed while another trains beside it would share the host.
"$BEEX" study --tasks "$TIMED_TASKS" "${common[@]}" --jobs 1 --seeds 1 --timed \
    --out "$OUT/timed"
"$BEEX" bench model --shapes small --precisions "$PRECISIONS" --threads 1 --batches 32 \
    --json "$OUT/bench-model-small.json" >"$OUT/bench-model-small.txt"
t3=$(date -u +%s)
first=${TIMED_TASKS%%,*}
TASK=$first python3 scripts/precision_report.py "$OUT/study" "$OUT/timed" "$OUT/ptq" \
    "$OUT/bench-model-small.json" "$OUT/tables.md" results/precision_points.csv
if command -v gnuplot >/dev/null; then
    mkdir -p plots/out
    for term in pngcairo svg; do
        gnuplot -e "f='results/precision_points.csv'; out='plots/out/precision'; term='$term'; task='$first'" \
            plots/precision.gp
    done
fi
echo "study_precision: study $((t1 - t0)) s, PTQ $((t2 - t1)) s, timed study and bench $((t3 - t2)) s of wall time"
echo "study_precision: tables in $OUT/tables.md (results/precision.md quotes them), points in results/precision_points.csv"
