#!/usr/bin/env bash
# Bring your own trace (docs/traces.md): a beex sweep's traces converted to beex-exit-trace/1
# replay to the same files as the native sweep; a plain CSV converts and sweeps; bad traces
# are refused with their file and line; --calibrate-temperature finds T = 3 on logits scaled
# by 3; and a tiny PyTorch multi-exit model exported by scripts/export_exit_trace.py sweeps
# end to end (skipped, exit 77, when /usr/bin/python3 has no torch).
set -euo pipefail
BEEX=$(realpath "$1")
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
no_id() { cut -d, -f2- "$1"; }

# --- 1. Native vs converted: the same replay, front, histograms and findings. -------------
"$BEEX" init --out m.safetensors --seed 3 --vocab 120 --d 32 --heads 2 --dff 64 --blocks 5 \
    --max-len 24 --labels 0,1 >/dev/null
mkdir task
for s in train dev test; do
    awk -v seed="${#s}" 'BEGIN { srand(seed); for (i = 0; i < 60; i++) { t = "";
        k = 2 + int(rand() * 20); for (j = 0; j < k; j++) t = t " w" (2 + int(rand() * 118));
        print int(rand() * 2) "\t" t } }' >task/$s.tsv
done
"$BEEX" sweep m.safetensors task --out nat --no-timed --quick >/dev/null 2>&1 || fail "native sweep"
for s in dev test; do
    "$BEEX" trace convert nat/trace_$s.csv --model m.safetensors --out $s.jsonl >/dev/null ||
        fail "convert trace_$s.csv"
done
[ "$(head -1 dev.jsonl | jq -r '.schema + " " + .split + " " + (.exits | tostring)')" = \
    "beex-exit-trace/1 dev 5" ] || fail "dev.jsonl's header"
[ "$(($(wc -l <test.jsonl) - 1))" = 60 ] || fail "test.jsonl should hold 60 examples"
"$BEEX" sweep --trace-files dev.jsonl test.jsonl --out byo --quick >byo.txt 2>&1 ||
    { cat byo.txt; fail "sweep --trace-files"; }
for f in replay pareto hist; do
    cmp <(no_id nat/$f.csv) <(no_id byo/$f.csv) || fail "$f.csv differs between native and converted"
done
cmp <(jq -S '.replay, .findings' nat/sweep.json) <(jq -S '.replay, .findings' byo/sweep.json) ||
    fail "sweep.json's replay or findings differ between native and converted"
grep -q "no timed runs" byo.txt || fail "the summary should say that nothing is timed"
[ ! -e byo/timed.csv ] || fail "a trace sweep wrote timed.csv"
# the trace files' sha256 (what sha256sum prints)
for s in dev test; do
    [ "$(jq -r .inputs.trace_files.$s.sha256 byo/sweep.json)" = "$(sha256sum $s.jsonl | cut -d' ' -f1)" ] ||
        fail "sweep.json's $s sha256 is not the file's"
done
# The converted traces name their model (x_beex_model), and so does the sweep; a test trace of
# another model, or a damaged fingerprint, is refused naming the file and line 1.
fp=$(jq -r .inputs.model.fingerprint nat/sweep.json)
[ "$(head -1 dev.jsonl | jq -r .x_beex_model)" = "$fp" ] || fail "dev.jsonl lacks x_beex_model $fp"
[ "$(jq -r .inputs.trace_files.model_fingerprint byo/sweep.json)" = "$fp" ] ||
    fail "sweep.json lacks inputs.trace_files.model_fingerprint $fp"
for bad in 0123456789abcdef XYZ; do
    { head -1 test.jsonl | jq -c --arg b "$bad" '.x_beex_model = $b'; tail -n +2 test.jsonl; } >fp.jsonl
    set +e
    "$BEEX" sweep --trace-files dev.jsonl fp.jsonl --out fprun >/dev/null 2>err.txt; rc=$?
    set -e
    [ $rc = 1 ] && grep -q "line 1" err.txt && grep -q "x_beex_model" err.txt && [ ! -e fprun ] ||
        fail "x_beex_model $bad accepted (rc $rc): $(cat err.txt)"
done
# A converted trace of another model is refused.
"$BEEX" init --out other.safetensors --seed 4 --vocab 120 --d 32 --heads 2 --dff 64 --blocks 5 \
    --max-len 24 --labels 0,1 >/dev/null
set +e
"$BEEX" trace convert nat/trace_dev.csv --model other.safetensors --out o.jsonl >/dev/null 2>err.txt; rc=$?
set -e
[ $rc = 1 ] && grep -q "traced from model" err.txt && [ ! -e o.jsonl ] || fail "another model's trace converted (rc $rc)"

