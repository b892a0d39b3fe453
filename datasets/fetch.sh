#!/usr/bin/env bash
# Fetches and prepares one task, or all of them: datasets/fetch.sh TASK|all
# Tasks: mr conll2010 mrdoc spam brown reuters-grain reuters-corn (see datasets/README.md).
# Needs a built beex (build/release/beex, or BEEX=path), apt-get, npm, dpkg-deb, tar, sha256sum.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
all=(mr conll2010 mrdoc spam brown reuters-grain reuters-corn)

usage() { echo "usage: datasets/fetch.sh TASK|all   (TASK: ${all[*]})"; }
[ $# -eq 1 ] || { usage >&2; exit 2; }
case "$1" in
-h | --help) usage; exit 0 ;;
all) tasks=("${all[@]}") ;;
*)
    [ -f "$here/$1.sh" ] && [[ " ${all[*]} " == *" $1 "* ]] || { echo "datasets: unknown task '$1'" >&2; usage >&2; exit 2; }
    tasks=("$1")
    ;;
esac
start=$(date +%s.%N)
for t in "${tasks[@]}"; do
    t0=$(date +%s.%N)
    bash "$here/$t.sh"
    printf 'datasets: %s took %.1f s\n' "$t" "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" >&2
done
printf 'datasets: total %.1f s\n' "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" >&2
