#!/usr/bin/env bash
# One class limit (BEEX_MAX_CLASSES, 256) for every command: beex train and beex init refuse
# more before any work, with the reason, instead of training a model that beex eval and beex
# sweep then refuse (issue 24 item 6).
set -u
beex=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
small=(--d 16 --heads 2 --dff 32 --blocks 2 --max-len 12 --vocab 80 --batch 16 --threads 1 --quiet)

# A task of 300 classes, every split naming all of them.
mkdir "$tmp/many"
for s in train dev test; do
    for i in $(seq 1 300); do printf 'c%d\tword%d and more words\n' "$i" "$i"; done >"$tmp/many/$s.tsv"
done
err=$("$beex" train "$tmp/many" --out "$tmp/m.safetensors" --epochs 1 "${small[@]}" 2>&1)
[ $? -eq 1 ] || fail "train on 300 classes must exit 1: $err"
echo "$err" | grep -q "300 labels, more than 256" || fail "train must give the limit and why: $err"
echo "$err" | grep -q "eval" || fail "train must say why there is a limit: $err"
[ ! -e "$tmp/m.safetensors.last.safetensors" ] || fail "train on 300 classes ran an epoch"

err=$("$beex" init --classes 300 --out "$tmp/i.safetensors" 2>&1)
[ $? -eq 2 ] && echo "$err" | grep -q "256" || fail "init --classes 300 must exit 2 naming 256: $err"
[ ! -e "$tmp/i.safetensors" ] || fail "init --classes 300 wrote a model"
"$beex" init --classes 256 --out "$tmp/i.safetensors" >/dev/null 2>&1 || fail "init --classes 256"
echo "ok"
