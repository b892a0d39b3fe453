#!/usr/bin/env bash
# Submits a `beex study` to Slurm: one array task per unit, then the aggregate once every
# unit succeeded. Run from the repository root (jobs start in the submission directory).
#
# usage: bash scripts/slurm/submit_study.sh OUT_DIR [beex study options: --tasks, --precisions,
#                                                   --seeds, --folds, --recipe, --epochs, ...]
# Environment: BEEX (default build/release/beex), CPUS_PER_TASK (default 1: threads per unit;
#              at most the CPUs of the partition's nodes, or the array would pend forever),
#              SBATCH_ARGS (extra sbatch options for both jobs, e.g. "--partition=x --time=2:00:00").
# Prints ARRAY_JOB=<id> and AGGREGATE_JOB=<id> on standard output. Job logs go to
# OUT_DIR/slurm/. Units already done are skipped by their array tasks; a failed unit leaves
# the aggregate pending (DependencyNeverSatisfied): resubmit, or run
# `beex study ... --aggregate-only` by hand for the units present.
set -euo pipefail
die() { echo "submit_study: $*" >&2; exit 2; }
[ -f scripts/slurm/study_array.sbatch ] || die "run from the repository root"
[ $# -ge 1 ] || die "usage: bash scripts/slurm/submit_study.sh OUT_DIR [beex study options]"
out=$1
shift
for a in "$@"; do
    case $a in
    --out | --out=* | --unit | --unit=* | --list | --aggregate-only | --threads | --threads=*)
        die "$a is set by this script (OUT_DIR; threads from CPUS_PER_TASK)" ;;
    esac
done
beex=${BEEX:-build/release/beex}
[ -x "$beex" ] || die "$beex is not an executable (build it, or set BEEX)"
beex=$(realpath "$beex")
cpus=${CPUS_PER_TASK:-1}
[[ $cpus =~ ^[1-9][0-9]*$ ]] || die "CPUS_PER_TASK must be a positive integer, got '$cpus'"
command -v sbatch >/dev/null || die "sbatch not found (Slurm's client commands)"

# A task asking for more CPUs than any node has stays pending forever (docs/peers.md).
# shellcheck disable=SC2086 # SBATCH_ARGS is an option list on purpose
node_cpus=$(sinfo -h -o '%c' ${SBATCH_ARGS:-} 2>/dev/null | tr -d '+' | sort -n | tail -n 1)
if [ -n "$node_cpus" ] && [ "$cpus" -gt "$node_cpus" ]; then
    die "CPUS_PER_TASK=$cpus but the largest node has $node_cpus CPUs"
fi

list=$("$beex" study --out "$out" "$@" --list) || die "beex study --list failed (options above)"
units=$(printf '%s\n' "$list" | grep -c .)
[ "$units" -ge 1 ] || die "the study has no units"
mkdir -p "$out/slurm"

# shellcheck disable=SC2086
array=$(sbatch --parsable --array="0-$((units - 1))" --cpus-per-task="$cpus" \
    --output="$out/slurm/unit-%A_%a.out" ${SBATCH_ARGS:-} \
    scripts/slurm/study_array.sbatch "$beex" --out "$out" "$@")
array=${array%%;*} # --parsable prints "id" or "id;cluster"
[[ $array =~ ^[0-9]+$ ]] || die "sbatch gave no job id for the array: '$array'"
# shellcheck disable=SC2086
aggregate=$(sbatch --parsable --dependency="afterok:$array" --cpus-per-task=1 \
    --output="$out/slurm/aggregate-%j.out" ${SBATCH_ARGS:-} \
    scripts/slurm/study_aggregate.sbatch "$beex" --out "$out" "$@")
aggregate=${aggregate%%;*}
[[ $aggregate =~ ^[0-9]+$ ]] || die "sbatch gave no job id for the aggregate: '$aggregate'"
echo "submit_study: $units units as array job $array (${cpus} CPU each), aggregate job $aggregate after it; logs in $out/slurm/" >&2
echo "ARRAY_JOB=$array"
echo "AGGREGATE_JOB=$aggregate"
