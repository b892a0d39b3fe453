#!/usr/bin/env bash
# The peer, side by side (issue 12): times in one run, on the same shapes and thread counts,
# BEExformer written the plain PyTorch way (scripts/peers/beex_torch.py, Debian's
# python3-torch on OpenBLAS) and beex:
#   inference  the small shape of `beex bench model --shapes small` (vocab 8192, d 128,
#              4 heads, dff 256, 6 blocks, max_len 64), --tokens tokens per example (default
#              21, mr's mean), batch 1 and 32, all blocks, fp32 and w1a1;
#   training   one epoch on mr (d 100, 4 heads, dff 256, 6 blocks, max_len 64, batch 32,
#              23,200 vocabulary rows), fp32 and w1a1.
# Prints a Markdown table (work | PyTorch | beex | beex/PyTorch) with the CPU and the load
# average at start and end. Run by hand from the repository root; never by the tests or the
# main job. Takes a few minutes on 2 cores (the PyTorch epochs dominate).
#
#   bash scripts/peers/compare.sh [--threads 1,2] [--tokens 21] [--out DIR]
#
# Environment: PYTHON (default /usr/bin/python3, Debian's, which sees python3-torch),
# BEEX (a beex binary; default BUILD_DIR/beex, built when missing), BUILD_DIR (default
# build/release), JOBS (build parallelism, default nproc).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
HERE=$ROOT/scripts/peers

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}

THREADS=1,2
TOKENS=21
OUT=""
QUICK=0
while [ $# -gt 0 ]; do
    case "$1" in
    --threads) THREADS=${2:?--threads needs a list}; shift 2 ;;
    --tokens) TOKENS=${2:?--tokens needs a number}; shift 2 ;;
    --out) OUT=${2:?--out needs a directory}; shift 2 ;;
    --quick) QUICK=1; shift ;; # smoke test: a few batches, short timing; figures meaningless
    -h | --help) usage; exit 0 ;;
    *) echo "compare: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
