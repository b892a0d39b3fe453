#!/usr/bin/env bash
# README command 1, on a fresh machine: set-up, release build, fetch `mr`, train the default
# w1a1 model (or reuse models/mr-w1a1.safetensors), sweep the exit thresholds on every kernel
# variant, plot, and print a short summary. Budget: 20 minutes on 2 cores.
#
# Knobs (environment):
#   TWIN_ARGS    options for the first stage, the fp32 twin (default: GloVe vectors for the
#                training words plus GloVe's 20,000 most frequent words, 10 % warm-up and
#                linear decay, 6 epochs, seed 1; results/training.md)
#   TRAIN_ARGS   options for the second stage, BAT from the twin (default: w1a1, 4 epochs,
#                seed 1; test accuracy 0.748 at full depth on mr, results/training.md)
#                Both use every core this job may use: the same seed gives the same model bit
#                for bit whatever the thread count (the trainer's sums run in an order the
#                team size never changes; tests/cli/test_train.sh checks 1 against 2 threads),
#                so the main job reproduces the model of results/training.md on any core count.
#   USE_GLOVE    1 (default): initialise the embeddings from GloVe 100-d (--glove PATH --d 100)
#   SWEEP_ARGS   extra options for `beex sweep` (e.g. "--quick", "--variants avx2,avx512")
#   JOBS         build parallelism (default: nproc)
#   MODEL        model file to reuse or train (default models/mr-w1a1.safetensors)
#   BUILD_DIR    build directory (default build/release)
#
# With the default knobs the job trains the models whose sha256 results/models.sha256
# records, on any CPU and variant (docs/determinism.md), and says whether this machine
# reproduced them; STRICT_REPRODUCE=1 makes a difference an error (exit 1).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

# The recorded models are those of the default knobs: compare only then.
defaults=1
for knob in USE_GLOVE TWIN_ARGS TRAIN_ARGS MODEL; do
    if [ -n "${!knob+x}" ]; then defaults=0; fi
done
USE_GLOVE=${USE_GLOVE:-1}
glove_words=""
if [ "$USE_GLOVE" = 1 ]; then glove_words="--glove-words 20000"; fi
TWIN_ARGS=${TWIN_ARGS:-"--precision fp32 $glove_words --warmup 0.1 --lr-decay linear --epochs 6 --seed 1"}
TRAIN_ARGS=${TRAIN_ARGS:-"--precision w1a1 --epochs 4 --seed 1"}
SWEEP_ARGS=${SWEEP_ARGS:-""}
JOBS=${JOBS:-$(nproc)}
MODEL=${MODEL:-models/mr-w1a1.safetensors}
BUILD_DIR=${BUILD_DIR:-build/release}
BEEX=$ROOT/$BUILD_DIR/beex
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUN=results/runs/main-mr-$STAMP
start=$(date +%s)

step() { printf '\n=== [%4ds] %s ===\n' "$(($(date +%s) - start))" "$*"; }

step "set-up"
bash scripts/setup.sh

step "release build"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DBEEX_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS" --target beex

step "data: mr"
BEEX=$BEEX bash datasets/fetch.sh mr

trained=0
if [ -f "$MODEL" ]; then
    step "model: reusing $MODEL"
else
    trained=1
    twin=${MODEL%.safetensors}.twin-fp32.safetensors
    step "train the fp32 twin -> $twin"
    mkdir -p models
    extra=(--glove none)
    if [ "$USE_GLOVE" = 1 ]; then
        glove=$(bash datasets/glove.sh)
        # The checkpoint records paths as given: relative to the repository, so that every
        # clone, wherever it lives, trains the recorded bytes (results/models.sha256).
        glove=$(realpath --relative-to="$ROOT" "$glove")
        extra=(--glove "$glove" --d 100)
    fi
    # shellcheck disable=SC2086 # TWIN_ARGS is a list of options on purpose
    "$BEEX" train mr --out "$twin" $TWIN_ARGS "${extra[@]}"
    step "binarization-aware training from the twin -> $MODEL"
    # shellcheck disable=SC2086 # TRAIN_ARGS is a list of options on purpose
    "$BEEX" train mr --out "$MODEL" --init "$twin" $TRAIN_ARGS
fi

# Did this machine make the recorded bytes? (results/models.sha256, docs/determinism.md)
reproduced="not compared: non-default knobs (TWIN_ARGS, TRAIN_ARGS, USE_GLOVE or MODEL set)"
if [ "$defaults" = 1 ]; then
    twin=${MODEL%.safetensors}.twin-fp32.safetensors
    verdict=$(bash scripts/check_models.sh results/models.sha256 "$twin" "$MODEL") || true
    if [ "$trained" = 0 ]; then
        reproduced="$verdict (the model was reused, not trained here: delete $MODEL to retrain)"
    else
        reproduced=$verdict
    fi
    step "models: $reproduced"
    if [ "${STRICT_REPRODUCE:-0}" = 1 ] && [ "$trained" = 1 ] && [[ $verdict != yes* ]]; then
        echo "main_job.sh: this machine did not reproduce the recorded models" >&2
        exit 1
    fi
fi

step "sweep: trace, replay with intervals, timed Pareto points -> $RUN"
# The run folder appears only when the sweep has written every file; its printed summary is
# kept beside them.
summary_tmp=$(mktemp)
trap 'rm -f "$summary_tmp"' EXIT
# shellcheck disable=SC2086
"$BEEX" sweep "$MODEL" mr --out "$RUN" --points 3 $SWEEP_ARGS | tee "$summary_tmp"
cp "$summary_tmp" "$RUN/summary.txt"

step "plots -> plots/out/$(basename "$RUN")"
bash plots/plot.sh -o plots/out "$RUN"

step "summary"
printf 'model            %s\n' "$MODEL"
printf 'reproduced       %s\n' "$reproduced"
# The sweep's sentences and the selected point's timings (scripts/summary.sh, tested by
# tests/cli/test_summary.sh).
bash scripts/summary.sh "$RUN"
printf 'results          %s/sweep.json (+ CSV, summary.txt), plots in plots/out/%s/\n' "$RUN" "$(basename "$RUN")"
printf 'elapsed          %d s\n' "$(($(date +%s) - start))"
