#!/usr/bin/env bash
# Bounded libFuzzer run of the model-file reader: scripts/fuzz.sh [SECONDS] (default 60).
# Builds tests/fuzz/fuzz_model_reader with clang in build/fuzz; every C file of the harness is
# compiled with coverage + ASan + UBSan (fuzzer-no-link), so the fuzzer sees and checks the
# reader itself, not only the target. Starts from the committed seed corpus
# (tests/fuzz/corpus/model_reader, read only) plus a git-ignored working corpus. Exits
# non-zero on a crash, leak, sanitizer report or timeout; the reproducer lands in
# build/fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-60}
if ! [[ "$SECONDS_TO_RUN" =~ ^[0-9]+$ ]] || [ "$SECONDS_TO_RUN" -lt 1 ]; then
    echo "usage: scripts/fuzz.sh [SECONDS]" >&2
    exit 2
fi
CC_FUZZ=${CC_FUZZ:-clang}
if ! command -v "$CC_FUZZ" >/dev/null; then
    echo "fuzz.sh: $CC_FUZZ not found (scripts/setup.sh installs clang + libFuzzer)" >&2
    exit 1
fi
BUILD=build/fuzz
cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER="$CC_FUZZ" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBEEX_FUZZ=ON -DBEEX_TESTS=OFF -DBEEX_SANITIZE=ON \
    -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
cmake --build "$BUILD" --target fuzz_model_reader -j"${JOBS:-$(nproc)}"

WORK=tests/fuzz/corpus-work/model_reader # git-ignored: grows across runs
mkdir -p "$WORK" "$BUILD/artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# -rss_limit_mb: a model file may allocate what its tensors describe, never more than the
# input allows; 2 GB catches an allocation that is not bounded by the input's size.
"$BUILD/fuzz_model_reader" "$WORK" tests/fuzz/corpus/model_reader \
    -max_total_time="$SECONDS_TO_RUN" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -dict=tests/fuzz/model_reader.dict -artifact_prefix="$BUILD/artifacts/" -print_final_stats=1
echo "fuzz.sh: no crash in ${SECONDS_TO_RUN}s"
