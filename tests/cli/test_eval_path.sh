#!/usr/bin/env bash
# The one evaluation path (issue 10, docs/statistics.md) from the command line, on a model trained
# here: `beex eval`'s per-exit test figures equal the sweep's static-depth-k points exactly;
# labels match by name in every command; a model whose entropy rises between blocks still gets
# a complete sweep.json stating the fact; intervals are seeded.
set -euo pipefail
BEEX=$(realpath "$1")
data=$(realpath "${BEEX_TEST_DATA:-$(dirname "$0")/../data}/train/synth")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
small=(--d 16 --heads 2 --dff 32 --blocks 3 --max-len 12 --vocab 80 --batch 16 --threads 1 --quiet)

"$BEEX" train "$data" --out m.safetensors --precision w1a1 --epochs 2 "${small[@]}" ||
    fail "training the model"

# 1. eval's exit k == sweep's static depth k, for every k, on dev and test, every figure.
"$BEEX" eval m.safetensors "$data" --json e.json >eval.txt || fail "eval"
"$BEEX" sweep m.safetensors "$data" --out run --no-timed --quick >sweep.txt 2>&1 ||
    { cat sweep.txt; fail "sweep"; }
for split in dev test; do
    for k in 1 2 3; do
        a=$(jq -c --arg s $split --argjson k $k '.results[] | select(.split == $s and .exit_block == $k)
              | [.accuracy, .f1, .mcc, .ci95, .vs_full_depth]' e.json)
        b=$(jq -c --arg s $split --argjson k $k '.replay.points[] | select(.policy == "static" and .param == $k)
              | .[$s] | [.accuracy, .f1, .mcc, .ci95, .vs_full_depth]' run/sweep.json)
        [ -n "$a" ] && [ "$a" = "$b" ] || fail "$split exit $k: eval $a != sweep $b"
    done
done
grep -q "full depth" eval.txt && grep -q "McNemar" eval.txt || fail "eval output lacks its columns"
jq -e '.positive_class == "pos" and .bootstrap.resamples >= 2000' e.json >/dev/null ||
    fail "eval JSON must name the positive class and the bootstrap"
jq -e '.settings.effective.positive_class == "pos"' run/sweep.json >/dev/null ||
    fail "sweep.json must name the positive class"
"$BEEX" eval m.safetensors "$data" --json e2.json >/dev/null
cmp <(jq -S .results e.json) <(jq -S .results e2.json) || fail "same seed, other intervals"
"$BEEX" eval m.safetensors "$data" --positive neg --json e3.json >/dev/null
jq -e '.positive_class == "neg"' e3.json >/dev/null || fail "--positive neg ignored"

# 2. Labels by name everywhere: a task whose labels the model does not know is an error.
mkdir other
for s in train dev test; do sed 's/^neg\t/bad\t/; s/^pos\t/good\t/' "$data/$s.tsv" >other/$s.tsv; done
set +e
"$BEEX" eval m.safetensors other >/dev/null 2>err.txt; rc_eval=$?
"$BEEX" sweep m.safetensors other --no-timed --out r2 >/dev/null 2>>err.txt; rc_sweep=$?
"$BEEX" train other --init m.safetensors --out m2.safetensors --epochs 1 --quiet >/dev/null 2>>err.txt
rc_train=$?
"$BEEX" eval m.safetensors "$data" --positive maybe >/dev/null 2>>err.txt; rc_pos=$?
set -e
[ $rc_eval = 1 ] && [ $rc_sweep = 1 ] && [ $rc_train = 1 ] && [ $rc_pos = 1 ] ||
    fail "label mismatch: eval $rc_eval, sweep $rc_sweep, train --init $rc_train, --positive $rc_pos"
[ "$(grep -c "label 'bad' of the task is not a class of the model" err.txt)" = 3 ] ||
    { cat err.txt; fail "each command must name the unknown label"; }
grep -q "'neg', 'pos'" err.txt || fail "the message must list the model's classes"
[ ! -e r2 ] || fail "a refused sweep left a run folder"

# 3. The issue's degenerate model: entropy rising between blocks, random weights. The sweep
#    completes, says so, and still selects (full depth always qualifies).
"$BEEX" init --blocks 3 --d 16 --heads 2 --dff 32 --vocab 80 --max-len 16 --labels neg,pos \
    --out f.st >/dev/null
"$BEEX" sweep f.st "$data" --no-timed --out deg >deg.txt 2>&1 || { cat deg.txt; fail "degenerate sweep"; }
for f in sweep.json replay.csv pareto.csv hist.csv trace_dev.csv trace_test.csv; do
    [ -s deg/$f ] || fail "degenerate sweep lacks $f"
done
# its CSVs carry the run's id in every row and hist.csv its fixed long-form header
id=$(jq -r .context.run_id deg/sweep.json)
for f in replay pareto hist; do
    [ "$(tail -n +2 deg/$f.csv | cut -d, -f1 | sort -u)" = "$id" ] || fail "deg/$f.csv: run_id is not $id"
done
[ "$(head -1 deg/hist.csv)" = "run_id,point,label,policy,param,static_equivalent,block,examples" ] ||
    fail "deg/hist.csv: header"
jq -e '.findings.entropy | has("mean_falls_with_depth") and has("share_of_test_examples_rising_somewhere")' \
    deg/sweep.json >/dev/null || fail "findings must state how entropy moves"
jq -e '.replay.selected.index >= 0 and .findings.selected != null and
       (.findings | has("delta_within_1_point_of_full_depth"))' deg/sweep.json >/dev/null ||
    fail "degenerate sweep must still select and state whether a delta qualifies"
grep -q "Entropy on test" deg.txt || fail "summary must describe the entropy"

# 4. init --labels: names set the classes; bad lists are usage errors.
set +e
"$BEEX" init --out x.st --labels a,,b >/dev/null 2>&1; r1=$?
"$BEEX" init --out x.st --labels a,a >/dev/null 2>&1; r2=$?
"$BEEX" init --out x.st --labels a,b,c --classes 2 >/dev/null 2>&1; r3=$?
set -e
[ $r1 = 2 ] && [ $r2 = 2 ] && [ $r3 = 2 ] || fail "init --labels errors: $r1 $r2 $r3"
"$BEEX" init --out x.st --labels x,y,z --d 16 --heads 2 --dff 32 --blocks 2 --vocab 40 \
    --max-len 8 | grep -q "classes 3" || fail "init --labels x,y,z should make 3 classes"
echo "test_eval_path: ok"
