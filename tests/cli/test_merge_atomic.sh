#!/usr/bin/env bash
# beex merge's output folder appears whole or not at all (issue 24 item 10): a non-empty --out
# is refused without --overwrite and left as it was; with --overwrite it holds exactly the new
# outputs; a failure half-way (inputs refused after the shards were merged, a full disk)
# leaves --out as it was, without partial files or a staging folder.
set -euo pipefail
BEEX=$(realpath "$1")
tmp=$(mktemp -d)
full=$tmp/full
cleanup() {
    umount "$full" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp"
fail() { echo "FAIL: $*" >&2; exit 1; }
# Every file under a folder with its checksum, and the folders: equal before and after means
# untouched.
snapshot() { (cd "$1" && find . -type d | sort && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }
# No staging folder (<out>.partial-<pid>) nor a moved-aside one (<out>.replaced-<pid>) left.
no_leftovers() { # DIR WHAT
    if ls -d "$1".partial-* "$1".replaced-* >/dev/null 2>&1; then
        fail "$2: left $(ls -d "$1".partial-* "$1".replaced-* 2>/dev/null | tr '\n' ' ')"
    fi
}

# Inputs: two shards of a sweep of a seeded random model (as in test_sweep.sh), a kernel
# benchmark file in `beex bench gemm --json`'s shape (written here, nothing timed), and two
# sweep documents of different models, which the machines table refuses after the shards are
# merged: a failure in the middle of the merge.
"$BEEX" init --out m.safetensors --seed 3 --vocab 120 --d 32 --heads 2 --dff 64 --blocks 5 \
    --max-len 24 --labels 0,1 >/dev/null
mkdir task
for s in train dev test; do
    awk -v seed="${#s}" 'BEGIN { srand(seed); for (i = 0; i < 60; i++) { t = "";
        k = 2 + int(rand() * 20); for (j = 0; j < k; j++) t = t " w" (2 + int(rand() * 118));
        print int(rand() * 2) "\t" t } }' >task/$s.tsv
done
for i in 0 1; do
    "$BEEX" sweep m.safetensors task --shard $i/2 --out shard$i >/dev/null 2>&1 || fail "shard $i"
done
cat >bench.json <<'EOF'
{"context": {"host_name": "h", "machine": "x86_64"},
 "benchmarks": [{"name": "bgemm_w1a1/scalar/64/128/256/1", "run_type": "iteration",
                 "real_time": 2.5, "time_unit": "ms", "bound_ratio": 0.5}]}
EOF
echo '{"kind": "beex-sweep", "inputs": {"model": {"fingerprint": "aaaa"}}}' >sweep_a.json
echo '{"kind": "beex-sweep", "inputs": {"model": {"fingerprint": "bbbb"}}}' >sweep_b.json

# The outputs of a shard merge, from a merge into a fresh folder.
"$BEEX" merge --out fresh shard0 shard1 >/dev/null || fail "merge into a fresh folder"
shard_outputs=$(ls fresh)
[ -f fresh/sweep.json ] && [ -f fresh/trace_test.csv ] || fail "a shard merge lacks its files"
no_leftovers fresh "a merge into a fresh folder"
# An empty folder is as good as none.
mkdir empty
"$BEEX" merge --out empty bench.json >/dev/null || fail "merge into an empty folder"
[ "$(ls empty)" = kernels.csv ] || fail "merge into an empty folder: $(ls empty | tr '\n' ' ')"

# An earlier merge, with a file of the user's beside it.
"$BEEX" merge --out old shard0 shard1 >/dev/null || fail "the earlier merge"
echo "notes of the earlier run" >old/notes.txt
before=$(snapshot old)

# (a) Into a non-empty folder without --overwrite: refused, naming the folder, untouched.
set +e
"$BEEX" merge --out old bench.json >out.txt 2>err.txt
rc=$?
set -e
[ $rc -ne 0 ] || fail "(a) a merge into a non-empty folder without --overwrite succeeded"
[ $rc -lt 128 ] || fail "(a) crashed (status $rc)"
grep -q "old" err.txt && grep -q -- "--overwrite" err.txt ||
    fail "(a) the message should name the folder and --overwrite: $(cat err.txt)"
[ "$(snapshot old)" = "$before" ] || fail "(a) the refused merge changed the folder"
no_leftovers old "(a)"

