/* libxsmm fp32 GEMM as the full-precision yardstick: column-major C (M x N) = A (M x K) B (K x N)
 * from JIT-compiled 64 x 64 x 64 kernels (beta = 0 for the first K block, 1 after). */
#include <libxsmm.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/bench/bgemm_bench.h"

enum { BLK = 64 };

typedef struct {
    libxsmm_smmfunction kern[2][2][2][2]; /* [m edge][n edge][k edge][accumulate] */
    libxsmm_blasint mb[2], nb[2], kb[2];
} xsmm_kernels;

static int dispatch_all(xsmm_kernels *x, beex_gemm_shape s, char *err, size_t errlen)
{
    libxsmm_blasint lda = (libxsmm_blasint)s.m, ldb = (libxsmm_blasint)s.k,
                    ldc = (libxsmm_blasint)s.m;
    x->mb[0] = BLK, x->mb[1] = (libxsmm_blasint)(s.m % BLK);
    x->nb[0] = BLK, x->nb[1] = (libxsmm_blasint)(s.n % BLK);
    x->kb[0] = BLK, x->kb[1] = (libxsmm_blasint)(s.k % BLK);
    const float alpha = 1.0f, betas[2] = {0.0f, 1.0f};
    memset(x->kern, 0, sizeof x->kern);
    for (int em = 0; em < 2; em++)
        for (int en = 0; en < 2; en++)
            for (int ek = 0; ek < 2; ek++)
                for (int acc = 0; acc < 2; acc++) {
                    libxsmm_blasint m = s.m < BLK ? (libxsmm_blasint)s.m : x->mb[em];
                    libxsmm_blasint n = s.n < BLK ? (libxsmm_blasint)s.n : x->nb[en];
                    libxsmm_blasint k = s.k < BLK ? (libxsmm_blasint)s.k : x->kb[ek];
                    if (m == 0 || n == 0 || k == 0)
                        continue;
                    x->kern[em][en][ek][acc] = libxsmm_smmdispatch(m, n, k, &lda, &ldb, &ldc,
                                                                   &alpha, &betas[acc], NULL, NULL);
                    if (x->kern[em][en][ek][acc] == NULL) {
                        snprintf(err, errlen, "libxsmm_smmdispatch(%d, %d, %d) returned NULL",
                                 (int)m, (int)n, (int)k);
                        return -1;
                    }
                }
    return 0;
}

static void xsmm_gemm(const xsmm_kernels *x, beex_gemm_shape s, const float *a, const float *b,
                      float *c, int threads)
{
    long nblocks = (long)((s.n + BLK - 1) / BLK);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1)
    for (long jb = 0; jb < nblocks; jb++) {
        size_t j0 = (size_t)jb * BLK;
        int en = s.n >= BLK && j0 + BLK > s.n;
        for (size_t i0 = 0; i0 < s.m; i0 += BLK) {
            int em = s.m >= BLK && i0 + BLK > s.m;
            for (size_t k0 = 0; k0 < s.k; k0 += BLK) {
                int ek = s.k >= BLK && k0 + BLK > s.k;
                x->kern[em][en][ek][k0 > 0](a + i0 + k0 * s.m, b + k0 + j0 * s.k,
                                            c + i0 + j0 * s.m);
            }
        }
    }
}

int beex_bench_libxsmm(beex_gemm_shape s, int threads, int reps, beex_stats *out, char *err,
                       size_t errlen)
{
    static int initialised = 0;
    if (!initialised) {
        libxsmm_init();
        initialised = 1;
    }
    xsmm_kernels x;
    if (dispatch_all(&x, s, err, errlen) != 0)
        return -1;
    float *a = malloc(s.m * s.k * sizeof *a), *b = malloc(s.k * s.n * sizeof *b);
    float *c = malloc(s.m * s.n * sizeof *c);
    double *samples = malloc((size_t)reps * sizeof *samples);
    if (a == NULL || b == NULL || c == NULL || samples == NULL) {
        free(a), free(b), free(c), free(samples);
        snprintf(err, errlen, "out of memory for the %zux%zux%zu fp32 operands", s.m, s.n, s.k);
        return -1;
    }
    for (size_t i = 0; i < s.m * s.k; i++)
        a[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    for (size_t i = 0; i < s.k * s.n; i++)
        b[i] = (float)((i * 40503u) % 1000) / 1000.0f - 0.5f;
    xsmm_gemm(&x, s, a, b, c, threads); /* warm-up */
    for (int r = 0; r < reps; r++) {
        double t0 = beex_now_seconds();
        xsmm_gemm(&x, s, a, b, c, threads);
        samples[r] = beex_now_seconds() - t0;
    }
    int ok = isfinite(c[0]);
    *out = beex_stats_of(samples, (size_t)reps);
    free(a), free(b), free(c), free(samples);
    if (!ok) {
        snprintf(err, errlen, "libxsmm produced a non-finite result");
        return -1;
    }
    return 0;
}
