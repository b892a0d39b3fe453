#!/usr/bin/env bash
# One rule and one message per option family across commands (issue 11, consistency): every
# command takes --threads in [1, 256] with the same message; comma lists refuse empty fields;
# values accepted silently before are refused with the accepted range.
set -euo pipefail
BEEX=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() { # STATUS PATTERN COMMAND...: the command exits STATUS and says PATTERN exactly once
    local want=$1 pat=$2 rc
    shift 2
    set +e
    "$@" >/dev/null 2>err.txt
    rc=$?
    set -e
    [ "$rc" = "$want" ] || fail "$* exited $rc, want $want: $(cat err.txt)"
    [ "$(grep -c -- "$pat" err.txt)" = 1 ] || fail "$*: want one line matching '$pat', got: $(cat err.txt)"
}
for v in 0 1000 1,,2; do
    expect 2 "threads needs an integer in \[1, 256\], got '$v'" "$BEEX" run m --threads "$v"
    expect 2 "threads needs an integer in \[1, 256\], got '$v'" "$BEEX" eval m t --threads "$v"
    expect 2 "threads needs an integer in \[1, 256\], got '$v'" "$BEEX" train t --out x --threads "$v"
    expect 2 "integers in \[1, 256\], got '$v'" "$BEEX" sweep m t --threads "$v"
    expect 2 "integers in \[1, 256\], got '$v'" "$BEEX" bench gemm --threads "$v"
done
expect 2 "bad threads '0'" "$BEEX" bench model --threads 0
expect 2 "empty field" "$BEEX" bench model --threads 1,,2
expect 2 "compaction-batch needs an integer in \[1, " "$BEEX" bench model --compaction-batch 0
expect 2 "min-reps 5 exceeds --max-reps 2" "$BEEX" bench model --min-reps 5 --max-reps 2
expect 2 "tokens needs an integer in \[1, 128\]" "$BEEX" bench model --tokens 100000
expect 2 "bad --shapes '8x8x8,'" "$BEEX" bench gemm --shapes 8x8x8,
expect 2 "lr needs (0, 1), got '1'" "$BEEX" train t --out x --lr 1
expect 2 "every exit weight 0" "$BEEX" train t --out x --loss-weights 0,0
expect 2 "empty field" "$BEEX" train t --out x --loss-weights 1,,2
expect 2 "resamples needs an integer in \[2000, " "$BEEX" sweep m t --resamples 100
expect 2 "resamples needs an integer in \[2000, " "$BEEX" eval m t --resamples 100
expect 2 "/nonexistent.json: cannot read" "$BEEX" compare /nonexistent.json /nonexistent.json
echo junk >bad.st
expect 1 "bad.st: truncated file" "$BEEX" export bad.st --precision w1a1 --out o.st
expect 1 "bad.st: truncated file" "$BEEX" run bad.st
echo "test_options: ok"