# --- 2. A plain CSV (probabilities, quoted ids, class names) converts and sweeps. ---------
awk 'BEGIN { srand(5);
    for (s = 0; s < 2; s++) { f = s ? "test.csv" : "dev.csv";
        print "id,label,exit,cost,prob_0,prob_1,prob_2" > f;
        for (i = 0; i < 80; i++) { y = int(rand() * 3); c = 0;
            for (e = 1; e <= 4; e++) { c += 100 + i; a = rand(); b = rand() * (1 - a);
                p[0] = a; p[1] = b; p[2] = 1 - a - b;
                printf "\"ex %d, s%d\",%s,%d,%d,%.6f,%.6f,%.6f\n", i, s, (y == 0 ? "cat" : y == 1 ? "dog" : "eel"),
                    e, c, p[0], p[1], 1 - p[0] - p[1] > f } } } }'
"$BEEX" trace convert dev.csv --split dev --class-names cat,dog,eel --out cdev.jsonl >/dev/null ||
    fail "convert dev.csv"
"$BEEX" trace convert test.csv --split test --class-names cat,dog,eel --out ctest.jsonl >/dev/null ||
    fail "convert test.csv"
"$BEEX" sweep --trace-files cdev.jsonl ctest.jsonl --out csvrun --quick >/dev/null 2>&1 ||
    fail "sweep of the converted CSV"
jq -e '(.labels == ["cat","dog","eel"]) and (.trace_format.values.dev == "probs")
       and (.replay.points | length) > 0' csvrun/sweep.json >/dev/null || fail "csvrun/sweep.json"

# --- 3. Bad traces: exit 1, the file and line named, no run folder. ------------------------
head1='{"schema":"beex-exit-trace/1","classes":2,"exits":2,"values":"logits","cost_unit":"flops","split":"dev"}'
ok='{"id":1,"label":0,"exits":[[1,0],[2,0]],"cost":[1,2]}'
bad() { # NAME EXPECTED-MESSAGE LINES...
    local name=$1 want=$2
    shift 2
    printf '%s\n' "$@" >"$name.jsonl"
    set +e
    "$BEEX" sweep --trace-files "$name.jsonl" ctest.jsonl --out "run_$name" >/dev/null 2>err.txt
    local rc=$?
    set -e
    [ $rc = 1 ] || fail "$name: exit $rc, expected 1"
    grep -qF -- "$name.jsonl: $want" err.txt || { cat err.txt; fail "$name: message lacks '$name.jsonl: $want'"; }
    [ ! -e "run_$name" ] || fail "$name: a run folder was left"
}
bad noheader 'line 1: header missing' "$ok"
bad version 'line 1: unknown version' '{"schema":"beex-exit-trace/9"}' "$ok"
bad noexits 'line 3: "exits" missing' "$head1" "$ok" '{"id":2,"label":0,"cost":[1,2]}'
bad exitcount 'line 2: "exits" has 3 exits, the header says 2' "$head1" '{"id":1,"label":0,"exits":[[1,0],[2,0],[3,0]],"cost":[1,2]}'
bad classcount 'line 2: exit 1 has 3 values, the header says 2 classes' "$head1" '{"id":1,"label":0,"exits":[[1,0,0],[2,0]],"cost":[1,2]}'
bad nan 'line 3: ' "$head1" "$ok" '{"id":2,"label":0,"exits":[[NaN,0],[2,0]],"cost":[1,2]}'
bad inf 'line 2: exit 2, class 1: 1e+300 is not a finite logit' "$head1" '{"id":1,"label":0,"exits":[[1,0],[2,1e300]],"cost":[1,2]}'
bad probsum 'line 2: exit 1: probabilities sum to 0.5' \
    "${head1/\"logits\"/\"probs\"}" '{"id":1,"label":0,"exits":[[0.25,0.25],[0.5,0.5]],"cost":[1,2]}'
bad label 'line 2: label 3 is out of range' "$head1" '{"id":1,"label":3,"exits":[[1,0],[2,0]],"cost":[1,2]}'
bad monotone 'line 2: "cost" of exit 2 (1) is below that of exit 1 (2)' "$head1" '{"id":1,"label":0,"exits":[[1,0],[2,0]],"cost":[2,1]}'
bad zerocost 'line 2: "cost" of exit 1 is 0' "$head1" '{"id":1,"label":0,"exits":[[1,0],[2,0]],"cost":[0,1]}'
bad dupid 'line 3: id "1" is already used on line 2' "$head1" "$ok" "$ok"
# dev and test of different shapes: both files named
printf '%s\n' "${head1/\"exits\":2/\"exits\":3}" '{"id":1,"label":0,"exits":[[1,0],[2,0],[3,0]],"cost":[1,2,3]}' >three.jsonl
printf '%s\n' "${head1/\"dev\"/\"test\"}" "$ok" >two.jsonl
set +e
"$BEEX" sweep --trace-files three.jsonl two.jsonl --out mixed >/dev/null 2>err.txt; rc=$?
set -e
[ $rc = 1 ] && grep -q "three.jsonl: line 1: 3 exits x 2 classes, but two.jsonl: line 1: 2 x 2" err.txt ||
    { cat err.txt; fail "dev and test of different shapes (rc $rc)"; }
