#!/usr/bin/env bash
# beex history gate: this build's real counts (measured once by `beex history record`) put in a
# synthetic history, scaled: at 0.9 the gate fails (+11 % instructions), at 1.0 it passes; the
# baseline is the last record of this machine with "build": "ok" (a later failed build and a
# later record of another machine are passed over); misses are shown, not gated; a history
# without this machine, a missing file and an unknown option are errors (exit 2).
# scripts/perf_gate.sh --history takes the same records as its baseline. The timed gate
# (one-sided U test) fails a record 50 times faster than this build and passes one 50 times
# slower.
set -euo pipefail
BEEX=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
command -v valgrind >/dev/null || skip "valgrind not installed (scripts/setup.sh)"
command -v jq >/dev/null || skip "jq not installed (scripts/setup.sh)"
command -v git >/dev/null || skip "git not installed"
src=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null) || skip "$here is not in a git work tree"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bench=forward/w1a1/scalar
# The program measured (--binary): this one, unless it cannot run under valgrind (a sanitizer
# build); then BEEX_HISTORY_MEASURED names a plain build and this one still does the rest.
measured=$(realpath "${BEEX_HISTORY_MEASURED:-$BEEX}")

# Usage errors first: no measuring.
set +e
"$BEEX" history gate --no-such-option >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "an unknown option: exit $rc, expected 2"
"$BEEX" history gate --only nosuch/bench --repo "$src" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "$bench" "$tmp/err" || fail "--only of no bench: exit $rc, or the names not listed"
"$BEEX" history gate --alpha 1 --repo "$src" >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "--alpha 1: exit $rc, expected 2"
"$BEEX" history gate --binary "$measured" --history "$tmp/missing.jsonl" --only $bench --repo "$src" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "missing.jsonl" "$tmp/err" || fail "a missing history: exit $rc: $(cat "$tmp/err")"
set -e
"$BEEX" history gate --help | grep -q "AVX-512" || fail "--help does not say what the timed gate covers"

# This build's counts, once (scalar and avx2: scripts/perf_gate.sh --history reads both).
"$BEEX" history record --binary "$measured" --only forward/w1a1/ --repo "$src" \
    --out-record "$tmp/rec.json" >/dev/null 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; fail "history record --out-record"; }
n=$(jq -r --arg b $bench '.counts[$b].instructions' "$tmp/rec.json")
if [ "$n" = null ] && [ -z "${BEEX_HISTORY_MEASURED:-}" ]; then
    skip "$measured cannot be counted ($(jq -r --arg b $bench '.absent[$b]' "$tmp/rec.json"); a sanitizer build?): set BEEX_HISTORY_MEASURED to a plain build"
fi
[ "$n" -gt 0 ] 2>/dev/null || fail "the record has no instructions for $bench: $n"
machine=$(jq -r '.machine.fingerprint' "$tmp/rec.json")
scaled() { # $1 = factor, $2 = machine: the record, one line, its counts scaled
    jq -c --arg m "$2" --argjson f "$1" \
        '.machine.fingerprint = $m | .counts |= map_values(map_values(. * $f | floor))' "$tmp/rec.json"
}
failed_build() { # a later commit of this machine that did not build: no counts
    jq -c '.build = "failed" | .why = "error: planted" | del(.counts, .timed, .absent)' "$tmp/rec.json"
}
{ scaled 1.0 other-0-0; scaled 0.9 "$machine"; failed_build; } >"$tmp/slower.jsonl"
{ scaled 0.9 "$machine"; scaled 1.0 "$machine"; scaled 0.5 other-0-0; } >"$tmp/same.jsonl"
scaled 1.0 other-0-0 >"$tmp/other.jsonl"

set +e
"$BEEX" history gate --binary "$measured" --history "$tmp/slower.jsonl" --only $bench --repo "$src" >"$tmp/out" 2>"$tmp/err"; rc=$?
set -e
cat "$tmp/out"
[ $rc = 1 ] || { cat "$tmp/err" >&2; fail "counts 11 % over the baseline: exit $rc, expected 1"; }
grep -q "^$bench:instructions .* SLOWER" "$tmp/out" || fail "no SLOWER row for the instructions"
grep -q "REGRESSION" "$tmp/out" || fail "no REGRESSION verdict"
grep -q "^$bench:d1_misses .*not gated" "$tmp/out" || fail "the misses are not listed as not gated"

set +e
"$BEEX" history gate --binary "$measured" --history "$tmp/same.jsonl" --only $bench --repo "$src" >"$tmp/out" 2>"$tmp/err"; rc=$?
set -e
[ $rc = 0 ] || { cat "$tmp/out" "$tmp/err" >&2; fail "the same counts: exit $rc, expected 0"; }
grep -q "^$bench:instructions .* +0.0[0-9]% *ok$" "$tmp/out" || fail "the same counts: no ok row within 0.1 %"
grep -q "verdict: ok" "$tmp/out" || fail "no ok verdict"

