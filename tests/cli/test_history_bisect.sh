#!/usr/bin/env bash
# beex history bisect: in a clone of this repository with five commits on top (two neutral, one
# that makes the scalar binary GEMM compute each tile three times with the same bits, two
# neutral), `git bisect run` driven by beex names the planted commit and leaves no bisect state
# and no scratch work tree behind; GOOD and BAD swapped, an unknown or timed bench, and a BAD
# that is not slower are refused with a clear message and their exit status.
# It builds beex in the clone: once in full, then incrementally (one bisect run only).
set -euo pipefail
BEEX=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
# Under the sanitizers (scripts/test.sh's second pass, BEEX_SANITIZED=1) this test would build
# beex again in a clone to exercise the same driver the release pass has just tested: minutes
# of the CI budget for no new coverage of the beex code, which there only drives git and cmake.
if [ "${BEEX_SANITIZED:-0}" = 1 ]; then
    echo "SKIP: the sanitizer pass; this test ran in the release pass (scripts/test.sh)"
    exit 77
fi
command -v git >/dev/null || skip "git not installed"
command -v valgrind >/dev/null || skip "valgrind not installed (scripts/setup.sh)"
command -v cmake >/dev/null || skip "cmake not installed"
src=$(git -C "$here" rev-parse --show-toplevel 2>/dev/null) || skip "$here is not in a git work tree"
[ -f "$src/variants/scalar/bgemm.c" ] || skip "$src is not a beex work tree"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
clone=$tmp/clone
git clone -q "$src" "$clone"
export GIT_AUTHOR_NAME=beex-test GIT_AUTHOR_EMAIL=test@beex.invalid
export GIT_COMMITTER_NAME=beex-test GIT_COMMITTER_EMAIL=test@beex.invalid
neutral() { # $1 = n: a comment in a file no benchmark runs
    echo "/* neutral change $1 */" >>"$clone/harness/cli/cmd_variants.c"
    git -C "$clone" commit -q -am "neutral change $1"
}
neutral 1
neutral 2
# The slowdown: every 2x4 tile of the scalar W1A1 kernel computed three times; the empty asm
# with a memory clobber keeps the compiler from merging the repeats, and each repeat writes
# the same counts, so the result is bit-identical.
perl -0pi -e 's/(\n\s*)(w1a1_tile\(a0, a0 \+ job->a_stride, b, w->chunks, pop\);)/$1for (int rep = 0; rep < 3; rep++) {$1    __asm__ volatile("" ::: "memory");$1    $2$1}/' \
    "$clone/variants/scalar/bgemm.c"
grep -q 'rep < 3' "$clone/variants/scalar/bgemm.c" || fail "the slowdown was not planted (bgemm.c changed?)"
git -C "$clone" commit -q -am "scalar w1a1: each tile three times (the planted slowdown)"
planted=$(git -C "$clone" rev-parse HEAD)
neutral 3
neutral 4
bench=forward/w1a1/scalar
tip=$(git -C "$clone" rev-parse HEAD)
branch=$(git -C "$clone" symbolic-ref HEAD)

# Refusals, before any build.
set +e
"$BEEX" history bisect HEAD HEAD~5 --bench $bench --repo "$clone" >"$tmp/out" 2>"$tmp/err"; rc=$?
set -e
[ $rc = 2 ] || fail "GOOD and BAD swapped: exit $rc, expected 2"
grep -q "not an ancestor" "$tmp/err" || fail "GOOD and BAD swapped: no clear message: $(cat "$tmp/err")"
set +e
"$BEEX" history bisect HEAD~5 HEAD --bench forward/w1a1/nosuch --repo "$clone" >"$tmp/out" 2>"$tmp/err"; rc=$?
set -e
[ $rc = 2 ] || fail "unknown bench: exit $rc, expected 2"
grep -q "forward/w1a1/scalar" "$tmp/err" || fail "unknown bench: the names are not listed"
! grep -q '^ *timed/' "$tmp/err" || fail "the list of counted benches names a timed one"
set +e
"$BEEX" history bisect HEAD~5 HEAD --bench timed/forward/w1a1/scalar --repo "$clone" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ $rc = 2 ] || fail "a timed bench: exit $rc, expected 2"
set +e
"$BEEX" history bisect HEAD~5 HEAD --bench $bench --repo "$tmp" >/dev/null 2>"$tmp/err"; rc=$?
set -e
[ $rc = 2 ] && grep -q "not inside a git work tree" "$tmp/err" || fail "a folder outside git: exit $rc"
[ ! -e "$clone/build/history-bisect-build" ] || fail "a refused bisect created the build folder"

# The bisect: GOOD and BAD measured, then git bisect run with this beex as the step.
set +e
"$BEEX" history bisect HEAD~5 HEAD --bench $bench --repo "$clone" >"$tmp/out" 2>"$tmp/err"; rc=$?
set -e
cat "$tmp/out"
[ $rc = 0 ] || { cat "$tmp/err" >&2; fail "the bisect: exit $rc, expected 0"; }
grep -q "^first bad commit: $planted scalar w1a1: each tile three times" "$tmp/out" ||
    fail "the first bad commit is not the planted $planted"
grep -Eq "^$bench instructions: GOOD HEAD~5 [0-9]+, BAD HEAD [0-9]+ \(\+[0-9.]+ %\)" "$tmp/out" ||
    fail "no good and bad values with the change"
grep -q "^at the first bad commit: " "$tmp/out" || fail "no value at the first bad commit"
grep -q "skipped" "$tmp/err" && fail "a commit was skipped: $(grep skipped "$tmp/err")"
# No bisect state, no scratch work tree, the clone's own checkout untouched.
[ ! -e "$clone/.git/BISECT_LOG" ] || fail "the clone's bisect state was not reset"
[ -z "$(find "$clone/.git" -name BISECT_LOG)" ] || fail "a BISECT_LOG is left"
[ "$(git -C "$clone" worktree list | wc -l)" = 1 ] || fail "a scratch work tree is left: $(git -C "$clone" worktree list)"
[ ! -e "$clone/build/history-bisect-worktree" ] || fail "the scratch work tree folder is left"
[ "$(git -C "$clone" rev-parse HEAD)" = "$tip" ] && [ "$(git -C "$clone" symbolic-ref HEAD)" = "$branch" ] ||
    fail "the clone's HEAD moved"
[ -z "$(git -C "$clone" status --porcelain)" ] || fail "the clone's work tree changed: $(git -C "$clone" status --porcelain)"

# BAD not slower than GOOD (two neutral commits): nothing to bisect, exit 1, said first.
set +e
"$BEEX" history bisect HEAD~5 HEAD~3 --bench $bench --repo "$clone" >"$tmp/out" 2>"$tmp/err"; rc=$?
set -e
[ $rc = 1 ] || { cat "$tmp/err" >&2; fail "BAD not slower: exit $rc, expected 1"; }
grep -q "nothing to bisect" "$tmp/out" || fail "BAD not slower: no 'nothing to bisect'"
[ -z "$(find "$clone/.git" -name BISECT_LOG)" ] && [ "$(git -C "$clone" worktree list | wc -l)" = 1 ] ||
    fail "nothing to bisect left bisect state or a work tree behind"
echo "ok: history bisect"
