#!/usr/bin/env bash
# beex history record: one record per commit and machine in a temporary history, its fields,
# the refusal of a second record without --force, identical instruction counts on every run,
# a binary that refuses everything (its benches go to "absent", exit 0), a malformed history
# (an error naming the line), usage errors (exit 2), --out-record, and the timed path once.
# BEEX_HISTORY_MEASURED names another binary to measure than the one under test: valgrind
# cannot run a sanitizer build, which can still run the command itself.
set -u
BEEX=$(realpath "$1")
measured=$(realpath "${BEEX_HISTORY_MEASURED:-$BEEX}")
repo=$(cd "$(dirname "$0")/../.." && pwd)
command -v valgrind >/dev/null || { echo "SKIP: valgrind not installed (scripts/setup.sh)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq not installed (scripts/setup.sh)"; exit 77; }
git -C "$repo" rev-parse --verify -q HEAD >/dev/null 2>&1 ||
    { echo "SKIP: $repo is not a git work tree with a commit"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
rec() { "$BEEX" history record --repo "$repo" --binary "$measured" --quiet "$@"; }
hist=$tmp/h.jsonl
bench=forward/w1a1/scalar

# Usage errors, before anything is measured.
rec --bogus >/dev/null 2>&1; [ $? = 2 ] || fail "an unknown option must exit 2"
rec --only forward/w9a9/scalar --history "$hist" >/dev/null 2>&1; [ $? = 2 ] || fail "an unknown --only must exit 2"
rec --only timed/forward/w1a1/scalar --history "$hist" >/dev/null 2>&1; [ $? = 2 ] || fail "a timed --only without --timed must exit 2"
rec --binary "$tmp/none" --history "$hist" >/dev/null 2>&1; [ $? = 2 ] || fail "a missing --binary must exit 2"
rec --out-record "$tmp" >/dev/null 2>&1; [ $? = 2 ] || fail "--out-record naming a folder must exit 2"
[ ! -e "$hist" ] || fail "a usage error wrote the history"

# One record, its fields.
rec --only "$bench" --history "$hist" >"$tmp/out" 2>"$tmp/err" || fail "record: $(cat "$tmp/err")"
[ "$(wc -l <"$hist")" = 1 ] || fail "one record expected in $hist"
head=$(git -C "$repo" rev-parse HEAD)
jq -e --arg c "$head" --arg b "$bench" '
    .schema == "beex-history/1" and .commit == $c and .build == "ok"
    and (.commit_date | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"))
    and (.recorded | test("Z$")) and (.subject | type == "string")
    and (.machine.fingerprint | test("^[a-z0-9-]+$")) and (.machine.cpu | length > 0)
    and (.suite_version | startswith("beex ")) and (.valgrind | startswith("valgrind"))
    and (.dirty | type == "boolean")
    and (.counts | keys == [$b]) and .counts[$b].instructions > 100000
    and .counts[$b].d1_misses > 0 and .counts[$b].ll_misses > 0
    and .counts[$b].ll_misses <= .counts[$b].d1_misses
    and .absent == {}' "$hist" >/dev/null || fail "record fields: $(cat "$hist")"
machine=$(jq -r .machine.fingerprint "$hist")

# A second record of the same commit and machine is refused, the history unchanged.
rec --only "$bench" --history "$hist" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q "already has a record" "$tmp/err" || fail "a duplicate: exit $rc, $(cat "$tmp/err")"
[ "$(wc -l <"$hist")" = 1 ] || fail "a refused duplicate changed the history"

# --force twice: the same instruction count each time (the counts are deterministic); the
# simulated cache misses move by a hair with what the caches hold when the pass starts.
rec --only "$bench" --history "$hist" --force >/dev/null 2>&1 || fail "--force"
rec --only "$bench" --history "$hist" --force >/dev/null 2>&1 || fail "--force again"
[ "$(wc -l <"$hist")" = 3 ] || fail "--force twice: 3 records expected"
[ "$(jq -s --arg b "$bench" '[.[].counts[$b].instructions] | unique | length' "$hist")" = 1 ] ||
    fail "instruction counts differ between runs: $(jq -c --arg b "$bench" '.counts[$b]' "$hist")"
jq -s -e --arg b "$bench" '[.[].counts[$b].d1_misses] | (max - min) <= 0.01 * min' "$hist" >/dev/null ||
    fail "D1 misses differ by more than 1 %: $(jq -c --arg b "$bench" '.counts[$b]' "$hist")"

# The default history is REPO/results/history/<machine>.jsonl: not written here (--history).
# A kernel family from the same run, inside the forward pass only, to --out-record.
rec --only kernel/bgemm/w1a1/scalar --out-record "$tmp/k.json" >/dev/null 2>&1 || fail "kernel record"
[ "$(wc -l <"$hist")" = 3 ] || fail "--out-record appended to the history"
fwd=$(jq -s --arg b "$bench" '.[0].counts[$b].instructions' "$hist")
jq -e --argjson f "$fwd" '.counts["kernel/bgemm/w1a1/scalar"].instructions as $k
    | $k > 0 and $k < $f' "$tmp/k.json" >/dev/null || fail "bgemm's share: $(cat "$tmp/k.json")"

# A binary that fails every command: its benches are absent with its own words; exit 0.
printf '#!/bin/sh\necho "beex: this old build knows no such thing" >&2\nexit 2\n' >"$tmp/old-beex"
chmod +x "$tmp/old-beex"
rec --binary "$tmp/old-beex" --only "$bench" --history "$tmp/old.jsonl" >/dev/null 2>"$tmp/err" ||
    fail "an old binary: $(cat "$tmp/err")"
jq -e --arg b "$bench" '.counts == {} and (.absent[$b] | test("knows no such thing"))' \
    "$tmp/old.jsonl" >/dev/null || fail "old binary record: $(cat "$tmp/old.jsonl")"

# A malformed history is an error naming the file and line, before any measuring.
{ head -1 "$hist"; echo '{"schema": "beex-history/1", "commit": '; } >"$tmp/bad.jsonl"
rec --only "$bench" --history "$tmp/bad.jsonl" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q "bad.jsonl:2" "$tmp/err" || fail "a malformed history: exit $rc, $(cat "$tmp/err")"

# The timed path once, on a tiny case: structure only, never speed.
rec --timed --reps 3 --only timed/gemm/w1a1/scalar/64x256x768 --out-record "$tmp/t.json" \
    >/dev/null 2>"$tmp/err" || fail "timed record: $(cat "$tmp/err")"
jq -e '.timed["timed/gemm/w1a1/scalar/64x256x768"] | (.reps | length) == 3 and .median > 0
    and .median >= (.reps | min) and .median <= (.reps | max)' "$tmp/t.json" >/dev/null ||
    fail "timed record: $(cat "$tmp/t.json")"
echo "ok: history record ($machine)"
