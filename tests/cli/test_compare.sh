#!/usr/bin/env bash
# beex compare: verdicts and exit codes (0 ok, 1 regression, 2 usage / unreadable input).
set -euo pipefail
BEEX=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }

gate() { # $1 = file, $2 = scalar count, $3 = avx2 count
    printf '{"benchmarks": [{"name": "forward/scalar", "instructions": %s},
                            {"name": "forward/avx2", "instructions": %s}]}\n' "$2" "$3" >"$1"
}
gate old.json 1000000 500000
gate same.json 1010000 500000   # +1 %: within 2 %
gate worse.json 1030000 500000  # +3 %: regression
"$BEEX" compare old.json same.json >out.txt || fail "+1 % instructions flagged"
grep -q "verdict: ok" out.txt || fail "no ok verdict printed"
set +e
"$BEEX" compare old.json worse.json >out.txt; rc=$?
[ $rc = 1 ] || fail "+3 % instructions: exit $rc, expected 1"
grep -q "REGRESSION" out.txt || fail "no REGRESSION verdict printed"
"$BEEX" compare old.json >/dev/null 2>&1; [ $? = 2 ] || fail "one argument should exit 2"
"$BEEX" compare old.json missing.json >/dev/null 2>&1; [ $? = 2 ] || fail "missing file should exit 2"
echo '{"x": 1}' >odd.json
"$BEEX" compare old.json odd.json >/dev/null 2>&1; [ $? = 2 ] || fail "unknown layout should exit 2"
"$BEEX" compare --alpha 2 old.json same.json >/dev/null 2>&1; [ $? = 2 ] || fail "--alpha 2 should exit 2"
set -e

# Timings: 9 repetitions, 20 % slower with no overlap -> Mann-Whitney p = 4e-4 -> regression.
timed() { # $1 = file, $2 = scale
    awk -v s="$2" 'BEGIN { printf "{\"timed\": [{\"variant\": \"avx2\", \"threads\": 1, \"batch\": 1, \"delta\": 0.1, \"seconds_per_pass\": [";
        for (i = 0; i < 9; i++) printf "%s%.6f", (i ? ", " : ""), s * (1 + 0.01 * ((i * 7) % 5));
        print "]}]}" }' >"$1"
}
timed t_old.json 1.0
timed t_new.json 1.2
timed t_same.json 1.0
set +e
"$BEEX" compare t_old.json t_new.json --json verdict.json >out.txt; rc=$?
set -e
[ $rc = 1 ] || fail "20 % slower timings: exit $rc, expected 1"
grep -q '"regression": true' verdict.json || fail "verdict.json lacks the regression"
"$BEEX" compare t_old.json t_same.json >/dev/null || fail "identical timings flagged"
# Two `bench gemm --json` files (issue 11 item 8): the repetitions are written, so a tripled
# time is a regression (exit 1) and the same file is not.
"$BEEX" bench gemm --shapes 64x128x256 --threads 1 --variant scalar --reps 9 --no-libxsmm \
    --json g_old.json >/dev/null || fail "bench gemm --json"
[ "$(jq '[.benchmarks[] | select(.run_type == "iteration")] | length' g_old.json)" = 9 ] ||
    fail "bench gemm --json should hold the 9 repetitions of its row"
jq '.benchmarks |= map(.real_time *= 3 | if .cpu_time then .cpu_time *= 3 else . end)' g_old.json \
    >g_slow.json
set +e
"$BEEX" compare g_old.json g_slow.json >out.txt; rc=$?
set -e
[ $rc = 1 ] && grep -q "SLOWER" out.txt || fail "a tripled bench gemm time: exit $rc, expected 1"
"$BEEX" compare g_old.json g_old.json >/dev/null || fail "a bench gemm file against itself flagged"
# merge's kernels table: one row per benchmark (its median), time in ms whatever the unit.
"$BEEX" merge --out kern g_old.json >/dev/null || fail "merge of a bench gemm file"
n_bench=$(jq '[.benchmarks[] | select(.aggregate_name == "median")] | length' g_old.json)
[ "$(($(wc -l <kern/kernels.csv) - 1))" = "$n_bench" ] || fail "kernels.csv should have one row per benchmark"
med_ms=$(jq '[.benchmarks[] | select(.aggregate_name == "median")][0].real_time / 1e6' g_old.json)
awk -F, -v m="$med_ms" 'NR == 2 { d = $12 - m; if (d < 0) d = -d; exit !(d <= 1e-6 * (m > 0 ? m : 1) + 1e-9) }' \
    kern/kernels.csv || fail "kernels.csv time is not the median in ms"
# Inputs no measurement gives (issue 24): a time of 0 or below, an old instruction count of 0.
# Refused as input that cannot be compared (exit 2), naming the file and the benchmark.
refused() { # FILE WHY
    set +e
    "$BEEX" compare "$1" t_same.json >/dev/null 2>err.txt; local rc=$?
    set -e
    [ $rc = 2 ] && grep -q "$1: benchmark timed/avx2.*: $2" err.txt ||
        fail "$1 should be refused (exit 2, naming it): rc $rc, $(cat err.txt)"
}
sed 's/"seconds_per_pass": \[1.000000,/"seconds_per_pass": [0,/' t_old.json >t_zero.json
sed 's/"seconds_per_pass": \[1.000000,/"seconds_per_pass": [-1.0,/' t_old.json >t_neg.json
refused t_zero.json "repetition 1 took 0 s"
refused t_neg.json "repetition 1 took -1 s"
gate zero_instr.json 1000000 0
set +e
"$BEEX" compare zero_instr.json same.json >/dev/null 2>err.txt; rc=$?
set -e
[ $rc = 2 ] && grep -q "zero_instr.json: benchmark forward/avx2: an instruction count of 0" err.txt ||
    fail "an old instruction count of 0 should be refused: rc $rc, $(cat err.txt)"
echo "test_compare: ok"
