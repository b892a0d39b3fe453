#!/usr/bin/env bash
# beex machine reference / run / report on a seeded random model and the synthetic task:
# bad input refused before any measurement, the bundle's schema and required fields, the
# accuracy check marking a bundle invalid, the report's grouping, geometric means, warnings
# and determinism on bundles derived from a real one, the sweep.json fold into machines.csv,
# and the committed results/machines/README.md against a fresh report (skipped, exit 77,
# while no bundle is committed).
set -euo pipefail
BEEX=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
data=$(realpath "${BEEX_TEST_DATA:-$repo/tests/data}/train/synth")
# the arm64 build runs under qemu through this wrapper: its times are not measurements
case "$BEEX" in *beex-emulated) export BEEX_EMULATED=1 ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$BEEX" init --out m.safetensors --seed 3 --vocab 80 --d 16 --heads 2 --dff 32 --blocks 3 \
    --max-len 12 --labels neg,pos >/dev/null
"$BEEX" machine reference m.safetensors "$data" --out ref.json >/dev/null || fail "machine reference"
jq -e --arg sha "$(sha256sum m.safetensors | cut -d' ' -f1)" \
    '.kind == "beex-machine-reference" and .model.sha256 == $sha and
     (.task.sha256 | keys == ["dev.tsv", "test.tsv", "train.tsv"]) and
     (.full_depth.accuracy | type == "number") and (.selected.rule | type == "string") and
     (.selected.hist | length == 3) and (.selected.hist | add) == .test_examples' ref.json >/dev/null ||
    fail "reference record lacks its fields"

# 1. Bad input: refused with status 2 and a message naming it, before any measurement.
run=(--model m.safetensors --task "$data" --reference ref.json --quick --budget-scale 0.03)
refused() { # expected-text, args...
    local want=$1 rc=0
    shift
    "$BEEX" machine run "$@" >out.txt 2>err.txt || rc=$?
    [ $rc = 2 ] || { cat err.txt; fail "machine run $*: exit $rc, expected 2"; }
    grep -q -- "$want" err.txt || { cat err.txt; fail "machine run $*: message lacks '$want'"; }
    ! grep -q "accuracy check on" err.txt || fail "machine run $*: measured before refusing"
}
refused "unrecognized option" "${run[@]}" --out x.json --bogus
mkdir adir
refused "adir" "${run[@]}" --out adir
refused "main_job.sh" --model nosuch.safetensors --task "$data" --reference ref.json --out x.json
refused "nosuch.safetensors" --model nosuch.safetensors --task "$data" --reference ref.json --out x.json
refused "fetch.sh" --model m.safetensors --task nosuchtask --reference ref.json --out x.json
echo '{not json' >bad-ref.json
refused "bad-ref.json" --model m.safetensors --task "$data" --reference bad-ref.json --out x.json
refused "nosuch-ref.json" --model m.safetensors --task "$data" --reference nosuch-ref.json --out x.json
lacking=$("$BEEX" variants | awk '$2 == "unavailable:" { print $1; exit }')
if [ -n "$lacking" ]; then refused "$lacking" "${run[@]}" --out x.json --variants "$lacking"; fi
[ ! -e x.json ] || fail "a refused run left a bundle"

# 2. The plan: the measurement list with times, nothing measured, no bundle.
"$BEEX" machine run "${run[@]}" --out p.json --plan >plan.txt || fail "--plan"
grep -q "^kernel w1a1 .* 128x3072x768 t1" plan.txt && grep -q "^model single-stream w1a1" plan.txt &&
    grep -q "steps, about" plan.txt || fail "--plan output lacks its steps"
[ ! -e p.json ] || fail "--plan wrote a bundle"

# 3. One quick run: the bundle and its schema.
"$BEEX" machine run "${run[@]}" --out b.json --name alpha >out.txt 2>err.txt ||
    { cat err.txt; fail "machine run"; }
grep -q "ETA" err.txt || fail "no progress with ETA on stderr"
jq -e 'keys - ["kind", "bundle_version", "suite_version", "name", "valid", "invalid_reasons",
        "emulated", "settings", "context", "system", "limits", "kernels", "model", "energy",
        "accuracy", "plan", "duration_seconds", "benchmarks"] == []' b.json >/dev/null ||
    fail "unexpected top-level keys: $(jq -c keys b.json)"
jq -e '.kind == "beex-machine-bundle" and .bundle_version == 1 and (.suite_version | type == "string")
       and .name == "alpha" and .valid == true and .invalid_reasons == [] and .accuracy.match == true
       and (.emulated.emulated | type == "boolean")' b.json >/dev/null || fail "bundle head"
