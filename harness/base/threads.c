#include "harness/base/threads.h"

#include <errno.h>
#include <hwloc.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/base/core_speed.h"
#include "harness/base/run_alone.h"

static int team_size = 0;
static int requested = 0;
static char allowed_list[256] = "";
static int allowed_cores = 0;
static int strict; /* --strict-threads: more threads than allowed cores is an error */
static hwloc_bitmap_t initial_allowed; /* the CPUs granted at the first setup */
static int bind_ok[256];
static int bind_core[256];
static char bind_err[256][96];
/* One CPU (the OS's number) per allowed core, in hwloc's logical order. */
static int core_cpu[256];
static int ncore_cpu;
/* The cores' measured speeds (core_speed.h), once per process: 0 not yet, 1 measured, -1 not
 * measured (BEEX_CORE_ORDER=logical, one core, or the probe failed). */
static int speed_state;
static double core_rate[256];
static int speed_order[256];

void beex_threads_set_strict(int on)
{
    strict = on;
}

int beex_threads_count(void)
{
    return team_size > 0 ? team_size : omp_get_max_threads();
}

/* The team size for a request: threads <= 0 one per allowed core; more than the allowed cores
 * is a warning and a cap, or an error under --strict-threads. -1 with err set. */
static int team_for(int threads, int ncores, char *err, size_t errlen)
{
    int n = threads > 0 ? threads : ncores;
    if (n > 256) {
        snprintf(err, errlen, "--threads %d: at most 256 supported", n);
        return -1;
    }
    if (n > ncores && strict) {
        snprintf(err, errlen,
                 "--threads %d exceeds the %d core%s this process may use (CPUs %s) and "
                 "--strict-threads is set",
                 n, ncores, ncores == 1 ? "" : "s", allowed_list);
        return -1;
    }
    if (n > ncores) {
        fprintf(stderr,
                "beex: --threads %d exceeds the %d core%s this process may use (CPUs %s); "
                "using %d\n",
                n, ncores, ncores == 1 ? "" : "s", allowed_list, ncores);
        n = ncores;
    }
    return n;
}

/* Each of the n OpenMP threads pinned to its core (pin) or set free within the allowed CPUs;
 * what each got is recorded for beex_threads_describe. Returns the team size obtained. */
static int bind_team(hwloc_topology_t topo, hwloc_obj_t *cores, int ncores, hwloc_bitmap_t allowed,
                     int n, int pin)
{
    int got = 0;
#pragma omp parallel num_threads(n)
    {
        int t = omp_get_thread_num();
        int core = t % ncores;
        hwloc_obj_t obj = cores[core];
        bind_core[t] = (int)obj->logical_index;
        bind_ok[t] = 0;
        bind_err[t][0] = '\0';
        hwloc_bitmap_t set = NULL;
        if (!pin) {
            set = hwloc_bitmap_dup(allowed); /* undo any earlier, larger team's pinning */
        } else if (obj->cpuset != NULL) {
            set = hwloc_bitmap_dup(obj->cpuset);
            hwloc_bitmap_and(set, set, allowed); /* only PUs this process may use */
            hwloc_bitmap_singlify(set); /* one PU of the core: no migration between SMT siblings */
        }
        if (set == NULL) {
            snprintf(bind_err[t], sizeof bind_err[t], "no core object %d", core);
        } else if (hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_THREAD) != 0) {
            snprintf(bind_err[t], sizeof bind_err[t], "%s", strerror(errno));
        } else if (pin) {
            bind_ok[t] = 1;
        } else {
            bind_core[t] = -1;
            snprintf(bind_err[t], sizeof bind_err[t],
                     "not pinned: %d thread%s on %d allowed cores, placed by the OS", n,
                     n == 1 ? "" : "s", ncores);
        }
        if (set != NULL)
            hwloc_bitmap_free(set);
#pragma omp single
        got = omp_get_num_threads();
    }
    return got;
}

/* A pinned team's thread 0 runs every serial part of the program (and every operation too
 * small to share), so it goes on the fastest core, measured once per process: on a machine
 * whose cores run 15-20 % apart, two pinned threads with thread 0 on the slower core ran
 * batch-1 passes slower than one unpinned thread. The other threads follow in speed order.
 * BEEX_CORE_ORDER=logical keeps hwloc's logical order (thread t on core t). Which thread runs
 * where never changes a result. */
static void probe_cores(void *ok)
{
    *(int *)ok = beex_core_speeds(core_cpu, ncore_cpu, 7, 1e-4, core_rate) == 0;
}

static void order_cores(hwloc_obj_t *cores, int ncores)
{
    if (speed_state == 0) {
        const char *how = getenv("BEEX_CORE_ORDER");
        int ok = 0;
        speed_state = -1;
        /* Alone: a thread of an earlier team still spinning on a CPU would halve its rate. */
        if (ncores > 1 && ncores == ncore_cpu && (how == NULL || strcmp(how, "logical") != 0))
            beex_run_alone(probe_cores, &ok);
        if (ok) {
            beex_order_by_speed(core_rate, ncores, speed_order);
            speed_state = 1;
        }
    }
    if (speed_state != 1)
        return;
    hwloc_obj_t logical[256];
    memcpy(logical, cores, (size_t)ncores * sizeof *cores);
    for (int i = 0; i < ncores; i++)
        cores[i] = logical[speed_order[i]];
}

