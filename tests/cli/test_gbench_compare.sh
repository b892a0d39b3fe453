#!/usr/bin/env bash
# `beex bench gemm --json` read by Google Benchmark's own compare.py (Debian's
# libbenchmark-tools + python3-scipy, which scripts/setup.sh installs): the GB 1.7 layout it
# relies on, every benchmark compared, a tripled time reported as +200 % with its U test, and a
# file against itself as no change. A missing peer fails the test: a skipped comparison would
# pass unnoticed. BEEX_ALLOW_MISSING_PEERS=1 turns that into a ctest skip (77).
set -u
BEEX=$(realpath "${1:?usage: test_gbench_compare.sh path/to/beex}")
COMPARE=/usr/share/benchmark/compare.py
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
if [ ! -f "$COMPARE" ]; then
    if [ "${BEEX_ALLOW_MISSING_PEERS:-}" = 1 ]; then
        echo "SKIP: $COMPARE absent and BEEX_ALLOW_MISSING_PEERS=1"
        exit 77
    fi
    fail "$COMPARE absent: run scripts/setup.sh (Debian packages libbenchmark-tools python3-scipy)"
fi
command -v jq >/dev/null || fail "jq missing: run scripts/setup.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

# Only a non-scalar variant is asked for: the scalar one is measured for vs_scalar anyway and
# must be in the file too.
other=$("$BEEX" variants | awk '$2 == "available" && $1 != "scalar" && $1 != "amx" && $1 != "avxvnni" { print $1; exit }')
"$BEEX" bench gemm --shapes 64x128x256,64x256x128 --reps 9 --threads 1 --variant "${other:-scalar}" \
    --no-libxsmm --json a.json >table.txt || fail "bench gemm --json"
names=(w1a1/scalar/64/128/256/1 w1a1/scalar/64/256/128/1)
[ -n "$other" ] && names+=("w1a1/$other/64/128/256/1" "w1a1/$other/64/256/128/1")

# The layout: per benchmark its 9 repetitions in order, then mean, median, stddev, cv computed
# from them as GB does; times in ns (real numbers); counters at the top level.
for n in "${names[@]}"; do
    jq -e --arg n "$n" '
      [.benchmarks[] | select(.run_name == $n)] as $e
      | ($e | map(select(.run_type == "iteration"))) as $it
      | ($it | map(.real_time) | sort) as $t
      | ($t | add / length) as $mean
      | ($e | map(select(.run_type == "aggregate")) | map({key: .aggregate_name, value: .})
             | from_entries) as $a
      | ($n | split("/") | .[2:5] | map(tonumber) | .[0] * .[1] * .[2]) as $macs
      | ($e | length) == 13 and ($e[:9] == $it)
        and ([$it[] | .repetition_index] == [range(9)])
        and all($it[]; .name == $n and .iterations == 1 and .repetitions == 9 and .threads == 1
                and .time_unit == "ns" and .real_time > 0 and .cpu_time == .real_time
                and (.bMAC_per_s - $macs / (.real_time * 1e-9) | fabs) < 1e-6 * .bMAC_per_s)
        and ([$e[9:][] | .aggregate_name] == ["mean", "median", "stddev", "cv"])
        and all($e[9:][]; .name == $n + "_" + .aggregate_name and .iterations == 9
                and .aggregate_unit == (if .aggregate_name == "cv" then "percentage" else "time" end))
        and ($a.median.real_time == $t[4])
        and (($a.mean.real_time - $mean | fabs) < 1e-6 * $mean)
        and (($a.cv.real_time - $a.stddev.real_time / $a.mean.real_time | fabs) < 1e-6)
        and ($a.median.bMAC_per_s > 0 and $a.median.vs_scalar > 0 and $a.median.bound_ratio > 0)
        and ($a.stddev.vs_scalar == 0)
        and (($e | map(.family_index) | unique | length) == 1)
        and (($e | map(.per_family_instance_index) | unique)
             == [if ($n | contains("/64/128/256/")) then 0 else 1 end])' a.json >/dev/null ||
        fail "$n: not GB 1.7's layout: $(jq -c --arg n "$n" '[.benchmarks[] | select(.run_name == $n)] | .[0], .[10]' a.json)"
    # The same median as the table, which prints milliseconds to 4 decimals.
    table_ms=$(awk -v v="${n#w1a1/}" '$1 == "w1a1" && $2 "/" $3 "/" $4 "/" $5 "/" $6 == v { print $7 }' table.txt)
    jq -e --arg n "$n" --argjson ms "${table_ms:-null}" \
        '.benchmarks[] | select(.name == $n + "_median") | ($ms != null) and ((.real_time / 1e6 - $ms) | fabs) <= 0.00006' \
        a.json >/dev/null || fail "$n: median $(jq --arg n "$n" '.benchmarks[] | select(.name == $n + "_median") | .real_time' a.json) ns is not the table's ${table_ms:-missing} ms"
