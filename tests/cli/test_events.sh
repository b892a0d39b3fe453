#!/usr/bin/env bash
# Hardware events chosen by PAPI name (issue 15): `beex sweep --events LIST`; a malformed list
# is a usage error naming the entry; on a machine whose events are missing the results say so
# in words ("no PMU" on a VM without a virtual PMU) with PAPI's message, and the sweep runs.
set -euo pipefail
BEEX=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
"$BEEX" init --out m.safetensors --seed 3 --vocab 60 --d 16 --heads 2 --dff 32 --blocks 2 \
    --max-len 12 --labels 0,1 >/dev/null
mkdir task
for s in train dev test; do
    awk -v seed="${#s}" 'BEGIN { srand(seed); for (i = 0; i < 30; i++) { t = "";
        k = 2 + int(rand() * 8); for (j = 0; j < k; j++) t = t " w" (2 + int(rand() * 58));
        print int(rand() * 2) "\t" t } }' >task/$s.tsv
done
for bad in "PAPI_TOT_INS,,PAPI_TOT_CYC" "PAPI TOT" "A,B,C,D,E,F,G,H,I"; do
    status=0
    err=$("$BEEX" sweep m.safetensors task --out r --events "$bad" 2>&1 >/dev/null) || status=$?
    [ "$status" = 2 ] && grep -q -- "--events" <<<"$err" || fail "--events '$bad': status $status, $err"
done
[ ! -e r ] || fail "a refused --events left a results folder"
"$BEEX" sweep m.safetensors task --out r --quick --reps 9 --variants scalar --threads 1 --batches 1 \
    --points 1 --events PAPI_TOT_INS,perf::INSTRUCTIONS >/dev/null 2>err.txt || fail "sweep: $(cat err.txt)"
hw=$(jq -c '[.timed[]?.hardware_counters // .timed[]?.hw // empty] | .[0]' r/sweep.json)
if jq -e '.available == true' <<<"$hw" >/dev/null 2>&1; then
    # A machine with a PMU: the chosen events are the ones counted.
    jq -e '.per_thread[0] | has("PAPI_TOT_INS")' <<<"$hw" >/dev/null || fail "events not counted: $hw"
elif "$BEEX" --version | grep -q 'PAPI no'; then
    # A build without PAPI (the arm64 one): the reason says so, and the SDE counts still arrive.
    jq -e '.reason | test("built without PAPI")' <<<"$hw" >/dev/null ||
        fail "a build without PAPI does not say so: $hw"
    jq -e '.counters.sde.EXAMPLES > 0 and .counters.sde.published_to_papi == false' r/sweep.json \
        >/dev/null || fail "no software-defined counts: $(jq -c '.counters' r/sweep.json)"
else
    jq -e '.reason | test("PAPI_TOT_INS") and test("PAPI says")' <<<"$hw" >/dev/null ||
        fail "unavailable counters without the chosen event and PAPI's reason: $hw"
fi
# The context records the CPUs granted and the trace team's binding (it was empty).
jq -e '.context.threads.allowed_cpus != "" and (.context.threads.binding | length) > 0' r/sweep.json \
    >/dev/null || fail "sweep.json context lacks the binding: $(jq -c .context.threads r/sweep.json)"
echo "test_events: ok"
