#!/usr/bin/env bash
# Renders every plot that fits the given directories, as PNG and SVG:
#   a sweep run (sweep.json, replay.csv, ...)          -> plots/sweep.gp
#   a merge output with kernels.csv / machines.csv     -> plots/kernels.gp, plots/machines.gp
#   a study folder (study_curves.csv)                  -> plots/study.gp, one plot per task
# Images go to <dir>/plots/, or to OUTDIR/<dir's name>/ with -o OUTDIR.
# Usage: bash plots/plot.sh [-o OUTDIR] DIR...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 1; }
outroot=""
if [ "${1:-}" = "-o" ]; then outroot=${2:?-o needs a directory}; shift 2; fi
[ $# -ge 1 ] || { echo "usage: bash plots/plot.sh [-o OUTDIR] DIR..." >&2; exit 2; }
for dir in "$@"; do
    [ -d "$dir" ] || { echo "plot.sh: $dir: not a directory" >&2; exit 1; }
    dir=${dir%/}
    if [ -n "$outroot" ]; then out="$outroot/$(basename "$dir")"; else out="$dir/plots"; fi
    mkdir -p "$out"
    n=0
    for term in pngcairo svg; do
        for pair in "replay.csv:sweep.gp" "kernels.csv:kernels.gp" "machines.csv:machines.gp" \
            "study_curves.csv:study.gp"; do
            if [ -f "$dir/${pair%%:*}" ]; then
                gnuplot -e "dir='$dir'; outdir='$out'; term='$term'" "$here/${pair#*:}"
                n=$((n + 1))
            fi
        done
    done
    [ $n -gt 0 ] || { echo "plot.sh: $dir holds no replay.csv, kernels.csv, machines.csv or study_curves.csv" >&2; exit 1; }
    echo "plots of $dir in $out:"
    ls "$out" | sed 's/^/  /'
done