done
[ "$(jq '[.benchmarks[].run_name] | unique | length' a.json)" = "${#names[@]}" ] ||
    fail "expected exactly ${names[*]}, got $(jq -c '[.benchmarks[].run_name] | unique' a.json)"
if [ -n "$other" ]; then
    jq -e '([.benchmarks[] | select(.variant == "scalar") | .family_index] | unique) as $s
           | ([.benchmarks[] | select(.variant != "scalar") | .family_index] | unique) as $o
           | ($s | length) == 1 and ($o | length) == 1 and $s != $o' a.json >/dev/null ||
        fail "scalar and $other should be two families"
fi
# GB's context fields.
jq -e '.context | (.executable | type) == "string" and (.cpu_scaling_enabled | type) == "boolean"
       and (.load_avg | length) == 3 and (.caches | type) == "array"
       and all(.caches[]; (.type | type) == "string" and .level >= 1 and .size > 0 and .num_sharing >= 1)
       and .num_cpus >= 1 and .date and .host_name and .library_build_type' a.json >/dev/null ||
    fail "context lacks GB's fields: $(jq -c '.context | del(.threads, .variants)' a.json)"
if [ -d /sys/devices/system/cpu/cpu0/cache/index0 ]; then
    jq -e '.context.caches | length > 0 and any(.[]; .type == "Data" and .level == 1)' a.json >/dev/null ||
        fail "the caches of /sys are missing from the context"
fi

# Three times slower: the repetitions and the time aggregates tripled (cv unchanged).
jq '.benchmarks |= map(if .run_type == "iteration" or .aggregate_unit == "time"
                       then .real_time *= 3 | .cpu_time *= 3 else . end)' a.json >b.json
/usr/bin/python3 "$COMPARE" --no-color -d diff.json benchmarks a.json b.json >out.txt 2>err.txt ||
    fail "compare.py a b: $(cat err.txt)"
for n in "${names[@]}"; do
    rows=$(awk -v n="$n" '$1 == n && $2 ~ /^\+(2\.000|1\.999)/ && $3 ~ /^\+(2\.000|1\.999)/' out.txt | wc -l)
    [ "$rows" = 9 ] || fail "$n: $rows of 9 repetitions shown at +2.0 (200 %):
$(cat out.txt)"
    awk -v n="${n}_pvalue" '$1 == n && $2 > 0 && $2 <= 1 && /U Test, Repetitions: 9 vs 9/' out.txt |
        grep -q . || fail "$n: no U test line"
    grep -Eq "^${n}_median +\+2\.0000 +\+2\.0000" out.txt || fail "$n: median not at +2.0"
    grep -Eq "^${n}_cv +\+0\.0000 +\+0\.0000" out.txt || fail "$n: cv should not change"
done
grep -Eq '^OVERALL_GEOMEAN +\+2\.0000 +\+2\.0000' out.txt || fail "geometric mean not at +2.0"
# Tripling separates the two samples fully unless one repetition ran 3x slower than another
# (a busy machine, a sanitizer build): then the U test cannot be as small as 9 vs 9 allows.
jq -e --argjson k "${#names[@]}" '
    [.[] | select(.run_type == "iteration")] as $it
    | ($it | length) == $k
      and all($it[]; (.measurements | length) == 9 and all(.measurements[]; (.time - 2 | fabs) < 1e-6)
              and .utest.nr_of_repetitions == 9 and .utest.time_pvalue > 0
              and if ([.measurements[].real_time] | max) < ([.measurements[].real_time_other] | min)
                  then .utest.time_pvalue < 0.001 else .utest.time_pvalue <= 1 end)' diff.json >/dev/null ||
    fail "compare.py's report: $(jq -c '.[0]' diff.json)"

# A file against itself: no change anywhere.
/usr/bin/python3 "$COMPARE" --no-color -d same.json benchmarks a.json a.json >same.txt 2>err.txt ||
    fail "compare.py a a: $(cat err.txt)"
jq -e --argjson k "${#names[@]}" '([.[] | select(.run_type == "iteration")] | length) == $k
       and all(.[]; all(.measurements[]; .time == 0 and .cpu == 0))' same.json >/dev/null ||
    fail "a file against itself changed: $(cat same.txt)"
