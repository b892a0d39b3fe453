#!/usr/bin/env bash
# The paper's table (issue 13) in one command, from the repository root after a release build:
#   bash scripts/study_paper.sh
# Three studies, each resumable (finished units are skipped, so a killed run continues):
#   seeds     mr, conll2010, reuters-grain, spam x fp32, w1a32, w1a1 x 5 seeds, own splits
#   mr-10fold mr x fp32, w1a1 x 10 folds (docs/statistics.md's protocol for mr), seed 1
#   brown     brown x fp32, w1a1 x 1 seed (45,326 training sentences: the budget allows one),
#             not timed (its 6,116 test examples x 12 timed passes would cost more than training)
#   mrdoc     mrdoc at max_len 512 x fp32, w1a1 x 1 seed, not timed (one unit is 20-40 minutes
#             of one core: beyond the 2-hour budget of the others, and said so in the table)
# Units run side by side, one thread each, each worker on its own core (--jobs = the cores
# this process may use); the other units also time their selected point and full depth.
# Then results/paper.md and results/paper.tex are assembled from the studies' tables.
# Environment: BEEX (default build/release/beex), OUT (default results/runs/paper), JOBS,
# STUDIES (default "seeds brown mr-10fold mrdoc": run a subset, in that order; the tables are
# assembled from every study that has finished, whichever ran this time).
set -euo pipefail
cd "$(dirname "$0")/.."
BEEX=${BEEX:-build/release/beex}
OUT=${OUT:-results/runs/paper}
JOBS=${JOBS:-$(nproc)}
ALL_STUDIES="seeds brown mr-10fold mrdoc"
STUDIES=${STUDIES:-$ALL_STUDIES}
[ -x "$BEEX" ] || { echo "study_paper: $BEEX not built (cmake --build build/release)" >&2; exit 2; }
for task in mr conll2010 reuters-grain spam brown mrdoc; do
    BEEX=$BEEX bash datasets/fetch.sh "$task" >/dev/null
done
bash datasets/glove.sh >/dev/null
common=(--recipe scripts/study_paper.recipe --jobs "$JOBS" --threads 1)
started=$(date -u +%s)
for s in $STUDIES; do
    case $s in
    seeds) args=(--tasks mr,conll2010,reuters-grain,spam --precisions fp32,w1a32,w1a1
        --seeds-count 5 --timed) ;;
    mr-10fold) args=(--tasks mr --precisions fp32,w1a1 --folds 10 --seeds 1 --timed) ;;
    brown) args=(--tasks brown --precisions fp32,w1a1 --seeds 1) ;;
    mrdoc) args=(--tasks mrdoc --precisions fp32,w1a1 --seeds 1) ;;
    *) echo "study_paper: unknown study '$s'" >&2; exit 2 ;;
    esac
    "$BEEX" study "${args[@]}" "${common[@]}" --out "$OUT/$s"
done
wall=$(($(date -u +%s) - started))
echo "study_paper: studies done in $wall s of wall time"

# results/paper.md and .tex: the machine, the commit, each study's table as beex wrote it,
# and per study the units' own training and sweep seconds (context.json) and wall time.
rev=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- harness kernels variants || echo "-dirty")
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
fam=$(lscpu | sed -n 's/^CPU family: *//p' | head -n 1)
model=$(lscpu | sed -n 's/^Model: *//p' | head -n 1)
{
    echo "# The paper's table (issue 13)"
    echo
    echo "Written by \`bash scripts/study_paper.sh\` (beex at $rev) on $(nproc) CPUs of $cpu"
    echo "(family $fam, model $model), $(date -u +%Y-%m-%d); JOBS=$JOBS units side by side, one"
    echo "thread each. Finished units are skipped, so the command continues an interrupted run."
    echo "Every accuracy is a mean over seeds or folds with its standard deviation and 95 %"
    echo "Student t interval (docs/statistics.md); a row of one unit (one seed, no folds) has no"
    echo "spread and shows that unit's own 95 % bootstrap interval over its test examples instead."
    for s in $ALL_STUDIES; do
        d=$OUT/$s
        [ -f "$d/study.md" ] || continue
        echo
        case $s in
        seeds) echo "## Five seeds, each task's own split" ;;
        mr-10fold) echo "## mr, 10-fold cross-validation (seed 1)" ;;
        brown) echo "## brown, one seed" ;;
        mrdoc) echo "## mrdoc at max_len 512, one seed (beyond the 2-hour budget)" ;;
        esac
        echo
        jq -r '"Units: \(.units | length) run here or reused; training \([.units[].run.train_seconds // 0] | add | floor) s and sweeps \([.units[].run.sweep_seconds // 0] | add | floor) s of one core in all (per unit: study.log)."' "$d/context.json" 2>/dev/null || true
        echo
        cat "$d/study.md"
    done
    # The hand-written reading of the tables, kept beside them so that regenerating keeps it.
    if [ -f results/paper_notes.md ]; then
        echo
        cat results/paper_notes.md
    fi
} >results/paper.md.tmp
mv results/paper.md.tmp results/paper.md
{
    echo "% Written by scripts/study_paper.sh (beex at $rev, $cpu); regenerate, do not edit."
    for s in $ALL_STUDIES; do
        [ -f "$OUT/$s/study.tex" ] && { echo "% --- $s"; cat "$OUT/$s/study.tex"; }
    done
} >results/paper.tex.tmp
mv results/paper.tex.tmp results/paper.tex
# The seeds study's machine-readable tables beside it (small; the units stay in $OUT).
if [ -f "$OUT/seeds/study.csv" ]; then
    cp "$OUT/seeds/study.csv" results/paper.csv
    cp "$OUT/seeds/study_speedups.csv" results/paper_speedups.csv
fi
echo "study_paper: results/paper.md, results/paper.tex, results/paper.csv, results/paper_speedups.csv"
