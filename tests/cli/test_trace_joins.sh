#!/usr/bin/env bash
# Traces join only what they were made from (issue 24): a --trace of another precision, an old
# trace that records none, shards of two precisions, and an --out that is (or holds) the
# --trace folder are refused with exit 1, before any result is written.
set -euo pipefail
BEEX=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
# refused WHAT PATTERN CMD...: CMD must exit 1 with PATTERN on stderr.
refused() {
    local what=$1 pat=$2 rc
    shift 2
    set +e
    "$@" >/dev/null 2>err.txt
    rc=$?
    set -e
    [ $rc = 1 ] && grep -q -- "$pat" err.txt || { cat err.txt; fail "$what: rc $rc"; }
}

"$BEEX" init --out m.safetensors --seed 3 --vocab 40 --d 16 --heads 2 --dff 32 --blocks 3 \
    --max-len 12 --labels 0,1 >/dev/null
mkdir task
for s in train dev test; do
    awk -v seed="${#s}" 'BEGIN { srand(seed); for (i = 0; i < 24; i++) { t = "";
        k = 2 + int(rand() * 8); for (j = 0; j < k; j++) t = t " w" (2 + int(rand() * 38));
        print int(rand() * 2) "\t" t } }' >task/$s.tsv
done

# 1. A trace records its precision and a sweep at another precision refuses it.
"$BEEX" sweep m.safetensors task --precision fp32 --out t32 --no-timed --quick >/dev/null 2>&1 ||
    fail "fp32 sweep"
grep -q '^# beex trace model=[0-9a-f]* data=[0-9a-f]* precision=fp32$' t32/trace_test.csv ||
    fail "the trace does not record its precision"
refused "a w1a1 sweep on fp32 traces" "traced at precision fp32, this sweep runs w1a1" \
    "$BEEX" sweep m.safetensors task --trace t32 --out w1 --no-timed --quick
[ ! -e w1 ] || fail "a refused trace left a run folder"
"$BEEX" sweep m.safetensors task --precision fp32 --trace t32 --out again --no-timed --quick \
    >/dev/null 2>&1 || fail "a trace of the same precision should be accepted"
# ... and a trace of an older beex (no precision in its origin) is refused with a word to re-trace.
mkdir old
for s in dev test; do sed '1s/ precision=[a-z0-9]*$//' t32/trace_$s.csv >old/trace_$s.csv; done
refused "a trace without its precision" "records no precision.*trace again" \
    "$BEEX" sweep m.safetensors task --precision fp32 --trace old --out oldrun --no-timed --quick

# 2. Shards of two precisions do not merge (the traces' origin lines kept as an older beex
# wrote them, so that only the shards' settings tell).
"$BEEX" sweep m.safetensors task --precision fp32 --shard 0/2 --out s0 >/dev/null 2>&1 || fail "shard 0"
"$BEEX" sweep m.safetensors task --precision w1a1 --shard 1/2 --out s1 >/dev/null 2>&1 || fail "shard 1"
for f in s0/trace_*.csv s1/trace_*.csv; do sed -i '1s/ precision=[a-z0-9]*$//' "$f"; done
refused "shards of two precisions" "precision" "$BEEX" merge --out mixed s0 s1
[ ! -e mixed/sweep.json ] || fail "a refused merge wrote sweep.json"

# 9. --out that is, or holds, the --trace folder (also behind a symbolic link) is refused
# before any work, and the traces stay.
mkdir -p outer
cp -r t32 outer/tr
ln -s outer/tr link
ln -s outer linkout
for out in outer/tr link outer linkout "$tmp/outer/tr/."; do
    refused "--out $out over the --trace folder" "is (or holds) the --trace folder" \
        "$BEEX" sweep m.safetensors task --precision fp32 --trace outer/tr --out "$out" \
        --overwrite --no-timed --quick
    cmp outer/tr/trace_test.csv t32/trace_test.csv || fail "--out $out: the traces changed"
done
refused "--out over a linked --trace folder" "is (or holds) the --trace folder" \
    "$BEEX" sweep m.safetensors task --precision fp32 --trace link --out outer --overwrite --no-timed
echo "test_trace_joins: ok"
