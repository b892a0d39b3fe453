#!/usr/bin/env bash
# check_models.sh RECORD FILE... : prints "yes: ..." when every FILE's sha256 equals the one
# RECORD (sha256sum format, paths as given) holds for it, else "NO: ..." naming each file that
# differs or is missing, and exits 1. The main job uses it to say whether this machine trained
# the recorded models (docs/determinism.md).
set -euo pipefail
record=${1:?usage: check_models.sh RECORD FILE...}
shift
[ -r "$record" ] || { echo "NO: cannot read $record"; exit 1; }
bad=()
for f in "$@"; do
    want=$(awk -v f="$f" '$2 == f { print $1 }' "$record")
    if [ -z "$want" ]; then
        bad+=("$f: not in $record")
    elif [ ! -f "$f" ]; then
        bad+=("$f: missing")
    else
        got=$(sha256sum <"$f" | cut -d' ' -f1)
        [ "$got" = "$want" ] || bad+=("$f: sha256 ${got:0:16}..., recorded ${want:0:16}...")
    fi
done
if [ ${#bad[@]} -eq 0 ]; then
    echo "yes: $# model(s) equal to $record byte for byte"
else
    printf 'NO: %s\n' "$(IFS=';'; echo "${bad[*]}")"
    exit 1
fi
