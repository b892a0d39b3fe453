#!/bin/bash
# `beex run`: JSON lines per example, exit-rule extremes, batch = batch-1, every precision,
# clear errors (exit 2 for usage / unavailable variant, 1 for bad input).
set -u
BEEX=${1:?usage: test_run.sh path/to/beex}
command -v jq >/dev/null || { echo "SKIP: jq not installed"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$BEEX" init --out "$dir/m.beex" --vocab 300 --d 32 --heads 4 --dff 64 --blocks 4 \
    --max-len 16 --classes 3 --seed 7 >/dev/null || fail "init"
printf '5 6 7 8\n9\n1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20\n42 43\n' >"$dir/ids"

for p in fp32 w1a32 w1a1; do
    "$BEEX" run "$dir/m.beex" --ids --precision $p --threads 1 <"$dir/ids" >"$dir/$p.jsonl" ||
        fail "run $p"
    [ "$(wc -l <"$dir/$p.jsonl")" -eq 4 ] || fail "$p: expected 4 lines"
    jq -s -e 'all(.[]; has("exit_block") and has("prediction") and (.blocks | length) == .exit_block
           and (.cost.ops == .cost.flops + .cost.bops / 64))' "$dir/$p.jsonl" >/dev/null ||
        fail "$p: fields"
done
jq -s -e '.[2].tokens == 16 and .[2].truncated and (.[0].truncated | not)' "$dir/w1a1.jsonl" >/dev/null ||
    fail "truncation to max_len not reported"
jq -s -e 'all(.[]; .cost.bops == 0)' "$dir/fp32.jsonl" >/dev/null || fail "fp32 reports BOPs"
jq -s -e 'all(.[]; .cost.bops > 0)' "$dir/w1a1.jsonl" >/dev/null || fail "w1a1 reports no BOPs"

# Delta extremes: never early / always at block 2.
"$BEEX" run "$dir/m.beex" --ids --delta -1e300 <"$dir/ids" | jq -s -e 'all(.[]; .exit_block == 4)' >/dev/null ||
    fail "delta -1e300 exited early"
"$BEEX" run "$dir/m.beex" --ids --delta 1e300 <"$dir/ids" | jq -s -e 'all(.[]; .exit_block == 2)' >/dev/null ||
    fail "delta 1e300 did not exit at block 2"

# Any rule of the list by --rule NAME=X (docs/exit-rules.md): --rule delta=X is --delta X to
# the byte; the extremes of the softmax confidence, static depth and patience; --full decides
# each rule on the trace exactly as the engine did online.
"$BEEX" run "$dir/m.beex" --ids --threads 1 --rule delta=0.1 <"$dir/ids" | cmp -s - "$dir/w1a1.jsonl" ||
    fail "--rule delta=0.1 differs from the default --delta 0.1"
for want in "maxprob=0 1" "maxprob=1.01 4" "static=2 2" "static=9 4" "patience=0 1"; do
    "$BEEX" run "$dir/m.beex" --ids --rule "${want% *}" <"$dir/ids" |
        jq -s -e --argjson b "${want#* }" 'length == 4 and all(.[]; .exit_block == $b)' >/dev/null ||
        fail "--rule ${want% *} should exit every example at block ${want#* }"
done
for rule in maxprob=0.4 maxprob=0.6 entropy=0.9 patience=1; do
    diff <("$BEEX" run "$dir/m.beex" --ids --rule $rule <"$dir/ids" | jq -c '[.exit_block, .prediction, .cost]') \
        <("$BEEX" run "$dir/m.beex" --ids --full --rule $rule <"$dir/ids" | jq -c '[.exit_block, .prediction, .cost]') \
        >/dev/null || fail "--full --rule $rule decides otherwise than online"
done
"$BEEX" run "$dir/m.beex" --rule bogus=1 </dev/null 2>"$dir/err"; [ $? -eq 2 ] || fail "unknown rule exit"
grep -q "unknown exit rule 'bogus' (delta, entropy, patience, static, maxprob" "$dir/err" ||
    fail "unknown rule message: $(cat "$dir/err")"
"$BEEX" run "$dir/m.beex" --rule maxprob </dev/null 2>"$dir/err"; [ $? -eq 2 ] || fail "--rule without =X"
grep -q "NAME=VALUE" "$dir/err" || fail "--rule without =X message"

