#!/usr/bin/env bash
# The closing summary of one sweep run folder (what scripts/main_job.sh prints at its end):
# the sweep's own sentences from summary.txt, then the timings of the selected point from
# timed.csv. A script of its own so that tests/cli/test_summary.sh can check it on a small run.
#
# Usage: bash scripts/summary.sh RUN_DIR
#   RUN_DIR holds sweep.json, timed.csv (absent after `beex sweep --no-timed`) and
#   summary.txt (the sweep's printed summary; main_job.sh keeps it there).
set -euo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "usage: bash scripts/summary.sh RUN_DIR" >&2
    exit 2
fi
run=$1
if [ ! -f "$run/sweep.json" ]; then
    echo "summary: $run/sweep.json is missing (not a sweep run folder)" >&2
    exit 1
fi

# Full depth, the three dev-chosen points in words (static depth in disguise? significant?),
# the iso-cost verdict and the entropy: the sweep's own sentences, from one evaluation path.
# grep -v exits 1 when it prints nothing; that is no error here.
if [ -f "$run/summary.txt" ]; then
    sed -n '/^full depth:/,/^intervals:/p; /^Selected (/,$p' "$run/summary.txt" |
        grep -v '^results:' || true
else
    echo "(no summary.txt in $run: the sweep's printed summary was not kept)"
fi

# The selected point as sweep.json holds it: its reals are written with 10 significant
# digits (harness/base/atomic_file.c), so tau = ln(2) * 0.5 reads 0.3465735903 there (and a
# jq other than 1.6 may print a double with up to 17 digits), while timed.csv holds the same
# parameter as C's %.6g, 0.346574: compared as text, the two miss every threshold that is not
# short. They are compared as numbers instead, within 1e-5 of their size: that covers %.6g's
# rounding (at most 5e-6 of the value) and stays far below the gap between neighbouring grid
# points (harness/eval/replay.c: delta in steps of 0.01, tau of ln(C)/100, integer p and k).
policy=$(jq -r '.replay.selected.test.policy // empty' "$run/sweep.json")
param=$(jq -r '.replay.selected.test.param // empty' "$run/sweep.json")
if [ -z "$policy" ] || [ -z "$param" ]; then
    echo "measured at the selected point: none (sweep.json names no selected point)"
    exit 0
fi
# Named as timed.csv writes it (%.6g), the form a reader finds there.
label=$(awk -v pol="$policy" -v par="$param" 'BEGIN { printf "%s %.6g", pol, par + 0 }')
if [ ! -f "$run/timed.csv" ]; then
    echo "measured at the selected point ($label): not timed (no timed.csv: the sweep made no timed runs, as with --no-timed)"
    exit 0
fi
awk -F, -v pol="$policy" -v par="$param" -v label="$label" '
    function abs(x) { return x < 0 ? -x : x }
    function same(a, b) { return abs(a - b) <= 1e-5 * (abs(a) > abs(b) ? abs(a) : abs(b)) }
    NR == 1 {
        for (i = 1; i <= NF; i++) c[$i] = i
        split("variant threads batch policy param median_us_per_example min_us_per_example " \
              "max_us_per_example matches_replay", need, " ")
        for (k in need)
            if (!(need[k] in c)) {
                printf "summary: timed.csv has no column %s\n", need[k] > "/dev/stderr"
                bad = 1
                exit 1
            }
        printf "measured at the selected point (%s; median us per example, min..max over the repetitions):\n", label
        next
    }
    $c["policy"] == pol && same($c["param"] + 0, par + 0) {
        printf "  %-7s %d thr batch %-3d %9.1f  (%.1f..%.1f)%s\n", $c["variant"], $c["threads"],
            $c["batch"], $c["median_us_per_example"], $c["min_us_per_example"],
            $c["max_us_per_example"],
            $c["matches_replay"] == 1 ? "" : "  MISMATCH: decisions differ from the replay"
        n++
    }
    END {
        if (bad) exit 1
        if (NR == 0) printf "measured at the selected point (%s): not timed (timed.csv is empty)\n", label
        else if (!n) printf "  (not timed: timed.csv has no row for %s)\n", label
    }' "$run/timed.csv"
