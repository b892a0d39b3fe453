#!/usr/bin/env bash
# The arm64 build, checked where there is no AArch64 hardware: cross-compile everything (the
# kernels with the NEON variant, the harness, the program and their tests) with
# gcc-aarch64-linux-gnu, without libxsmm and without PAPI (Debian has no arm64 libxsmm;
# docs/kernels.md: both optional there), and run the tests under qemu-aarch64 through ctest
# (scripts/aarch64-toolchain.cmake sets CMAKE_CROSSCOMPILING_EMULATOR; the shell tests run the
# program through the build's beex-emulated wrapper). qemu checks correctness only; it says
# nothing about speed.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BEEX_NEON_BUILD:-build/neon}
JOBS=${JOBS:-$(nproc)}

for tool in aarch64-linux-gnu-gcc qemu-aarch64; do
    if ! command -v "$tool" >/dev/null; then
        echo "test_neon.sh: $tool not found (run scripts/setup.sh)" >&2
        exit 1
    fi
done
for lib in libcmocka libhwloc libjansson libz libcrypto; do
    if [ ! -e "/usr/lib/aarch64-linux-gnu/$lib.so" ]; then
        echo "test_neon.sh: arm64 $lib missing (run scripts/setup.sh)" >&2
        exit 1
    fi
done

cmake -S . -B "$BUILD" -DCMAKE_TOOLCHAIN_FILE="$PWD/scripts/aarch64-toolchain.cmake" \
    -DBEEX_KERNELS_ONLY=OFF -DBEEX_WITH_LIBXSMM=OFF -DBEEX_WITH_PAPI=OFF \
    -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$JOBS"
# The build says what it left out, as every results file of it will.
"$BUILD/beex-emulated" --version | grep -qx 'optional libraries: libxsmm no, PAPI no, oneDNN no' || {
    echo "test_neon.sh: the arm64 build does not report libxsmm and PAPI as left out" >&2
    exit 1
}
# One OpenMP thread: a second libgomp thread hangs under Debian's qemu-aarch64 7.2 (even a
# ten-line parallel loop never finishes), so the 2-thread cases run on one thread here; the
# x86 builds cover the threaded paths of the shared driver. Shell tests left to the x86 builds
# (BEEX_ARM64_SKIP; nothing in them depends on the architecture or on libxsmm and PAPI):
#   threads_allowed, gbench_compare, threads_unequal, bench_breakdown, bench_train_breakdown
#            count, pin, compare or scale 2 threads (one thread under qemu)
#   sweep    checks the sha256 of the running program, here the emulator's wrapper script
#   study    trains and sweeps eight small units: over 10 minutes under qemu
#   options  about 200 runs of the program to check its option parsing: 3.5 minutes here
#   slurm    starts the host's Slurm daemons, which the x86 run already tests
#   history_record, history_backfill, history_bisect, history_gate
#            measure a beex under the host's valgrind (x86 only here): the measured program
#            must be a native one, and the driver's code is the same on both
#   byo_trace  exports with the host's PyTorch and sweeps six times: minutes under qemu; its
#            reader and replay run here through the cmocka suites test_trace_byo and test_replay
BEEX_ARM64_SKIP=${BEEX_ARM64_SKIP:-'^cli_test_(threads_allowed|gbench_compare|threads_unequal|bench_breakdown|bench_train_breakdown|sweep|study|options|slurm|history_record|history_backfill|history_bisect|history_gate|byo_trace)$'}
OMP_THREAD_LIMIT=1 ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS" -E "$BEEX_ARM64_SKIP"
