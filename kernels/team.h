/* Calling a parallel kernel from inside a caller's OpenMP team. A `threads` argument made
 * with beex_in_team(n) means: every thread of the current team makes this same call, and the
 * kernel shares its work among at most n of them with orphaned worksharing (omp for, omp
 * single) instead of opening a region of its own, so a caller with one parallel region per
 * block pays a barrier per operation, not a fork and join. Every thread must then make the
 * same calls in the same order (worksharing constructs are matched by position), and the
 * call returns after its implied barrier. Any other `threads`: > 0 a new team of that size,
 * <= 0 the OpenMP default. */
#ifndef BEEX_KERNELS_TEAM_H
#define BEEX_KERNELS_TEAM_H

#include <omp.h>

#define BEEX_TEAM_FLAG (1 << 30)

static inline int beex_in_team(int n)
{
    return BEEX_TEAM_FLAG | (n > 0 ? n : 1);
}

static inline int beex_is_team(int threads)
{
    return threads > 0 && (threads & BEEX_TEAM_FLAG) != 0;
}

/* The threads a call may use: its count, capped by the team it runs in. */
static inline int beex_team_threads(int threads)
{
    if (beex_is_team(threads)) {
        int n = threads & ~BEEX_TEAM_FLAG, team = omp_get_num_threads();
        return n < team ? n : team;
    }
    return threads > 0 ? threads : omp_get_max_threads();
}

#endif
