#!/usr/bin/env bash
# An output option never names one of the command's inputs (issue 24 item 8): export --out,
# data stats --json, eval --json and train --out (and its .last / .state files) equal to the
# checkpoint, a task file, --init or --glove, directly or through a symlink, exit 1 before any
# work, naming both, and leave the input as it was.
set -u
beex=$1
data=${BEEX_TEST_DATA:-$(dirname "$0")/../data}/train/synth
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
small=(--d 16 --heads 2 --dff 32 --blocks 2 --max-len 12 --vocab 80 --batch 16 --threads 1 --quiet)
cp -r "$data" "$tmp/task"
cp "$tmp/task/train.tsv" "$tmp/train.keep"
"$beex" train "$tmp/task" --out "$tmp/ck.st" --epochs 1 "${small[@]}" || fail "training run"
cp "$tmp/ck.st" "$tmp/ck.keep"
ln -s ck.st "$tmp/link.st"

# refused NAME INPUT KEEP CMD...: exit 1, a message naming both paths, INPUT unchanged.
refused() {
    local name=$1 input=$2 keep=$3
    shift 3
    local err
    err=$("$@" 2>&1 >/dev/null)
    [ $? -eq 1 ] || fail "$name: must exit 1 ($err)"
    echo "$err" | grep -qF "$input" || fail "$name: message must name $input: $err"
    cmp -s "$input" "$keep" || fail "$name replaced its input $input"
}
refused "export --out the checkpoint" "$tmp/ck.st" "$tmp/ck.keep" \
    "$beex" export "$tmp/ck.st" --precision w1a1 --out "$tmp/ck.st"
refused "export --out a link to the checkpoint" "$tmp/ck.st" "$tmp/ck.keep" \
    "$beex" export "$tmp/ck.st" --precision w1a1 --out "$tmp/link.st"
refused "data stats --json train.tsv" "$tmp/task/train.tsv" "$tmp/train.keep" \
    "$beex" data stats "$tmp/task" --json "$tmp/task/train.tsv"
refused "eval --json the model" "$tmp/ck.st" "$tmp/ck.keep" \
    "$beex" eval "$tmp/ck.st" "$tmp/task" --json "$tmp/ck.st"
refused "eval --json train.tsv" "$tmp/task/train.tsv" "$tmp/train.keep" \
    "$beex" eval "$tmp/ck.st" "$tmp/task" --json "$tmp/task/train.tsv"
refused "train --out the --init checkpoint" "$tmp/ck.st" "$tmp/ck.keep" \
    "$beex" train "$tmp/task" --init "$tmp/ck.st" --out "$tmp/link.st" --epochs 1 "${small[@]}"
cp "$tmp/ck.st" "$tmp/x.st.last.safetensors"
refused "train --out whose .last file is --init" "$tmp/x.st.last.safetensors" "$tmp/ck.keep" \
    "$beex" train "$tmp/task" --init "$tmp/x.st.last.safetensors" --out "$tmp/x.st" --epochs 1 \
    "${small[@]}"
[ ! -e "$tmp/x.st" ] || fail "a refused train run wrote its model"

# A different output still works.
"$beex" export "$tmp/ck.st" --precision w1a1 --out "$tmp/dep.st" >/dev/null || fail "export"
echo "ok"