[[ "$THREADS" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || { echo "compare: --threads wants a list like 1,2" >&2; exit 2; }
if ! [[ "$TOKENS" =~ ^[1-9][0-9]*$ ]] || [ "$TOKENS" -gt 64 ]; then
    echo "compare: --tokens wants 1..64 (max_len of the small shape)" >&2
    exit 2
fi
IFS=, read -r -a thread_list <<<"$THREADS"

PYTHON=${PYTHON:-/usr/bin/python3}
BUILD_DIR=${BUILD_DIR:-build/release}
JOBS=${JOBS:-$(nproc)}
OUT=${OUT:-results/runs/peers-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
start=$(date +%s)
step() { printf '\n=== [%4ds] %s ===\n' "$(($(date +%s) - start))" "$*"; }

step "set-up (python3-torch, libopenblas0-pthread)"
PYTHON=$PYTHON bash "$HERE/setup.sh"

if [ -z "${BEEX:-}" ]; then
    BEEX=$ROOT/$BUILD_DIR/beex
    if [ ! -x "$BEEX" ]; then
        step "release build -> $BUILD_DIR"
        cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DBEEX_TESTS=OFF >/dev/null
        cmake --build "$BUILD_DIR" -j"$JOBS" --target beex
    fi
fi
[ -x "$BEEX" ] || { echo "compare: $BEEX is not an executable" >&2; exit 1; }
if ! "$BEEX" bench train --help >/dev/null 2>&1; then
    echo "compare: $BEEX has no 'bench train' (an old build?): rebuild it" >&2
    exit 1
fi

if [ ! -f datasets/data/mr/train.tsv ]; then
    step "data: mr"
    BEEX=$BEEX bash datasets/fetch.sh mr
fi

step "the PyTorch model's self-checks"
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$PYTHON" "$HERE/beex_torch.py" check --threads 1

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "CPU: ${cpu:-?} ($(nproc) CPUs usable); load average $load_start"

quick_py=()
quick_model=()
quick_train=()
if [ "$QUICK" = 1 ]; then
    quick_py=(--quick)
    quick_model=(--min-time 0.05 --min-reps 2 --max-reps 3)
    quick_train=(--steps 1 --reps 2)
fi

# PyTorch: one process per thread count, since OpenBLAS reads its thread count when it is
# loaded. All three knobs at the same count: Debian's torch does not know its BLAS is
# OpenBLAS, so torch.set_num_threads alone leaves OpenBLAS's own pool at one thread per core
# and the two pools oversubscribe the cores (docs/peers.md: a 2-thread epoch took 52 s against
# 19 s with one).
torch_files=()
for t in "${thread_list[@]}"; do
    step "PyTorch, $t thread(s): inference (small) and one epoch (mr) per precision"
    f=$OUT/pytorch-t$t.json
    OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t "$PYTHON" "$HERE/beex_torch.py" bench \
        --threads "$t" --tokens "$TOKENS" --precisions fp32,w1a1 --batches 1,32 \
        --train-data datasets/data/mr/train.tsv --train-lengths real,fixed --train-tokens 21 \
        --batch 32 --out "$f" "${quick_py[@]}"
    torch_files+=("$f")
done

# beex's best variant: the first available in its preference order (what the engine picks
# for every operation family when nothing is forced). Without --variants, bench model would
# time every variant on the small shape.
variant=$("$BEEX" variants | awk '
    NR == 1 { s = $0; sub(/.*preference order: */, "", s); sub(/;.*/, "", s); n = split(s, order, /, */) }
    $2 == "available" { ok[$1] = 1 }
    END { for (i = 1; i <= n; i++) if (order[i] in ok) { print order[i]; exit } }')
[ -n "$variant" ] || { echo "compare: no available kernel variant in 'beex variants'" >&2; exit 1; }

step "beex bench model: small, $TOKENS tokens, batch 1 and 32, fp32 and w1a1, variant $variant, threads $THREADS"
# --compaction-batch 1 skips the early-exit compaction experiment (not part of this
# comparison); with threads > 1 and batch > 1 both parallel modes run and the table keeps the
# faster.
"$BEEX" bench model --shapes small --precisions fp32,w1a1 --variants "$variant" \
    --threads "$THREADS" --batches 1,32 --tokens "$TOKENS" --compaction-batch 1 \
    --json "$OUT/beex-model.json" "${quick_model[@]}"

step "beex bench train: mr, fp32 and w1a1, threads $THREADS"
# The trainer's own step (harness/train/tstep.c, which `beex train` drives) on mr's recipe:
# 23,200 vocabulary rows as in the main job's model, every example 21 tokens (mr's mean).
# Chosen over `beex train mr --epochs 1` because that one builds its vocabulary from the
# training words (23,200 rows need the 307 MB GloVe download), also scores dev and writes
# checkpoints each epoch, and reports only on stderr; the PyTorch side times both mr's real
# lengths and this fixed length, so the table shows what padding costs the peer.
"$BEEX" bench train --shapes mr --precisions fp32,w1a1 --threads "$THREADS" --batch 32 \
    --json "$OUT/beex-train.json" "${quick_train[@]}"

load_end=$(cut -d' ' -f1-3 /proc/loadavg)
report_args=(--pytorch "${torch_files[@]}" --beex-model "$OUT/beex-model.json"
    --beex-train "$OUT/beex-train.json" --cpu "${cpu:-?}" --load-start "$load_start"
    --load-end "$load_end" --beex-version "$("$BEEX" --version | head -n 1)")
if [ "$QUICK" = 1 ]; then report_args+=(--quick); fi
step "table"
"$PYTHON" "$HERE/report.py" "${report_args[@]}" | tee "$OUT/table.md"
printf '\nfiles: %s/ (pytorch-t*.json, beex-model.json, beex-train.json, table.md); %d s\n' \
    "$OUT" "$(($(date +%s) - start))"
