#!/usr/bin/env bash
# scripts/summary.sh (the main job's closing summary) on a small real sweep: the selected
# point's timings are found in timed.csv whatever form its parameter is printed in there,
# and a point that timed.csv lacks, or a run without timed.csv, is reported as not timed
# with a true reason.
set -euo pipefail
BEEX=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SUMMARY=$ROOT/scripts/summary.sh
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
old_excuse='the engine runs delta and static-depth rules only'

# The seeded random model and generated task of tests/cli/test_sweep.sh: the placeholder
# vocabulary "[PAD]", "[UNK]", "w2", ... gives texts with real token ids.
"$BEEX" init --out m.safetensors --seed 3 --vocab 120 --d 32 --heads 2 --dff 64 --blocks 5 \
    --max-len 24 --labels 0,1 >/dev/null
mkdir task
for s in train dev test; do
    awk -v seed="${#s}" 'BEGIN { srand(seed); for (i = 0; i < 60; i++) { t = "";
        k = 2 + int(rand() * 20); for (j = 0; j < k; j++) t = t " w" (2 + int(rand() * 118));
        print int(rand() * 2) "\t" t } }' >task/$s.tsv
done
# scalar exists on every CPU; one thread, batch 1, the fewest repetitions: under a second.
"$BEEX" sweep m.safetensors task --out run --quick --variants scalar --threads 1 --batches 1 \
    --points 3 --reps 9 >out.txt 2>err.txt || { cat err.txt; fail "sweep failed"; }
cp out.txt run/summary.txt # as scripts/main_job.sh keeps it

# The selected point's rows of timed.csv, found independently of summary.sh: sweep.json's
# timed runs are written in the same order as timed.csv's rows, and their parameter is
# written from the same double, with the same digits, as the selected point's, so jq can
# compare the two exactly.
rows=$(jq -r '.replay.selected.test as $s | [.timed | to_entries[]
              | select(.value.policy == $s.policy and .value.param == $s.param) | .key + 2]
              | map(tostring) | join(",")' run/sweep.json)
[ -n "$rows" ] || fail "the sweep timed no run of its selected point (it always should)"
first=${rows%%,*}
policy=$(jq -r .replay.selected.test.policy run/sweep.json)
median=$(awk -F, -v r="$first" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
    NR == r { printf "%.1f", $c["median_us_per_example"] }' run/timed.csv)
[ -n "$median" ] || fail "no median in row $first of timed.csv"

check_timed() { # RUN_DIR: the summary shows the selected point's timing from timed.csv
    local out
    out=$(bash "$SUMMARY" "$1") || fail "$1: summary.sh exited $?"
    grep -q '^full depth: ' <<<"$out" || fail "$1: the sweep's sentences are missing"
    grep -Eq "^measured at the selected point \\(${policy}[ ,]" <<<"$out" ||
        fail "$1: no 'measured at the selected point' line: $out"
    grep -Eq "^  scalar +1 thr batch 1 +$median  \(" <<<"$out" ||
        fail "$1: the selected point's median $median us is not printed: $out"
    if grep -q 'not timed' <<<"$out"; then fail "$1: says 'not timed' for a timed point"; fi
    if grep -qF "$old_excuse" <<<"$out"; then fail "$1: prints the old, false excuse"; fi
}

# 1. The run as the sweep wrote it.
check_timed run

# 2. The same run with the parameter of the selected point's rows printed another way
#    (1.000000000 for 1, 0.200000000 for 0.2): the match is on the number, not its spelling.
#    Comparing text, as the main job once did, finds no row here.
cp -r run respelled
awk -F, -v OFS=, -v rows=",$rows," 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
    NR > 1 && index(rows, "," NR ",") { $c["param"] = sprintf("%.9f", $c["param"]) } { print }' \
    run/timed.csv >respelled/timed.csv
spelled=$(awk -F, -v r="$first" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
    NR == r { print $c["param"] }' respelled/timed.csv)
[ "$spelled" != "$(jq -r '.replay.selected.test.param' run/sweep.json)" ] ||
    fail "test set-up: the respelled parameter reads like jq's"
check_timed respelled

# 3. timed.csv without the selected point: not timed, and says why truly.
cp -r run untimed
awk -v rows=",$rows," '!index(rows, "," NR ",")' run/timed.csv >untimed/timed.csv
[ "$(wc -l <untimed/timed.csv)" -lt "$(wc -l <run/timed.csv)" ] || fail "test set-up: no row removed"
out=$(bash "$SUMMARY" untimed) || fail "untimed: summary.sh exited $?"
grep -q "^  (not timed: timed.csv has no row for $policy " <<<"$out" ||
    fail "untimed: no 'not timed' line naming the point: $out"
if grep -Eq '^  scalar +1 thr' <<<"$out"; then fail "untimed: prints a timing of another point"; fi
if grep -qF "$old_excuse" <<<"$out"; then fail "untimed: prints the old, false excuse"; fi

# 4. No timed.csv at all (a sweep with --no-timed).
cp -r run notimed
rm notimed/timed.csv
out=$(bash "$SUMMARY" notimed) || fail "notimed: summary.sh exited $?"
grep -q "^measured at the selected point ($policy .*): not timed (no timed.csv" <<<"$out" ||
    fail "notimed: no 'not timed' line: $out"

# 5. Usage: no folder, or a folder that is not a run.
set +e
bash "$SUMMARY" >/dev/null 2>&1; [ $? = 2 ] || fail "no argument should exit 2"
mkdir empty
bash "$SUMMARY" empty >/dev/null 2>&1; [ $? = 1 ] || fail "a folder without sweep.json should exit 1"
set -e
echo "summary: timed point found (also respelled), untimed point and missing timed.csv reported"
