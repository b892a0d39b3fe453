#!/usr/bin/env bash
# beex sweep end to end on a seeded random model and a small generated task: result files,
# provenance, timed runs agreeing with the replay, shards + merge equal to one pass, usage
# errors, and Ctrl-C leaving no half-written file.
set -euo pipefail
BEEX=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
# A CSV without its run_id column, to compare the contents of two runs.
no_id() { cut -d, -f2- "$1"; }
hist_header="run_id,point,label,policy,param,static_equivalent,block,examples"
# Every CSV of a run directory (issue 15): run_id first, one value per file and equal to
# sweep.json's context.run_id; column names fixed, without '=' or spaces; hist.csv long.
check_csvs() {
    local dir=$1 id f n=0
    id=$(jq -r .context.run_id "$dir/sweep.json")
    [[ $id =~ ^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$ ]] || fail "$dir: run id '$id' is not <UTC time>-<8 hex>"
    for f in replay pareto hist timed; do
        [ -f "$dir/$f.csv" ] || continue
        [ "$(head -1 "$dir/$f.csv" | cut -d, -f1)" = run_id ] || fail "$dir/$f.csv: first column is not run_id"
        [ "$(tail -n +2 "$dir/$f.csv" | cut -d, -f1 | sort -u)" = "$id" ] ||
            fail "$dir/$f.csv: run_id is not sweep.json's $id in every row"
        if head -1 "$dir/$f.csv" | grep -q '[= ]'; then fail "$dir/$f.csv: a column name holds '=' or a space"; fi
        n=$((n + 1))
    done
    [ $n -ge 3 ] || fail "$dir: CSVs missing"
    [ "$(head -1 "$dir/hist.csv")" = "$hist_header" ] || fail "$dir/hist.csv: header is not $hist_header"
}

# The random model's placeholder vocabulary is "[PAD]", "[UNK]", "w2", ...: texts made of
# those tokens exercise real token ids.
"$BEEX" init --out m.safetensors --seed 3 --vocab 120 --d 32 --heads 2 --dff 64 --blocks 5 \
    --max-len 24 --labels 0,1 >/dev/null
mkdir task
for s in train dev test; do
    awk -v seed="${#s}" 'BEGIN { srand(seed); for (i = 0; i < 60; i++) { t = "";
        k = 2 + int(rand() * 20); for (j = 0; j < k; j++) t = t " w" (2 + int(rand() * 118));
        print int(rand() * 2) "\t" t } }' >task/$s.tsv
done

# Usage errors exit 2, runtime errors 1.
set +e
"$BEEX" sweep m.safetensors >/dev/null 2>&1; [ $? = 2 ] || fail "missing TASK should exit 2"
"$BEEX" sweep m.safetensors task --reps 3 >/dev/null 2>&1; [ $? = 2 ] || fail "--reps 3 should exit 2"
"$BEEX" sweep m.safetensors task --shard 2/2 >/dev/null 2>&1; [ $? = 2 ] || fail "--shard 2/2 should exit 2"
"$BEEX" sweep m.safetensors task --bogus >/dev/null 2>&1; [ $? = 2 ] || fail "unknown option should exit 2"
"$BEEX" sweep nonexistent.safetensors task --out r0 >/dev/null 2>&1; [ $? = 1 ] || fail "missing model should exit 1"
set -e

# One full sweep: 1 thread, two batch sizes, every variant this CPU has.
"$BEEX" sweep m.safetensors task --out run --threads 1 --batches 1,7 --points 3 >out.txt 2>err.txt ||
    { cat err.txt; fail "sweep failed"; }
for f in sweep.json replay.csv pareto.csv timed.csv hist.csv trace_dev.csv trace_test.csv; do
    [ -s run/$f ] || fail "run/$f missing"