# Batched == batch-1 (exit block and prediction), threads 2 == threads 1, --full agrees.
"$BEEX" run "$dir/m.beex" --ids --batch 3 --threads 2 <"$dir/ids" >"$dir/b3.jsonl" || fail "batch"
"$BEEX" run "$dir/m.beex" --ids --full <"$dir/ids" >"$dir/full.jsonl" || fail "full"
for f in b3 full; do
    diff <(jq -c '[.example, .exit_block, .prediction, .cost]' "$dir/w1a1.jsonl") \
        <(jq -c '[.example, .exit_block, .prediction, .cost]' "$dir/$f.jsonl") >/dev/null ||
        fail "$f differs from batch-1"
done

# Text input through the model's vocabulary (unknown words become [UNK]).
printf 'some words here\n\n' | "$BEEX" run "$dir/m.beex" | jq -s -e 'length == 2 and all(.[]; .tokens >= 1)' >/dev/null ||
    fail "text input"

# A w1a1 deployment file (bits + alpha, no latent weights) gives the checkpoint's results;
# the fp32 twin cannot run from it.
"$BEEX" export "$dir/m.beex" --precision w1a1 --out "$dir/dep.beex" >/dev/null || fail "export"
"$BEEX" run "$dir/dep.beex" --ids --precision w1a1 --threads 1 <"$dir/ids" >"$dir/dep.jsonl" ||
    fail "run deployment"
cmp -s "$dir/w1a1.jsonl" "$dir/dep.jsonl" || fail "deployment results differ from the checkpoint"
"$BEEX" run "$dir/dep.beex" --ids --precision fp32 <"$dir/ids" 2>"$dir/err" >/dev/null
[ $? -eq 1 ] || fail "fp32 on a deployment file should fail"
grep -q "latent weights" "$dir/err" || fail "fp32 deployment message"

# Errors.
echo "5 x 7" | "$BEEX" run "$dir/m.beex" --ids 2>"$dir/err"; [ $? -eq 1 ] || fail "bad id exit"
grep -q "not a token id" "$dir/err" || fail "bad id message"
echo "5 300" | "$BEEX" run "$dir/m.beex" --ids 2>"$dir/err"; [ $? -eq 1 ] || fail "range exit"
grep -q "outside the vocabulary" "$dir/err" || fail "range message"
"$BEEX" run "$dir/m.beex" --bogus </dev/null 2>/dev/null; [ $? -eq 2 ] || fail "unknown option"
"$BEEX" run "$dir/m.beex" --precision fp64 </dev/null 2>/dev/null; [ $? -eq 2 ] || fail "precision"
"$BEEX" run "$dir/nope.beex" </dev/null 2>/dev/null; [ $? -eq 1 ] || fail "missing model"
# Input that cannot be read is an error naming standard input, never a quiet end: a line
# past the 1 MiB bound (the lines before it still run), and endless input without a newline
# under a memory limit (getline took its ENOMEM for the end of input and exited 0).
{ echo "5 6"; head -c 1100000 /dev/zero | tr '\0' ' '; echo 7; } |
    "$BEEX" run "$dir/m.beex" --ids --threads 1 >"$dir/out" 2>"$dir/err"
[ $? -eq 1 ] || fail "a line over 1 MiB must exit 1"
grep -q "standard input line 2 is longer than" "$dir/err" || fail "long line message: $(cat "$dir/err")"
[ "$(wc -l <"$dir/out")" -eq 1 ] || fail "the line before the long one must still run"
# Under a memory limit where the build allows one: ASan reserves terabytes of address space
# for its shadow memory and cannot start under `ulimit -v` (BEEX_SANITIZED, set by the test
# command's ASan run); the 1 MiB line cap bounds the read there too.
if [ "${BEEX_SANITIZED:-0}" = 1 ]; then
    timeout 60 "$BEEX" run "$dir/m.beex" --threads 1 </dev/zero >/dev/null 2>"$dir/err"
else
    (ulimit -v 2000000 && timeout 60 "$BEEX" run "$dir/m.beex" --threads 1 </dev/zero >/dev/null 2>"$dir/err")
fi
[ $? -eq 1 ] || fail "endless input under a memory limit must exit 1"
grep -q "standard input" "$dir/err" || fail "endless input: no message naming standard input"
# A variant this build or CPU lacks, as the program reports it (NEON on x86, AVX2 on aarch64).
missing=$("$BEEX" variants | awk '$2 ~ /^unavailable/ { print $1; exit }')
"$BEEX" run "$dir/m.beex" --variant "$missing" </dev/null 2>"$dir/err"; [ $? -eq 2 ] ||
    fail "unavailable variant $missing should exit 2"
grep -q "not available" "$dir/err" || fail "unavailable variant message"
echo "PASS"