for n in "${names[@]}"; do
    [ "$(awk -v n="$n" '$1 == n && $2 == "+0.0000" && $3 == "+0.0000"' same.txt | wc -l)" = 9 ] ||
        fail "$n: not 9 unchanged repetitions against itself"
done
# beex's own reader on the same files: the repetitions are its samples, read in ns.
"$BEEX" compare a.json b.json >beex.txt
[ $? = 1 ] || fail "beex compare: a tripled time should exit 1"
for n in "${names[@]}"; do
    med=$(jq --arg n "$n" '.benchmarks[] | select(.name == $n + "_median") | .real_time * 1e-9' a.json)
    awk -v n="$n" -v m="$med" '$1 == n && ($2 - m < 0 ? m - $2 : $2 - m) < 1e-3 * m && $4 == "+200.0%" &&
        /SLOWER/' beex.txt | grep -q . || fail "beex compare, $n (median $med s): $(cat beex.txt)"
done
# A benchmark with aggregates only (GB's --benchmark_report_aggregates_only) stands on its median,
# though the other benchmarks of the file have repetitions.
jq --arg n "${names[0]}" '.benchmarks |= map(select(.run_name != $n or .run_type == "aggregate"))' \
    a.json >c.json
"$BEEX" compare a.json c.json >beex.txt || fail "beex compare a c: $(cat beex.txt)"
grep -Eq "^${names[0]} .*too few repetitions" beex.txt ||
    fail "the aggregates-only benchmark is not compared: $(cat beex.txt)"

# bench model and bench train write the same layout: compare.py runs its U test on their
# repetitions (each timed batch of bench model, each repetition of bench train), GB's real_time
# being the time per iteration.
"$BEEX" bench model --shapes small --precisions w1a1 --variants scalar --threads 1 --batches 1 \
    --tokens 8 --min-reps 9 --max-reps 9 --min-time 0 --compaction-batch 2 --json m1.json >/dev/null ||
    fail "bench model --json"
cp m1.json m2.json
/usr/bin/python3 "$COMPARE" --no-color benchmarks m1.json m2.json >mout.txt 2>&1 || fail "compare.py on bench model: $(cat mout.txt)"
grep -q "^model/small/w1a1/scalar/threads:1/batch:1_pvalue .*U Test, Repetitions: 9 vs 9" mout.txt ||
    fail "compare.py: no U test for bench model: $(cat mout.txt)"
# Thread scaling (issue 14): with a thread list, every further count's speed-up over the first
# and its efficiency (speed-up / thread ratio), printed and in the JSON.
"$BEEX" bench model --shapes small --precisions w1a1 --variants scalar --threads 1,2 --batches 1 \
    --tokens 8 --min-reps 3 --max-reps 3 --min-time 0 --compaction-batch 2 --json m3.json \
    >m3.txt 2>&1 || fail "bench model --threads 1,2"
grep -q "thread scaling (examples/s over 1 thread" m3.txt || fail "no scaling table: $(cat m3.txt)"
jq -e '[.beex.speed_ratios[] | select(.kind == "thread_scaling")] | length == 1 and
    (.[0] | .over_threads == 1 and .speedup > 0 and (.efficiency - .speedup / .threads | fabs) < 1e-9)' \
    m3.json >/dev/null || fail "thread_scaling in the JSON: $(jq -c .beex.speed_ratios m3.json)"
"$BEEX" bench train --shapes mr --precisions w1a1 --threads 1 --batch 2 --steps 2 --reps 3 \
    --json t1.json >/dev/null || fail "bench train --json"
jq -e '[.benchmarks[] | select(.run_type == "iteration")] | length == 3 and
    all(.[]; .iterations == 2 and .time_unit == "ns" and .real_time > 0)' t1.json >/dev/null ||
    fail "bench train: not 3 repetitions of 2 iterations"
/usr/bin/python3 "$COMPARE" --no-color benchmarks t1.json t1.json >tout.txt 2>&1 || fail "compare.py on bench train: $(cat tout.txt)"
grep -q "^train/mr/w1a1/1_pvalue" tout.txt || fail "compare.py: no U test for bench train: $(cat tout.txt)"

echo "compare.py on beex files (one repetition, the U test, the median, the geometric mean):"
for re in "${names[0]} " "${names[0]}_pvalue" "${names[0]}_median" OVERALL_GEOMEAN; do
    grep -m1 "^$re" out.txt
done
echo "test_gbench_compare: ok"
