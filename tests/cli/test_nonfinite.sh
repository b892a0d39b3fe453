#!/usr/bin/env bash
# Huge finite weights (issue 11 item 3): a NaN or infinite logit never passes for a result.
# `run` and `sweep` stop with a message naming the example and block (exit 1, no results
# folder); the sanitizer build of this test checks that the exp approximation stays defined.
set -euo pipefail
BEEX=$(realpath "$1")
data=$(realpath "${BEEX_TEST_DATA:-$(dirname "$0")/../data}/train/synth")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$BEEX" init --out m.st --d 16 --heads 2 --dff 32 --blocks 3 --vocab 80 --max-len 12 \
    --labels neg,pos --precision fp32 >/dev/null
# Overwrite one tensor's floats in place with +-3e38 (safetensors: 8-byte header length, JSON
# header, then the data at data_offsets).
blow_up() { # FILE TENSOR
    local hlen off end
    hlen=$(od -An -t u8 -N8 "$1" | tr -d ' ')
    off=$(dd if="$1" bs=1 skip=8 count="$hlen" 2>/dev/null | jq ".\"$2\".data_offsets[0]")
    end=$(dd if="$1" bs=1 skip=8 count="$hlen" 2>/dev/null | jq ".\"$2\".data_offsets[1]")
    perl -e 'print pack("f<f<", 3e38, -3e38) x ($ARGV[0] / 8)' $((end - off)) |
        dd of="$1" bs=1 seek=$((8 + hlen + off)) conv=notrunc 2>/dev/null
}
cp m.st huge.st
blow_up huge.st blocks.1.attn.q.weight
blow_up huge.st exits.1.weight

set +e
echo "superb film with a flat plot" | "$BEEX" run huge.st >out.txt 2>err.txt; rc=$?
set -e
[ $rc = 1 ] || fail "run on huge weights exited $rc, want 1"
grep -q "block [0-9]*: a logit or entropy is not finite" err.txt || { cat err.txt; fail "run: no message naming the block"; }
[ ! -s out.txt ] || fail "run printed a result for a NaN: $(cat out.txt)"

set +e
"$BEEX" sweep huge.st "$data" --no-timed --out sw >/dev/null 2>err.txt; rc=$?
set -e
[ $rc = 1 ] && grep -q "block [0-9]*: non-finite logit or entropy" err.txt ||
    { cat err.txt; fail "sweep on huge weights: rc $rc"; }
[ ! -e sw ] || fail "sweep left a results folder for a model that gives NaN"
set +e
"$BEEX" eval huge.st "$data" >/dev/null 2>err.txt; rc=$?
set -e
[ $rc = 1 ] && grep -q "non-finite" err.txt || fail "eval on huge weights: rc $rc"

# The untouched model still runs: the check is not a false alarm.
echo "superb film" | "$BEEX" run m.st | jq -e '.blocks | length >= 1' >/dev/null || fail "the sane model"
echo "test_nonfinite: ok"
