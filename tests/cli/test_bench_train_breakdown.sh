#!/bin/bash
# `beex bench train --breakdown` (docs/benchmarks.md) on tiny settings: after the main table,
# per case a table with every class beside its floor and bound, the profiled step against the
# unprofiled median, and the bounds' line per thread count; the JSON rows carry the bd_*
# counters and bound fields; bad values of the new option exit 2. No speed is asserted.
set -u
BEEX=${1:?usage: test_bench_train_breakdown.sh path/to/beex}
command -v jq >/dev/null || { echo "SKIP: jq not installed (scripts/setup.sh installs it)"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$BEEX" bench train --help | grep -q -- "--breakdown-steps" || fail "--help does not name --breakdown-steps"
"$BEEX" bench train --breakdown-steps 0 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--breakdown-steps 0: expected exit 2"

"$BEEX" bench train --shapes mr --precisions fp32,w1a1 --threads 1,2 --batch 2 --steps 1 \
    --reps 2 --min-time 0.01 --breakdown --breakdown-steps 1 --json "$dir/t.json" \
    >"$dir/out.txt" 2>"$dir/err.txt" || fail "bench train --breakdown: $(cat "$dir/err.txt")"
for want in "effective wts" "zero grads" "fwd GEMMs" "fwd attention" "fwd other" "bwd GEMMs" \
    "bwd attention" "bwd other" "surrogate+clip" "Adam" "other" "floor ms" "fp32 fma" \
    "profiled step" "efficiency (floors / unprofiled median)" "bounds on 1 thread" \
    "bounds on 2 threads" "mr w1a1, 2 threads, batch 2:"; do
    grep -qF "$want" "$dir/out.txt" || fail "no '$want' in the output: $(cat "$dir/out.txt")"
done
# The breakdown comes after the main table: its first line follows the table's footer.
foot=$(grep -n "^ex/s: median" "$dir/out.txt" | cut -d: -f1)
bd=$(grep -n "^breakdown (" "$dir/out.txt" | cut -d: -f1)
[ -n "$foot" ] && [ -n "$bd" ] && [ "$bd" -gt "$foot" ] || fail "breakdown not after the table"
[ "$(grep -c "^  profiled step " "$dir/out.txt")" -eq 4 ] || fail "not one breakdown per case"

# Every median row: every class's time and floor counter, the bound fields, the totals; the
# classes no more than the profiled step; a floor and a named bound for the products and the
# per-parameter passes, none for the rest of the passes.
jq -e '[.benchmarks[] | select(.run_type == "aggregate" and .aggregate_name == "median")] |
       length == 4 and all(.[];
        .bd_profiled_ms > 0 and .bd_classes_ms <= .bd_profiled_ms + 1e-9 and
        .bd_floor_ms > 0 and .bd_efficiency > 0 and .bd_products_gflop > 0 and
        .bd_fp32_fma_gflop_per_s > 0 and .bd_cache_gb_per_s > 0 and .bd_profiled_steps == 1 and
        (.bd_other_ms | type) == "number" and
        .bd_fwd_gemm_ms > 0 and .bd_bwd_gemm_ms > 0 and .bd_fwd_attn_ms > 0 and
        .bd_bwd_attn_ms > 0 and .bd_fwd_other_ms > 0 and .bd_bwd_other_ms > 0 and
        .bd_effective_ms > 0 and .bd_zero_ms > 0 and .bd_surrogate_ms > 0 and .bd_adam_ms > 0 and
        .bd_fwd_gemm_floor_ms > 0 and .bd_bwd_attn_floor_ms > 0 and .bd_adam_floor_ms > 0 and
        .bd_zero_floor_ms > 0 and .bd_surrogate_floor_ms > 0 and .bd_effective_floor_ms > 0 and
        .bd_fwd_other_floor_ms == 0 and .bd_bwd_other_floor_ms == 0 and
        .bd_fwd_gemm_bound == "fp32 fma" and .bd_fwd_other_bound == "none" and
        (.bd_adam_bound == "cache bw" or .bd_adam_bound == "dram bw"))' "$dir/t.json" >/dev/null ||
    fail "median rows: $(jq -c '[.benchmarks[] | select(.aggregate_name == "median")][0]' "$dir/t.json")"

# Without --breakdown the rows have no bd_* keys and no breakdown is printed.
"$BEEX" bench train --shapes mr --precisions fp32 --threads 1 --batch 2 --steps 1 --reps 2 \
    --json "$dir/plain.json" >"$dir/plain.txt" 2>&1 || fail "bench train: $(cat "$dir/plain.txt")"
grep -q "^breakdown (" "$dir/plain.txt" && fail "a breakdown without --breakdown"
jq -e 'all(.benchmarks[]; keys | map(startswith("bd_")) | any | not)' "$dir/plain.json" \
    >/dev/null || fail "bd_* keys without --breakdown"
"$BEEX" compare "$dir/t.json" "$dir/t.json" >"$dir/cmp.txt" 2>&1 || fail "beex compare: $(cat "$dir/cmp.txt")"
echo "ok"
