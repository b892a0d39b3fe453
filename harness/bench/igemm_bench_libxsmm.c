/* libxsmm's int8 GEMM as a peer of beex_igemm_w8a8 (igemm_bench.h). libxsmm 1.17 (Debian)
 * JIT-compiles int8 small GEMMs that accumulate in int32 (libxsmm_*bimmdispatch: none for an
 * AVX2 target, wrong sums for skx, right ones for clx and cpx), with A in its VNNI layout
 * (k in groups of 4: [k / 4][m][4], flag LIBXSMM_GEMM_FLAG_VNNI_A, without which the
 * generator refuses) and B plain. Its s8 x s8 kernel (ssbimm) dispatches here but returned
 * wrong sums when tried, so this uses u8 x s8 (usbimm), the product VPDPBUSD does:
 * A = the weights stored +128 as u8 (repacked once, 64 output columns a panel), B = the int8
 * activations as they are (column-major K x M is row-major M x K), so a sum is
 * dot_ij + 128 * sum_k a_ik. The timed call subtracts that per row (computed in the call, as
 * any user of these kernels must) and applies igemm.h's write-back to each 64 x 64 tile while
 * it is in cache, in the same operations as beex (so its output must match bit for bit).
 * Tiles are spread over OpenMP threads dynamically, as the fp32 yardstick does
 * (bgemm_bench_libxsmm.c). */
#include <stdio.h>
#include <stdlib.h>

#include "harness/bench/igemm_bench.h"

#if !BEEX_HAVE_LIBXSMM
static const char *const no_xsmm =
    "built without libxsmm (BEEX_WITH_LIBXSMM=OFF, or libxsmm-dev was not found)";

const char *beex_libxsmm_i8_describe(void)
{
    return no_xsmm;
}

int beex_icase_libxsmm(const beex_idata *d, int threads, beex_icase **out, char *why, size_t whylen)
{
    (void)d, (void)threads;
    *out = NULL;
    snprintf(why, whylen, "%s", no_xsmm);
    return BEEX_ICASE_ABSENT;
}
#else
#include <libxsmm.h>
#include <omp.h>
#include <string.h>

enum {
    BN = 64, /* output columns (weight rows) per panel: libxsmm's m */
    MB = 64  /* activation rows per tile: libxsmm's n */
};

static void xsmm_init_once(void)
{
    static int done = 0;
    if (!done) {
        libxsmm_init();
        done = 1;
    }
}

const char *beex_libxsmm_i8_describe(void)
{
    static char buf[128];
    xsmm_init_once();
    snprintf(buf, sizeof buf, "libxsmm %s, int8 by libxsmm_usbimmdispatch, target %s",
             LIBXSMM_CONFIG_VERSION, libxsmm_cpuid_name(libxsmm_cpuid()));
    return buf;
}

typedef struct {
    const beex_idata *d;
    size_t np, mt;                /* panels along N, tiles along M */
    uint8_t *panels;              /* np panels of BN * K bytes: [k / 4][rows][4], w + 128 */
    int32_t *comp;                /* M: 128 * sum_k a_ik, per call */
    int32_t *scratch;             /* one BN x MB tile per thread */
    int nscratch;                 /* threads the scratch holds */
    libxsmm_usbimmfunction fn[2]; /* [tail rows] */
    float *y;
} xsmm_ctx;

static void xsmm_done(void *ctx)
{
    xsmm_ctx *x = ctx;
    if (x == NULL)
        return;
    free(x->panels), free(x->comp), free(x->scratch), free(x->y);
    free(x);
}

/* One tile: libxsmm's sums for panel p x rows [i0, i0 + nn), less the offset, as integers
 * into dot or through the write-back into y. */
static void tile(const xsmm_ctx *x, size_t p, size_t ib, int32_t *c, int32_t *dot)
{
    const beex_idata *d = x->d;
    const size_t n = d->s.n, k = d->s.k, j0 = p * BN, i0 = ib * MB;
    const size_t mm = n - j0 < BN ? n - j0 : BN, nn = d->s.m - i0 < MB ? d->s.m - i0 : MB;
    x->fn[nn < MB](x->panels + p * BN * k, (const char *)(d->a + i0 * k), c);
    for (size_t i = 0; i < nn; i++) {
        const int32_t *s = c + i * BN, off = x->comp[i0 + i];
        if (dot != NULL) {
            for (size_t j = 0; j < mm; j++)
                dot[(i0 + i) * n + j0 + j] = s[j] - off;
            continue;
        }
        float *y = x->y + (i0 + i) * n + j0;
        const float *sw = d->scale_w + j0, *bias = d->bias + j0;
        for (size_t j = 0; j < mm; j++) { /* igemm.h's write-back, scale_a NULL */
            float t = (float)(s[j] - off) * sw[j];
            y[j] = t + bias[j];
        }
    }
}

static int xsmm_call(xsmm_ctx *x, int threads, int32_t *dot)
{
    const beex_idata *d = x->d;
    const size_t k = d->s.k;
    const long m = (long)d->s.m, tiles = (long)(x->np * x->mt);
    if (threads > x->nscratch)
        return -1;
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
#pragma omp for schedule(static)
        for (long i = 0; i < m; i++) {
            const int8_t *a = d->a + (size_t)i * k;
            int32_t s = 0;
            for (size_t kk = 0; kk < k; kk++)
                s += a[kk];
            x->comp[i] = 128 * s;
        }
        int32_t *c = x->scratch + (size_t)omp_get_thread_num() * BN * MB;
#pragma omp for schedule(dynamic, 1)
        for (long t = 0; t < tiles; t++)
            tile(x, (size_t)t / x->mt, (size_t)t % x->mt, c, dot);
    }
    return 0;
}

