#!/bin/bash
# A full disk: every writer fails with a clear message and a non-zero exit, and leaves neither
# a half-written file nor its temporary behind. Needs root to mount a tiny tmpfs; without it
# the test is skipped with that reason.
set -u
BEEX=${1:?usage: test_full_disk.sh path/to/beex}
dir=$(mktemp -d)
full=$dir/full
mkdir -p "$full"
cleanup() { umount "$full" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

if ! mount -t tmpfs -o size=8k tmpfs "$full" 2>"$dir/mount.err"; then
    echo "SKIP: cannot mount a small tmpfs to fill ($(cat "$dir/mount.err"))"
    exit 77
fi
head -c 6000 /dev/zero >"$full/filler" 2>/dev/null || true

expect_clean_failure() { # name, then the command
    local name=$1
    shift
    "$@" >/dev/null 2>"$dir/err"
    local rc=$?
    [ $rc -ne 0 ] || fail "$name: succeeded on a full disk"
    [ $rc -lt 128 ] || fail "$name: crashed (status $rc)"
    grep -qi "no space\|write failed\|cannot" "$dir/err" || fail "$name: unclear message: $(cat "$dir/err")"
    ls "$full" | grep -v '^filler$' | grep -q . && fail "$name: left $(ls "$full" | tr '\n' ' ')"
    return 0
}

expect_clean_failure "bench gemm --json" "$BEEX" bench gemm --quick --reps 3 --threads 1 \
    --variant scalar --no-libxsmm --json "$full/bench.json"
expect_clean_failure "init" "$BEEX" init --out "$full/model.safetensors" --seed 3
"$BEEX" init --out "$dir/model.safetensors" --seed 3 >/dev/null || fail "init to a normal disk"
expect_clean_failure "export" "$BEEX" export "$dir/model.safetensors" --precision w1a1 \
    --out "$full/model-w1a1.safetensors"
echo "ok"
