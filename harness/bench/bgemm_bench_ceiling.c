/* A binary GEMM against its multi-core ceiling (core_ceiling.h): the single-thread kernel
 * pinned to each core this process may use, and the kernel on the team, interleaved. */
#include <stdio.h>
#include <stdlib.h>

#include "harness/base/threads.h"
#include "harness/bench/bgemm_bench.h"
#include "kernels/bgemm.h"

static int call_kernel(void *ctx, int threads)
{
    return beex_gemm_operands_call(ctx, threads) == BEEX_OK ? 0 : -1;
}

int beex_bench_ceiling(beex_gemm_op op, beex_isa isa, beex_gemm_shape s, int threads, int rounds,
                       beex_ceiling *out, int *cpus, int *ncpus, char *err, size_t errlen)
{
    *ncpus = beex_threads_core_cpus(cpus, BEEX_CEILING_MAX_CPUS);
    if (*ncpus < 1) {
        snprintf(err, errlen, "ceiling: the allowed cores are not known (threads not set up)");
        return -1;
    }
    beex_gemm_operands *g = beex_gemm_operands_new(op, isa, s, err, errlen);
    double *secs = malloc((size_t)rounds * ((size_t)*ncpus + 1) * sizeof *secs);
    int rc = -1;
    if (g == NULL)
        goto done;
    if (secs == NULL) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    double *team = secs + (size_t)rounds * (size_t)*ncpus;
    if (beex_ceiling_measure(call_kernel, g, cpus, *ncpus, threads, rounds, secs, team, err,
                             errlen) != 0)
        goto done;
    double work = (double)s.m * (double)s.n * (double)s.k;
    if (beex_ceiling_summarise(work, secs, team, rounds, *ncpus, threads, 0.9, out) != 0) {
        snprintf(err, errlen, "ceiling: a call measured no time");
        goto done;
    }
    rc = 0;
done:
    free(secs);
    beex_gemm_operands_free(g);
    return rc;
}
