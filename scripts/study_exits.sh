#!/usr/bin/env bash
# Issue 28 item 3, "does the way the exits are trained change what early exit buys?", in one
# command from the repository root after a release build:
#   bash scripts/study_exits.sh
# One `beex study` of TASKS x w1a1 x SEEDS seeds per exit regime (docs/model.md section 6:
# weighted, equal, last, distill, ge), untimed, each in its own folder OUT/<regime>/ with the
# recipe scripts/study_exits.recipe plus a line `* * --exit-regime <regime>` (written to
# OUT/<regime>.recipe); then scripts/exits_report.py's table of every regime's full-depth
# metric and iso-cost gains, OUT/exits.md. Resumable: finished units are skipped.
# Environment: BEEX (default build/release/beex), OUT (default results/runs/exits), TASKS
# (default mr), SEEDS (default 5), JOBS (default nproc), REGIMES (default "weighted equal last
# distill ge"; add last+heads for the last-exit model with heads fit to it afterwards, and
# distill:A:T for self-distillation with --distill-alpha A and --distill-temperature T, in the
# folder distill-aA-TT), CALIBRATE (default 1: also every regime with a temperature per exit
# fitted on dev, "<regime>+T").
set -euo pipefail
cd "$(dirname "$0")/.."
BEEX=${BEEX:-build/release/beex}
OUT=${OUT:-results/runs/exits}
TASKS=${TASKS:-mr}
SEEDS=${SEEDS:-5}
JOBS=${JOBS:-$(nproc)}
REGIMES=${REGIMES:-weighted equal last distill ge}
CALIBRATE=${CALIBRATE:-1}
case $CALIBRATE in 0 | 1) ;; *) echo "study_exits: CALIBRATE must be 0 or 1, not '$CALIBRATE'" >&2; exit 2 ;; esac
[ -x "$BEEX" ] || { echo "study_exits: $BEEX not built (cmake --build build/release)" >&2; exit 2; }
"$BEEX" train --help | grep -q -- "--exit-regime" ||
    { echo "study_exits: $BEEX has no --exit-regime (rebuild it)" >&2; exit 2; }
for task in ${TASKS//,/ }; do
    BEEX=$BEEX bash datasets/fetch.sh "$task" >/dev/null
done
bash datasets/glove.sh >/dev/null
mkdir -p "$OUT"
t0=$(date -u +%s)
# A REGIMES token's folder name (regime) and recipe options (options); distill:A:T is distill
# with its alpha and temperature.
parse_regime() {
    local a t
    case $1 in
    distill:*:*)
        IFS=: read -r _ a t <<<"$1"
        regime=distill-a$a-T$t
        options="--exit-regime distill --distill-alpha $a --distill-temperature $t"
        ;;
    *) regime=$1 options="--exit-regime $1" ;;
    esac
}
for token in $REGIMES; do
    parse_regime "$token"
    recipe=$OUT/$regime.recipe
    { cat scripts/study_exits.recipe; printf '*  *  %s\n' "$options"; } >"$recipe.tmp"
    mv "$recipe.tmp" "$recipe"
    "$BEEX" study --tasks "$TASKS" --precisions w1a1 --recipe "$recipe" --jobs "$JOBS" \
        --threads 1 --seeds-count "$SEEDS" --out "$OUT/$regime"
done
# Per-exit temperature calibration on dev (issue 28 item 3), crossed with every regime: each
# finished unit's own dev and test traces, converted with its model, are swept again with
# `beex sweep --trace-files --calibrate-temperature` into OUT/<regime>+T/units/<id>/ (the model
# hard-linked, unit.json copied), and `beex study --aggregate-only` aggregates them as it does
# the uncalibrated ones. Same units, same bootstrap seed: only the temperatures differ.
calibrate_unit() { # SRC_UNIT DST_UNIT
    local src=$1 dst=$2 metric positive
    [ -s "$dst/sweep/sweep.json" ] && [ "$dst/sweep/sweep.json" -nt "$src/model.safetensors" ] &&
        return 0
    read -r metric positive < <(python3 -c 'import json, sys
e = json.load(open(sys.argv[1]))["settings"]["effective"]
print(e["metric"], e.get("positive_class") or "-")' "$src/sweep/sweep.json")
    local opts=(--metric "$metric")
    [ "$positive" = "-" ] || opts+=(--positive "$positive")
    rm -rf "$dst.tmp"
    mkdir -p "$dst.tmp"
    ln "$src/model.safetensors" "$dst.tmp/" 2>/dev/null || cp "$src/model.safetensors" "$dst.tmp/"
    cp "$src/unit.json" "$dst.tmp/"
    for split in dev test; do
        "$BEEX" trace convert "$src/sweep/trace_$split.csv" --model "$src/model.safetensors" \
            "${opts[@]}" --out "$dst.tmp/$split.jsonl" >/dev/null
    done
    "$BEEX" sweep --trace-files "$dst.tmp/dev.jsonl" "$dst.tmp/test.jsonl" \
        --calibrate-temperature --out "$dst.tmp/sweep" >"$dst.tmp/sweep.txt"
    rm -rf "$dst"
    mv "$dst.tmp" "$dst"
}
REPORTED=
for token in $REGIMES; do
    parse_regime "$token"
    REPORTED="$REPORTED $regime"
    [ "$CALIBRATE" = 1 ] || continue
    n=0
    for unit in "$OUT/$regime"/units/*/; do
        unit=${unit%/}
        [ -s "$unit/sweep/sweep.json" ] || continue # unfinished (a .partial folder)
        calibrate_unit "$unit" "$OUT/$regime+T/units/$(basename "$unit")"
        n=$((n + 1))
    done
    "$BEEX" study --aggregate-only --tasks "$TASKS" --precisions w1a1 --recipe "$OUT/$regime.recipe" \
        --seeds-count "$SEEDS" --out "$OUT/$regime+T" >/dev/null
    echo "study_exits: $regime+T: $n units calibrated per exit on dev"
    REPORTED="$REPORTED $regime+T"
done
t1=$(date -u +%s)
# shellcheck disable=SC2086 # one argument per regime
python3 scripts/exits_report.py "$OUT" $REPORTED >"$OUT/exits.md.tmp"
mv "$OUT/exits.md.tmp" "$OUT/exits.md"
echo "study_exits: $((t1 - t0)) s of wall time; table in $OUT/exits.md"
