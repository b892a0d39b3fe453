#!/usr/bin/env bash
# Installs the PyTorch peer from Debian 12's archive: python3-torch (1.13) and the pthread
# build of OpenBLAS. Without libopenblas0-pthread Debian's torch runs its matrix products
# on the reference BLAS (about 12x slower at 256^3, docs/peers.md), which
# would make the comparison meaningless. Idempotent: re-running refreshes the package lists
# and installs nothing new. No PyPI, no internet besides apt.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(python3-torch libopenblas0-pthread)

if ! $SUDO apt-get update -q; then
    echo "peers/setup: apt-get update failed" >&2
    exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "peers/setup: installing ${missing[*]}"
    if ! $SUDO apt-get install -y -q "${missing[@]}"; then
        echo "peers/setup: apt-get install ${missing[*]} failed" >&2
        exit 1
    fi
else
    echo "peers/setup: ${PACKAGES[*]} already installed"
fi

# Debian's interpreter, not whatever python3 comes first on PATH (a pyenv or venv python
# does not see Debian's dist-packages).
PYTHON=${PYTHON:-/usr/bin/python3}
if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
    echo "peers/setup: $PYTHON cannot import torch after the install (set PYTHON to Debian's python3)" >&2
    exit 1
fi
echo "peers/setup: $PYTHON imports torch $("$PYTHON" -c 'import torch; print(torch.__version__)')"

# Installing libopenblas0-pthread switches the libblas.so.3 alternative to OpenBLAS in
# auto mode; an administrator's manual choice of the reference BLAS survives it. Say so
# rather than change the machine's configuration behind anyone's back.
arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
blas=$(readlink -f "/usr/lib/$arch/libblas.so.3" 2>/dev/null || true)
echo "peers/setup: libblas.so.3 -> ${blas:-?}"
case "$blas" in
*openblas*) ;;
*)
    echo "peers/setup: warning: libblas.so.3 is not OpenBLAS; torch would use the reference BLAS." >&2
    echo "peers/setup: fix: update-alternatives --config libblas.so.3-$arch" >&2
    ;;
esac