done
grep -q '"git_revision"' run/sweep.json || fail "no git revision in sweep.json"
grep -q '"fingerprint"' run/sweep.json || fail "no checksums in sweep.json"
# Provenance (issue 15): sha256 of the model and data (what sha256sum prints), of the binary,
# the CPU's ISA flags, the per-variant compile flags, the git revision with its dirty marker.
[ "$(jq -r .inputs.model.sha256 run/sweep.json)" = "$(sha256sum m.safetensors | cut -d' ' -f1)" ] ||
    fail "sweep.json's model sha256 is not the file's"
[ "$(jq -r .context.binary.sha256 run/sweep.json)" = "$(sha256sum "$BEEX" | cut -d' ' -f1)" ] ||
    fail "sweep.json's binary sha256 is not the program's"
jq -e '(.context.cpu_flags | length) > 0 and (.context.variant_compile_flags | test("avx2: -mavx2"))
       and (.context.git_dirty == true or .context.git_dirty == false or .context.git_dirty == null)
       and (.context.compile_flags | test("-fopenmp"))' run/sweep.json >/dev/null ||
    fail "context lacks CPU flags, variant flags, OpenMP flags or the dirty marker"
grep -q '"requested"' run/sweep.json && grep -q '"effective"' run/sweep.json || fail "settings missing"
grep -q '"sde"' run/sweep.json || fail "SDE counters missing"
grep -q '"hardware"' run/sweep.json || fail "hardware counter record missing"
grep -q 'Dev Pareto front over all rules' out.txt || fail "no Pareto table printed"
grep -q '^Selected (' out.txt || fail "no selected point described"
grep -q 'Does any rule beat static depth at equal cost' out.txt || fail "no iso-cost verdict"
# every point carries its interval and paired comparisons (issue 10 item 2)
jq -e '(.replay.points | length) as $n | [.replay.points[] | select((.test_ci95 | length) == 2
        and (.vs_full_depth.ci95 | length) == 2 and (.vs_full_depth.mcnemar_p >= 0)
        and (.iso_cost_gain.ci95 | length) == 2)] | length == $n' run/sweep.json >/dev/null || fail "a point lacks its intervals"
jq -e '[.replay.points[] | select(.test_ci95[0] > .test.metric or .test_ci95[1] < .test.metric)]
       | length == 0' run/sweep.json >/dev/null || fail "a test interval excludes its own point estimate"
jq -e '.findings.entropy.mean_per_block_test | length == 5' run/sweep.json >/dev/null ||
    fail "findings lack the entropy per block"
head -1 run/replay.csv | grep -q '^run_id,policy,param,split,metric,metric_lo,metric_hi,' ||
    fail "replay.csv lacks the interval columns"
check_csvs run
# Units in the names (plots/README.md): times in us per example, costs in OPs per example.
for want in "timed.csv ,median_us_per_example,min_us_per_example,max_us_per_example,p90_us_per_example," \
    "timed.csv ,ops_per_example," "replay.csv ,flops_per_example,bops_per_example,ops_per_example," \
    "pareto.csv ,dev_ops_per_example,.*,test_ops_per_example,"; do
    head -1 "run/${want%% *}" | grep -q -- "${want#* }" || fail "${want%% *} lacks ${want#* }"
done
grep -q "run id $(jq -r .context.run_id run/sweep.json)\$" out.txt || fail "the summary does not print the run id"
# hist.csv: full depth first; each shown point's 5 blocks hold the 60 test examples; its point
# index names the replay point of the same rule in sweep.json.
[ "$(sed -n 2p run/hist.csv | cut -d, -f3)" = "full depth" ] || fail "hist.csv should start with full depth"
awk -F, 'NR > 1 { s[$2] += $8; n[$2]++ } END { for (p in s) { k++; if (s[p] != 60 || n[p] != 5) bad = 1 }
    exit bad || k < 2 }' run/hist.csv || fail "hist.csv: a point's histogram is not 5 blocks summing to 60"
