#!/usr/bin/env bash
# `beex study` on the committed synthetic task with a tiny model: usage errors exit 2 naming
# the option; units are written whole and skipped on a rerun; a deleted unit is redone and the
# aggregate comes out byte for byte the same; a killed study resumes; settings that differ are
# refused (training) or re-swept (sweep only); K folds cut the pooled data; the aggregate
# files parse.
set -u
beex=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
data=$(realpath "${BEEX_TEST_DATA:-$repo/tests/data}/train/synth")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }
small=(--d 16 --heads 2 --dff 32 --blocks 2 --max-len 12 --vocab 80 --batch 16 --epochs 1)
study=(--tasks "$data" --precisions "fp32,w1a1" --seeds "1,2" "${small[@]}")

# Usage errors: exit 2 and a message naming the option.
"$beex" study --help | grep -q -- "--seeds-count" || fail "study --help"
expect_usage() { # OPTION-NAME ARGS...
    local name=$1 err
    shift
    err=$("$beex" study "$@" 2>&1 >/dev/null)
    local rc=$?
    [ $rc -eq 2 ] || fail "'$*' exited $rc, not 2"
    echo "$err" | grep -q -- "$name" || fail "'$*': the message does not name $name: $err"
}
expect_usage --folds "${study[@]}" --out s --folds 2
expect_usage --folds "${study[@]}" --out s --folds x
expect_usage --seeds "${study[@]}" --out s --seeds 1,,2
expect_usage --seeds "${study[@]}" --out s --seeds -3
expect_usage --seeds-count "${study[@]}" --out s --seeds-count 0
expect_usage --seeds "${study[@]}" --out s --seeds-count 2
expect_usage --precisions "${study[@]}" --out s --precisions fp32,w2a2
expect_usage --precisions "${study[@]}" --out s --precisions w1a1,w1a1
expect_usage --epochs "${study[@]}" --out s --epochs 0
expect_usage --lr "${study[@]}" --out s --lr 2
expect_usage --lr-decay "${study[@]}" --out s --lr-decay cosine
expect_usage --threads "${study[@]}" --out s --threads 0
expect_usage --unit "${study[@]}" --out s --unit -1
expect_usage --unit "${study[@]}" --out s --unit 1 --list
expect_usage --resamples "${study[@]}" --out s --resamples 10
expect_usage --out "${study[@]}"
expect_usage --tasks --out s
expect_usage bogus "${study[@]}" --out s --bogus
printf '* * --epochs 1\nsynth w1a1 --epoch 3\n' >bad.recipe
expect_usage "bad.recipe:2" "${study[@]}" --out s --recipe bad.recipe
expect_usage --unit "${study[@]}" --out s --unit 4
[ ! -e s ] || fail "a usage error left a study folder"
"$beex" study "${study[@]}" --tasks "$tmp/no-such-task" --out s 2>/dev/null
[ $? -eq 1 ] || fail "a missing task must exit 1"

# A study of 4 units: each whole, one log line each, aggregate files that parse.
"$beex" study "${study[@]}" --out s >out.txt 2>err.txt || { cat err.txt; fail "the study"; }
units=(synth-fp32-s1 synth-fp32-s2 synth-w1a1-s1 synth-w1a1-s2)
for u in "${units[@]}"; do
    for f in unit.json model.safetensors sweep/sweep.json sweep.txt; do
        [ -s "s/units/$u/$f" ] || fail "s/units/$u/$f missing"
    done
done
[ "$(find s/units -mindepth 1 -maxdepth 1 | wc -l)" -eq 4 ] || fail "stray entries in s/units: $(ls s/units)"
[ "$(wc -l <s/study.log)" -eq 4 ] || fail "study.log should have one line per unit"
jq -e '(.rows | length) == 2 and (.units | length) == 4 and (.missing_units | length) == 0
       and ([.rows[].figures.full_depth.n] == [2, 2]) and (.rows[1].figures.size_ratio.mean > 1)
       and (.rows[0].figures.full_depth.ci95 | length) == 2' s/study.json >/dev/null ||
    fail "study.json lacks its rows"
