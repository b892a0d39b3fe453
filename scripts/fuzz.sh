#!/usr/bin/env bash
# Bounded libFuzzer run of every target tests/fuzz/fuzz_*.c: scripts/fuzz.sh [SECONDS]
# (default 60, the total; each target gets an equal share, at least 10 s).
# Builds the targets with clang in build/fuzz; every C file of the harness is compiled with
# coverage + ASan + UBSan (fuzzer-no-link), so the fuzzer sees and checks the readers
# themselves, not only the targets. Target fuzz_X starts from its committed seed corpus
# tests/fuzz/corpus/X (read only) plus a git-ignored working corpus tests/fuzz/corpus-work/X,
# with the dictionary tests/fuzz/X.dict when there is one. Prints per target the executions
# and the coverage (edges); exits non-zero on a crash, leak, sanitizer report or timeout in
# any target, naming the reproducer (in build/fuzz/artifacts/X/) and showing the report.
set -euo pipefail
cd "$(dirname "$0")/.."
TOTAL=${1:-60}
if ! [[ "$TOTAL" =~ ^[0-9]+$ ]] || [ "$TOTAL" -lt 1 ]; then
    echo "usage: scripts/fuzz.sh [SECONDS]" >&2
    exit 2
fi
CC_FUZZ=${CC_FUZZ:-clang}
if ! command -v "$CC_FUZZ" >/dev/null; then
    echo "fuzz.sh: $CC_FUZZ not found (scripts/setup.sh installs clang + libFuzzer)" >&2
    exit 1
fi

TARGETS=()
for src in tests/fuzz/fuzz_*.c; do
    TARGETS+=("$(basename "$src" .c)")
done
# Below 10 s a target barely gets past its seeds, so a small budget is raised rather than
# split into runs that test nothing.
PER=$((TOTAL / ${#TARGETS[@]}))
if [ "$PER" -lt 10 ]; then
    PER=10
    echo "fuzz.sh: ${TOTAL}s is less than 10s for each of ${#TARGETS[@]} targets; running each 10s" >&2
fi

BUILD=build/fuzz
cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER="$CC_FUZZ" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBEEX_FUZZ=ON -DBEEX_TESTS=OFF -DBEEX_SANITIZE=ON \
    -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
cmake --build "$BUILD" --target "${TARGETS[@]}" -j"${JOBS:-$(nproc)}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# One thread: the bootstrap gives the same numbers on any thread count, and a single thread
# keeps the coverage of an input the same from run to run.
export OMP_NUM_THREADS=1
# The targets write their inputs to files (and the merges fsync their outputs) on every run:
# in memory when /dev/shm is there. One directory per fuzz.sh run, removed at the end, so a
# crashed target leaves no scratch files behind.
SCRATCH_BASE=/dev/shm
[ -d "$SCRATCH_BASE" ] && [ -w "$SCRATCH_BASE" ] || SCRATCH_BASE=${TMPDIR:-/tmp}
SCRATCH=$(mktemp -d "$SCRATCH_BASE/beex-fuzz.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
export TMPDIR=$SCRATCH

# Per-target limits. -max_len: the model reader needs room for a whole small model; the text
# readers find their bugs in short inputs. -rss_limit_mb: an input may allocate what it
# describes, never more than its size allows; 2 GB catches an allocation that is not bounded
# by the input. -timeout: a shard merge replays and bootstraps (2000 resamples) every exit
# rule, about a second per input under the sanitizers, so it gets more room than the readers.
limits() {
    case "$1" in
    fuzz_model_reader) echo "-max_len=65536 -timeout=10" ;;
    fuzz_results_json) echo "-max_len=4096 -timeout=30" ;;
    *) echo "-max_len=8192 -timeout=10" ;;
    esac
}

summary=()
failed=0
for t in "${TARGETS[@]}"; do
    name=${t#fuzz_}
    seeds=tests/fuzz/corpus/$name
    work=tests/fuzz/corpus-work/$name # git-ignored: grows across runs
    art=$BUILD/artifacts/$name/
    log=$BUILD/logs/$name.log
    mkdir -p "$work" "$art" "$BUILD/logs"
    corpora=("$work")
    [ -d "$seeds" ] && corpora+=("$seeds")
    dict=()
    [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
    echo "=== $t: ${PER}s (log: $log)"
    set +e
    # shellcheck disable=SC2046 # limits() returns separate options
    "$BUILD/$t" "${corpora[@]}" -max_total_time="$PER" -rss_limit_mb=2048 $(limits "$t") \
        "${dict[@]}" -artifact_prefix="$art" -print_final_stats=1 >"$log" 2>&1
    rc=$?
    set -e
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    edges=$(grep -o 'cov: [0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    # A sanitizer or UBSan report fails the run even when the process exited 0.
    report=$(grep -m1 -nE '==[0-9]+==ERROR|runtime error:|ERROR: libFuzzer|^SUMMARY: ' "$log" |
        cut -d: -f1 || true)
    if [ "$rc" -ne 0 ] || [ -n "$report" ]; then
        failed=1
        repro=$(grep -o 'Test unit written to .*' "$log" | sed 's/^Test unit written to //' | tail -1)
        echo "--- $t: FAILED (exit $rc); the report:"
        if [ -n "$report" ]; then
            tail -n +"$((report > 3 ? report - 3 : 1))" "$log"
        else
            tail -n 60 "$log"
        fi
        echo "--- $t: reproducer: ${repro:-none written} (rerun: $BUILD/$t ${repro:-INPUT})"
        summary+=("$(printf '%-20s FAILED  executions %-9s edges %-6s reproducer %s' "$t" \
            "${execs:-?}" "${edges:-?}" "${repro:-none}")")
    else
        summary+=("$(printf '%-20s ok      executions %-9s edges %s' "$t" "${execs:-?}" \
            "${edges:-?}")")
    fi
    echo "${summary[-1]}"
done

echo
echo "fuzz.sh: ${#TARGETS[@]} targets, ${PER}s each"
printf '  %s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
    echo "fuzz.sh: FAILED: a target crashed, leaked, timed out or tripped a sanitizer" >&2
    exit 1
fi
echo "fuzz.sh: no crash"
