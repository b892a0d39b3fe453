#!/usr/bin/env bash
# Small hostile inputs (issue 24 item 13): labels.txt read as strictly as the TSVs (byte order
# mark, NUL, invalid UTF-8, FIFO, directory, size cap), invalid UTF-8 on `beex run`'s standard
# input, the GloVe JSON with any JSON whitespace and only numbers in its vectors, a forced
# variant the CPU lacks blocking only the commands that run kernels, `compare` on a full
# standard output, an empty sweep shard and empty path options refused before any work, and
# option messages without doubled dashes or wrapped counts. Every refusal names the file or the
# option; exit 1 for bad input, 2 for a usage error (`compare`: 2 for anything but a verdict).
# The readers that could block (a FIFO) run under `timeout`, so a regression fails, not hangs.
set -u
BEEX=$(realpath "${1:?usage: test_small_inputs.sh path/to/beex}")
data=$(realpath "${BEEX_TEST_DATA:-$(dirname "$0")/../data}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect STATUS PATTERN CMD...: CMD exits STATUS and its standard error matches PATTERN
# (an extended regular expression). Standard input is the caller's.
expect() {
    local want=$1 pat=$2
    shift 2
    timeout 60 "$@" >out.txt 2>err.txt
    local rc=$?
    [ "$rc" = "$want" ] || fail "$*: exit $rc, expected $want; stderr: $(head -c 400 err.txt)"
    grep -Eq -- "$pat" err.txt || fail "$*: stderr lacks /$pat/: $(head -c 400 err.txt)"
}

# A two-class task whose labels are named by labels.txt.
task() { # DIR
    mkdir -p "$1"
    for s in train dev test; do
        printf 'neg\tthe film is dull\npos\tthe film is good\nneg\tawful film\npos\tgreat\n' >"$1/$s.tsv"
    done
}

# --- 1. labels.txt: the TSV reader's checks, opened as a regular file of at most 16 MiB
task bom && printf '\357\273\277neg\npos\n' >bom/labels.txt
"$BEEX" data stats bom >out.txt 2>err.txt || fail "labels.txt with a byte order mark: $(cat err.txt)"
grep -q '2 classes' out.txt || fail "labels.txt with a BOM: $(head -1 out.txt)"
task nul && printf 'neg\npos\000junk\n' >nul/labels.txt
expect 1 'nul/labels.txt:2: NUL byte' "$BEEX" data stats nul
task utf && printf 'neg\npo\377s\n' >utf/labels.txt
expect 1 'utf/labels.txt:2: invalid UTF-8 at byte 3' "$BEEX" data stats utf
task fifo && mkfifo fifo/labels.txt
expect 1 'fifo/labels.txt: is a FIFO' "$BEEX" data stats fifo
task dir && mkdir dir/labels.txt
expect 1 'dir/labels.txt: is a directory' "$BEEX" data stats dir
task big && printf 'neg\npos\n' >big/labels.txt && truncate -s 17M big/labels.txt
expect 1 'big/labels.txt: [0-9]+ bytes, more than' "$BEEX" data stats big
task absent
"$BEEX" data stats absent >/dev/null 2>err.txt || fail "no labels.txt must be fine: $(cat err.txt)"

# --- 2. beex run: invalid UTF-8 on standard input, refused with its line; earlier lines run
"$BEEX" init --out m.safetensors --seed 3 --vocab 120 --d 32 --heads 2 --dff 64 --blocks 3 \
    --max-len 24 --labels neg,pos >/dev/null || fail "init"
printf 'w2 w3\ngood \303(film\n' >text.in
expect 1 'standard input line 2: invalid UTF-8 at byte 6' "$BEEX" run m.safetensors --threads 1 <text.in
[ "$(wc -l <out.txt)" = 1 ] || fail "run: the line before the invalid one must still run"
printf '5 6\n\355\240\200 7\n' >ids.in # an encoded surrogate: not UTF-8
expect 1 'standard input line 2: invalid UTF-8 at byte 1' "$BEEX" run m.safetensors --ids \
    --threads 1 <ids.in

# --- 3. GloVe: any JSON whitespace; vectors of numbers only, of the right length
mini=$data/text/glove-mini.json
sed -e 's/":/" :\t/g' -e 's/,/ ,\n  /g' -e 's/\[/[ /g' -e 's/{/{\r\n /g' -e 's/\]/\n]/g' \
    "$mini" >spaced.json
synth=$data/train/synth
tiny=(--d 100 --heads 2 --dff 32 --blocks 1 --max-len 8 --vocab 40 --epochs 1 --threads 1)
"$BEEX" train "$synth" --out g.st "${tiny[@]}" --glove spaced.json --glove-words 3 \
    >out.txt 2>err.txt || fail "GloVe JSON with whitespace: $(cat err.txt)"
grep -q 'vocabulary 40 training words + 1 GloVe words' err.txt out.txt ||
    fail "GloVe words of the spaced file: $(cat err.txt)"
grep -q 'GloVe vectors for 3 of 41' err.txt out.txt || fail "GloVe vectors of the spaced file"
task gtask
"$BEEX" data stats gtask --glove spaced.json >out.txt 2>err.txt || fail "data stats --glove spaced"
grep -q 'glove: 2 of' out.txt || fail "data stats --glove: $(cat out.txt)"
# One entry of "the"'s vector (its 5th, 1.004 in the fixture) replaced by a bad value.
bad_entry() { # FILE VALUE
    sed "s/\"the\":\[1,1.001,1.002,1.003,1.004,/\"the\":[1,1.001,1.002,1.003,$2,/" "$mini" >"$1"
    cmp -s "$mini" "$1" && fail "the fixture changed: $1 is not a modified copy"
}
bad_entry str.json '"x"'
expect 1 "str.json: bad vector for 'the' at byte [0-9]+: entry 5 is not a number" \
    "$BEEX" data stats gtask --glove str.json
bad_entry null.json null
expect 1 "null.json: bad vector for 'the'.*entry 5 is not a number" \
    "$BEEX" data stats gtask --glove null.json
bad_entry huge.json 1e39
expect 1 "huge.json: bad vector for 'the'.*entry 5 is out of float range" \
    "$BEEX" data stats gtask --glove huge.json
sed 's/"the":\[1,/"the":[/' "$mini" >short.json
expect 1 "short.json: bad vector for 'the'.*101 entries, expected 100" \
    "$BEEX" data stats gtask --glove short.json
mkfifo glove.fifo
expect 1 'glove.fifo: is a FIFO' "$BEEX" data stats gtask --glove glove.fifo
expect 1 'missing.json: cannot open.*glove.sh' "$BEEX" data stats gtask --glove missing.json

# --- 4. a forced variant this CPU lacks: commands without kernels run, the others refuse
missing=$("$BEEX" variants | awk '$2 ~ /^unavailable/ { print $1; exit }')
# A shard of a sweep for merge (traced before BEEX_ISA is set), two results files for compare.
mkdir stask
for s in train dev test; do
    printf '0\tw2 w3\n1\tw4 w5\n0\tw6\n1\tw7 w8 w9\n' >stask/$s.tsv
done
"$BEEX" init --out s.safetensors --seed 3 --vocab 120 --d 32 --heads 2 --dff 64 --blocks 3 \
    --max-len 24 --labels 0,1 >/dev/null || fail "init"
"$BEEX" sweep s.safetensors stask --shard 0/1 --out shard0 --threads 1 >/dev/null 2>err.txt ||
    fail "sweep --shard 0/1: $(cat err.txt)"
printf '{"benchmarks": [{"name": "f/scalar", "instructions": 1000}]}\n' >a.json
if [ -n "$missing" ]; then
    export BEEX_ISA=$missing
    "$BEEX" help >/dev/null 2>err.txt || fail "BEEX_ISA=$missing beex help: $(cat err.txt)"
    "$BEEX" help sweep >/dev/null 2>err.txt || fail "BEEX_ISA=$missing beex help sweep"
    "$BEEX" sweep --help >/dev/null 2>err.txt || fail "BEEX_ISA=$missing beex sweep --help"
    "$BEEX" compare a.json a.json >/dev/null 2>err.txt || fail "BEEX_ISA=$missing compare: $(cat err.txt)"
    "$BEEX" merge --out merged shard0 >/dev/null 2>err.txt || fail "BEEX_ISA=$missing merge: $(cat err.txt)"
    "$BEEX" data stats stask >/dev/null 2>err.txt || fail "BEEX_ISA=$missing data stats"
    # variants lists it, says why, and answers 2 (scripts ask it whether a variant runs here).
    expect 2 "BEEX_ISA=$missing: variant not usable here" "$BEEX" variants
    grep -Eq "^  $missing +unavailable: " out.txt || fail "variants: $missing not listed unavailable"
    grep -q "forced: BEEX_ISA=$missing: variant not usable here" out.txt ||
        fail "variants: the forced variant is not shown: $(head -1 out.txt)"
    grep -q '^  bgemm ' out.txt || fail "variants: the families are not listed"
    # Commands that run kernels refuse before any work: no run folder appears.
    expect 2 "beex sweep: BEEX_ISA=$missing: variant not usable here" \
        "$BEEX" sweep s.safetensors stask --out refused --threads 1
    [ ! -e refused ] || fail "BEEX_ISA=$missing sweep left a folder"
    expect 2 "beex run: BEEX_ISA=$missing" "$BEEX" run s.safetensors </dev/null
    expect 2 "beex train: BEEX_ISA=$missing" "$BEEX" train "$synth" --out t.st "${tiny[@]}"
    [ ! -e t.st ] || fail "BEEX_ISA=$missing train wrote a model"
    unset BEEX_ISA
else
    echo "note: every variant runs here; the forced-variant checks are skipped"
fi

# --- 5. compare: a standard output that cannot be written is exit 2, not 1 ("regression")
if [ -c /dev/full ]; then
    "$BEEX" compare a.json a.json >/dev/full 2>err.txt
    rc=$?
    [ $rc = 2 ] || fail "compare >/dev/full: exit $rc, expected 2"
    grep -q 'cannot write standard output' err.txt || fail "compare >/dev/full: $(cat err.txt)"
fi

# --- 6. a shard with no example: refused at the start, naming --shard
# stask has 4 dev and 4 test examples: shard 0 of 5 would hold none.
expect 2 'beex sweep: --shard 0/5: this shard holds no dev example \(dev.tsv has 4; give at most 4 shards\)' \
    "$BEEX" sweep s.safetensors stask --shard 0/5 --out empty --threads 1
[ ! -e empty ] || fail "an empty shard left a folder"
grep -q 'trace dev' err.txt && fail "an empty shard was traced before it was refused"

# --- 7. empty path options, huge counts, option names in messages
expect 2 "beex sweep: --out needs a folder name, got ''" "$BEEX" sweep s.safetensors stask --out '' --no-timed
grep -q 'trace dev' err.txt && fail "sweep --out '' ran the trace before refusing"
expect 2 "beex sweep: --trace needs a folder name, got ''" "$BEEX" sweep s.safetensors stask --trace ''
# 4294967298 read as an int is 2: it must not pass for --shard 0/2.
expect 2 "beex sweep: --shard wants i/n .*got '0/4294967298'" \
    "$BEEX" sweep s.safetensors stask --shard 0/4294967298 --out wrapped
[ ! -e wrapped ] || fail "--shard 0/4294967298 ran as another shard count"
expect 2 "beex sweep: --shard wants" "$BEEX" sweep s.safetensors stask --shard +0/2
expect 2 'beex bench train: --json: empty output file name' "$BEEX" bench train --json ''
expect 2 "beex bench train: --batch needs an integer" "$BEEX" bench train --batch 0
expect 2 "beex bench train: --min-time needs seconds in \(0, 3600\], got '5000'" \
    "$BEEX" bench train --min-time 5000
for opt in --json --batch --threads --steps --reps --min-time; do
    "$BEEX" bench train "$opt" '' >/dev/null 2>err.txt
    [ -s err.txt ] || fail "bench train $opt '': no message"
    grep -q -- '---' err.txt && fail "bench train $opt '': a doubled dash: $(cat err.txt)"
done
# A shard document claiming 2^31 + 2 shards: the count is printed as recorded, not wrapped.
sed -E 's/"n": 1(,?)$/"n": 2147483650\1/' shard0/shard-0-of-1.json >huge.json
cmp -s huge.json shard0/shard-0-of-1.json && fail "the shard document has no \"n\": 1"
cp huge.json shard0/shard-0-of-1.json
expect 1 'the sweep has 2147483650 shards, 1 given' "$BEEX" merge --out merged2 shard0
echo "ok"
