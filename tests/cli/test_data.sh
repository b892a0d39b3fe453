#!/usr/bin/env bash
# `beex data stats` and `beex data prepare` end to end: counts, percentiles, coverage, JSON,
# exit codes for bad input and bad usage, prepare on a generated package layout.
set -euo pipefail
beex=$1
data=${BEEX_TEST_DATA:?BEEX_TEST_DATA not set}/text
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$beex" data stats "$data/good" --vocab 16 --json "$tmp/s.json")
echo "$out"
echo "$out" | grep -q '^train *4 *2 *2 ' || fail "train counts"
echo "$out" | grep -q '^dev .*in-vocab' || fail "dev coverage missing"
grep -q '"p99"' "$tmp/s.json" || fail "json percentiles"
grep -q '"vocab_coverage"' "$tmp/s.json" || fail "json coverage"

# Malformed data: exit 1 with file:line in the message.
set +e
msg=$("$beex" data stats "$data/notab" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] || fail "notab exit $rc"
echo "$msg" | grep -q 'notab/dev.tsv:2: no tab' || fail "notab message: $msg"
set +e
# 4294967298 narrowed to int is 2: a parser that range-checks after the cast accepts it.
"$beex" data stats "$data/good" --vocab 4294967298 >/dev/null 2>&1 && fail "--vocab 2^32+2 accepted"
"$beex" data stats "$data/good" --bogus >/dev/null 2>&1; rc=$?
"$beex" data stats >/dev/null 2>&1; rc2=$?
"$beex" data prepare nosuchtask "$tmp" "$tmp/o" >/dev/null 2>&1; rc3=$?
"$beex" data prepare mr "$tmp/missing" "$tmp/o" >/dev/null 2>&1; rc4=$?
set -e
[ $rc -eq 2 ] && [ $rc2 -eq 2 ] && [ $rc3 -eq 2 ] && [ $rc4 -eq 1 ] || fail "exit codes $rc $rc2 $rc3 $rc4"
"$beex" data stats --help | grep -q -- '--vocab' || fail "help"
[ ! -e "$tmp/o/train.tsv" ] || fail "half-written output after an error"

# prepare mr from a generated python3-pattern layout: 200 records with quotes and newlines.
corp="$tmp/raw/usr/share/doc/python3-pattern/test/corpora"
mkdir -p "$corp"
awk 'BEGIN { printf "\357\273\277"; for (i = 0; i < 200; i++)
     printf "\"%d\",\"review %d says \"\"%s\"\"\nsecond\tline \"\r\n", i % 2 ? 1 : -1, i, i % 2 ? "good" : "bad" }' \
    >"$corp/polarity-en-pang&lee2.csv"
"$beex" data prepare mr "$tmp/raw" "$tmp/mr" >"$tmp/prep.log"
cat "$tmp/prep.log"
[ "$(cat "$tmp/mr/labels.txt")" = "$(printf 'neg\npos')" ] || fail "labels.txt"
[ "$(cat "$tmp/mr"/{train,dev,test}.tsv | wc -l)" -eq 200 ] || fail "200 examples expected"
grep -q $'^pos\treview 1 says "good" second line$' "$tmp/mr"/*.tsv || fail "text cleaning"
[ "$(cat "$tmp/mr"/*.tsv | awk -F'\t' 'NF != 2' | wc -l)" -eq 0 ] || fail "one tab per line"
"$beex" data stats "$tmp/mr" | grep -q '2 classes' || fail "stats on prepared output"
# Same input, same bytes.
"$beex" data prepare mr "$tmp/raw" "$tmp/mr2" >/dev/null
cmp "$tmp/mr/train.tsv" "$tmp/mr2/train.tsv" || fail "prepare is not deterministic"
# labels.txt with names and integer labels in the TSVs (datasets/README.md's own layout):
# integers index labels.txt's lines; with integer names too, an unknown integer is ambiguous
# and the message names both files (issue 11 item 9).
mkdir -p "$tmp/named" "$tmp/numeric"
printf 'neg\npos\n' >"$tmp/named/labels.txt"
printf -- '-1\n1\n' >"$tmp/numeric/labels.txt"
for s in train dev test; do
    printf '0\tbad film\n1\tgood film\n0\tawful\n1\tgreat\n1\tfine\n' >"$tmp/named/$s.tsv"
    cp "$tmp/named/$s.tsv" "$tmp/numeric/$s.tsv"
done
out=$("$beex" data stats "$tmp/named") || fail "labels.txt names with integer TSV labels"
echo "$out" | grep -Eq '^train +5 +2 +3' || fail "integer labels should index labels.txt: $out"
err=$("$beex" data stats "$tmp/numeric" 2>&1) && fail "ambiguous integer labels accepted"
echo "$err" | grep -q "numeric/train.tsv:1" && echo "$err" | grep -q "numeric/labels.txt" ||
    fail "the ambiguity message must name both files: $err"
echo "test_data: ok"
