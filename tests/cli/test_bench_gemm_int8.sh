#!/usr/bin/env bash
# `beex bench gemm --op w8a8` on one tiny shape with few repetitions: the int8 rows in the table
# and in Google Benchmark's JSON (MAC/s, GOPS, bound_ratio, the ratios against the peers), each
# peer present with its library or absent with why, a variant the CPU lacks refused with its
# reason, the new options' errors, and a run without w8a8 unchanged (no vs_dnnl column).
set -u
BEEX=$(realpath "${1:?usage: test_bench_gemm_int8.sh path/to/beex}")
command -v jq >/dev/null || { echo "SKIP: jq not installed (scripts/setup.sh installs it)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }

# K a multiple of 4 (libxsmm's int8 layout), N past one 64-column panel, M a partial tile.
shape=24x80x64
"$BEEX" bench gemm --op w8a8 --shapes $shape --reps 3 --threads 1 --json i.json >out.txt 2>err.txt ||
    fail "bench gemm --op w8a8: $(cat err.txt)"
grep -q "^op .* vs_dnnl$" out.txt || fail "no vs_dnnl column: $(head -20 out.txt)"
grep -q "^w8a8 \+scalar \+24 \+80 \+64 \+1 " out.txt || fail "no w8a8 scalar row: $(cat out.txt)"
grep -q "GOPS = 2 x GMAC/s" out.txt || fail "the table does not say how a MAC is counted"
grep -q "^int8 bound loops: scalar = " out.txt || fail "no int8 bound loops note"

jq -e '.benchmarks | length > 0' i.json >/dev/null || fail "no benchmarks in the JSON"
# Every variant row: 3 repetitions then the 4 aggregates, int8 counters, GOPS = 2 x MAC/s.
jq -e --arg s "${shape//x//}" '
  [.benchmarks[] | select(.op == "w8a8")] as $e
  | ($e | map(.run_name) | unique) as $names
  | ($names | length) >= 1 and any($names[]; . == "w8a8/scalar/" + $s + "/1")
    and all($names[] as $n | [$e[] | select(.run_name == $n)]; length == 7)
    and all($e[] | select(.run_type == "iteration");
            .MAC_per_s > 0 and .items_per_second == .MAC_per_s
            and ((.GOPS - 2 * .MAC_per_s / 1e9) | fabs) < 1e-9 * .GOPS
            and .M == 24 and .N == 80 and .K == 64 and (.impl | length) > 0
            and .vs_scalar > 0)
    and all($e[] | select(.aggregate_name == "median" and .run_name == "w8a8/scalar/" + $s + "/1");
            .bound_ratio > 0 and .bound_MAC_per_s > 0 and .ratios.vs_scalar.median == 1)' \
    i.json >/dev/null || fail "w8a8 rows lack fields: $(jq -c '[.benchmarks[] | select(.op == "w8a8")][0]' i.json)"

# Each peer: timed (its row, and every variant's ratio against it) or absent with why.
jq -e '.beex.w8a8.ops_per_mac == 2 and .beex.w8a8.interleaving.seed == 1
       and .beex.w8a8.mismatches == 0' i.json >/dev/null || fail "no beex.w8a8 description: $(jq -c .beex i.json)"
for peer in onednn libxsmm; do
    key=$([ $peer = onednn ] && echo vs_onednn || echo vs_libxsmm_i8)
    if jq -e --arg p $peer 'any(.benchmarks[]; .run_name | startswith("w8a8/" + $p + "/"))' i.json >/dev/null; then
        jq -e --arg k $key 'all(.benchmarks[] | select(.op == "w8a8" and .aggregate_name == "median"); .[$k] > 0)' \
            i.json >/dev/null || fail "$peer timed, but not every row has $key"
        grep -q "^  $peer: " out.txt || fail "$peer timed, but the table does not say what ran"
        echo "$peer: present ($(jq -r --arg p $peer '.beex.w8a8.peers[$p]' i.json))"
    else
        jq -e --arg p $peer 'any(.beex.w8a8.not_timed[]; .name == $p and .status == "absent" and (.why | length) > 0)' \
            i.json >/dev/null || fail "$peer neither timed nor absent with a reason: $(jq -c .beex i.json)"
        grep -q "^w8a8 \+$peer .* absent: ." out.txt || fail "$peer absent, but the table does not say why"
        echo "$peer: absent ($(jq -r --arg p $peer '.beex.w8a8.not_timed[] | select(.name == $p) | .why' i.json | head -1))"
    fi
done

# Without the peers: no peer rows, and the document says they were not asked for.
"$BEEX" bench gemm --op w8a8 --shapes 8x16x8 --reps 2 --threads 1 --variant scalar --no-onednn \
    --no-libxsmm --json n.json >n.txt 2>&1 || fail "bench gemm --no-onednn --no-libxsmm: $(cat n.txt)"
grep -q "^w8a8 \+\(onednn\|libxsmm\)" n.txt && fail "peer rows despite --no-onednn --no-libxsmm"
jq -e '(.beex.w8a8.peers.onednn | startswith("not asked for"))
       and ([.benchmarks[].run_name] | unique == ["w8a8/scalar/8/16/8/1"])' n.json >/dev/null ||
    fail "--no-onednn --no-libxsmm: $(jq -c '[.beex, [.benchmarks[].run_name]]' n.json)"

# A variant this machine lacks is refused, with its reason, before anything runs.
missing=$("$BEEX" variants | awk '$2 ~ /^unavailable/ { print $1; exit }')
if [ -n "$missing" ]; then
    "$BEEX" bench gemm --op w8a8 --variant "$missing" --shapes 8x8x8 >/dev/null 2>err.txt
    [ $? -eq 2 ] || fail "--op w8a8 --variant $missing: expected exit 2"
    grep -q "$missing" err.txt || fail "--variant $missing: no reason: $(cat err.txt)"
fi
# avxvnni has int8 code in both families (W1A1 through VNNI is the bgemm family's opt-in
# entry): named, it gets a w1a1 row beside its w8a8 one.
vnni=$("$BEEX" variants | awk '$1 == "avxvnni" && $2 == "available" { print $1 }')
if [ -n "$vnni" ]; then
    "$BEEX" bench gemm --op w1a1,w8a8 --variant avxvnni --shapes 8x16x8 --reps 2 --threads 1 \
        --no-onednn --no-libxsmm >v.txt 2>&1 || fail "--variant avxvnni: $(cat v.txt)"
    grep -q "^w8a8 \+avxvnni \+8 \+16 \+8 " v.txt || fail "no w8a8 avxvnni row: $(cat v.txt)"
    grep -q "^w1a1 \+avxvnni \+8 \+16 \+8 " v.txt || fail "no w1a1 avxvnni row: $(cat v.txt)"
fi

# Options.
for bad in "--op w8a9" "--shapes bert-base," "--shapes bert-basex" "--seed -1" "--seed x"; do
    "$BEEX" bench gemm $bad >/dev/null 2>err.txt
    [ $? -eq 2 ] || fail "'$bad': expected exit 2"
    grep -q "bad --" err.txt || fail "'$bad': no message: $(cat err.txt)"
done
"$BEEX" bench gemm --op w8a8 --shapes 1x1x70000 >/dev/null 2>err.txt
[ $? -eq 2 ] && grep -q "takes K up to 65536" err.txt || fail "K past int8's exact range: $(cat err.txt)"
"$BEEX" bench gemm --help | grep -q "bert-base" || fail "--help does not name bert-base"

# Without w8a8 the table keeps its columns.
"$BEEX" bench gemm --shapes 8x64x64 --reps 2 --threads 1 --variant scalar --no-libxsmm >b.txt 2>&1 ||
    fail "bench gemm (w1a1): $(cat b.txt)"
grep -q "^op .* vs_xsmm$" b.txt || fail "w1a1-only header changed: $(grep '^op' b.txt)"
grep -q "^w8a8" b.txt && fail "w8a8 rows without --op w8a8"
echo "ok"
