#!/usr/bin/env bash
# Every backend of the fp32 products (harness/model/forward_fp32.c) gives the bits of one fmaf
# chain per output (docs/determinism.md). The backend is chosen once per process, so each one
# gets its own process: test_fp32_exact (next to beex in the build directory) runs under the
# environment that selects it, and `beex run --full` of one fp32 model must write the same
# bytes under all of them. The fallbacks say so (`beex run`'s note naming the fgemm variant);
# the fast backends print no note. Backends this CPU or build lacks are skipped and said:
#   BEEX_ISA=avx512 | neon                  beex fgemm avx512 | neon (the default where usable)
#   BEEX_ISA=avx2 | scalar                  libxsmm hsw (JIT), where built in and the CPU has
#                                           AVX2; else beex fgemm avx2 | scalar, with a note
#   LIBXSMM_TARGET=snb BEEX_ISA=avx2 | scalar   libxsmm refused (no FMA): beex fgemm avx2 |
#                                           scalar, with a note
set -u
beex=$1
case $beex in /*) ;; *) beex=$PWD/$beex ;; esac
bin=$(dirname "$beex")/test_fp32_exact
[ -x "$bin" ] || { echo "SKIP: $bin not built (BEEX_TESTS=OFF?)"; exit 77; }
# A cross build's wrapper (CMakeLists.txt: beex-emulated) ends in `exec EMULATOR... beex "$@"`:
# the test binary runs under the same emulator.
emulator=()
if [ "$(head -c 2 "$beex")" = "#!" ]; then
    read -r -a emulator < <(sed -n 's/^exec \(.*\) [^ ]* "\$@"$/\1/p' "$beex")
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$beex" init --out "$tmp/m.beex" --vocab 300 --d 32 --heads 4 --dff 80 --blocks 3 \
    --max-len 40 --classes 3 --seed 11 >/dev/null || fail "init"
printf '5 6 7 8\n9\n%s\n42 43 44\n' "$(seq -s ' ' 1 37)" >"$tmp/ids"
libxsmm=no
"$beex" --version | grep -q 'libxsmm yes' && libxsmm=yes

first=
# check LABEL EXPECTED_NOTE ENV...: EXPECTED_NOTE is a substring of `beex run`'s note, or
# "none" for a fast backend, which prints none.
check() {
    local label=$1 note=$2
    shift 2
    env "$@" "${emulator[@]}" "$bin" >"$tmp/exact.log" 2>&1 ||
        { cat "$tmp/exact.log" >&2; fail "test_fp32_exact with $label"; }
    env "$@" "$beex" run "$tmp/m.beex" --ids --precision fp32 --threads 1 --full \
        <"$tmp/ids" >"$tmp/$label.jsonl" 2>"$tmp/$label.err" || fail "run with $label"
    if [ "$note" = none ]; then
        ! grep -q 'note:' "$tmp/$label.err" || fail "$label: unexpected $(cat "$tmp/$label.err")"
    else
        grep -q "note: .*$note" "$tmp/$label.err" ||
            fail "$label: expected a note naming '$note', got '$(cat "$tmp/$label.err")'"
    fi
    if [ -z "$first" ]; then
        first=$label
    else
        cmp -s "$tmp/$first.jsonl" "$tmp/$label.jsonl" || fail "fp32 trace: $label differs from $first"
    fi
    echo "ok: $label"
}

ran=0
for isa in avx512 neon avx2 scalar; do
    if ! BEEX_ISA=$isa "$beex" variants >/dev/null 2>&1; then
        echo "skipped: BEEX_ISA=$isa (this CPU or build lacks it)"
        continue
    fi
    case $isa in
    avx512 | neon) note=none ;;
    *)
        # libxsmm's AVX2 kernels run where it is built in and the CPU has AVX2
        note="beex fgemm $isa in use"
        if [ $libxsmm = yes ] && BEEX_ISA=avx2 "$beex" variants >/dev/null 2>&1; then
            note=none
        fi
        ;;
    esac
    check "BEEX_ISA=$isa" "$note" BEEX_ISA=$isa
    ran=$((ran + 1))
    if [ $libxsmm = yes ] && [ "$note" = none ] && [ $isa != avx512 ]; then
        check "LIBXSMM_TARGET=snb,BEEX_ISA=$isa" "no FMA.*beex fgemm $isa in use" \
            LIBXSMM_TARGET=snb BEEX_ISA=$isa
        ran=$((ran + 1))
    fi
done
[ $ran -ge 2 ] || fail "only $ran backend(s) to compare"
echo "fp32 backends: $ran runs, the same bits"