grep -q "hostname\|host_name\|\"host\"" s/study.json && fail "study.json holds a host name"
jq -e '.this_run.units_finished == 4 and .this_run.workers == 1' s/context.json >/dev/null || fail "context.json"
[ "$(awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } END { print NR, bad + 0 }' s/study.csv)" = "3 0" ] ||
    fail "study.csv: a header and 2 rows of equal width"
grep -q '^| synth | w1a1 | 2 | accuracy |' s/study.md || fail "study.md lacks the w1a1 row"
grep -q '^| synth | w1a1 |' out.txt || fail "the table is not printed"
for w in '\\toprule' '\\midrule' '\\bottomrule' '\\begin{tabular}' '\\end{tabular}'; do
    grep -q "$w" s/study.tex || fail "study.tex lacks $w"
done
if command -v gnuplot >/dev/null; then
    bash "$repo/plots/plot.sh" s >/dev/null || fail "plots/plot.sh on a study"
    [ -s s/plots/synth_accuracy_vs_ops.png ] || fail "no study plot"
fi
cp s/study.json first.json
cp s/study.md first.md

# A rerun skips every unit and writes the same aggregate.
stamp=$(stat -c %Y:%i s/units/synth-w1a1-s1/unit.json)
"$beex" study "${study[@]}" --out s >/dev/null 2>err.txt || fail "rerun"
grep -q "0 to run, 4 done already" err.txt || fail "the rerun did not skip: $(cat err.txt)"
[ "$(stat -c %Y:%i s/units/synth-w1a1-s1/unit.json)" = "$stamp" ] || fail "the rerun touched a unit"
[ "$(wc -l <s/study.log)" -eq 4 ] || fail "a skipped unit was logged"
cmp -s s/study.json first.json || fail "the rerun changed study.json"

# A deleted unit is redone, and the aggregate is byte for byte the same (seeded training).
rm -rf s/units/synth-w1a1-s2
"$beex" study "${study[@]}" --out s --list | grep -q "synth-w1a1-s2	missing" || fail "--list"
"$beex" study "${study[@]}" --out s >/dev/null 2>err.txt || fail "redo"
grep -q "1 to run, 3 done already" err.txt || fail "the deleted unit: $(cat err.txt)"
[ -s s/units/synth-w1a1-s2/unit.json ] || fail "the deleted unit was not redone"
cmp -s s/study.json first.json || fail "the redone unit changed study.json"
cmp -s s/study.md first.md || fail "the redone unit changed study.md"

# --unit I runs that unit only.
rm -rf s/units/synth-fp32-s2
"$beex" study "${study[@]}" --out s --unit 1 >/dev/null 2>err.txt || fail "--unit 1"
[ -s s/units/synth-fp32-s2/unit.json ] || fail "--unit 1 did not run synth-fp32-s2"

# Other training settings are refused, nothing is overwritten.
err=$("$beex" study "${study[@]}" --out s --epochs 2 2>&1 >/dev/null)
rc=$?
if [ $rc -ne 1 ] || ! echo "$err" | grep -q "epochs is 2 here, 1 in the unit"; then
    fail "other training settings: exit $rc, $err"
fi
[ "$(stat -c %Y:%i s/units/synth-w1a1-s1/unit.json)" = "$stamp" ] || fail "a conflict touched a unit"