int beex_threads_core_cpus(int *cpus, int max)
{
    if (ncore_cpu == 0)
        return -1;
    int n = ncore_cpu < max ? ncore_cpu : max;
    memcpy(cpus, core_cpu, (size_t)n * sizeof *cpus);
    return n;
}

int beex_threads_setup(int threads, char *err, size_t errlen)
{
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0 || hwloc_topology_load(topo) != 0) {
        snprintf(err, errlen, "hwloc: cannot load the machine topology");
        return -1;
    }
    /* The CPUs this process may run on (taskset, a cpuset, a Slurm allocation): threads are
     * placed only there, one per allowed core, so that a one-CPU job never runs two threads
     * bound to cores it does not own. */
    hwloc_bitmap_t allowed = hwloc_bitmap_alloc();
    if (allowed != NULL && initial_allowed != NULL) {
        hwloc_bitmap_copy(allowed, initial_allowed);
    } else if (allowed != NULL) {
        if (hwloc_get_proc_cpubind(topo, getpid(), allowed, HWLOC_CPUBIND_PROCESS) != 0 ||
            hwloc_bitmap_iszero(allowed))
            hwloc_bitmap_copy(allowed, hwloc_topology_get_allowed_cpuset(topo));
        /* Binding a team narrows the process's own mask (one thread stays on the core it runs
         * on): later calls must start from the CPUs granted, not from the last binding. */
        initial_allowed = hwloc_bitmap_dup(allowed);
    }
    char *list = NULL;
    if (hwloc_bitmap_list_asprintf(&list, allowed) >= 0 && list != NULL) {
        snprintf(allowed_list, sizeof allowed_list, "%s", list);
        free(list);
    }
    hwloc_obj_type_t unit =
        hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE) > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
    hwloc_obj_t cores[256];
    int ncores = 0;
    for (hwloc_obj_t o = hwloc_get_next_obj_by_type(topo, unit, NULL); o != NULL && ncores < 256;
         o = hwloc_get_next_obj_by_type(topo, unit, o))
        if (o->cpuset != NULL && hwloc_bitmap_intersects(o->cpuset, allowed))
            cores[ncores++] = o;
    ncore_cpu = 0;
    for (int c = 0; c < ncores; c++) { /* the PU a pinned thread gets (bind_team) */
        hwloc_bitmap_t set = hwloc_bitmap_dup(cores[c]->cpuset);
        if (set == NULL)
            break;
        hwloc_bitmap_and(set, set, allowed);
        int pu = hwloc_bitmap_first(set);
        hwloc_bitmap_free(set);
        if (pu < 0)
            break;
        core_cpu[c] = pu;
        ncore_cpu = c + 1;
    }
    if (ncores == 0) {
        snprintf(err, errlen, "hwloc: no core of the allowed CPUs (%s) found", allowed_list);
        hwloc_bitmap_free(allowed);
        hwloc_topology_destroy(topo);
        return -1;
    }
    allowed_cores = ncores;
    requested = threads;
    int n = team_for(threads, ncores, err, errlen);
    if (n < 0) {
        hwloc_bitmap_free(allowed);
        hwloc_topology_destroy(topo);
        return -1;
    }
    /* A team smaller than the allowed cores does not own them: it is left to the scheduler
     * within the allowed CPUs. Pinning it (to the first core, or to the core it happened to
     * start on) put two single-thread processes started side by side on one core while the
     * other idled, at half speed each. Whoever starts processes side by side gives each its
     * own CPUs (taskset, Slurm's cpusets, beex study --jobs), and then the team fills them. */
    int pin = n >= ncores;
    if (pin)
        order_cores(cores, ncores);
    omp_set_dynamic(0);
    omp_set_num_threads(n);
    int got = bind_team(topo, cores, ncores, allowed, n, pin);
    hwloc_bitmap_free(allowed);
    hwloc_topology_destroy(topo);
    team_size = got;
    return got;
}

