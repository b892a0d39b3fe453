#!/usr/bin/env bash
# Outputs that must never be lost or replace the wrong thing (issue 11 items 1, 2, 11): a
# device, FIFO or directory given as an output file is refused before any work and left as it
# was; a symlink is followed (its target replaced, the link kept); standard output that cannot
# be written (full disk, closed) is exit 1 with a message; train --out cannot overwrite the
# task's data.
set -euo pipefail
BEEX=$(realpath "$1")
data=$(realpath "${BEEX_TEST_DATA:-$(dirname "$0")/../data}/train/synth")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
small=(--d 16 --heads 2 --dff 32 --blocks 2 --vocab 60 --max-len 8)

"$BEEX" init --out m.st "${small[@]}" >/dev/null || fail "init"
mkfifo fifo
mkdir adir
if mknod chardev c 1 3 2>/dev/null; then devs=(fifo adir chardev); else devs=(fifo adir); fi
for target in "${devs[@]}"; do
    kind=$(stat -c %F "$target")
    set +e
    "$BEEX" export m.st --precision w1a1 --out "$target" >/dev/null 2>err.txt; r1=$?
    "$BEEX" init --out "$target" "${small[@]}" >/dev/null 2>>err.txt; r2=$?
    "$BEEX" eval m.st "$data" --json "$target" >/dev/null 2>>err.txt; r3=$?
    "$BEEX" train "$data" --out "$target" --epochs 1 "${small[@]}" --quiet >/dev/null 2>>err.txt; r4=$?
    set -e
    [ $r1 = 1 ] && [ $r2 = 1 ] && [ $r3 = 1 ] && [ $r4 = 1 ] ||
        fail "$target ($kind): export $r1, init $r2, eval $r3, train $r4 (want 1 each)"
    [ "$(grep -c -- "$target" err.txt)" -ge 4 ] || { cat err.txt; fail "messages must name $target"; }
    [ "$(stat -c %F "$target")" = "$kind" ] || fail "$target is no longer a $kind"
done
# A missing directory is refused before the work, naming it.
set +e
"$BEEX" eval m.st "$data" --json no/such/dir/e.json >/dev/null 2>err.txt; r=$?
set -e
[ $r = 1 ] && grep -q "no/such/dir" err.txt || fail "missing output directory: rc $r"

# A symlink is followed: the target gets the file, the link stays a link.
mkdir real
ln -s real/model.st link.st
"$BEEX" export m.st --precision w1a1 --out link.st >/dev/null || fail "export through a symlink"
[ -L link.st ] || fail "the symlink was replaced by a file"
[ -s real/model.st ] || fail "the symlink's target was not written"

# train --out must not be one of the task's own files.
mkdir task
cp "$data"/*.tsv task/
before=$(sha256sum task/train.tsv)
set +e
"$BEEX" train task --out task/train.tsv --epochs 1 "${small[@]}" --quiet >/dev/null 2>err.txt; r=$?
set -e
[ $r = 1 ] && grep -q "the task's train.tsv" err.txt || fail "train --out DATASET/train.tsv: rc $r"
[ "$(sha256sum task/train.tsv)" = "$before" ] || fail "train overwrote its own data"

# Standard output that cannot be written is a failure of the command.
set +e
printf 'superb film\nflat plot\n' | "$BEEX" run m.st >/dev/full 2>err.txt; r1=$?
printf 'superb film\n' | "$BEEX" run m.st >&- 2>>err.txt; r2=$?
"$BEEX" variants >/dev/full 2>>err.txt; r3=$?
set -e
[ $r1 = 1 ] && [ $r2 = 1 ] && [ $r3 = 1 ] || fail "unwritable stdout: run $r1, closed $r2, variants $r3"
grep -q "standard output" err.txt || fail "no message about standard output"
# Inputs checked before they are read whole (issue 11 item 11): a FIFO as a model is refused
# at once (no hang), and a 2 GB sparse file whose header does not describe its body is refused
# from its header (the message comes from the header check, which reads a few bytes).
set +e
timeout 20 "$BEEX" run fifo </dev/null >/dev/null 2>err.txt; r1=$?
set -e
[ $r1 = 1 ] && grep -q "not a regular file" err.txt || fail "a FIFO as a model: rc $r1"
cp m.st sparse.st
truncate -s 2G sparse.st
set +e
timeout 60 "$BEEX" export sparse.st --precision w1a1 --out sparse-out.st >/dev/null 2>err.txt; r2=$?
set -e
[ $r2 = 1 ] && grep -q "the tensors span [0-9]* bytes, the body holds" err.txt ||
    { cat err.txt; fail "a 2 GB sparse model: rc $r2"; }
echo "test_outputs: ok"
