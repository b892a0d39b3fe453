#!/usr/bin/env bash
# scripts/check_models.sh, which tells the main job whether this machine trained the models
# results/models.sha256 records: yes when every file matches, NO (exit 1) naming each file
# that differs, is missing or is not recorded; and the committed record names the main job's
# two default models with well-formed sums.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
check=$root/scripts/check_models.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$tmp" || exit 1
mkdir models
printf 'twin' >models/a.st
printf 'bat' >models/b.st
sha256sum models/a.st models/b.st >rec
out=$(bash "$check" rec models/a.st models/b.st) || fail "matching files: $out"
[[ $out == yes* ]] || fail "matching files must say yes: $out"
printf 'bat!' >models/b.st
out=$(bash "$check" rec models/a.st models/b.st) && fail "a changed file must exit 1"
[[ $out == NO* && $out == *models/b.st* && $out != *models/a.st:* ]] || fail "must name only b: $out"
out=$(bash "$check" rec models/a.st models/c.st) && fail "an unrecorded file must exit 1"
[[ $out == *"models/c.st: not in rec"* ]] || fail "unrecorded: $out"
rm models/a.st
out=$(bash "$check" rec models/a.st) && fail "a missing file must exit 1"
[[ $out == *"models/a.st: missing"* ]] || fail "missing: $out"
out=$(bash "$check" no-such-record models/b.st) && fail "a missing record must exit 1"

rec=$root/results/models.sha256
[ -r "$rec" ] || fail "results/models.sha256 missing"
for m in models/mr-w1a1.twin-fp32.safetensors models/mr-w1a1.safetensors; do
    grep -Eq "^[0-9a-f]{64}  $m\$" "$rec" || fail "$rec has no well-formed line for $m"
done
echo "check_models.sh: yes, NO (changed, unrecorded, missing) and the committed record checked"