int beex_threads_claim_slot(int slot, int slots, int per_slot, char *desc, size_t len)
{
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0 || hwloc_topology_load(topo) != 0) {
        snprintf(desc, len, "hwloc: cannot load the machine topology");
        return -1;
    }
    hwloc_bitmap_t allowed = hwloc_bitmap_alloc(), mine = hwloc_bitmap_alloc();
    int rc = -1, ncores = 0, taken = 0;
    if (allowed == NULL || mine == NULL) {
        snprintf(desc, len, "out of memory");
        goto done;
    }
    if (hwloc_get_proc_cpubind(topo, getpid(), allowed, HWLOC_CPUBIND_PROCESS) != 0 ||
        hwloc_bitmap_iszero(allowed))
        hwloc_bitmap_copy(allowed, hwloc_topology_get_allowed_cpuset(topo));
    hwloc_obj_type_t unit =
        hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE) > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
    for (hwloc_obj_t o = hwloc_get_next_obj_by_type(topo, unit, NULL); o != NULL;
         o = hwloc_get_next_obj_by_type(topo, unit, o)) {
        if (o->cpuset == NULL || !hwloc_bitmap_intersects(o->cpuset, allowed))
            continue;
        if (ncores >= slot * per_slot && ncores < (slot + 1) * per_slot) {
            hwloc_bitmap_or(mine, mine, o->cpuset);
            taken++;
        }
        ncores++;
    }
    if (per_slot < 1 || slots < 1 || ncores < slots * per_slot) {
        snprintf(desc, len, "%d side by side x %d thread%s on %d allowed core%s: shared", slots,
                 per_slot, per_slot == 1 ? "" : "s", ncores, ncores == 1 ? "" : "s");
        rc = 0;
        goto done;
    }
    hwloc_bitmap_and(mine, mine, allowed);
    if (taken != per_slot || hwloc_set_cpubind(topo, mine, HWLOC_CPUBIND_PROCESS) != 0) {
        snprintf(desc, len, "cannot bind to slot %d's cores: %s", slot, strerror(errno));
        goto done;
    }
    char *list = NULL;
    if (hwloc_bitmap_list_asprintf(&list, mine) >= 0 && list != NULL) {
        snprintf(desc, len, "CPUs %s", list);
        free(list);
    }
    rc = 1;
done:
    hwloc_bitmap_free(allowed);
    hwloc_bitmap_free(mine);
    hwloc_topology_destroy(topo);
    return rc;
}

json_t *beex_threads_describe(void)
{
    json_t *o = json_object();
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) == 0 && hwloc_topology_load(topo) == 0) {
        json_t *t = json_object();
        json_object_set_new(t, "packages",
                            json_integer(hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE)));
        json_object_set_new(t, "cores",
                            json_integer(hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE)));
        json_object_set_new(t, "pus", json_integer(hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU)));
        json_object_set_new(t, "numa_nodes",
                            json_integer(hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE)));
        static const hwloc_obj_type_t caches[] = {HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE,
                                                  HWLOC_OBJ_L3CACHE};
        static const char *const names[] = {"l1d_bytes", "l2_bytes", "l3_bytes"};
        for (int i = 0; i < 3; i++) {
            hwloc_obj_t c = hwloc_get_obj_by_type(topo, caches[i], 0);
            if (c != NULL && c->attr != NULL)
                json_object_set_new(t, names[i], json_integer((json_int_t)c->attr->cache.size));
        }
        hwloc_obj_t root = hwloc_get_root_obj(topo);
        const char *cpu_model = hwloc_obj_get_info_by_name(root, "CPUModel");
        if (cpu_model == NULL) {
            hwloc_obj_t pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
            if (pkg != NULL)
                cpu_model = hwloc_obj_get_info_by_name(pkg, "CPUModel");
        }
        if (cpu_model != NULL)
            json_object_set_new(t, "cpu_model", json_string(cpu_model));
        json_object_set_new(o, "topology", t);
        hwloc_topology_destroy(topo);
    } else {
        json_object_set_new(o, "topology", json_string("unavailable: hwloc failed to load"));
    }
    json_object_set_new(o, "allowed_cpus", json_string(allowed_list));
    json_object_set_new(o, "allowed_cores", json_integer(allowed_cores));
    static const char *const slurm[] = {"SLURM_JOB_ID", "SLURM_ARRAY_TASK_ID",
                                        "SLURM_CPUS_PER_TASK"};
    json_t *sl = json_object();
    for (int i = 0; i < 3; i++)
        if (getenv(slurm[i]) != NULL)
            json_object_set_new(sl, slurm[i], json_string(getenv(slurm[i])));
    json_object_set_new(o, "slurm", sl);
    json_object_set_new(o, "threads_requested", json_integer(requested));
    json_object_set_new(o, "threads_effective", json_integer(beex_threads_count()));
    json_t *b = json_array();
    for (int t = 0; t < team_size && t < 256; t++) {
        json_t *r = json_object();
        json_object_set_new(r, "thread", json_integer(t));
        json_object_set_new(r, "core",
                            bind_core[t] >= 0 ? json_integer(bind_core[t]) : json_null());
        json_object_set_new(r, "bound", json_boolean(bind_ok[t]));
        if (!bind_ok[t])
            json_object_set_new(r, bind_core[t] >= 0 ? "error" : "note", json_string(bind_err[t]));
        json_array_append_new(b, r);
    }
    json_object_set_new(o, "binding", b);
    /* The cores' measured speeds, relative to the fastest, and the order a pinned team took. */
    json_object_set_new(o, "core_order",
                        json_string(speed_state == 1 ? "fastest first (measured)" : "logical"));
    if (speed_state == 1) {
        json_t *sp = json_array();
        double top = core_rate[speed_order[0]];
        for (int c = 0; c < ncore_cpu; c++)
            json_array_append_new(sp, json_pack("{s:i, s:f}", "cpu", core_cpu[c], "relative_speed",
                                                top > 0.0 ? core_rate[c] / top : 0.0));
        json_object_set_new(o, "core_speeds", sp);
    }
    return o;
}
