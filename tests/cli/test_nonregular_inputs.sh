#!/usr/bin/env bash
# Inputs that are not regular files, or larger than their reader's ceiling (issue 24 item 12):
# a FIFO, /dev/zero or a directory where a file is expected, for every reader (task files,
# labels.txt, --recipe, --trace CSVs, compare and merge inputs, data prepare sources, GloVe),
# exits 1 at once naming the path, instead of blocking on the FIFO or reading until memory runs
# out. Every command runs under `timeout` so a regression fails here instead of hanging CI.
set -euo pipefail
BEEX=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
# refused WHAT PATTERN CMD...: CMD must exit $want (1 unless set) within 30 s with PATTERN on
# stderr.
refused() {
    local what=$1 pat=$2 rc
    shift 2
    set +e
    timeout 30 "$@" >/dev/null 2>err.txt </dev/null
    rc=$?
    set -e
    [ $rc = 124 ] && fail "$what: still running after 30 s (blocked on the input?)"
    [ $rc = "${want:-1}" ] && grep -qF -- "$pat" err.txt || { cat err.txt; fail "$what: rc $rc"; }
}

"$BEEX" init --out m.safetensors --seed 3 --vocab 40 --d 16 --heads 2 --dff 32 --blocks 2 \
    --max-len 12 --labels 0,1 >/dev/null
mkdir task
for s in train dev test; do
    awk -v seed="${#s}" 'BEGIN { srand(seed); for (i = 0; i < 24; i++) { t = "";
        k = 2 + int(rand() * 8); for (j = 0; j < k; j++) t = t " w" (2 + int(rand() * 38));
        print int(rand() * 2) "\t" t } }' >task/$s.tsv
done
small=(--d 16 --heads 2 --dff 32 --blocks 2 --max-len 12 --vocab 40 --batch 8 --threads 1
    --epochs 1 --quiet)

# Task files: a FIFO and /dev/zero as train.tsv, a directory as test.tsv.
cp -r task fifo_task && rm fifo_task/train.tsv && mkfifo fifo_task/train.tsv
refused "a FIFO train.tsv" "fifo_task/train.tsv: is a FIFO" \
    "$BEEX" train fifo_task --out a.st "${small[@]}"
cp -r task zero_task && ln -sf /dev/zero zero_task/train.tsv
refused "/dev/zero as train.tsv" "zero_task/train.tsv: is a character device" \
    "$BEEX" data stats zero_task
cp -r task dir_task && rm dir_task/test.tsv && mkdir dir_task/test.tsv
refused "a directory test.tsv" "dir_task/test.tsv: is a directory" \
    "$BEEX" eval m.safetensors dir_task
cp -r task lab_task && mkfifo lab_task/labels.txt
refused "a FIFO labels.txt" "lab_task/labels.txt" "$BEEX" data stats lab_task

# --recipe: a FIFO, and a file over the 16 MiB ceiling of a small input (a bad recipe is a
# usage error, exit 2, as its other errors are).
mkfifo recipe.fifo
want=2 refused "a FIFO --recipe" "recipe.fifo: is a FIFO" \
    "$BEEX" study --tasks task --precisions w1a1 --seeds 1 --recipe recipe.fifo --out s
truncate -s 17M big.recipe
want=2 refused "a 17 MiB --recipe" "more than the 16777216" \
    "$BEEX" study --tasks task --precisions w1a1 --seeds 1 --recipe big.recipe --out s2
[ ! -e s ] && [ ! -e s2 ] || fail "a refused study left its --out behind"

# --trace: a FIFO in place of the test split's trace CSV.
"$BEEX" sweep m.safetensors task --out t --no-timed --quick >/dev/null 2>&1 || fail "sweep"
cp -r t tf && rm tf/trace_test.csv && mkfifo tf/trace_test.csv
refused "a FIFO trace CSV" "tf/trace_test.csv: is a FIFO" \
    "$BEEX" sweep m.safetensors task --trace tf --out t2 --no-timed --quick
[ ! -e t2 ] || fail "a refused sweep left its --out behind"

# compare and merge inputs (compare exits 2 on an unreadable input: 1 means a regression).
mkfifo new.json
want=2 refused "a FIFO compare input" "new.json: is a FIFO" "$BEEX" compare t/sweep.json new.json
mkdir mdir && cp t/sweep.json mdir/ && mkfifo mdir/other.json
refused "a FIFO inside a merge folder" "mdir/other.json: is a FIFO" "$BEEX" merge mdir --out mg
[ ! -e mg ] || fail "a refused merge left its --out behind"

# data prepare: the package's source file is a FIFO.
corp=raw/usr/share/doc/python3-pattern/test/corpora
mkdir -p "$corp" && mkfifo "$corp/polarity-en-pang&lee2.csv"
refused "a FIFO data prepare source" "is a FIFO" "$BEEX" data prepare mr raw prep

# GloVe: a FIFO in place of the vectors.
mkfifo glove.json
refused "a FIFO --glove" "glove.json" "$BEEX" train task --out g.st --glove glove.json "${small[@]}" \
    --d 100
echo "non-regular inputs: every reader refuses at once"