jq -e --arg sha "$(sha256sum m.safetensors | cut -d' ' -f1)" '.accuracy.measured.model.sha256 == $sha' \
    b.json >/dev/null || fail "the model's sha256 is not in the bundle"
jq -e '(.system | has("cpu_id") and has("caches") and has("thread_siblings") and has("cpufreq")
        and has("libraries") and (.load_avg_before | length == 3) and (.load_avg_after | length == 3)
        and (.allowed_cpus | length >= 1))
       and (.context | has("cpu_model") and has("cpu_flags") and has("compiler") and has("variants"))
       and (.system.cpufreq | type == "object" or test("^unavailable: "))' b.json >/dev/null ||
    fail "system section lacks fields"
nv=$(jq '.settings.variants | length' b.json)
nt=$(jq '.settings.threads | length' b.json)
jq -e --argjson nv "$nv" --argjson nt "$nt" '
    (.limits.bound | length == $nv * $nt) and all(.limits.bound[]; .bmac_per_s > 0)
    and (.limits.fma | length >= 1) and all(.limits.fma[]; .flop_per_s > 0)
    and all(.limits.memory[]; .bytes_per_s > 0 and .array_bytes > 0)
    and (.limits.multicore.per_cpu | length >= 1) and .limits.multicore.ceiling_bmac_per_s > 0
    and (.limits.multicore.team | has("efficiency_vs_ceiling"))
    and ([.kernels[] | select(.op == "w1a1")] | length == 6 * $nv * $nt)
    and all(.kernels[] | select(.op == "w1a1"); .fraction_of_limit > 0 and .bmac_per_s > 0)
    and ([.kernels[] | select(.M == 128 and .N == 3072 and .K == 768)] | length > 0)
    and ([.model.single_stream[]] | length == 4 * $nv * 2 * $nt)
    and all(.model.single_stream[]; .queries >= .batch * 100 and .p50_ms <= .p90_ms and .p90_ms <= .p99_ms)
    and .model.min_queries == 100
    and ([.model.offline_best[]] | length == 4 * $nv * 2)
    and ([.model.single_stream[].precision] | unique == ["fp32", "w1a1", "w1a32", "w8a8"])
    and (.model.weights.w8a8 | test("calibrated"))
    and ([.model.offline_best[].batch] - [1, 8, 32] == [])
    and ([.benchmarks[] | select(.run_type == "aggregate")] | length > 0)' b.json >/dev/null ||
    fail "limits, kernels or model scenarios incomplete"
if [ ! -e /sys/class/powercap/intel-rapl:0/energy_uj ]; then
    jq -e '.energy.available == false and (.energy.reason | test("^unavailable: "))' b.json >/dev/null ||
        fail "no RAPL here: the bundle must say why"
fi
if [ -n "${BEEX_EMULATED:-}" ]; then
    jq -e '.emulated.emulated and .emulated.times == "emulated, not a measurement"' b.json >/dev/null ||
        fail "an emulated run must be marked"
else
    jq -e '.emulated.emulated == false' b.json >/dev/null || fail "a native run marked emulated"
fi

# 4. The accuracy check: a reference with another accuracy marks the bundle invalid.
jq '.full_depth.accuracy = 0.123' ref.json >wrong-ref.json
"$BEEX" machine run --model m.safetensors --task "$data" --reference wrong-ref.json --quick \
    --budget-scale 0.01 --variants scalar --threads 1 --out inv.json >/dev/null 2>err.txt ||
    { cat err.txt; fail "a failed accuracy check must still write its bundle"; }
jq -e '.valid == false and .accuracy.match == false and
       (.invalid_reasons | length == 1) and (.invalid_reasons[0] | test("accuracy at full depth"))' \
    inv.json >/dev/null || fail "wrong reference: bundle not marked invalid ($(jq -c .invalid_reasons inv.json))"

# 5. The report on bundles derived from the real one.
jq '.name = "beta" | .kernels[].median_seconds /= 2 | .model.single_stream[].p90_ms /= 2
    | .model.offline_best[].examples_per_s *= 2' b.json >beta.json
jq '.name = "gamma" | .accuracy.measured.model.sha256 = ("0" * 64)' b.json >gamma.json
jq '.name = "delta" | .suite_version = "0"' b.json >delta.json
jq '.name = "loaded" | .system.load_avg_before[0] = 99' b.json >loaded.json
jq '.name = "emul" | .emulated.emulated = true' b.json >emul.json
jq '.name = "noisy" | .kernels[].cv = 0.5 | .model.single_stream[].cv = 0.5 | .model.offline[].cv = 0.5' \
    b.json >noisy.json