static int xsmm_run(void *ctx, int threads)
{
    return xsmm_call(ctx, threads, NULL);
}

/* The u8 weights in libxsmm's VNNI layout: panel p holds output columns [p * BN, p * BN + BN)
 * as [k / 4][BN][4], each w + 128; columns past N are w = 0 (their sums are never read). A
 * last panel narrower than 64 is padded rather than given its own kernel: for a narrow m
 * (6 or 8 columns seen) libxsmm 1.17's generator prints "Unknown instruction type" and returns
 * a kernel whose sums are all wrong, while 32, 48 and 64 are right. */
static void repack(xsmm_ctx *x)
{
    const beex_idata *d = x->d;
    const size_t n = d->s.n, k = d->s.k;
    for (size_t p = 0; p < x->np; p++) {
        uint8_t *panel = x->panels + p * BN * k;
        for (size_t j = 0; j < BN; j++)
            for (size_t kk = 0; kk < k; kk++)
                panel[(kk / 4) * BN * 4 + j * 4 + kk % 4] =
                    (uint8_t)(p * BN + j < n ? d->w[(p * BN + j) * k + kk] + 128 : 128);
    }
}

/* The two kernels (full and tail tiles of activation rows); 0, or -1 with why set. */
static int dispatch(xsmm_ctx *x, char *why, size_t whylen)
{
    const beex_gemm_shape s = x->d->s;
    const libxsmm_blasint k = (libxsmm_blasint)s.k;
    const int alpha = 1, beta = 0;
    const int flags =
        LIBXSMM_GEMM_FLAG_A_UNSIGNED | LIBXSMM_GEMM_FLAG_VNNI_A | LIBXSMM_GEMM_FLAG_BETA_0;
    for (int tm = 0; tm < 2; tm++) {
        libxsmm_blasint mm = BN, nn = tm ? (libxsmm_blasint)(s.m % MB) : MB;
        if (nn == 0 || (!tm && s.m < MB))
            continue; /* no such tile in this shape */
        libxsmm_blasint lda = mm, ldb = k, ldc = mm;
        x->fn[tm] =
            libxsmm_usbimmdispatch(mm, nn, k, &lda, &ldb, &ldc, &alpha, &beta, &flags, NULL);
        if (x->fn[tm] == NULL) {
            snprintf(why, whylen,
                     "libxsmm_usbimmdispatch(%d, %d, %d) returned NULL: no int8 JIT kernel for "
                     "this shape on libxsmm's target here (%s)",
                     (int)mm, (int)nn, (int)k, libxsmm_cpuid_name(libxsmm_cpuid()));
            return -1;
        }
    }
    return 0;
}

int beex_icase_libxsmm(const beex_idata *d, int threads, beex_icase **out, char *why, size_t whylen)
{
    *out = NULL;
    const beex_gemm_shape s = d->s;
    if (s.k % 4 != 0) {
        snprintf(why, whylen,
                 "K = %zu is not a multiple of 4: libxsmm's int8 kernels take A in VNNI groups "
                 "of 4 k and B (the activations, used in place) unpadded",
                 s.k);
        return BEEX_ICASE_ABSENT;
    }
    xsmm_init_once();
    beex_icase *c = calloc(1, sizeof *c);
    xsmm_ctx *x = calloc(1, sizeof *x);
    int32_t *dot = malloc(s.m * s.n * sizeof *dot);
    if (c == NULL || x == NULL || dot == NULL) {
        free(c), free(x), free(dot);
        snprintf(why, whylen, "out of memory");
        return BEEX_ICASE_ABSENT;
    }
    c->run = xsmm_run, c->done = xsmm_done, c->ctx = x;
    x->d = d;
    x->np = (s.n + BN - 1) / BN, x->mt = (s.m + MB - 1) / MB;
    x->nscratch = threads > omp_get_max_threads() ? threads : omp_get_max_threads();
    x->panels = malloc(x->np * BN * s.k);
    x->comp = malloc(s.m * sizeof *x->comp);
    x->scratch = malloc((size_t)x->nscratch * BN * MB * sizeof *x->scratch);
    x->y = malloc(s.m * s.n * sizeof *x->y);
    if (x->panels == NULL || x->comp == NULL || x->scratch == NULL || x->y == NULL)
        goto oom;
    repack(x);
    if (dispatch(x, why, whylen) != 0) {
        free(dot);
        beex_icase_free(c);
        return BEEX_ICASE_ABSENT;
    }
    char msg[512];
    int bad = xsmm_call(x, threads, dot) != 0 || xsmm_call(x, threads, NULL) != 0;
    if (!bad && beex_idata_check(d, dot, x->y, 1, msg, sizeof msg) != 0) {
        snprintf(why, whylen, "libxsmm's int8 product disagrees with beex: %s", msg);
        free(dot);
        beex_icase_free(c);
        return BEEX_ICASE_MISMATCH;
    }
    free(dot);
    if (bad) {
        snprintf(why, whylen, "more threads than the case was built for");
        beex_icase_free(c);
        return BEEX_ICASE_ABSENT;
    }
    snprintf(c->impl, sizeof c->impl, "%s, %dx%d tiles", beex_libxsmm_i8_describe(), BN, MB);
    *out = c;
    return BEEX_ICASE_OK;
oom:
    free(dot);
    beex_icase_free(c);
    snprintf(why, whylen, "out of memory");
    return BEEX_ICASE_ABSENT;
}
#endif
