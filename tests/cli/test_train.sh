#!/usr/bin/env bash
# `beex train` and `beex eval` from the command line on the committed synthetic set:
# usage errors exit 2, runtime errors exit 1 with a message, a short run writes the best
# and last checkpoints and the optimiser state, --resume continues, eval prints per-exit
# accuracy and writes JSON.
set -u
beex=$1
data=${BEEX_TEST_DATA:-$(dirname "$0")/../data}/train/synth
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
small=(--d 16 --heads 2 --dff 32 --blocks 2 --max-len 12 --vocab 80 --batch 16 --threads 2 --quiet)

"$beex" train --help | grep -q -- "--precision" || fail "train --help"
"$beex" train "$data" --out "$tmp/m.safetensors" --bogus 2>/dev/null; [ $? -eq 2 ] || fail "unknown option must exit 2"
"$beex" train "$data" --out "$tmp/m.safetensors" --precision w2a2 2>/dev/null; [ $? -eq 2 ] || fail "bad precision must exit 2"
"$beex" train "$data" 2>/dev/null; [ $? -eq 2 ] || fail "missing --out must exit 2"
for bad in "--glove none --glove-words 10" "--warmup 1.5" "--warmup -0.1" "--lr-decay cosine" "--glove-words -1" "--glove-words 12x"; do
    # shellcheck disable=SC2086 # option and value on purpose
    err=$("$beex" train "$data" --out "$tmp/m.safetensors" $bad 2>&1)
    [ $? -eq 2 ] && [ -n "$err" ] || fail "$bad must exit 2 with a message"
done
"$beex" train "$data" --out "$tmp/m.safetensors" --loss-weights 1,2,3 "${small[@]}" 2>/dev/null
[ $? -eq 2 ] || fail "3 loss weights for 2 blocks must exit 2"
# Exit regimes (docs/model.md section 6): a bad name or value, distill options without distill,
# loss weights for a regime that sets its own: exit 2 with a message naming the option.
for bad in "--exit-regime bogus:--exit-regime" "--exit-regime:--exit-regime" \
    "--exit-regime distill --distill-alpha 1.5:--distill-alpha" \
    "--exit-regime distill --distill-alpha -0.1:--distill-alpha" \
    "--exit-regime distill --distill-alpha nan:--distill-alpha" \
    "--exit-regime distill --distill-temperature 0:--distill-temperature" \
    "--exit-regime distill --distill-temperature -2:--distill-temperature" \
    "--exit-regime distill --distill-temperature inf:--distill-temperature" \
    "--distill-alpha 0.3:--exit-regime distill" \
    "--exit-regime ge --distill-temperature 3:--exit-regime distill" \
    "--exit-regime equal --loss-weights 1,2:--loss-weights" \
    "--exit-regime last --loss-weights 0,1:--loss-weights"; do
    # shellcheck disable=SC2086 # options and values on purpose
    err=$("$beex" train "$data" --out "$tmp/m.safetensors" "${small[@]}" ${bad%%:*} 2>&1)
    [ $? -eq 2 ] && echo "$err" | grep -qF -- "${bad#*:}" || fail "${bad%%:*} must exit 2 naming ${bad#*:}: $err"
done
[ ! -e "$tmp/m.safetensors" ] || fail "a usage error must not leave a model"
"$beex" train --help | grep -q -- "--exit-regime" || fail "train --help lacks --exit-regime"
err=$("$beex" train "$tmp/no-such-task" --out "$tmp/m.safetensors" "${small[@]}" 2>&1)
[ $? -eq 1 ] && [ -n "$err" ] || fail "missing task must exit 1 with a message"
[ ! -e "$tmp/m.safetensors" ] || fail "a failed run must not leave a model"

"$beex" train "$data" --out "$tmp/m.safetensors" --precision w1a1 --epochs 2 "${small[@]}" ||
    fail "training run"
