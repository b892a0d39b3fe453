#!/usr/bin/env bash
# The test command (README, .ci/run): set-up, a release build and its tests, an ASan+UBSan
# build and its tests, the NEON variant under qemu, a bounded fuzz run of the model reader,
# the instruction-count regression gate, and the clang-format check.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}

step() { printf '\n=== %s ===\n' "$*"; }

step "set-up"
bash scripts/setup.sh

step "release build + tests"
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DBEEX_TESTS=ON >/dev/null
cmake --build build/release -j"$JOBS"
ctest --test-dir build/release --output-on-failure -j"$JOBS"

step "ASan + UBSan build + tests"
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBEEX_SANITIZE=ON -DBEEX_TESTS=ON >/dev/null
cmake --build build/asan -j"$JOBS"
# valgrind cannot run a sanitized program: the history tests drive the sanitized beex and let
# it measure the release build (BEEX_HISTORY_MEASURED).
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    BEEX_SANITIZED=1 BEEX_HISTORY_MEASURED="$PWD/build/release/beex" \
    ctest --test-dir build/asan --output-on-failure -j"$JOBS"

step "arm64 build (NEON variant; without libxsmm and PAPI) under qemu-aarch64"
bash scripts/test_neon.sh

step "fuzz the model, data set, trace and results readers (bounded)"
bash scripts/fuzz.sh "${BEEX_FUZZ_SECONDS:-60}"

step "instruction-count regression gate (callgrind)"
bash scripts/perf_gate.sh build/release/beex

step "clang-format"
bash scripts/format.sh --check

echo
echo "all tests passed"
