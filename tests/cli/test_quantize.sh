#!/usr/bin/env bash
# `beex quantize` and precision w8a8 end to end (docs/model.md section 3b): a tiny model
# trained here is calibrated (the same bytes on 1 and 2 threads), exported to a w8a8 deployment
# file that gives the calibrated checkpoint's results byte for byte in `beex run` and `beex
# eval`, and reports its int8 work as IOPs; an uncalibrated model is refused at w8a8 by run,
# eval, sweep and export, and quantize refuses bad options and outputs before any work.
# Usage: test_quantize.sh path/to/beex
set -uo pipefail
BEEX=$(realpath "${1:?usage: test_quantize.sh path/to/beex}")
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
data=$(realpath "${BEEX_TEST_DATA:-$(dirname "$0")/../data}/train/synth")
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
cd "$DIR" || exit 1
fails=0
pass() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
# expect STATUS NAME CMD...: runs CMD, checks its exit status, keeps stdout+stderr in out
expect() {
    local want=$1 name=$2
    shift 2
    "$@" >out 2>&1
    local got=$?
    if [ "$got" -eq "$want" ]; then pass "$name"; else fail "$name (exit $got, want $want)"; cat out; fi
}
has() { # has NAME TEXT: the last command's output contains TEXT
    if grep -qF -- "$2" out; then pass "$1"; else fail "$1: no '$2' in:"; cat out; fi
}
small=(--d 16 --heads 2 --dff 32 --blocks 3 --max-len 12 --vocab 80 --batch 16 --threads 1 --quiet)

expect 0 "train a tiny fp32 model" "$BEEX" train "$data" --out m.st --precision fp32 --epochs 1 \
    "${small[@]}"
[ -s m.st ] || { echo "FAIL: no model to quantize"; exit 1; }

# Calibration: scales per block printed, act_scale tensors in the file, the same bytes on 1 and
# 2 threads, the latent weights untouched.
expect 0 "quantize" "$BEEX" quantize --model m.st --data "$data/train.tsv" --calib-examples 100 \
    --out q.st --threads 1
has "quantize reports the examples" "100 examples"
has "quantize prints the scales" "block  3:"
expect 0 "quantize on 2 threads" "$BEEX" quantize --model m.st --data "$data/train.tsv" \
    --calib-examples 100 --out q2.st --threads 2
if cmp -s q.st q2.st; then pass "1 and 2 threads: same bytes"; else fail "1 and 2 threads: same bytes"; fi
n=$(head -c 100000 q.st | grep -ao '"blocks\.[0-9]*\.[a-z]*\.[a-z0-9]*\.act_scale"' | sort -u | wc -l)
[ "$n" -eq 24 ] && pass "24 act_scale tensors (3 blocks x 8 layers)" || fail "act_scale tensors: $n, want 24"
expect 0 "the default takes every example of a short file" "$BEEX" quantize --model m.st \
    --data "$data/train.tsv" --out q3.st --threads 1
has "all examples used" "$(grep -c . "$data/train.tsv") examples"

# The calibrated checkpoint still runs fp32 as the original did.
printf '5 6 7 8\n9\n1 2 3 4 5 6 7 8 9 10 11 12 13 14\n32 33\n' >ids # the vocabulary has 41 ids
"$BEEX" run m.st --ids --precision fp32 --threads 1 <ids >m_fp32.jsonl || fail "run m.st fp32"
"$BEEX" run q.st --ids --precision fp32 --threads 1 <ids >q_fp32.jsonl || fail "run q.st fp32"
if cmp -s m_fp32.jsonl q_fp32.jsonl && [ "$(wc -l <q_fp32.jsonl)" -eq 4 ]; then
    pass "fp32 results unchanged"
else fail "fp32 results unchanged"; fi

# Export to w8a8: smaller than fp32, and the same results byte for byte as the checkpoint.
expect 0 "export w8a8" "$BEEX" export q.st --precision w8a8 --out q8.st
has "export reports the ratio" "smaller"
expect 0 "export fp32" "$BEEX" export q.st --precision fp32 --out q32.st
[ "$(stat -c %s q8.st)" -lt "$(stat -c %s q32.st)" ] && pass "w8a8 file smaller than fp32" ||
    fail "w8a8 file smaller than fp32"
expect 0 "re-export a w8a8 deployment" "$BEEX" export q8.st --precision w8a8 --out again.st
if cmp -s q8.st again.st; then pass "re-export identical"; else fail "re-export identical"; fi
expect 1 "w8a8 deployment to w1a1" "$BEEX" export q8.st --precision w1a1 --out no.st
has "w8a8 deployment to w1a1: message" "w8a8 deployment"
for t in 1 2; do
    "$BEEX" run q.st --ids --precision w8a8 --threads $t <ids >q_w8a8_$t.jsonl ||
        fail "run q.st w8a8 on $t threads"
done
"$BEEX" run q8.st --ids --threads 1 <ids >q8_w8a8.jsonl || fail "run q8.st"
if cmp -s q_w8a8_1.jsonl q8_w8a8.jsonl && [ "$(wc -l <q8_w8a8.jsonl)" -eq 4 ]; then
    pass "run: checkpoint + scales == deployment, byte for byte"
