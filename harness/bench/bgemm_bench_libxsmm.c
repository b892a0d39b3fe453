/* libxsmm fp32 GEMM as the full-precision yardstick for the same M, N, K. libxsmm JIT-compiles
 * only small GEMMs (LIBXSMM_MAX_MNK = 64^3), so the product is tiled into 64 x 64 x 64 kernels
 * (beta = 0 for the first K tile, 1 after). Both operands are packed into contiguous,
 * zero-padded tiles before the clock starts: that favours libxsmm (the binary kernels pack
 * their activations inside the timed call), so vs_libxsmm_fp32 errs on the modest side. */
#include <stdio.h>

#include "harness/bench/bgemm_bench.h"

#if !BEEX_HAVE_LIBXSMM
int beex_bench_libxsmm(beex_gemm_shape s, int threads, int reps, beex_stats *out,
                       double *rep_seconds, char *err, size_t errlen)
{
    (void)s, (void)threads, (void)reps, (void)out, (void)rep_seconds;
    snprintf(err, errlen, "built without libxsmm (BEEX_WITH_LIBXSMM): no fp32 yardstick");
    return -1;
}
#else
#include <libxsmm.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { BLK = 64, TILE = BLK * BLK };

typedef struct {
    size_t mt, nt, kt; /* tiles along M, N, K */
    float *a, *b, *c;  /* a: [mt][kt] tiles, b: [nt][kt] tiles, c: [nt][mt] tiles */
    libxsmm_smmfunction first, rest;
} xsmm_problem;

static void xsmm_gemm(const xsmm_problem *p, int threads)
{
    long nt = (long)p->nt;
    /* Column panels taken one at a time: on unequal cores an equal static share would make
     * the yardstick wait for the slower core, and the binary kernels no longer do. */
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (threads > 1)
    for (long jb = 0; jb < nt; jb++) {
        const float *bpanel = p->b + (size_t)jb * p->kt * TILE;
        for (size_t ib = 0; ib < p->mt; ib++) {
            const float *apanel = p->a + ib * p->kt * TILE;
            float *c = p->c + ((size_t)jb * p->mt + ib) * TILE;
            p->first(apanel, bpanel, c);
            for (size_t kb = 1; kb < p->kt; kb++)
                p->rest(apanel + kb * TILE, bpanel + kb * TILE, c);
        }
    }
}

int beex_bench_libxsmm(beex_gemm_shape s, int threads, int reps, beex_stats *out,
                       double *rep_seconds, char *err, size_t errlen)
{
    static int initialised = 0;
    if (!initialised) {
        libxsmm_init();
        initialised = 1;
    }
    const libxsmm_blasint ld = BLK;
    const float alpha = 1.0f, beta0 = 0.0f, beta1 = 1.0f;
    xsmm_problem p;
    p.first = libxsmm_smmdispatch(BLK, BLK, BLK, &ld, &ld, &ld, &alpha, &beta0, NULL, NULL);
    p.rest = libxsmm_smmdispatch(BLK, BLK, BLK, &ld, &ld, &ld, &alpha, &beta1, NULL, NULL);
    if (p.first == NULL || p.rest == NULL) {
        snprintf(err, errlen, "libxsmm_smmdispatch(64, 64, 64) returned NULL (no JIT here?)");
        return -1;
    }
    p.mt = (s.m + BLK - 1) / BLK, p.nt = (s.n + BLK - 1) / BLK, p.kt = (s.k + BLK - 1) / BLK;
    p.a = calloc(p.mt * p.kt * TILE, sizeof(float));
    p.b = calloc(p.nt * p.kt * TILE, sizeof(float));
    p.c = calloc(p.nt * p.mt * TILE, sizeof(float));
    double *samples = malloc((size_t)reps * sizeof *samples);
    if (p.a == NULL || p.b == NULL || p.c == NULL || samples == NULL) {
        free(p.a), free(p.b), free(p.c), free(samples);
        snprintf(err, errlen, "out of memory for the %zux%zux%zu fp32 operands", s.m, s.n, s.k);
        return -1;
    }
    /* Column-major tiles: A(i, k) and B(k, j) with values in [-0.5, 0.5). */
    for (size_t i = 0; i < s.m; i++)
        for (size_t k = 0; k < s.k; k++)
            p.a[((i / BLK) * p.kt + k / BLK) * TILE + (k % BLK) * BLK + i % BLK] =
                (float)((i * 31 + k * 17) % 1000) / 1000.0f - 0.5f;
    for (size_t k = 0; k < s.k; k++)
        for (size_t j = 0; j < s.n; j++)
            p.b[((j / BLK) * p.kt + k / BLK) * TILE + (j % BLK) * BLK + k % BLK] =
                (float)((k * 13 + j * 7) % 1000) / 1000.0f - 0.5f;
    xsmm_gemm(&p, threads); /* warm-up */
    for (int r = 0; r < reps; r++) {
        double t0 = beex_now_seconds();
        xsmm_gemm(&p, threads);
        samples[r] = beex_now_seconds() - t0;
    }
    /* Check one output against a direct sum, so a wrong kernel cannot pass as a fast one. */
    double ref = 0.0;
    for (size_t k = 0; k < s.k; k++)
        ref += (double)p.a[(k / BLK) * TILE + (k % BLK) * BLK] *
               (double)p.b[(k / BLK) * TILE + k % BLK];
    double got = p.c[0];
    int ok = fabs(got - ref) <= 1e-3 * (1.0 + fabs(ref));
    if (rep_seconds != NULL) /* before beex_stats_of sorts them */
        memcpy(rep_seconds, samples, (size_t)reps * sizeof *samples);
    *out = beex_stats_of(samples, (size_t)reps);
    free(p.a), free(p.b), free(p.c), free(samples);
    if (!ok) {
        snprintf(err, errlen, "libxsmm result check failed: C[0][0] = %g, expected %g", got, ref);
        return -1;
    }
    return 0;
}
#endif
