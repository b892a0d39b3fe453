#!/usr/bin/env bash
# A real one-node Slurm on localhost (docs/peers.md: munged, slurmctld, slurmd with a generated
# slurm.conf, NodeName=localhost CPUs=2) runs a small `beex study` as an array through
# scripts/slurm/submit_study.sh, one unit per task; the aggregate job's files must equal the
# same study run locally, byte for byte. Only the daemons started here are stopped, by PID,
# on every exit path. Without Slurm or munge installed it exits 77 saying so (scripts/setup.sh
# installs both).
set -u
beex=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
data=$(realpath "${BEEX_TEST_DATA:-$repo/tests/data}/train/synth")
for p in munged slurmctld slurmd sbatch scontrol sinfo scancel; do
    if ! command -v "$p" >/dev/null 2>&1; then
        echo "SKIP: $p is not installed (Debian's slurm-wlm and munge; scripts/setup.sh installs them)"
        exit 77
    fi
done

tmp=$(mktemp -d)
chmod 711 "$tmp" # munged wants every directory above its socket searchable by all
pids=()
jobs=()
cleanup() {
    for j in "${jobs[@]}"; do scancel "$j" 2>/dev/null; done
    # Each job step's slurmstepd (started by our slurmd) leaves its socket in the spool folder
    # until it has finished: let them end before their slurmd goes.
    local i
    for i in $(seq 50); do
        compgen -G "$tmp/spool/localhost_*" >/dev/null || break
        sleep 0.1
    done
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null; done
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do wait "${pids[i]}" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
    echo "FAIL: $*" >&2
    for f in "$tmp"/*.log "$tmp"/slurm/slurm/*.out; do
        [ -f "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }
    done
    exit 1
}

# Two free TCP ports for slurmctld and slurmd.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 50); do
    port=$((20000 + RANDOM % 20000))
    port_free "$port" && port_free $((port + 1)) && break
done

head -c 1024 /dev/urandom >"$tmp/munge.key"
chmod 400 "$tmp/munge.key"
mkdir "$tmp/state" "$tmp/spool"
user=$(id -un)
cat >"$tmp/slurm.conf" <<CONF
ClusterName=beextest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$tmp/munge.sock
CredType=cred/munge
SlurmUser=$user
SlurmdUser=$user
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$tmp/slurm.conf

munged -F --key-file="$tmp/munge.key" --socket="$tmp/munge.sock" --pid-file="$tmp/munged.pid" \
    --log-file="$tmp/munged.log" --seed-file="$tmp/munged.seed" >"$tmp/munged.out.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/munge.sock" ] && break; sleep 0.1; done
[ -S "$tmp/munge.sock" ] || fail "munged did not start"
slurmctld -D -f "$SLURM_CONF" >"$tmp/slurmctld.out.log" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$tmp/slurmd.out.log" 2>&1 &
pids+=($!)
state=
for _ in $(seq 100); do
    state=$(sinfo -h -n localhost -o '%t' 2>/dev/null)
    [ "$state" = idle ] && break
    sleep 0.2
done
[ "$state" = idle ] || fail "the node did not come up (state '$state')"

study=(--tasks "$data" --precisions w1a1 --seeds "1,2" --epochs 1 --d 16 --heads 2 --dff 32
    --blocks 2 --max-len 12 --vocab 80 --batch 16)
"$beex" study "${study[@]}" --threads 1 --out "$tmp/local" >/dev/null 2>"$tmp/local.log" ||
    fail "the local study"

cd "$repo" || fail "cd $repo"
ids=$(BEEX=$beex CPUS_PER_TASK=1 bash scripts/slurm/submit_study.sh "$tmp/slurm" "${study[@]}" \
    2>"$tmp/submit.log") || fail "submit_study.sh"
array=$(printf '%s\n' "$ids" | sed -n 's/^ARRAY_JOB=//p')
aggregate=$(printf '%s\n' "$ids" | sed -n 's/^AGGREGATE_JOB=//p')
if [ -z "$array" ] || [ -z "$aggregate" ]; then fail "no job ids from submit_study.sh: $ids"; fi
jobs=("$array" "$aggregate")
echo "array job $array, aggregate job $aggregate (afterok:$array)"
scontrol show job "$aggregate" | grep -q "Dependency=afterok:${array}" ||
    fail "the aggregate job does not depend on the array"

job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | head -n 1; }
st=
for _ in $(seq 1200); do # 4 minutes at most (sanitizer builds, a loaded machine); ~5 s here
    st=$(job_state "$aggregate")
    case $st in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) break ;; esac
    if scontrol show job "$aggregate" 2>/dev/null | grep -q DependencyNeverSatisfied; then
        fail "an array task failed: the aggregate can never start"
    fi
    sleep 0.2
done
[ "$st" = COMPLETED ] || fail "aggregate job ended as '$st'"
jobs=()

for u in 0 1; do
    grep -q "trained and swept" "$tmp/slurm/slurm/unit-${array}_$u.out" ||
        fail "array task $u did not run its unit"
done
for f in study.json study.csv study.md study.tex; do
    cmp "$tmp/local/$f" "$tmp/slurm/$f" || fail "$f differs between the local and the Slurm study"
done
jq -e '.units | length == 2' "$tmp/slurm/study.json" >/dev/null || fail "study.json lacks units"
grep -q '"SLURM_ARRAY_TASK_ID"' "$tmp/slurm/context.json" || fail "context.json lacks Slurm's ids"
cat "$tmp/slurm/slurm/aggregate-$aggregate.out"
echo "ok: the Slurm study's aggregate equals the local one byte for byte"
