#!/usr/bin/env bash
# Trains and evaluates the models of the training report (issue 5; results/training.md):
# for every task, the fp32 twin, then w1a32 and w1a1 each continued from the twin with BAT
# (the two-stage schedule), then `beex eval` of all three. Writes the models to models/ and
# the eval JSON, logs and a Markdown table to results/runs/train-<UTC stamp>/.
#
# usage: bash scripts/train_report.sh [TASK ...]     (default: mr conll2010 spam mrdoc brown)
#        EVAL_ONLY=1 bash scripts/train_report.sh TASK ...   (re-evaluate the models already in
#        models/ through `beex eval`, the one evaluation path, without training)
# Environment: THREADS (default: every allowed core; the model does not depend on it),
#              BUILD_DIR (default build/release), EXTRA (options appended to every
#              `beex train`, after the recipe, so they win; e.g. "--epochs 1" for a smoke run). Fetch the tasks and GloVe first
#              (datasets/fetch.sh TASK, datasets/glove.sh). Budget on this 2-core VM, two
#              threads (batched trainer, results/training.md): mr 2 min, mrdoc at 512 tokens 25.
set -euo pipefail
cd "$(dirname "$0")/.."
BEEX=${BUILD_DIR:-build/release}/beex
THREADS=${THREADS:-}
threads_opt=()
[ -z "$THREADS" ] || threads_opt=(--threads "$THREADS")
EVAL_ONLY=${EVAL_ONLY:-0}
EXTRA=${EXTRA:-}
[ -x "$BEEX" ] || { echo "train_report: build $BEEX first (README)" >&2; exit 1; }
glove=$(bash datasets/glove.sh)
out=results/runs/train-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out" models

# Per-task recipes (measured; see results/training.md). Common to all: GloVe 100-d.
recipe_fp32() {
    case $1 in
    mr) echo "--glove-words 20000 --warmup 0.1 --lr-decay linear --epochs 6" ;;
    spam) echo "--epochs 3" ;;
    mrdoc) echo "--max-len 512 --batch 16 --warmup 0.1 --lr-decay linear --epochs 6" ;;
    brown) echo "--warmup 0.1 --lr-decay linear --epochs 2" ;;
    *) echo "--epochs 6" ;;
    esac
}
recipe_bat() {
    case $1 in
    mrdoc) echo "--batch 16 --warmup 0.1 --lr-decay linear --epochs 4" ;;
    spam) echo "--epochs 2" ;;
    brown) echo "--warmup 0.1 --lr-decay linear --epochs 2" ;;
    *) echo "--epochs 4" ;;
    esac
}

evaluate() { # NAME TASK
    local name=$1 task=$2
    if ! "$BEEX" eval "models/$name.safetensors" "$task" "${threads_opt[@]}" \
        --json "$out/$name.eval.json" >>"$out/$name.log" 2>&1; then
        echo "train_report: evaluating $name failed ($out/$name.log):" >&2
        tail -n 5 "$out/$name.log" >&2
        exit 1
    fi
}

train() { # NAME TASK ARGS...
    local name=$1 task=$2
    shift 2
    if [ "$EVAL_ONLY" = 1 ]; then
        if [ ! -f "models/$name.safetensors" ]; then
            echo "train_report: models/$name.safetensors missing; skipped" >&2
            return
        fi
        echo "-" >"$out/$name.seconds"
        evaluate "$name" "$task"
        return
    fi
    local t0=$SECONDS
    # shellcheck disable=SC2086 # EXTRA is an option list on purpose
    if ! "$BEEX" train "$task" "${threads_opt[@]}" --quiet --out "models/$name.safetensors" \
        "$@" $EXTRA 2>"$out/$name.log"; then
        echo "train_report: training $name failed ($out/$name.log):" >&2
        tail -n 5 "$out/$name.log" >&2
        exit 1
    fi
    echo $((SECONDS - t0)) >"$out/$name.seconds"
    evaluate "$name" "$task"
}

tasks=("$@")
[ ${#tasks[@]} -gt 0 ] || tasks=(mr conll2010 spam mrdoc brown)
for task in "${tasks[@]}"; do
    name=$(basename "$task") # a task may also be a directory with train/dev/test.tsv
    # shellcheck disable=SC2046 # recipes are option lists on purpose
    train "$name-fp32" "$task" --precision fp32 --glove "$glove" --d 100 $(recipe_fp32 "$name")
    for p in w1a32 w1a1; do
        # shellcheck disable=SC2046
        train "$name-$p" "$task" --precision "$p" --init "models/$name-fp32.safetensors" \
            $(recipe_bat "$name")
    done
done

{
    # Test figures per exit from `beex eval` (the one evaluation path); full depth with its 95 %
    # bootstrap interval; the best exit against full depth with the paired interval and McNemar.
    echo "| model | test accuracy, exits 1..N (last = full depth) | full depth [95 % CI] | F1 [CI] | MCC [CI] | most accurate test exit vs full depth, points [paired CI], McNemar p (picked on test: a reference, not a result) | dev (full) | train s |"
    echo "|---|---|---|---|---|---|---|---|"
    for f in "$out"/*.eval.json; do
        n=$(basename "$f" .eval.json)
        jq -r --arg n "$n" --arg s "$(cat "$out/$n.seconds")" '
            def fixed(k): (. | fabs) as $a | (pow(10; k)) as $p | ($a * $p | round) as $x
                | (if . < 0 and $x > 0 then "-" else "" end)
                  + "\(($x / $p) | floor)." + (("000000" + (($x % $p) | tostring)) | .[-k:]);
            def r3: fixed(3);
            def ci(x): "[\(x[0] | r3), \(x[1] | r3)]";
            def pts: (. * 100) as $v | (if $v >= 0 then "+" else "" end) + ($v | fixed(2));
            [.results[] | select(.split == "test")] as $t
            | [.results[] | select(.split == "dev")] as $d
            | ($t | max_by(.accuracy)) as $b
            | "| \($n) | \($t | map(.accuracy | r3) | join(" ")) | \($t[-1].accuracy | r3) \(ci($t[-1].ci95.accuracy))"
              + " | \($t[-1].f1 | r3) \(ci($t[-1].ci95.f1)) | \($t[-1].mcc | r3) \(ci($t[-1].ci95.mcc))"
              + " | exit \($b.exit_block): \($b.vs_full_depth.diff | pts) [\($b.vs_full_depth.ci95[0] | pts), \($b.vs_full_depth.ci95[1] | pts)], p \($b.vs_full_depth.mcnemar_p | if . < 0.001 then "< 0.001" else r3 end)"
              + " | \($d[-1].accuracy | r3) | \($s) |"' "$f"
    done
    echo
    echo "F1: of the positive class for binary tasks (named in each eval JSON), macro F1 otherwise; MCC: Matthews correlation, Gorodkin's R_K for multi-class tasks; intervals: 95 % percentile bootstrap, 2,000 resamples, seed 1; differences paired (beex eval)."
} >"$out/table.md"
cat "$out/table.md"
echo "train_report: $out"
