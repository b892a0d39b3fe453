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
# distill ge"; add last+heads for the last-exit model with heads fit to it afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
BEEX=${BEEX:-build/release/beex}
OUT=${OUT:-results/runs/exits}
TASKS=${TASKS:-mr}
SEEDS=${SEEDS:-5}
JOBS=${JOBS:-$(nproc)}
REGIMES=${REGIMES:-weighted equal last distill ge}
[ -x "$BEEX" ] || { echo "study_exits: $BEEX not built (cmake --build build/release)" >&2; exit 2; }
"$BEEX" train --help | grep -q -- "--exit-regime" ||
    { echo "study_exits: $BEEX has no --exit-regime (rebuild it)" >&2; exit 2; }
for task in ${TASKS//,/ }; do
    BEEX=$BEEX bash datasets/fetch.sh "$task" >/dev/null
done
bash datasets/glove.sh >/dev/null
mkdir -p "$OUT"
t0=$(date -u +%s)
for regime in $REGIMES; do
    recipe=$OUT/$regime.recipe
    { cat scripts/study_exits.recipe; printf '*  *  --exit-regime %s\n' "$regime"; } >"$recipe.tmp"
    mv "$recipe.tmp" "$recipe"
    "$BEEX" study --tasks "$TASKS" --precisions w1a1 --recipe "$recipe" --jobs "$JOBS" \
        --threads 1 --seeds-count "$SEEDS" --out "$OUT/$regime"
done
t1=$(date -u +%s)
# shellcheck disable=SC2086 # one argument per regime
python3 scripts/exits_report.py "$OUT" $REGIMES >"$OUT/exits.md.tmp"
mv "$OUT/exits.md.tmp" "$OUT/exits.md"
echo "study_exits: $((t1 - t0)) s of wall time; table in $OUT/exits.md"