while IFS=, read -r pt pol par; do
    jq -e --argjson p "$pt" --arg pol "$pol" --argjson par "$par" '.replay.points[$p].test |
        .policy == $pol and ((.param - $par) | if . < 0 then -. else . end) < 1e-4' \
        run/sweep.json >/dev/null || fail "hist.csv point $pt ($pol $par) is not sweep.json's point $pt"
done < <(tail -n +2 run/hist.csv | cut -d, -f2,4,5 | sort -u)
# every timed run reproduces the replay
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "matches_replay") c = i }
    NR > 1 && $c != 1 { bad = 1 } END { exit bad || !c }' run/timed.csv ||
    fail "a timed run disagrees with the replay"
rows=$(($(wc -l <run/timed.csv) - 1))
[ "$rows" -ge 2 ] || fail "expected timed rows, got $rows"
# Static-depth points are timed through the engine under their own rule and match the replay too.
# 5 blocks x 60 examples in each trace, plus the origin line and the header
[ "$(wc -l <run/trace_test.csv)" = 302 ] || fail "trace_test.csv should have 302 lines"
grep -q '^# beex trace model=[0-9a-f]* data=[0-9a-f]* precision=w1a1$' run/trace_test.csv ||
    fail "the trace does not say which model and data it comes from"
# the replay's test histograms add up to the example count
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "exit_1") c = i; if ($i == "split") sp = i } }
    NR > 1 && $sp == "test" { s = 0; for (i = c; i < c + 5; i++) s += $i; if (s != 60) bad = 1 }
    END { exit bad || !c || !sp }' run/replay.csv || fail "exit histogram does not sum to 60"
# Every rule of the list is replayed on both splits (docs/exit-rules.md), the four older ones
# first and the softmax confidence last: two classes give it the thresholds 0.500 .. 1.000 in
# 0.005 steps, 101 points, whose first sends every test example out at block 1.
[ "$(awk -F, 'NR > 1 && $4 == "test" { print $2 }' run/replay.csv | uniq | paste -sd' ')" = \
    "delta entropy patience static maxprob" ] || fail "replay.csv should hold the five rules in the list's order"
[ "$(awk -F, 'NR > 1 && $2 == "maxprob" && $4 == "test"' run/replay.csv | wc -l)" = 101 ] ||
    fail "replay.csv should hold 101 maxprob points per split"
jq -e '[.replay.points[] | select(.policy == "maxprob")] | (length == 101) and (.[0].param == 0.5)
       and (.[100].param == 1) and (.[0].test.exit_histogram[0] == 60) and (.[0].static_equivalent == 1)' \
    run/sweep.json >/dev/null || fail "sweep.json's maxprob points are not 0.5 .. 1 with 0.5 = static depth 1"

# beex compare reads a sweep's timed points by rule: one row per point, none merged.
"$BEEX" compare run/sweep.json run/sweep.json >cmp.txt || fail "compare of a sweep with itself"
[ "$(grep -c '^timed/' cmp.txt)" = "$rows" ] || fail "compare should list every timed point once"
grep -q '/static:[0-9]\|/delta:' cmp.txt || fail "compare rows should name the rule"

# The same sweep again gives the same intervals (seeded bootstrap), byte for byte; a rerun into
# a run directory that holds files is refused unless --overwrite; a failing run leaves no folder.
"$BEEX" sweep m.safetensors task --out again --no-timed >/dev/null 2>&1 || fail "second sweep failed"
cmp <(no_id again/replay.csv) <(no_id run/replay.csv) || fail "the same inputs gave another replay.csv"
check_csvs again
[ "$(jq -r .context.run_id again/sweep.json)" != "$(jq -r .context.run_id run/sweep.json)" ] ||
    fail "two runs share a run id"