else fail "run: checkpoint + scales == deployment, byte for byte"; fi
if cmp -s q_w8a8_1.jsonl q_w8a8_2.jsonl; then pass "run w8a8: 1 and 2 threads identical"; else
    fail "run w8a8: 1 and 2 threads identical"; fi
jq -s -e 'all(.[]; .cost.iops > 0 and .cost.bops == 0 and .cost.ops == .cost.flops + .cost.iops)' \
    q8_w8a8.jsonl >/dev/null && pass "w8a8 cost: IOPs, OPs = FLOPs + IOPs" || fail "w8a8 cost fields"
jq -s -e 'all(.[]; .cost.iops == 0)' q_fp32.jsonl >/dev/null && pass "fp32 cost: no IOPs" ||
    fail "fp32 reports IOPs"
expect 0 "eval checkpoint at w8a8" "$BEEX" eval q.st "$data" --precision w8a8 --threads 1 \
    --json e1.json
expect 0 "eval deployment" "$BEEX" eval q8.st "$data" --threads 1 --json e2.json
if [ "$(jq -c .results e1.json)" = "$(jq -c .results e2.json)" ] && [ "$(jq -c .results e1.json)" != null ]; then
    pass "eval: checkpoint + scales == deployment"
else fail "eval: checkpoint + scales == deployment"; fi
expect 0 "sweep at w8a8" "$BEEX" sweep q.st "$data" --precision w8a8 --out run --no-timed --quick \
    --threads 1
[ -s run/sweep.json ] && pass "sweep.json written" || fail "sweep.json written"

# Refusals: an uncalibrated model at w8a8, before any work, with the word on what to do.
msg="calibrate it with beex quantize"
expect 1 "run uncalibrated at w8a8" "$BEEX" run m.st --ids --precision w8a8 <ids
has "run: message" "$msg"
expect 1 "eval uncalibrated at w8a8" "$BEEX" eval m.st "$data" --precision w8a8
has "eval: message" "$msg"
expect 1 "sweep uncalibrated at w8a8" "$BEEX" sweep m.st "$data" --precision w8a8 --out run2 --quick
has "sweep: message" "$msg"
[ ! -e run2/sweep.json ] && pass "sweep: nothing written" || fail "sweep: nothing written"
expect 1 "export uncalibrated to w8a8" "$BEEX" export m.st --precision w8a8 --out no.st
has "export: message" "$msg"
[ ! -e no.st ] && pass "no file after refusals" || fail "no file after refusals"
# Quantization-aware training writes a checkpoint that runs at w8a8 without beex quantize
# (tests/cli/test_train.sh checks its scales and its determinism).
expect 0 "train --precision w8a8 (QAT)" "$BEEX" train "$data" --out t.st --precision w8a8 "${small[@]}"
expect 0 "run the QAT model at w8a8" "$BEEX" run t.st --precision w8a8 <"$data/test.tsv"

# quantize's own checks, before any work.
mkdir adir
expect 1 "quantize --out a directory" "$BEEX" quantize --model m.st --data "$data/train.tsv" --out adir
has "--out a directory: message" "adir"
expect 2 "quantize unknown option" "$BEEX" quantize --model m.st --data "$data/train.tsv" \
    --out x.st --wings 2
expect 2 "quantize without --out" "$BEEX" quantize --model m.st --data "$data/train.tsv"
expect 2 "quantize --calib-examples 0" "$BEEX" quantize --model m.st --data "$data/train.tsv" \
    --out x.st --calib-examples 0
expect 2 "quantize --calib-examples 1x" "$BEEX" quantize --model m.st --data "$data/train.tsv" \
    --out x.st --calib-examples 1x
expect 1 "quantize --out = --model" "$BEEX" quantize --model m.st --data "$data/train.tsv" --out m.st
expect 1 "quantize --out = --data" "$BEEX" quantize --model m.st --data "$data/train.tsv" \
    --out "$data/train.tsv"
expect 1 "quantize missing data" "$BEEX" quantize --model m.st --data nope.tsv --out x.st
has "missing data: message" "nope.tsv"
expect 1 "quantize a directory as data" "$BEEX" quantize --model m.st --data adir --out x.st
expect 1 "quantize missing model" "$BEEX" quantize --model nope.st --data "$data/train.tsv" --out x.st
printf 'no tab here\n' >bad.tsv
expect 1 "quantize data without a tab" "$BEEX" quantize --model m.st --data bad.tsv --out x.st
has "no tab: message" "no tab"
"$BEEX" export m.st --precision w1a1 --out m1.st >/dev/null 2>&1
expect 1 "quantize a deployment file" "$BEEX" quantize --model m1.st --data "$data/train.tsv" \
    --out x.st
has "deployment: message" "deployment"
[ ! -e x.st ] && pass "no file after quantize errors" || fail "no file after quantize errors"
cp q.st keep.st
expect 1 "quantize over an existing file" "$BEEX" quantize --model m.st --data "$data/train.tsv" \
    --out keep.st
has "existing: message" "--overwrite"
expect 0 "quantize --overwrite" "$BEEX" quantize --model m.st --data "$data/train.tsv" \
    --calib-examples 100 --out keep.st --overwrite --threads 1
if cmp -s q.st keep.st; then pass "overwritten with the same bytes"; else fail "overwritten with the same bytes"; fi
expect 0 "quantize --help" "$BEEX" quantize --help
has "help names the option" "--calib-examples"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all checks passed"