for f in m.safetensors m.safetensors.last.safetensors m.safetensors.state; do
    [ -s "$tmp/$f" ] || fail "$f missing"
done
"$beex" train "$data" --out "$tmp/m.safetensors" --precision w1a1 --epochs 3 --resume "${small[@]}" ||
    fail "resume"
# --resume refuses another task (other labels) and other data under the same labels.
mkdir "$tmp/relabel" "$tmp/redata"
for s in train dev test; do
    sed 's/^neg\t/-1\t/; s/^pos\t/1\t/' "$data/$s.tsv" >"$tmp/relabel/$s.tsv"
    cp "$data/$s.tsv" "$tmp/redata/$s.tsv"
done
head -n -5 "$data/train.tsv" >"$tmp/redata/train.tsv"
cp "$tmp/m.safetensors.last.safetensors" "$tmp/m.keep"
for other in relabel redata; do
    err=$("$beex" train "$tmp/$other" --out "$tmp/m.safetensors" --precision w1a1 --epochs 4 --resume \
        "${small[@]}" 2>&1)
    [ $? -eq 1 ] && echo "$err" | grep -q -- "--resume" || fail "--resume on $other: $err"
    cmp -s "$tmp/m.keep" "$tmp/m.safetensors.last.safetensors" || fail "--resume on $other changed the run"
done
# --resume refuses settings other than the first epochs used (only --epochs may grow), naming
# each with its old and new values, before any epoch.
for changed in "--seed 2:seed 1 -> 2" "--lr 0.002:lr 0.001 -> 0.002" "--dropout 0.2:dropout 0.1" \
    "--batch 8:batch 16 -> 8" "--warmup 0.1:warmup 0 -> 0.1" "--lr-decay linear:lr_decay none -> linear" \
    "--loss-weights 1,1:loss_weights 1,2 -> 1,1" "--fp32-epochs 1:fp32_epochs 0 -> 1" \
    "--exit-regime equal:exit_regime weighted -> equal" \
    "--exit-regime distill:exit_regime weighted -> distill"; do
    # shellcheck disable=SC2086 # option and value on purpose
    err=$("$beex" train "$data" --out "$tmp/m.safetensors" --precision w1a1 --epochs 4 --resume \
        "${small[@]}" ${changed%%:*} 2>&1)
    [ $? -eq 1 ] && echo "$err" | grep -qF -- "${changed#*:}" || fail "--resume with ${changed%%:*}: $err"
    cmp -s "$tmp/m.keep" "$tmp/m.safetensors.last.safetensors" || fail "--resume ${changed%%:*} trained"
done
err=$("$beex" train "$data" --out "$tmp/m.safetensors" --precision w1a32 --seed 3 --epochs 4 --resume \
    "${small[@]}" 2>&1)
[ $? -eq 1 ] && echo "$err" | grep -qF "precision w1a1 -> w1a32" && echo "$err" | grep -qF "seed 1 -> 3" ||
    fail "--resume must name every changed setting: $err"
cmp -s "$tmp/m.keep" "$tmp/m.safetensors.last.safetensors" || fail "--resume with a new precision trained"

# The same seed gives the same checkpoint bytes on one thread and on two (dropout on, w1a1
# after an fp32 stage): the step sums every gradient in an order the team size never changes.
one=(--d 16 --heads 2 --dff 32 --blocks 2 --max-len 12 --vocab 80 --batch 16 --quiet)
for t in 1 2; do
    "$beex" train "$data" --out "$tmp/t$t.safetensors" --precision w1a1 --fp32-epochs 1 --epochs 2 \
        --threads "$t" "${one[@]}" || fail "training on $t thread(s)"
done
cmp "$tmp/t1.safetensors" "$tmp/t2.safetensors" || fail "1 and 2 threads trained different bytes"
cmp "$tmp/t1.safetensors.state" "$tmp/t2.safetensors.state" || fail "1 and 2 threads: optimiser states differ"

