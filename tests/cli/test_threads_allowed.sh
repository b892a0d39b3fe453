#!/usr/bin/env bash
# The CPUs granted (issue 14, first part): threads are placed only on the CPUs the process may
# use; asking for more is a warning and a cap; the allowed set and Slurm's variables go into
# the results files' context.
set -euo pipefail
BEEX=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v taskset >/dev/null || { echo "taskset missing (util-linux)"; exit 77; }
cpu=$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')

"$BEEX" init --out m.st --d 16 --heads 2 --dff 32 --blocks 2 --vocab 40 --max-len 8 >/dev/null
echo "w3 w4" | taskset -c "$cpu" "$BEEX" run m.st --threads 2 >/dev/null 2>err.txt ||
    fail "run under taskset"
grep -q "exceeds the 1 core this process may use (CPUs $cpu); using 1" err.txt ||
    fail "no warning for 2 threads on 1 allowed CPU: $(cat err.txt)"
# --strict-threads (and BEEX_STRICT_THREADS=1) turn the cap into an error naming the CPUs.
for strict in "--strict-threads" "env"; do
    status=0
    if [ "$strict" = env ]; then
        out=$(echo "w3" | BEEX_STRICT_THREADS=1 taskset -c "$cpu" "$BEEX" run m.st --threads 2 2>&1) ||
            status=$?
    else
        out=$(echo "w3" | taskset -c "$cpu" "$BEEX" --strict-threads run m.st --threads 2 2>&1) ||
            status=$?
    fi
    [ "$status" -ne 0 ] && echo "$out" | grep -q "exceeds the 1 core this process may use (CPUs $cpu) and --strict-threads" ||
        fail "strict threads ($strict) did not refuse 2 threads on 1 CPU: status $status, $out"
done
echo "w3" | taskset -c "$cpu" "$BEEX" --strict-threads run m.st --threads 1 >/dev/null ||
    fail "--strict-threads refused a count that fits"
SLURM_JOB_ID=4242 SLURM_CPUS_PER_TASK=1 taskset -c "$cpu" "$BEEX" bench model --quick \
    --threads 1,2 --variants scalar --json bm.json >/dev/null 2>err.txt || fail "bench model"
grep -q "exceeds the 1 core" err.txt || fail "bench model did not cap 2 threads on 1 CPU"
jq -e --arg cpu "$cpu" '.context.threads.allowed_cpus == $cpu and .context.threads.allowed_cores == 1
    and .context.threads.slurm.SLURM_JOB_ID == "4242"
    and ([.benchmarks[]? | .threads? // empty] | length > 0 and all(. == 1))' bm.json >/dev/null ||
    fail "context lacks the allowed CPUs / Slurm job, or a row ran 2 threads: $(jq -c .context.threads bm.json)"
# One thread stays where the process runs: two single-thread runs side by side must not both
# be pinned to the first core (they were, and shared it while the other core idled).
last=$(taskset -pc $$ | sed 's/.*: //; s/.*[,-]//')
if [ "$last" != "$cpu" ]; then
    taskset -c "$last" "$BEEX" bench model --quick --threads 1 --variants scalar --json one.json \
        >/dev/null 2>&1 || fail "bench model on CPU $last"
    jq -e --argjson c "$last" '.context.threads.binding == [{"thread": 0, "core": $c, "bound": true}]' \
        one.json >/dev/null || fail "one thread on CPU $last was bound elsewhere: $(jq -c .context.threads.binding one.json)"
fi
echo "test_threads_allowed: ok"
