#!/usr/bin/env bash
# One rule and one message per option family across commands (issue 11, consistency): every
# command takes --threads in [1, 256] with the same message; comma lists refuse empty fields;
# values accepted silently before are refused with the accepted range; variant lists follow one
# rule (issue 16).
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
expect 2 "/nonexistent.json: cannot open" "$BEEX" compare /nonexistent.json /nonexistent.json
echo junk >bad.st
expect 1 "bad.st: truncated file" "$BEEX" export bad.st --precision w1a1 --out o.st
expect 1 "bad.st: truncated file" "$BEEX" run bad.st
# Inputs treated alike everywhere: a NUL in `run` text is an error naming the line (as in the
# data set reader); a bad --ids line still leaves the earlier lines' results; blank lines in a
# TSV are skipped wherever they are; a model whose vocabulary repeats a token is refused.
"$BEEX" init --out m.st --d 16 --heads 2 --dff 32 --blocks 2 --vocab 40 --max-len 8 >/dev/null
set +e
printf 'w3 w4\nw5\000 w6\nw7\n' | "$BEEX" run m.st >out.txt 2>err.txt; rc=$?
set -e
[ $rc = 1 ] && grep -q "line 2: NUL byte" err.txt || fail "NUL in run text: rc $rc"
set +e
printf '3 4\n5 6\nx\n7\n' | "$BEEX" run m.st --ids --batch 8 >out.txt 2>err.txt; rc=$?
set -e
[ $rc = 1 ] && [ "$(wc -l <out.txt)" = 2 ] || fail "bad --ids line: rc $rc, $(wc -l <out.txt) lines kept (want 2)"
mkdir blank
printf 'neg\tbad\n\npos\tgood\n' >blank/train.tsv
printf 'neg\tbad\npos\tgood\n\n' >blank/dev.tsv
printf '\r\nneg\tbad\r\npos\tgood\r\n' >blank/test.tsv
"$BEEX" data stats blank | grep -Eq '^train +2 +1 +1' || fail "blank lines should be skipped everywhere"
# Duplicate the vocabulary's last token in the metadata (same length, so offsets stay valid).
hlen=$(od -An -t u8 -N8 m.st | tr -d ' ')
dd if=m.st bs=1 skip=8 count="$hlen" 2>/dev/null >hdr.json
jq -e '.__metadata__.vocab | test("\nw38\nw39$")' hdr.json >/dev/null || fail "unexpected init vocabulary"
perl -pe 's/\\nw38\\nw39(\\n)?"/\\nw38\\nw38$1"/' hdr.json >hdr2.json
[ "$(stat -c %s hdr2.json)" = "$hlen" ] && ! cmp -s hdr.json hdr2.json || fail "could not doctor the header"
cp m.st dup.st
dd if=hdr2.json of=dup.st bs=1 seek=8 conv=notrunc 2>/dev/null
expect 1 "vocabulary token 'w38' appears twice" "$BEEX" run dup.st
# Variant lists (issue 16): one parser and one rule in bench gemm, bench model and sweep. A
# variant named explicitly that this CPU lacks is an error naming it and why, never skipped;
# an unknown or repeated name too; "all" means every available one.
# The first variant the program itself reports unavailable (uname -m would name the host of an
# emulated arm64 build).
missing=$("$BEEX" variants | awk '$2 ~ /^unavailable/ { print $1; exit }')
[ -n "$missing" ] || fail "no unavailable variant listed by beex variants"
for cmd in "bench gemm --variant" "bench model --variants" "sweep m t --variants"; do
    read -ra c <<<"$cmd"
    expect 2 "variant $missing is not available here: ." "$BEEX" "${c[@]}" "scalar,$missing"
    expect 2 "unknown variant 'sse9'" "$BEEX" "${c[@]}" sse9
    expect 2 "variant scalar is listed twice" "$BEEX" "${c[@]}" scalar,scalar
    expect 2 "needs 'all' or a comma list of" "$BEEX" "${c[@]}" scalar,
done
# "all" is accepted by each: the error is the later option's.
expect 2 "reps needs an integer" "$BEEX" bench gemm --variant all --reps 0
expect 2 "min-reps needs an integer" "$BEEX" bench model --variants all --min-reps 0
expect 2 "resamples needs an integer" "$BEEX" sweep m t --variants all --resamples 100
# CLI habits (issue 15): --version / -V, `beex help CMD`, a command group alone.
"$BEEX" --version | grep -q '^beex [0-9a-f]\{7,\}\|^beex unknown' || fail "--version"
[ "$("$BEEX" -V)" = "$("$BEEX" --version)" ] || fail "-V differs from --version"
cmp <("$BEEX" help sweep) <("$BEEX" sweep --help) || fail "beex help sweep != beex sweep --help"
cmp <("$BEEX" help bench model) <("$BEEX" bench model --help) || fail "beex help bench model"
expect 2 "bench gemm" "$BEEX" bench
"$BEEX" --help | grep -q "Exit status" || fail "the exit codes are not documented in --help"
echo "test_options: ok"
