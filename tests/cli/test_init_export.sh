#!/usr/bin/env bash
# `beex init` and `beex export` end to end: seeded files are reproducible, exports are
# smaller and load back, and bad input gives a message and the documented exit status
# without leaving a file behind. Usage: test_init_export.sh path/to/beex
set -uo pipefail
BEEX=${1:?usage: test_init_export.sh path/to/beex}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fails=0
pass() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
# expect STATUS NAME CMD...: runs CMD, checks its exit status, keeps stdout+stderr in $DIR/out
expect() {
    local want=$1 name=$2
    shift 2
    "$@" >"$DIR/out" 2>&1
    local got=$?
    if [ "$got" -eq "$want" ]; then pass "$name"; else fail "$name (exit $got, want $want)"; cat "$DIR/out"; fi
}
has() { # has NAME TEXT: the last command's output contains TEXT
    if grep -qF -- "$2" "$DIR/out"; then pass "$1"; else fail "$1: no '$2' in:"; cat "$DIR/out"; fi
}
TINY=(--vocab 50 --d 16 --heads 2 --dff 24 --blocks 3 --max-len 8 --classes 4)

expect 0 "init tiny" "$BEEX" init --out "$DIR/a.st" --seed 7 "${TINY[@]}"
has "init reports bytes" "bytes"
expect 0 "init same seed" "$BEEX" init --out "$DIR/b.st" --seed 7 "${TINY[@]}"
if cmp -s "$DIR/a.st" "$DIR/b.st"; then pass "same seed, same bytes"; else fail "same seed, same bytes"; fi
expect 0 "init other seed" "$BEEX" init --out "$DIR/c.st" --seed 8 "${TINY[@]}"
if cmp -s "$DIR/a.st" "$DIR/c.st"; then fail "other seed differs"; else pass "other seed differs"; fi
expect 0 "init options in any order" "$BEEX" init --classes 4 --max-len 8 --blocks 3 --dff 24 \
    --heads 2 --d 16 --vocab 50 --seed 7 --out "$DIR/d.st"
if cmp -s "$DIR/a.st" "$DIR/d.st"; then pass "option order irrelevant"; else fail "option order irrelevant"; fi

for p in fp32 w1a32 w1a1; do
    expect 0 "export $p" "$BEEX" export "$DIR/a.st" --precision "$p" --out "$DIR/a.$p.st"
    has "export $p reports the ratio" "smaller"
done
ck=$(stat -c %s "$DIR/a.st")
w1=$(stat -c %s "$DIR/a.w1a1.st")
if [ "$w1" -lt "$ck" ]; then pass "w1a1 file smaller ($w1 < $ck)"; else fail "w1a1 file smaller ($w1 vs $ck)"; fi
if cmp -s "$DIR/a.w1a1.st" "$DIR/a.w1a32.st"; then fail "w1a1 and w1a32 differ in metadata"; else pass "w1a1 and w1a32 files name their precision"; fi
# A deployment file is valid input again (re-export of the same precision is byte-identical).
expect 0 "re-export a deployment" "$BEEX" export "$DIR/a.w1a1.st" --precision w1a1 --out "$DIR/again.st"
if cmp -s "$DIR/a.w1a1.st" "$DIR/again.st"; then pass "re-export identical"; else fail "re-export identical"; fi
expect 1 "fp32 from bits only" "$BEEX" export "$DIR/a.w1a1.st" --precision fp32 --out "$DIR/no.st"
has "fp32 from bits only: message" "latent weights"
[ ! -e "$DIR/no.st" ] && pass "no file on failure" || fail "no file on failure"

expect 0 "init --help" "$BEEX" init --help
has "init --help text" "--preset"
expect 0 "export --help" "$BEEX" export --help
expect 2 "init without --out" "$BEEX" init "${TINY[@]}"
expect 2 "init unknown option" "$BEEX" init --out "$DIR/x.st" --wings 2
expect 2 "init bad integer" "$BEEX" init --out "$DIR/x.st" --d 1x6
expect 2 "init bad preset" "$BEEX" init --out "$DIR/x.st" --preset huge
expect 2 "init invalid config" "$BEEX" init --out "$DIR/x.st" --d 15 --heads 4
has "invalid config message" "not divisible"
[ ! -e "$DIR/x.st" ] && pass "no file after usage errors" || fail "no file after usage errors"
expect 2 "export bad precision" "$BEEX" export "$DIR/a.st" --precision w2a2 --out "$DIR/x.st"
expect 2 "export without --out" "$BEEX" export "$DIR/a.st" --precision w1a1
expect 1 "export missing file" "$BEEX" export "$DIR/nope.st" --precision w1a1 --out "$DIR/x.st"
has "missing file message" "cannot open"
head -c 500 "$DIR/a.st" >"$DIR/cut.st"
expect 1 "export truncated file" "$BEEX" export "$DIR/cut.st" --precision w1a1 --out "$DIR/x.st"
has "truncated file message" "past the end"
[ ! -e "$DIR/x.st" ] && pass "no file after runtime errors" || fail "no file after runtime errors"
expect 1 "export into a missing directory" "$BEEX" export "$DIR/a.st" --precision w1a1 \
    --out "$DIR/no/such/dir.st"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all checks passed"