# A killed study resumes (two units side by side): no half-written unit, the rest done by
# the next run, the same bytes.
( "$beex" study "${study[@]}" --out k >/dev/null 2>&1 & echo $! >pid; wait )&
for _ in $(seq 300); do [ -s k/study.log ] && break; sleep 0.05; done
kill -TERM "$(cat pid)" 2>/dev/null
wait
for d in k/units/*; do
    case $d in *.partial-* | *.lock) continue ;; esac
    if [ ! -s "$d/unit.json" ] || [ ! -s "$d/sweep/sweep.json" ]; then
        fail "the killed run left $d half-written"
    fi
done
"$beex" study "${study[@]}" --out k --jobs 2 >/dev/null 2>err.txt || fail "resume"
grep -q "[1-3] to run" err.txt || fail "the kill did not interrupt the study: $(head -n 1 err.txt)"
jq -e '.this_run.workers == 2 and .this_run.units_finished >= 1' k/context.json >/dev/null ||
    fail "two workers: context.json"
cmp -s k/study.json first.json || fail "the resumed study differs from the uninterrupted one"
compgen -G "k/units/*.partial-*" >/dev/null && fail "the resumed run left staging folders"
# Two workers on a machine with two cores or more each own one (their sweeps ran on one
# allowed CPU, pinned), where two single threads had been pinned to the core both started on;
# one worker alone leaves its single thread to the scheduler on every allowed core.
if [ "$(nproc)" -ge 2 ]; then
    "$beex" study --tasks "$data" --precisions fp32 --seeds 5,6 "${small[@]}" --out j --jobs 2 \
        --timed >/dev/null 2>&1 || fail "two workers"
    # --timed: each unit's selected point against full depth, per variant and batch.
    jq -e '[.rows[0].speedups[] | select(.speedup.n == 2 and .speedup.mean > 0
        and .full_depth_us_per_example.mean > 0)] | length >= 1' j/study.json >/dev/null ||
        fail "timed study without speed-ups: $(jq -c '.rows[0].speedups' j/study.json)"
    grep -q "Measured speed-up of the selected point" j/study.md || fail "no speed-up table"
    [ "$(wc -l <j/study_speedups.csv)" -ge 2 ] || fail "study_speedups.csv"
    for u in j/units/*/sweep/sweep.json; do
        jq -e '.context.threads | .allowed_cores == 1 and .binding[0].bound' "$u" >/dev/null ||
            fail "$u: a worker of --jobs 2 did not own its core: $(jq -c .context.threads "$u")"
    done
    jq -e '.context.threads | .allowed_cores >= 2 and .binding[0].bound == false
        and (.binding[0].note | test("not pinned"))' s/units/synth-fp32-s1/sweep/sweep.json \
        >/dev/null || fail "one worker's single thread was pinned"
fi

# Only the sweep's settings differ: the model is kept, the sweep redone.
"$beex" study "${study[@]}" --out s --resamples 2500 --unit 0 >/dev/null 2>err.txt || fail "resweep"
grep -q "swept again" err.txt || fail "--resamples 2500 did not re-sweep: $(cat err.txt)"
jq -e '.run.model_reused and .settings.sweep.resamples == 2500' s/units/synth-fp32-s1/unit.json \
    >/dev/null || fail "the re-swept unit.json"

# K folds from a recipe file: the pooled data cut once per fold, each example tested once.
printf '# tiny\n* * --d 16 --heads 2 --dff 32 --blocks 2 --max-len 12 --vocab 80 --batch 16\nsynth w1a1 --epochs 1\n' >tiny.recipe
"$beex" study --tasks "$data" --precisions w1a1 --seeds 3 --folds 3 --recipe tiny.recipe \
    --out f >/dev/null 2>err.txt || { cat err.txt; fail "3-fold study"; }
[ "$(cat f/folds/synth-k3-f*/test.tsv | wc -l)" -eq "$(cat "$data"/*.tsv | wc -l)" ] ||
    fail "the test folds do not cover the data once"
cmp -s <(sort f/folds/synth-k3-f0/dev.tsv) <(sort f/folds/synth-k3-f1/test.tsv) ||
    fail "fold 0's dev part is not fold 1"
jq -e '.plan.folds == 3 and (.rows[0].figures.full_depth.n == 3)
       and ([.units[].id] == ["synth-w1a1-s3-f0of3", "synth-w1a1-s3-f1of3", "synth-w1a1-s3-f2of3"])' \
    f/study.json >/dev/null || fail "fold study.json"
jq -e '.settings.train.epochs == 1 and .settings.train.model.d == 16' \
    f/units/synth-w1a1-s3-f0of3/unit.json >/dev/null || fail "the recipe was not applied"