set +e
"$BEEX" sweep m.safetensors task --out again --no-timed >/dev/null 2>err2.txt; rc=$?
set -e
[ $rc = 1 ] && grep -q -- '--overwrite' err2.txt || fail "a rerun into a full --out should be refused (rc $rc)"
"$BEEX" sweep m.safetensors task --out again --no-timed --overwrite --seed 7 >/dev/null 2>&1 ||
    fail "--overwrite refused"
! cmp -s <(no_id again/replay.csv) <(no_id run/replay.csv) || fail "--seed 7 should change the intervals"
ls -d again.* 2>/dev/null && fail "staging directories left behind"
mkdir emptytrace
set +e
"$BEEX" sweep m.safetensors task --trace emptytrace --out failed --no-timed >/dev/null 2>&1; rc=$?
set -e
[ $rc = 1 ] || fail "a sweep with a missing trace should exit 1, got $rc"
[ ! -e failed ] && ! ls -d failed.* >/dev/null 2>&1 || fail "a failed sweep left a run folder"

# Shards 0/3, 1/3, 2/3 merged give the same trace and replay as one pass.
for i in 0 1 2; do "$BEEX" sweep m.safetensors task --shard $i/3 --out shard$i >/dev/null 2>&1; done
"$BEEX" merge --out merged shard0 shard1 shard2 >/dev/null
cmp merged/trace_test.csv run/trace_test.csv || fail "merged test trace differs"
cmp <(no_id merged/replay.csv) <(no_id run/replay.csv) || fail "merged replay differs"
check_csvs merged
# the merge is a run of its own; the shards' ids stay in shard_contexts
jq -e --slurpfile s shard0/shard-0-of-3.json '.context.run_id != $s[0].context.run_id and
    (.shard_contexts | map(.run_id) | index($s[0].context.run_id)) != null' merged/sweep.json >/dev/null ||
    fail "the merge should have its own run id and keep the shards'"
set +e
"$BEEX" merge --out merged2 shard0 shard2 >/dev/null 2>&1; [ $? = 1 ] || fail "merging 2 of 3 shards should fail"
set -e
# ... and the merged trace can be timed without a new trace pass.
"$BEEX" sweep m.safetensors task --trace merged --out timed2 --threads 1 --batches 4 --points 1 \
    --variants scalar >/dev/null 2>&1 || fail "sweep --trace failed"
[ -s timed2/timed.csv ] || fail "sweep --trace wrote no timed.csv"
check_csvs timed2

# A replay that the engine cannot reproduce (doctored test entropies) is an error: exit 1,
# with the disagreement recorded in timed.csv.
mkdir doctored
cp merged/trace_dev.csv doctored/
awk -F, -v OFS=, 'NR > 2 { $5 = 1.0 } { print }' merged/trace_test.csv >doctored/trace_test.csv
set +e
"$BEEX" sweep m.safetensors task --trace doctored --out bad --threads 1 --batches 4 --points 4 \
    --variants scalar >/dev/null 2>&1
rc=$?
set -e
[ $rc = 1 ] || fail "a timed run disagreeing with the replay should exit 1, got $rc"
grep -q ",0$" bad/timed.csv || fail "timed.csv should record matches_replay = 0"

# Another model's trace is refused, with or without timing, and nothing is written.
"$BEEX" init --out other.safetensors --seed 4 --vocab 120 --d 32 --heads 2 --dff 64 --blocks 5 \
    --max-len 24 --labels 0,1 >/dev/null
for timing in --no-timed "--threads 1 --batches 4 --points 1 --variants scalar"; do
    set +e
    # shellcheck disable=SC2086 # option list on purpose
    "$BEEX" sweep other.safetensors task --trace merged --out foreign $timing >/dev/null 2>err3.txt
    rc=$?
    set -e
    [ $rc = 1 ] && grep -q "not from this model and data" err3.txt ||
        fail "another model's trace accepted ($timing): rc $rc"
    [ ! -e foreign ] || fail "a refused trace left a run folder"