# (c) A failure half-way, with --overwrite: the shards merge, then the machines table refuses
# sweeps of two models. The folder keeps the earlier run, nothing partial is left; into an
# absent folder, no folder appears.
set +e
"$BEEX" merge --overwrite --out old shard0 shard1 sweep_a.json sweep_b.json >/dev/null 2>err.txt
rc=$?
set -e
[ $rc -eq 1 ] && grep -q "different model" err.txt ||
    fail "(c) sweeps of two models should fail the merge (exit 1): rc $rc, $(cat err.txt)"
[ "$(snapshot old)" = "$before" ] || fail "(c) a failed merge with --overwrite changed the folder"
no_leftovers old "(c) a failed merge with --overwrite"
set +e
"$BEEX" merge --out absent shard0 shard1 sweep_a.json sweep_b.json >/dev/null 2>err.txt
rc=$?
set -e
[ $rc -eq 1 ] || fail "(c) sweeps of two models should fail the merge: rc $rc"
[ ! -e absent ] || fail "(c) a failed merge left $(ls absent | tr '\n' ' ') in a new folder"
no_leftovers absent "(c) a failed merge into a new folder"

# (b) With --overwrite: exactly the new outputs, nothing of the earlier run, even a sub-folder
# (plots/ as plots/plot.sh writes into a run folder) is gone with the folder it was in.
mkdir old/plots && echo plot >old/plots/pareto.svg
"$BEEX" merge --overwrite --out old bench.json >out.txt 2>err.txt ||
    fail "(b) merge --overwrite: $(cat err.txt)"
[ "$(ls -A old)" = kernels.csv ] || fail "(b) after --overwrite the folder holds $(ls -A old | tr '\n' ' ')"
[ "$(wc -l <old/kernels.csv)" = 2 ] || fail "(b) kernels.csv should hold one row"
grep -q "merged into old" out.txt || fail "(b) the folder merged into is not named: $(cat out.txt)"
no_leftovers old "(b)"
# ... and back: a shard merge over the kernels table holds a shard merge's files only.
"$BEEX" merge --overwrite --out old shard0 shard1 >/dev/null || fail "(b) second merge --overwrite"
[ "$(ls -A old)" = "$shard_outputs" ] ||
    fail "(b) after --overwrite the folder holds $(ls -A old | tr '\n' ' '), not $shard_outputs"
cmp old/trace_test.csv fresh/trace_test.csv || fail "(b) the overwritten merge differs from a fresh one"
no_leftovers old "(b) second"

# --overwrite never replaces a folder that holds the merge's own inputs: refused before any
# work, the inputs kept.
mkdir -p nest
cp -r shard0 shard1 nest/
inputs=$(snapshot nest)
set +e
"$BEEX" merge --overwrite --out nest nest/shard0 nest/shard1 >/dev/null 2>err.txt
rc=$?
set -e
[ $rc -ne 0 ] && grep -q "nest" err.txt || fail "an --out holding the inputs was accepted: rc $rc"
[ "$(snapshot nest)" = "$inputs" ] || fail "a refused merge changed the folder of its inputs"
no_leftovers nest "an --out holding the inputs"

# (c) A full disk half-way (a tmpfs too small for sweep.json; needs root to mount): the merge
# fails with a clear message and leaves neither files nor a staging folder.
mkdir -p "$full"
if mount -t tmpfs -o size=256k tmpfs "$full" 2>mount.err; then
    # Into a new folder, then with --overwrite over an earlier one.
    for out in "$full/new" "$full/old"; do
        overwrite=()
        if [ "$out" = "$full/old" ]; then
            mkdir "$out"
            echo "earlier" >"$out/notes.txt"
            overwrite=(--overwrite)
        fi
        before_full=$(ls -A "$full" | tr '\n' ' ')
        set +e
        "$BEEX" merge "${overwrite[@]}" --out "$out" shard0 shard1 >/dev/null 2>err.txt
        rc=$?
        set -e
        [ $rc -ne 0 ] || fail "(c) a merge onto a full disk succeeded"
        [ $rc -lt 128 ] || fail "(c) full disk: crashed (status $rc)"
        grep -qi "no space\|write failed\|cannot" err.txt || fail "(c) full disk: unclear message: $(cat err.txt)"
        [ "$(ls -A "$full" | tr '\n' ' ')" = "$before_full" ] ||
            fail "(c) full disk: left $(ls -A "$full" | tr '\n' ' ') (was $before_full)"
        if [ -d "$out" ]; then
            [ "$(ls -A "$out")" = notes.txt ] || fail "(c) full disk: $out holds $(ls -A "$out" | tr '\n' ' ')"
        fi
    done
else
    echo "note: full-disk case skipped, cannot mount a small tmpfs ($(cat mount.err))"
fi
echo "test_merge_atomic: ok"