set +e
"$BEEX" history gate --binary "$measured" --history "$tmp/other.jsonl" --only $bench --repo "$src" >"$tmp/out" 2>"$tmp/err"; rc=$?
set -e
[ $rc = 2 ] || fail "a history without this machine: exit $rc, expected 2"
grep -q "no record of this machine ($machine)" "$tmp/err" && grep -q "other-0-0" "$tmp/err" ||
    fail "a history without this machine: unclear message: $(cat "$tmp/err")"

# scripts/perf_gate.sh --history: the same records as its baseline, the same 2 % rule.
if grep -qw avx2 /proc/cpuinfo; then
    gate_sh=$src/scripts/perf_gate.sh
    bash "$gate_sh" "$measured" --history "$tmp/same.jsonl" >"$tmp/out" 2>&1 ||
        { cat "$tmp/out" >&2; fail "perf_gate.sh --history with this build's counts"; }
    grep -q "baseline: commit $(jq -r .commit "$tmp/rec.json")" "$tmp/out" || fail "perf_gate.sh: which baseline?"
    set +e
    bash "$gate_sh" "$measured" --history "$tmp/slower.jsonl" >"$tmp/out" 2>&1; rc=$?
    set -e
    [ $rc = 1 ] && grep -q "REGRESSION" "$tmp/out" || { cat "$tmp/out" >&2; fail "perf_gate.sh --history at 0.9: exit $rc"; }
    set +e
    bash "$gate_sh" "$measured" --history "$tmp/other.jsonl" >"$tmp/out" 2>&1; rc=$?
    set -e
    [ $rc = 1 ] && grep -q "no record of this machine ($machine)" "$tmp/out" ||
        { cat "$tmp/out" >&2; fail "perf_gate.sh --history without this machine: exit $rc"; }
    set +e
    bash "$gate_sh" "$measured" --history "$tmp/missing.jsonl" >/dev/null 2>&1; rc=$?
    set -e
    [ $rc = 2 ] || fail "perf_gate.sh --history of a missing file: exit $rc, expected 2"
else
    echo "note: no AVX2 here: scripts/perf_gate.sh --history not checked (it counts avx2)"
fi

# Timed: 5 repetitions a side of the scalar GEMM, against a record whose 5 repetitions took
# 1..5 ns (this build far slower: complete separation, one-sided exact p = 1/252 < 0.01) and
# one whose repetitions took 1000..5000 s (this build faster: passes); distinct values, since
# ties would take the U test off its exact distribution. Fixed values, not this
# run's scaled: one repetition stalled by a loaded host (seen once, 100 times its neighbours)
# would otherwise overlap the other side and make the test depend on the load.
tb=timed/gemm/w1a1/scalar/64x256x768
"$BEEX" history record --binary "$measured" --timed --reps 5 --only $tb --repo "$src" --out-record "$tmp/trec.json" \
    >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "history record --timed"; }
[ "$(jq --arg b $tb '.timed[$b].reps | length' "$tmp/trec.json")" = 5 ] || fail "no 5 timed reps"
tfixed() { # $1 = seconds of the first repetition; the i-th takes i times as long
    jq -c --arg m "$machine" --argjson v "$1" \
        '.machine.fingerprint = $m | .timed |= map_values(.median = 3 * $v | .reps |= [range(0; length) | ($v * (. + 1))])' \
        "$tmp/trec.json"
}
tfixed 1e-9 >"$tmp/tslower.jsonl"
tfixed 1000 >"$tmp/tfaster.jsonl"
set +e
"$BEEX" history gate --binary "$measured" --timed --reps 5 --only $tb --history "$tmp/tslower.jsonl" --repo "$src" >"$tmp/out" 2>"$tmp/err"; rc=$?
set -e
cat "$tmp/out"
[ $rc = 1 ] || { cat "$tmp/err" >&2; fail "timed, far slower: exit $rc, expected 1"; }
grep -q "^$tb:median .* SLOWER (one-sided U test p 0.00397)" "$tmp/out" ||
    fail "timed, far slower: no SLOWER row with the exact p of complete separation (1/252)"
set +e
"$BEEX" history gate --binary "$measured" --timed --reps 5 --only $tb --history "$tmp/tfaster.jsonl" --repo "$src" >"$tmp/out" 2>"$tmp/err"; rc=$?
set -e
[ $rc = 0 ] || { cat "$tmp/out" "$tmp/err" >&2; fail "timed, far faster: exit $rc, expected 0"; }
grep -q "^$tb:median .* ok (one-sided U test p 0.99" "$tmp/out" || fail "timed, far faster: no ok row with p near 1"
echo "ok: history gate"
