#!/usr/bin/env bash
# The same bytes on every variant, thread count and CPU (docs/determinism.md): the fp32 twin
# and BAT trained for one epoch on the committed synthetic task give one sha256 under every
# BEEX_ISA this CPU has (and, on an x86 build with libxsmm, with libxsmm's kernels replaced
# by the plain fmaf loop, the path of builds without libxsmm such as arm64); that sha256 is
# the one recorded in tests/data/train/same_bytes.sha256, which every CPU must reproduce
# (this test runs under qemu-aarch64 too: scripts/test_neon.sh). `beex run --full` traces
# of one model are byte-identical across variants and thread counts in all four precisions.
# Each exit regime other than the default (docs/model.md section 6) has its own line,
# "w1a1:REGIME", trained in w1a1 the same way. A variant this CPU lacks is skipped and said;
# at least two runs must agree. After a change that means to change the arithmetic, record the
# new sums (from tests/data/train/):
#   o="--threads 1 --d 16 --heads 2 --dff 40 --blocks 3 --max-len 24 --vocab 80 --batch 16 \
#     --quiet --epochs 1"
#   { for p in fp32 w1a1 w8a8; do beex train synth --out /tmp/$p.st --precision $p $o; \
#       echo "$p $(sha256sum </tmp/$p.st | cut -d' ' -f1)"; done
#     for r in equal last last+heads distill ge; do beex train synth --out /tmp/$r.st \
#       --precision w1a1 --exit-regime $r $o; echo "w1a1:$r $(sha256sum </tmp/$r.st | \
#       cut -d' ' -f1)"; done; } >same_bytes.sha256
set -u
beex=$1
case $beex in /*) ;; *) beex=$PWD/$beex ;; esac
train_dir=$(cd "${BEEX_TEST_DATA:-$(dirname "$0")/../data}/train" && pwd)
expected=$train_dir/same_bytes.sha256
# The checkpoint records the task path as given: train from its folder as "synth".
cd "$train_dir" || exit 1
data=synth
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
small=(--d 16 --heads 2 --dff 40 --blocks 3 --max-len 24 --vocab 80 --batch 16 --quiet --epochs 1)

variants=()
for isa in scalar avx2 avx512 avxvnni amx neon; do
    if BEEX_ISA=$isa "$beex" variants >/dev/null 2>&1; then
        variants+=("$isa")
    else
        echo "skipped: $isa (this CPU or build lacks it)"
    fi
done
[ ${#variants[@]} -ge 1 ] || fail "no variant usable"

# Training: every variant, 1 and 2 threads; the plain-loop path where libxsmm is built in.
# NAME PRECISION [OPTIONS...]: every run gives the sha256 recorded for NAME.
check_training() {
    local name=$1 prec=$2 want runs=0 got
    shift 2
    want=$(awk -v p="$name" '$1 == p { print $2 }' "$expected")
    [ -n "$want" ] || fail "$expected has no $name line"
    for isa in "${variants[@]}"; do
        for t in 1 2; do
            BEEX_ISA=$isa "$beex" train "$data" --out "$tmp/$name-$isa-$t.st" --precision "$prec" \
                --threads "$t" "${small[@]}" "$@" || fail "train $name on $isa, $t thread(s)"
            got=$(sha256sum <"$tmp/$name-$isa-$t.st" | cut -d' ' -f1)
            [ "$got" = "$want" ] ||
                fail "$name on $isa, $t thread(s): sha256 $got, recorded $want ($expected)"
            runs=$((runs + 1))
        done
    done
    if "$beex" --version | grep -q 'libxsmm yes'; then
        # LIBXSMM_TARGET=snb: a JIT target without FMA, which the suite refuses for the scalar
        # fgemm's fmaf loop (harness/model/forward_fp32.c): the arithmetic of a build without
        # libxsmm. BEEX_ISA=scalar, or an AVX-512 CPU would take its own fgemm kernel.
        LIBXSMM_TARGET=snb BEEX_ISA=scalar "$beex" train "$data" --out "$tmp/$name-plain.st" \
            --precision "$prec" --threads 1 "${small[@]}" "$@" || fail "train $name with the plain loop"
        got=$(sha256sum <"$tmp/$name-plain.st" | cut -d' ' -f1)
        [ "$got" = "$want" ] || fail "$name with the plain fmaf loop instead of libxsmm: $got, recorded $want"
        runs=$((runs + 1))
    fi
    [ $runs -ge 2 ] || fail "$name: only $runs run(s) to compare"
    echo "$name: $runs runs, sha256 $want"
}
for prec in fp32 w1a1 w8a8; do
    check_training "$prec" "$prec"
done
for regime in equal last last+heads distill ge; do
    check_training "w1a1:$regime" w1a1 --exit-regime "$regime"
done

# Traces: all four precisions, every variant, 1 and 2 threads, batch 1 and 4 (w8a8 on the
# w8a8 checkpoint, the one that carries activation scales).
cut -f2 "$data/test.tsv" >"$tmp/in.txt"
for prec in fp32 w1a32 w1a1 w8a8; do
    first=
    for isa in "${variants[@]}"; do
        for t in 1 2; do
            for b in 1 4; do
                out="$tmp/run-$prec-$isa-$t-$b.jsonl"
                model=$tmp/w1a1-${variants[0]}-1.st
                [ "$prec" = w8a8 ] && model=$tmp/w8a8-${variants[0]}-1.st
                "$beex" run "$model" --precision "$prec" --variant "$isa" \
                    --threads "$t" --batch "$b" --full <"$tmp/in.txt" >"$out" ||
                    fail "run $prec on $isa"
                [ -s "$out" ] || fail "run $prec on $isa wrote nothing"
                if [ -z "$first" ]; then
                    first=$out
                else
                    cmp -s "$first" "$out" || fail "run --full $prec: $isa, $t thread(s), batch $b differs from $(basename "$first")"
                fi
            done
        done
    done
    echo "$prec traces: identical on ${variants[*]} x 1, 2 threads x batch 1, 4"
done