jq '.name = "bad" | .valid = false | .invalid_reasons = ["the test accuracy at full depth differs"]' \
    b.json >bad.json
all=(b.json beta.json gamma.json delta.json loaded.json emul.json noisy.json bad.json)
"$BEEX" machine report "${all[@]}" --out rep1 >/dev/null || fail "machine report"
"$BEEX" machine report "${all[@]}" --out rep2 >/dev/null || fail "machine report (again)"
for f in README.md machines.tex machines_bundles.csv roofline-alpha.dat; do
    [ -s rep1/$f ] || fail "report lacks $f"
    cmp -s rep1/$f rep2/$f || fail "report not deterministic: $f differs between two runs"
done
readme=rep1/README.md
[ "$(grep -c '^## Table ' $readme)" = 3 ] || fail "three groups (model sha x suite) expected"
grep -q "different model files or suite versions" $readme || fail "the grouping is not said"
# gamma and delta never share a column with alpha
grep -A2 "^## Table 1" $readme | grep -q "| alpha | beta |" || fail "table 1 columns"
! grep -A2 "^## Table 1" $readme | grep -q "gamma\|delta" || fail "gamma or delta in alpha's table"
grep -A2 "^## Table 2" $readme | grep -q "| gamma |" || fail "gamma's own table"
grep -A2 "^## Table 3" $readme | grep -q "| delta |" || fail "delta's own table"
# beta is twice as fast in every scored figure: every ratio and the geometric mean are 2
gm=$(grep -m1 '^| geometric mean |' $readme)
[ "$(echo "$gm" | awk -F'|' '{ gsub(/ /, "", $4); print $4 }')" = "2.000" ] ||
    fail "geometric mean of beta over alpha: $gm"
"$BEEX" machine report b.json beta.json --out rep3 --reference-machine beta >/dev/null
grep -m1 '^| geometric mean |' rep3/README.md | grep -q '| 0.500 | 1.000 |' ||
    fail "--reference-machine beta: alpha's mean must be 0.500"
grep -q "^- loaded: loaded: load average 99" $readme || fail "loaded warning"
grep -q "^- emul: emulated: " $readme || fail "emulated warning"
grep -q "^- noisy: noisy: median coefficient of variation 50.0 %" $readme || fail "noisy warning"
grep -q "^- bad: invalid: the test accuracy" $readme || fail "invalid warning"
grep -q '| \*\*NO\*\* |' $readme || fail "the invalid bundle's column must say so"
set +e
"$BEEX" machine report b.json --reference-machine nosuch --out rep4 >/dev/null 2>&1; rc1=$?
"$BEEX" machine report ref.json --out rep5 >/dev/null 2>&1; rc2=$?
"$BEEX" machine report --bogus b.json >/dev/null 2>&1; rc3=$?
set -e
[ $rc1 = 2 ] && [ $rc2 = 2 ] && [ $rc3 = 2 ] ||
    fail "report usage errors: --reference-machine nosuch $rc1, no bundle $rc2, unknown option $rc3"

# 6. One machines table writer: sweep.json given to the report makes beex merge's machines.csv.
"$BEEX" sweep m.safetensors "$data" --out sw --threads 1 --batches 1 --points 2 --reps 9 --quick \
    >/dev/null 2>&1 || fail "sweep"
"$BEEX" merge sw/sweep.json --out mg >/dev/null || fail "merge"
"$BEEX" machine report sw/sweep.json b.json --out rep6 >/dev/null || fail "report with a sweep"
cmp <(cut -d, -f2- mg/machines.csv) <(cut -d, -f2- rep6/machines.csv) ||
    fail "machines.csv from the report differs from beex merge's"
[ -s rep6/README.md ] || fail "the bundle beside the sweep got no README"

# 7. The committed table regenerates from the committed bundles.
shopt -s nullglob
committed=()
for f in "$repo"/results/machines/*.json; do
    [ "$(jq -r .kind "$f")" = beex-machine-bundle ] && committed+=("$f")
done
if [ ${#committed[@]} = 0 ]; then
    echo "SKIP: no machine bundle committed in results/machines/ yet: the committed README.md is not checked"
    exit 77
fi
"$BEEX" machine report "${committed[@]}" --out fresh >/dev/null || fail "report of the committed bundles"
cmp fresh/README.md "$repo/results/machines/README.md" ||
    fail "results/machines/README.md is not what beex machine report results/machines/*.json writes"
echo "ok"
