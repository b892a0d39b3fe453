#!/usr/bin/env bash
# beex history changes on a synthetic history of 40 records: a noise-free +8 % instruction
# step at record 25, a noisy timed series stepping +10 % at record 10 (no count change:
# unconfirmed) and again at 25 (confirmed), a +0.2 % count step (under the 0.5 % floor) and a
# failed build; exactly these are found. Then malformed input, options and defaults.
set -euo pipefail
BEEX=$(realpath "$1")
command -v jq >/dev/null || { echo "skipped: jq is not installed" >&2; exit 77; }
command -v python3 >/dev/null || { echo "skipped: python3 is not installed" >&2; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 - <<'EOF'
import hashlib, json, random
rng = random.Random(20261207)
with open("h.jsonl", "w") as f:
    for i in range(40):
        commit = hashlib.sha1(b"commit %d" % i).hexdigest()
        rec = {"schema": "beex-history/1", "commit": commit,
               "commit_date": "2026-12-%02dT%02d:00:00Z" % (1 + i // 24, i % 24),
               "subject": "change number %d" % i, "recorded": "2026-12-31T00:00:00Z",
               "suite_version": "beex test", "compiler": "GNU 12.2.0",
               "valgrind": "valgrind-3.19.0",
               "machine": {"fingerprint": "test-6-1", "cpu": "Test CPU"}}
        if i == 33:
            rec.update(build="failed", why="error: it did not build")
            f.write(json.dumps(rec) + "\n")
            continue
        rec["build"] = "ok"
        rec["counts"] = {
            "forward/w1a1/scalar": {"instructions": 1000000 if i < 25 else 1080000,
                                    "d1_misses": 5000 if i < 30 else 5010, "ll_misses": 300},
            "forward/w1a32/scalar": {"instructions": 2000000, "d1_misses": 9000,
                                     "ll_misses": 400}}
        level = 1e-3 * (1.1 if i >= 10 else 1) * (1.1 if i >= 25 else 1)
        reps = [level * (1 + 0.01 * rng.gauss(0, 1)) for _ in range(5)]
        rec["timed"] = {"timed/forward/w1a1/avx512": {"median": sorted(reps)[2], "reps": reps}}
        f.write(json.dumps(rec) + "\n")
EOF
c10=$(python3 -c 'import hashlib; print(hashlib.sha1(b"commit 10").hexdigest())')
c25=$(python3 -c 'import hashlib; print(hashlib.sha1(b"commit 25").hexdigest())')

"$BEEX" history changes --history h.jsonl --json out.json >table.txt || fail "history changes"
[ "$(jq '.changes | length' out.json)" = 3 ] ||
    fail "expected exactly 3 changes: $(jq -c '.changes' out.json)"
# The instruction step: record 25, +8 %, the smallest p-value of 199 permutations.
q='.changes[] | select(.series == "forward/w1a1/scalar:instructions")'
[ "$(jq -r "$q | .commit" out.json)" = "$c25" ] || fail "instruction step not at commit 25"
jq -e "$q | .record == 25 and (.rel_change - 0.08 | fabs) < 1e-9 and .p_value == 0.005
          and .confirmed == null and .regression and .current" out.json >/dev/null ||
    fail "instruction step: $(jq -c "$q" out.json)"
# The timed steps: 10 (unconfirmed, no longer current) and 25 (confirmed by the counts).
t='.changes[] | select(.series == "timed/forward/w1a1/avx512:median")'
[ "$(jq -r "[$t | .commit] | join(\" \")" out.json)" = "$c10 $c25" ] ||
    fail "timed steps: $(jq -c "[$t]" out.json)"
jq -e "[$t] | (.[0].confirmed == false and .[0].current == false and .[0].regression
               and .[1].confirmed == true and .[1].current == true
               and (.[1].rel_change - 0.1 | fabs) < 0.02 and .[1].p_value <= 0.05)" \
    out.json >/dev/null || fail "timed steps: $(jq -c "[$t]" out.json)"
grep -q "${c25:0:12}" table.txt || fail "the table does not show commit 25's hash"
grep -q "change number 25" table.txt || fail "the table does not show commit 25's subject"
grep -q "1 record of a failed build, skipped" table.txt || fail "the failed build is not said"

# --regressions: only the current regressions (both at 25), and exit 0 all the same.
"$BEEX" history changes --history h.jsonl --regressions --json reg.json >/dev/null ||
    fail "--regressions should exit 0"
[ "$(jq -r '[.changes[] | .record] | join(",")' reg.json)" = "25,25" ] ||
    fail "--regressions: $(jq -c '.changes' reg.json)"
# Same seed, same answer; the default history is the one file in results/history/.
mkdir -p results/history && cp h.jsonl results/history/test-6-1.jsonl
"$BEEX" history changes --json again.json >/dev/null || fail "default history"
jq -S 'del(.history)' out.json >a.json && jq -S 'del(.history)' again.json >b.json
cmp -s a.json b.json || fail "two runs with the default seed differ"
"$BEEX" history changes --machine test-6-1 >/dev/null || fail "--machine SLUG as the default"

set +e
"$BEEX" history changes --machine nosuch >/dev/null 2>err.txt; rc=$?
[ $rc != 0 ] || fail "a machine without a history file should fail"
cp h.jsonl results/history/other.jsonl
"$BEEX" history changes >/dev/null 2>err.txt; rc=$?
[ $rc = 2 ] && grep -q -- "--history" err.txt || fail "two history files, no --history: exit $rc"
head -4 h.jsonl >bad.jsonl && echo '{"schema": "beex-history/1", "commit": ' >>bad.jsonl
"$BEEX" history changes --history bad.jsonl >/dev/null 2>err.txt; rc=$?
[ $rc = 1 ] && grep -q "bad.jsonl:5" err.txt || fail "malformed line 5: exit $rc, $(cat err.txt)"
"$BEEX" history changes --history missing.jsonl >/dev/null 2>err.txt; rc=$?
[ $rc = 1 ] && grep -q "missing.jsonl" err.txt || fail "missing history: exit $rc"
"$BEEX" history changes --history h.jsonl --bogus >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "unknown option: exit $rc, expected 2"
for bad in "--significance 0" "--significance 1" "--significance x" "--permutations 0" \
    "--seed -1" "--seed 1x"; do
    # shellcheck disable=SC2086
    "$BEEX" history changes --history h.jsonl $bad >/dev/null 2>err.txt; rc=$?
    [ $rc = 2 ] && [ -s err.txt ] || fail "$bad: exit $rc, expected 2 with a message"
done
"$BEEX" history changes --history h.jsonl --json . >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "--json to a directory: exit $rc, expected 2"
"$BEEX" history changes --history h.jsonl --json h.jsonl >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "--json onto the history: exit $rc, expected 2"
cmp -s h.jsonl results/history/test-6-1.jsonl || fail "the history was overwritten"
"$BEEX" history changes --history h.jsonl extra >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "a positional argument: exit $rc, expected 2"
set -e
echo "ok"