# a bad CSV names its line
printf 'id,label,exit,cost,logit_0,logit_1\na,0,1,1,0.5,0.5\na,0,2,2,0.5,inf\n' >badrow.csv
set +e
"$BEEX" trace convert badrow.csv --split dev --out badrow.jsonl >/dev/null 2>err.txt; rc=$?
set -e
[ $rc = 1 ] && grep -q "badrow.csv: line 3: exit 2, class 1" err.txt && [ ! -e badrow.jsonl ] ||
    { cat err.txt; fail "a CSV with an infinite logit (rc $rc)"; }
# an --out that holds the traces is refused, even with --overwrite
set +e
"$BEEX" sweep --trace-files cdev.jsonl ctest.jsonl --out . --overwrite >/dev/null 2>err.txt; rc=$?
set -e
[ $rc = 1 ] && grep -q "holds the trace" err.txt && [ -s cdev.jsonl ] || fail "--out holding the traces (rc $rc)"
# usage errors: a CSV without --split, no --out
set +e
"$BEEX" trace convert dev.csv --out x.jsonl >/dev/null 2>&1; rc1=$?
"$BEEX" trace convert dev.csv --split dev >/dev/null 2>&1; rc2=$?
set -e
[ $rc1 = 2 ] && [ $rc2 = 2 ] || fail "trace convert usage errors should exit 2 ($rc1, $rc2)"
# options that need a model are usage errors with --trace-files
set +e
"$BEEX" sweep --trace-files cdev.jsonl ctest.jsonl --threads 1 >/dev/null 2>&1; rc=$?
set -e
[ $rc = 2 ] || fail "--threads with --trace-files should exit 2, got $rc"

# --- 4. Temperature: logits 3 z with labels drawn from softmax(z) fit T close to 3. ---------
awk 'function gauss() { return sqrt(-2 * log(1 - rand())) * cos(6.283185307179586 * rand()) }
    BEGIN { srand(11); for (s = 0; s < 2; s++) { f = s ? "ttest.jsonl" : "tdev.jsonl";
        printf "{\"schema\":\"beex-exit-trace/1\",\"classes\":3,\"exits\":2,\"values\":\"logits\",\"cost_unit\":\"flops\",\"split\":\"%s\",\"cost\":[1,2]}\n", s ? "test" : "dev" > f;
        for (i = 0; i < 6000; i++) { sum = 0;
            for (c = 0; c < 3; c++) { z[c] = 1.5 * gauss(); p[c] = exp(z[c]); sum += p[c] }
            r = rand() * sum; y = 0; while (y < 2 && r > p[y]) { r -= p[y]; y++ }
            printf "{\"id\":%d,\"label\":%d,\"exits\":[[%.6f,%.6f,%.6f],[%.6f,%.6f,%.6f]]}\n", i, y,
                3 * z[0], 3 * z[1], 3 * z[2], z[0], z[1], z[2] > f } } }'
"$BEEX" sweep --trace-files tdev.jsonl ttest.jsonl --out cal --quick --calibrate-temperature >/dev/null 2>&1 ||
    fail "sweep --calibrate-temperature"
jq -e '.calibration.temperatures as $t | ($t | length) == 2 and $t[0] > 2.7 and $t[0] < 3.3
       and $t[1] > 0.9 and $t[1] < 1.1 and .calibration.dev_nll_after[0] < .calibration.dev_nll_before[0]' \
    cal/sweep.json >/dev/null || fail "temperatures $(jq -c .calibration.temperatures cal/sweep.json), wanted about 3 and 1"
# argmax unchanged: static depth's accuracy is that of the uncalibrated sweep
"$BEEX" sweep --trace-files tdev.jsonl ttest.jsonl --out uncal --quick >/dev/null 2>&1 || fail "uncalibrated sweep"
[ "$(jq -c '[.replay.points[] | select(.policy == "static") | .test.metric]' cal/sweep.json)" = \
    "$(jq -c '[.replay.points[] | select(.policy == "static") | .test.metric]' uncal/sweep.json)" ] ||
    fail "calibration changed a static depth's predictions"

# --- 5. PyTorch: a tiny seeded multi-exit model exported and swept. -------------------------
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    echo "SKIP: /usr/bin/python3 cannot import torch: the PyTorch exporter was not tested (the rest passed)"
    exit 77