done
# Two sweeps started together into the default run directory (same second, same name) both
# keep their results: the second to finish takes a "-2" name instead of sharing the folder.
mkdir concurrent
(cd concurrent && "$BEEX" sweep ../m.safetensors ../task --no-timed --quick >o1.txt 2>&1) &
p1=$!
(cd concurrent && "$BEEX" sweep ../m.safetensors ../task --no-timed --quick >o2.txt 2>&1) &
p2=$!
wait $p1 || fail "first concurrent sweep failed"
wait $p2 || fail "second concurrent sweep failed"
[ "$(find concurrent/results/runs -name sweep.json | wc -l)" = 2 ] ||
    fail "two concurrent sweeps should leave two complete run folders"

# Sweeps of one model on two "machines" make a machines table; sweeps of different models are
# refused with what differs.
"$BEEX" merge --out mach run timed2 >/dev/null 2>&1 || fail "merging two sweeps of one model failed"
head -1 mach/machines.csv | grep -q '^run_id,.*,rule,selected,median_us_per_example,min_us_per_example,' ||
    fail "machines.csv lacks the run_id, rule or time columns"
if head -1 mach/machines.csv | grep -q '[= ]'; then fail "machines.csv: a column name holds '=' or a space"; fi
[ "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["selected"] == 1' mach/machines.csv |
    wc -l)" -ge 1 ] || fail "no selected row in machines.csv"
# each row names the sweep it comes from
[ "$(tail -n +2 mach/machines.csv | cut -d, -f1 | sort -u)" = "$(jq -r .context.run_id run/sweep.json timed2/sweep.json |
    sort -u)" ] || fail "machines.csv's run_id column is not the two sweeps' ids"
"$BEEX" sweep other.safetensors task --out otherrun --no-timed >/dev/null 2>&1 || fail "sweep of the other model"
set +e
"$BEEX" merge --out mixed run otherrun >/dev/null 2>err5.txt; rc=$?
set -e
[ $rc = 1 ] && grep -q "different model" err5.txt || fail "merging sweeps of two models: rc $rc"

# The plots draw from these files (gnuplot reads columns by name): every sweep plot and the
# machines plot, without gnuplot warnings.
if command -v gnuplot >/dev/null; then
    repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    bash "$repo/plots/plot.sh" run mach >plot.txt 2>&1 || { cat plot.txt; fail "plots/plot.sh"; }
    if grep -qi 'warning\|error' plot.txt; then cat plot.txt; fail "gnuplot complained"; fi
    for f in accuracy_vs_ops accuracy_vs_time iso_cost_gain exit_histogram; do
        for e in png svg; do [ -s "run/plots/$f.$e" ] || fail "no $f.$e plot"; done
    done
    ls mach/plots/machines_*.png >/dev/null 2>&1 || fail "no machines plot"
fi

# A trace without its origin line (written elsewhere) is refused too.
mkdir anon
tail -n +2 merged/trace_dev.csv >anon/trace_dev.csv
tail -n +2 merged/trace_test.csv >anon/trace_test.csv
set +e
"$BEEX" sweep m.safetensors task --trace anon --out anonrun --no-timed >/dev/null 2>err4.txt; rc=$?
set -e
[ $rc = 1 ] && grep -q "unknown model and data" err4.txt || fail "an anonymous trace accepted: rc $rc"

# Ctrl-C during the timed runs: exit 130 and no temporary file left behind.
"$BEEX" sweep m.safetensors task --out intr --reps 500 --threads 1 --batches 1 >/dev/null 2>&1 &
pid=$!
sleep 1.5
kill -INT $pid
set +e
wait $pid
rc=$?
set -e
[ $rc = 130 ] || fail "interrupted sweep exited $rc, expected 130"
[ ! -e intr ] || fail "an interrupted sweep left its run folder"
if ls -d intr.* 2>/dev/null; then fail "an interrupted sweep left its staging folder"; fi
echo "test_sweep: ok"