jq -e '.rows[0].figures.full_depth.interval == "student_t_over_units"' f/study.json >/dev/null ||
    fail "a row of 3 units does not say its interval is over units"

# A row of one unit (one seed, no folds) has no spread over units: its interval is the unit's
# own bootstrap interval over its test examples, taken from its sweep, and the table shows it.
"$beex" study "${study[@]}" --seeds 1 --out s >/dev/null 2>err.txt || { cat err.txt; fail "1 seed"; }
jq -e --slurpfile sw s/units/synth-w1a1-s1/sweep/sweep.json '
    .rows[1].figures.full_depth as $c
    | $c.n == 1 and $c.interval == "bootstrap_over_test_examples"
      and $c.ci95 == $sw[0].replay.full_depth.test.ci95.accuracy
      and $c.ci95[0] <= $c.mean and $c.mean <= $c.ci95[1]' s/study.json >/dev/null ||
    fail "one unit's row lacks its bootstrap interval: $(jq -c '.rows[1].figures.full_depth' s/study.json)"
grep -Eq '^\| synth \| w1a1 \| 1 \| accuracy \| [0-9.]+ \[[0-9.]+, [0-9.]+\] \|' s/study.md ||
    fail "study.md does not show one unit's interval: $(grep '| w1a1 |' s/study.md)"

# Units re-swept from their own converted traces with a temperature per exit fitted on dev
# (scripts/study_exits.sh's "<regime>+T" folders) aggregate: the sweep of trace files names the
# model they were converted from (x_beex_model). Another unit's re-sweep is refused as below.
mkdir -p c/units
for seed in 1 2; do
    u=s/units/synth-w1a1-s$seed d=c/units/synth-w1a1-s$seed
    mkdir -p "$d" && cp "$u/model.safetensors" "$u/unit.json" "$d/" || fail "copy $u"
    for split in dev test; do
        "$beex" trace convert "$u/sweep/trace_$split.csv" --model "$u/model.safetensors" \
            --out "$d/$split.jsonl" >/dev/null || fail "convert $u's $split trace"
    done
    "$beex" sweep --trace-files "$d/dev.jsonl" "$d/test.jsonl" --calibrate-temperature \
        --out "$d/sweep" >/dev/null 2>&1 || fail "calibrated re-sweep of $u"
done
"$beex" study --tasks "$data" --precisions w1a1 --seeds 1,2 "${small[@]}" --aggregate-only \
    --out c >/dev/null 2>err.txt || { cat err.txt; fail "aggregate of the calibrated re-sweeps"; }
jq -e '.rows[0].units == 2 and .rows[0].precision == "w1a1"' c/study.json >/dev/null ||
    fail "the calibrated aggregate lacks its 2 units: $(jq -c '.rows[0]' c/study.json)"
cp c/units/synth-w1a1-s2/sweep/sweep.json c/units/synth-w1a1-s1/sweep/sweep.json
err=$("$beex" study --tasks "$data" --precisions w1a1 --seeds 1,2 "${small[@]}" --aggregate-only \
    --out c 2>&1 >/dev/null)
rc=$?
if [ $rc -ne 1 ] || ! echo "$err" | grep -q "synth-w1a1-s1/sweep/sweep.json: swept from model"; then
    fail "another model's calibrated re-sweep aggregated: exit $rc, $err"
fi

# A unit whose sweep.json comes from another model (seed 2's sweep beside seed 1's model) is
# refused when aggregating, naming the file (issue 24 item 3).
cp s/units/synth-w1a1-s2/sweep/sweep.json s/units/synth-w1a1-s1/sweep/sweep.json
err=$("$beex" study "${study[@]}" --out s 2>&1 >/dev/null)
rc=$?
if [ $rc -ne 1 ] || ! echo "$err" | grep -q "synth-w1a1-s1/sweep/sweep.json: swept from model"; then
    fail "another model's sweep aggregated: exit $rc, $err"
fi
echo ok
