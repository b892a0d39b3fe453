/* OpenMP threads pinned one per core through hwloc. Call beex_threads_setup once before the
 * first parallel region; it sets the team size and binds each OpenMP thread to its own core
 * (cores in hwloc's logical order). The binding actually obtained is recorded for the
 * results files, since a VM may refuse it. */
#ifndef BEEX_BASE_THREADS_H
#define BEEX_BASE_THREADS_H

#include <jansson.h>

/* threads <= 0 means one per core this process may use (its CPU binding: taskset, cpuset,
 * Slurm). More threads than allowed cores is a warning on stderr and a cap. Returns the team
 * size in use, or -1 with err set. */
int beex_threads_setup(int threads, char *err, size_t errlen);
int beex_threads_count(void);
/* on: beex_threads_setup refuses (returns -1) instead of capping (`beex --strict-threads`). */
void beex_threads_set_strict(int on);
/* JSON description: requested/effective threads, per-thread core and binding status,
 * and the hwloc topology summary (packages, cores, PUs, caches). New reference. */
json_t *beex_threads_describe(void);

#endif