# Quantization-aware training (w8a8, docs/model.md section 6): the same bytes on 1 and 2
# threads; the checkpoint carries the activation scales of its own weights, so it evaluates
# at w8a8 and quantizing it again (beex quantize calibrates the same way) changes no byte;
# --resume of a QAT run gives the bytes of the run that never stopped.
for t in 1 2; do
    "$beex" train "$data" --out "$tmp/q$t.safetensors" --precision w8a8 --fp32-epochs 1 --epochs 3 \
        --threads "$t" "${one[@]}" || fail "QAT on $t thread(s)"
done
cmp "$tmp/q1.safetensors" "$tmp/q2.safetensors" || fail "QAT: 1 and 2 threads trained different bytes"
"$beex" eval "$tmp/q1.safetensors" "$data" --precision w8a8 >/dev/null || fail "eval of a QAT model at w8a8"
"$beex" quantize --model "$tmp/q1.safetensors" --data "$data/train.tsv" --out "$tmp/q1r.safetensors" \
    --threads 1 >/dev/null || fail "quantize of a QAT model"
"$beex" run "$tmp/q1.safetensors" --precision w8a8 --full <"$data/test.tsv" >"$tmp/q1.jsonl" &&
    "$beex" run "$tmp/q1r.safetensors" --precision w8a8 --full <"$data/test.tsv" >"$tmp/q1r.jsonl" ||
    fail "run at w8a8"
cmp -s "$tmp/q1.jsonl" "$tmp/q1r.jsonl" || fail "QAT's saved scales differ from a fresh calibration"
"$beex" train "$data" --out "$tmp/qr.safetensors" --precision w8a8 --fp32-epochs 1 --epochs 2 \
    --threads 1 "${one[@]}" || fail "QAT, first two epochs"
"$beex" train "$data" --out "$tmp/qr.safetensors" --precision w8a8 --fp32-epochs 1 --epochs 3 \
    --resume --threads 1 "${one[@]}" || fail "QAT, resumed"
cmp "$tmp/q1.safetensors.last.safetensors" "$tmp/qr.safetensors.last.safetensors" ||
    fail "QAT resumed after epoch 2 differs from the run that never stopped"

# A distill run resumes only with its own alpha and temperature.
"$beex" train "$data" --out "$tmp/d.safetensors" --precision w1a1 --epochs 1 --exit-regime distill \
    --distill-alpha 0.3 --distill-temperature 3 "${small[@]}" || fail "distill run"
err=$("$beex" train "$data" --out "$tmp/d.safetensors" --precision w1a1 --epochs 2 --resume \
    --exit-regime distill --distill-alpha 0.4 --distill-temperature 3 "${small[@]}" 2>&1)
[ $? -eq 1 ] && echo "$err" | grep -qF "distill_alpha 0.29999999999999999 -> 0.40000000000000002" ||
    fail "--resume with another --distill-alpha: $err"
"$beex" train "$data" --out "$tmp/d.safetensors" --precision w1a1 --epochs 2 --resume \
    --exit-regime distill --distill-alpha 0.3 --distill-temperature 3 "${small[@]}" ||
    fail "distill resumed with its own settings"

out=$("$beex" eval "$tmp/m.safetensors" "$data" --json "$tmp/e.json") || fail "eval"
echo "$out" | grep -q "full depth" || fail "eval output lacks the full-depth row"
echo "$out" | grep -q "^test" || fail "eval output lacks the test split"
grep -q '"accuracy"' "$tmp/e.json" || fail "eval JSON lacks accuracy"
grep -q '"mcc"' "$tmp/e.json" || fail "eval JSON lacks MCC for a binary task"
"$beex" eval "$tmp/m.safetensors" "$data" --precision nope 2>/dev/null; [ $? -eq 2 ] || fail "eval bad precision"
"$beex" eval "$tmp/none.safetensors" "$data" 2>/dev/null; [ $? -eq 1 ] || fail "eval missing model"
echo "ok"
