#!/bin/bash
# `beex variants` and `beex bench gemm`: listing, forced variants the CPU lacks (a clear error
# and exit 2, never SIGILL), unknown options, and the Google Benchmark-shaped JSON of a quick run.
set -u
BEEX=${1:?usage: test_variants_bench.sh path/to/beex}
command -v jq >/dev/null || { echo "SKIP: jq not installed (scripts/setup.sh installs it)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$BEEX" variants >"$dir/v.txt" || fail "variants exited non-zero"
grep -q "scalar *available" "$dir/v.txt" || fail "scalar not listed as available"
grep -q "^  bgemm *uses" "$dir/v.txt" || fail "bgemm family missing"

# A variant this CPU lacks (NEON on x86, AVX2 on aarch64), as the program itself reports it:
# uname -m would name the host of an emulated arm64 build.
missing=$("$BEEX" variants | awk '$2 ~ /^unavailable/ { print $1; exit }')
[ -n "$missing" ] || fail "no unavailable variant listed by beex variants"
BEEX_ISA=$missing "$BEEX" variants >/dev/null 2>"$dir/err"
[ $? -eq 2 ] || fail "BEEX_ISA=$missing: expected exit 2"
grep -q "not usable" "$dir/err" || fail "BEEX_ISA=$missing: no reason printed"
BEEX_ISA=bogus "$BEEX" variants >/dev/null 2>"$dir/err"
[ $? -eq 2 ] || fail "BEEX_ISA=bogus: expected exit 2"
"$BEEX" bench gemm --variant $missing --quick >/dev/null 2>"$dir/err"
[ $? -eq 2 ] || fail "bench gemm --variant $missing: expected exit 2"
"$BEEX" bench gemm --no-such-option >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown option: expected exit 2"
"$BEEX" no-such-command >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown command: expected exit 2"

# A quick benchmark writes complete JSON with every counter the issue names.
"$BEEX" bench gemm --quick --reps 3 --threads 1 --variant scalar --json "$dir/b.json" >"$dir/out.txt" ||
    fail "bench gemm --quick failed"
# The fp32 yardstick exists only in a build with libxsmm; without it the ratio is null.
xsmm='.vs_libxsmm_fp32 > 0'
"$BEEX" --version | grep -q 'libxsmm no' && xsmm='.vs_libxsmm_fp32 == null'
jq -e "[.benchmarks[] | select(.aggregate_name == \"median\") | $xsmm] | all" \
    "$dir/b.json" >/dev/null || fail "vs_libxsmm_fp32 is not ($xsmm) in every median row"
jq -e '.context.git_revision and any(.benchmarks[]; .aggregate_name == "median") and
       all(.benchmarks[] | select((.name | startswith("w1a1/")) and .aggregate_name == "median");
           (.run_name | split("/") | length) == 6 and .real_time > 0 and .time_unit and
           .bMAC_per_s > 0 and .bound_ratio > 0 and .vs_scalar > 0)' \
    "$dir/b.json" >/dev/null || fail "bench JSON lacks fields: $(head -c 600 "$dir/b.json")"
ls "$dir"/b.json.tmp.* >/dev/null 2>&1 && fail "temporary file left behind"
echo "ok"
