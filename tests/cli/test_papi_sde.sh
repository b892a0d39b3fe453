#!/usr/bin/env bash
# PAPI's own tools see beex's software-defined events (issue 15): `papi_native_avail -sde
# libbeex_sde.so` lists every sde:::beex:: event with its description, under the names the
# results files use.
set -uo pipefail
beex=$1
lib=$(dirname "$beex")/libbeex_sde.so
fail() { echo "FAIL: $*" >&2; exit 1; }
"$beex" --version | grep -q 'PAPI no' &&
    { echo "built without PAPI (BEEX_WITH_PAPI): no libbeex_sde.so to list"; exit 77; }
command -v papi_native_avail >/dev/null ||
    { echo "papi_native_avail missing: scripts/setup.sh installs papi-tools"; exit 77; }
[ -f "$lib" ] || fail "$lib not built"
out=$(papi_native_avail -sde "$lib" 2>&1) || fail "papi_native_avail -sde: $out"
for e in EXAMPLES BATCHES FLOPS BOPS IOPS OPS EXITS_BLOCK_1 EXITS_BLOCK_6; do
    grep -q "sde:::beex::$e " <<<"$out" || fail "sde:::beex::$e not listed"
done
grep -q "examples whose exit answered after this block" <<<"$out" || fail "no descriptions"
echo "test_papi_sde: ok"