fi
cat >tiny.py <<'EOF'
import zlib
import torch
import torch.nn as nn

VOCAB, D, BLOCKS, CLASSES = 64, 16, 3, 2

class Tiny(nn.Module):
    """Embedding, then 3 blocks of Linear + ReLU over every token, each with an exit head on the
    mean of the tokens: the Linear FLOPs grow with the example's length."""
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.emb = nn.Embedding(VOCAB, D)
        self.blocks = nn.ModuleList(nn.Sequential(nn.Linear(D, D), nn.ReLU()) for _ in range(BLOCKS))
        self.exit_heads = nn.ModuleList(nn.Linear(D, CLASSES) for _ in range(BLOCKS))

    def forward(self, ids, mask):
        h = self.emb(ids)
        outs = []
        for block, head in zip(self.blocks, self.exit_heads):
            h = block(h)
            pooled = (h * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)
            outs.append(head(pooled))
        return tuple(outs)

def build_model():
    return Tiny()

def encode(texts):
    toks = [[zlib.crc32(w.encode()) % VOCAB for w in t.split()] or [0] for t in texts]
    T = max(len(t) for t in toks)
    ids = torch.zeros(len(toks), T, dtype=torch.long)
    mask = torch.zeros(len(toks), T)
    for i, t in enumerate(toks):
        ids[i, :len(t)] = torch.tensor(t)
        mask[i, :len(t)] = 1
    return ids, mask
EOF
for s in dev test; do
    awk -v seed="${#s}" 'BEGIN { srand(seed + 40); for (i = 0; i < 50; i++) { t = ""; y = int(rand() * 2);
        k = 1 + int(rand() * 12); for (j = 0; j < k; j++) t = t " " (y ? "good" : "bad") int(rand() * 9);
        print y "\t" t } }' >pt_$s.tsv
    /usr/bin/python3 "$repo/scripts/export_exit_trace.py" --model tiny.py --tsv pt_$s.tsv --split $s \
        --count-flops --class-names 0,1 --out pt_$s.jsonl >/dev/null || fail "export of pt_$s.tsv"
done
# costs per example follow the length: per token 2*16*16 per block, plus 2*16*2 per head
jq -se '.[1:] | map(.cost) | (map(length == 3) | all) and (map(.[0] < .[1] and .[1] < .[2]) | all)
        and (map(.[0]) | unique | length) > 1' pt_dev.jsonl >/dev/null || fail "exported costs"
k1=$(awk -F'\t' 'NR == 1 { print split($2, w, " ") }' pt_dev.tsv)
[ "$(sed -n 2p pt_dev.jsonl | jq '.cost[0]')" = "$((k1 * 512 + 64))" ] ||
    fail "the first example's exit-1 FLOPs should be $k1 tokens x 512 + 64"
"$BEEX" sweep --trace-files pt_dev.jsonl pt_test.jsonl --out ptrun >pt.txt 2>&1 || { cat pt.txt; fail "sweep of the PyTorch traces"; }
rules=$("$BEEX" sweep --help | sed -n 's/.*over its grid (\(.*\); docs.*/\1/p' | tr -d ',')
for r in $rules; do
    jq -e --arg r "$r" '[.replay.points[] | select(.policy == $r)] | length > 0' ptrun/sweep.json >/dev/null ||
        fail "rule $r was not replayed"
done
jq -e '(.replay.front | length) > 0 and ([.replay.points[] | has("static_equivalent")] | all)
       and ([.replay.points[] | select(.policy == "static") | .static_equivalent == (.param | floor)] | all)
       and (.findings.selected | has("static_in_disguise"))' ptrun/sweep.json >/dev/null ||
    fail "front, static-in-disguise flags or findings missing"
for s in dev test; do
    [ "$(jq -r .inputs.trace_files.$s.sha256 ptrun/sweep.json)" = "$(sha256sum pt_$s.jsonl | cut -d' ' -f1)" ] ||
        fail "ptrun: the $s trace's sha256"
done
grep -q 'Dev Pareto front over all rules' pt.txt || fail "no Pareto table printed"
head -1 ptrun/replay.csv | grep -q ',ops_per_example,' || fail "replay.csv lacks its OPs column"
if command -v gnuplot >/dev/null; then
    bash "$repo/plots/plot.sh" ptrun >plot.txt 2>&1 || { cat plot.txt; fail "plots/plot.sh"; }
    if grep -qi 'warning\|error' plot.txt; then cat plot.txt; fail "gnuplot complained"; fi
    [ -s ptrun/plots/accuracy_vs_ops.png ] || fail "no accuracy_vs_ops plot"
fi
echo "test_byo_trace: ok"
