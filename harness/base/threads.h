/* OpenMP threads pinned one per core through hwloc. Call beex_threads_setup once before the
 * first parallel region; it sets the team size and, when the team fills the cores this
 * process may use, binds each OpenMP thread to its own core, fastest first (each core's speed
 * measured once per process, harness/base/core_speed.h: thread 0 runs the serial parts;
 * BEEX_CORE_ORDER=logical keeps hwloc's logical order); a smaller team is left to the
 * scheduler within those cores. The binding actually obtained is recorded for the results
 * files, since a VM may refuse it. */
#ifndef BEEX_BASE_THREADS_H
#define BEEX_BASE_THREADS_H

#include <jansson.h>

/* The fewest elements of work worth a parallel region, for loops whose results do not depend
 * on how the team splits them: a fork and join costs microseconds on idle cores and whole
 * scheduler slices when other processes hold them (two tests side by side under ctest -j2
 * on a noisy 2-core host turned a 0.5 s gradient check into 600 s). Below it, one thread. */
#define BEEX_PAR_MIN_WORK 16384

/* threads <= 0 means one per core this process may use (its CPU binding: taskset, cpuset,
 * Slurm). More threads than allowed cores is a warning on stderr and a cap. Returns the team
 * size in use, or -1 with err set. */
int beex_threads_setup(int threads, char *err, size_t errlen);
int beex_threads_count(void);
/* Narrows this process to slot `slot` of `slots` equal shares of its allowed cores,
 * `per_slot` cores each, in hwloc's logical order, so that processes started side by side
 * (beex study --jobs) each own their cores. Call before beex_threads_setup. Returns 1 when
 * narrowed (desc names the CPUs), 0 when the allowed cores are too few to share out (the
 * processes then share them; desc says so), -1 on an hwloc error. */
int beex_threads_claim_slot(int slot, int slots, int per_slot, char *desc, size_t len);
/* on: beex_threads_setup refuses (returns -1) instead of capping (`beex --strict-threads`). */
void beex_threads_set_strict(int on);
/* The OS's numbers of one CPU per core this process may use (the CPU a pinned thread of that
 * core gets), in hwloc's logical order: at most max of them. Returns how many, or -1 before
 * the first beex_threads_setup. */
int beex_threads_core_cpus(int *cpus, int max);
/* JSON description: requested/effective threads, per-thread core and binding status,
 * and the hwloc topology summary (packages, cores, PUs, caches). New reference. */
json_t *beex_threads_describe(void);

#endif
