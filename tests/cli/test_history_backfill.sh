#!/usr/bin/env bash
# beex history backfill on a clone of this repository with one more commit that does not
# build: the original HEAD is built and measured ("build": "ok" with counts), the broken one
# recorded as "build": "failed" with its error line, and a second run measures nothing
# (resumable). A --worktree folder that is no worktree is refused. Builds beex once: minutes.
set -u
BEEX=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
# Under the sanitizers (scripts/test.sh's second pass, BEEX_SANITIZED=1) this test would build
# beex again in a clone to exercise the same driver the release pass has just tested: minutes
# of the CI budget for no new coverage of the beex code, which there only drives git and cmake.
if [ "${BEEX_SANITIZED:-0}" = 1 ]; then
    echo "SKIP: the sanitizer pass; this test ran in the release pass (scripts/test.sh)"
    exit 77
fi
for tool in valgrind jq git cmake; do
    command -v $tool >/dev/null || { echo "SKIP: $tool not installed (scripts/setup.sh)"; exit 77; }
done
git -C "$repo" rev-parse --verify -q HEAD >/dev/null 2>&1 ||
    { echo "SKIP: $repo is not a git work tree with a commit"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
bench=forward/w1a1/scalar

git clone -q "$repo" "$tmp/clone" || fail "git clone"
clone=$tmp/clone
orig=$(git -C "$clone" rev-parse HEAD)
echo 'this line is not C;' >>"$clone/harness/cli/main.c"
git -C "$clone" -c user.name=test -c user.email=test@example.com commit -q -am "break the build" ||
    fail "git commit"
broken=$(git -C "$clone" rev-parse HEAD)

"$BEEX" history backfill >/dev/null 2>&1; [ $? = 2 ] || fail "no range must exit 2"
"$BEEX" history backfill HEAD --repo "$clone" --bogus >/dev/null 2>&1; [ $? = 2 ] || fail "an unknown option must exit 2"
mkdir "$tmp/not-a-worktree"
"$BEEX" history backfill HEAD --repo "$clone" --worktree "$tmp/not-a-worktree" \
    --history "$tmp/h.jsonl" --only "$bench" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 1 ] && grep -q "not a worktree" "$tmp/err" || fail "a plain folder as --worktree: exit $rc, $(cat "$tmp/err")"
"$BEEX" history backfill 'nosuchrev..HEAD' --repo "$clone" --history "$tmp/h.jsonl" >/dev/null 2>&1
[ $? = 1 ] || fail "an unknown revision must exit 1"
[ ! -e "$tmp/h.jsonl" ] || fail "a refused backfill wrote the history"

jobs=$(nproc 2>/dev/null || echo 2)
"$BEEX" history backfill HEAD~2..HEAD --repo "$clone" --history "$tmp/h.jsonl" --only "$bench" \
    --jobs "$jobs" >"$tmp/out" 2>"$tmp/err" || fail "backfill: $(cat "$tmp/err")"
[ "$(wc -l <"$tmp/h.jsonl")" = 2 ] || fail "two records expected: $(cat "$tmp/out")"
[ "$(grep -c '^\[' "$tmp/out")" = 2 ] || fail "one progress line per commit expected: $(cat "$tmp/out")"
jq -s -e --arg o "$orig" --arg b "$bench" '.[0] | .commit == $o and .build == "ok"
    and .counts[$b].instructions > 100000 and (.machine.fingerprint | length > 0)
    and (.compiler | length > 0)' "$tmp/h.jsonl" >/dev/null ||
    fail "the original HEAD's record: $(head -1 "$tmp/h.jsonl")"
jq -s -e --arg c "$broken" '.[1] | .commit == $c and .build == "failed" and .subject == "break the build"
    and (.why | test("error")) and (has("counts") | not)' "$tmp/h.jsonl" >/dev/null ||
    fail "the broken commit's record: $(tail -1 "$tmp/h.jsonl")"
[ -f "$clone/build/history-worktree/.git" ] || fail "no scratch worktree in the clone's build/"

# Resumable: every commit is in the history now, so nothing is built or measured.
"$BEEX" history backfill HEAD~2..HEAD --repo "$clone" --history "$tmp/h.jsonl" --only "$bench" \
    >"$tmp/out2" 2>"$tmp/err" || fail "second backfill: $(cat "$tmp/err")"
grep -q "nothing to measure" "$tmp/out2" || fail "the second run should say so: $(cat "$tmp/out2")"
[ "$(wc -l <"$tmp/h.jsonl")" = 2 ] || fail "the second run appended"
echo "ok: history backfill"
