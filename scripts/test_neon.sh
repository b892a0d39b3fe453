#!/usr/bin/env bash
# The NEON variant, checked where there is no AArch64 hardware: cross-compile the kernels and
# their tests with gcc-aarch64-linux-gnu and run them under qemu-aarch64 through ctest
# (scripts/aarch64-toolchain.cmake sets CMAKE_CROSSCOMPILING_EMULATOR). qemu checks
# correctness only; it says nothing about speed.
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
if [ ! -e /usr/lib/aarch64-linux-gnu/libcmocka.so ]; then
    echo "test_neon.sh: arm64 cmocka missing (libcmocka-dev:arm64; run scripts/setup.sh)" >&2
    exit 1
fi

cmake -S . -B "$BUILD" -DCMAKE_TOOLCHAIN_FILE="$PWD/scripts/aarch64-toolchain.cmake" \
    -DBEEX_KERNELS_ONLY=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$JOBS"
# The arm64 cmocka lives outside qemu's sysroot: tell the guest's loader where it is.
# One OpenMP thread: a second libgomp thread hangs under Debian's qemu-aarch64 7.2 (even a
# ten-line parallel loop never finishes), so the 2-thread cases run on one thread here; the
# x86 builds cover the threaded paths of the shared driver.
OMP_THREAD_LIMIT=1 QEMU_SET_ENV=LD_LIBRARY_PATH=/usr/lib/aarch64-linux-gnu \
    ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS"
