/* The fp32 products of the engine and the trainer give the bits of one fused multiply-add
 * chain per output over k in increasing order (docs/determinism.md), whichever backend runs
 * them: libxsmm's AVX2 kernels, the plain fmaf loop (builds without libxsmm, CPUs without
 * AVX2), on every CPU. Random shapes with tails below and above the 64 x 64 tiles and the
 * 256-long k chunks; each output is compared with fmaf in a plain loop, bit for bit. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/model/forward_fp32.h"
#include "harness/train/tgemm.h"

static uint64_t rng = 0x853C49E6748FEA9Bull;
static float frand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)((rng >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
}
static int irand(int lo, int hi) /* [lo, hi] */
{
    frand();
    return lo + (int)(rng % (uint64_t)(hi - lo + 1));
}
/* Sizes below, at and above the 64 x 64 tiles, the 256-long k chunks and the kernels' 16 /
 * 32 / 64 rows; drawn from a small set so that libxsmm's JIT, about 0.1 s per new kernel,
 * meets each tile shape once or twice rather than a hundred new ones. */
static const int sizes[] = {1, 5, 16, 17, 33, 64, 65, 100, 129, 256, 300, 513};
static int pick(int hi)
{
    int v;
    do
        v = sizes[irand(0, (int)(sizeof sizes / sizeof sizes[0]) - 1)];
    while (v > hi);
    return v;
}
static float *floats(size_t n)
{
    float *p = malloc(n * sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = frand();
    return p;
}
static void same_bits(const float *got, const float *want, size_t n, const char *what, int m,
                      int n_, int k)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0)
            fail_msg("%s m=%d n=%d k=%d: element %zu is %.9g, the fmaf chain %.9g (backend %s)",
                     what, m, n_, k, i, (double)got[i], (double)want[i], beex_fp32_backend_name());
}

/* The engine's Y = X W^T + bias (W^T stored k x n, stride ldw). */
static void test_engine_xwt(void **state)
{
    (void)state;
    for (int it = 0; it < 24; it++) {
        int m = pick(140), n = pick(150), k = pick(600);
        size_t ldx = (size_t)k + (size_t)irand(0, 3), ldw = (size_t)n + (size_t)irand(0, 3);
        size_t ldy = (size_t)n + (size_t)irand(0, 3);
        float *x = floats((size_t)m * ldx), *wt = floats((size_t)k * ldw),
              *bias = floats((size_t)n);
        float *y = calloc((size_t)m * ldy, sizeof *y), *r = calloc((size_t)m * ldy, sizeof *r);
        assert_true(y && r);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                float acc = it % 2 ? bias[j] : 0.0f;
                for (int p = 0; p < k; p++)
                    acc = fmaf(x[(size_t)i * ldx + p], wt[(size_t)p * ldw + j], acc);
                r[(size_t)i * ldy + j] = acc;
            }
        beex_fp32_gemm_xwt((size_t)m, (size_t)n, (size_t)k, x, ldx, wt, ldw, it % 2 ? bias : NULL,
                           y, ldy, 1 + it % 2);
        same_bits(y, r, (size_t)m * ldy, "beex_fp32_gemm_xwt", m, n, k);
        free(x), free(wt), free(bias), free(y), free(r);
    }
}

/* The trainer's forward, data gradient and weight gradient (row-major, harness/train/tgemm.h). */
static void test_trainer_products(void **state)
{
    (void)state;
    for (int it = 0; it < 16; it++) {
        int M = pick(150), in = pick(300), out = pick(300);
        float *x = floats((size_t)M * in), *wt = floats((size_t)in * out), *b = floats((size_t)out);
        float *dy = floats((size_t)M * out), *w = floats((size_t)out * in);
        float *y = malloc((size_t)M * out * sizeof *y), *r = malloc((size_t)M * out * sizeof *r);
        float *dx = floats((size_t)M * in), *rdx = malloc((size_t)M * in * sizeof *rdx);
        float *dw = floats((size_t)in * out), *rdw = malloc((size_t)in * out * sizeof *rdw);
        assert_true(y && r && rdx && rdw);
        /* forward: y[r][j] = b[j] + sum_p x[r][p] wt[p][j] */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < out; j++) {
                float acc = b[j];
                for (int p = 0; p < in; p++)
                    acc = fmaf(x[(size_t)i * in + p], wt[(size_t)p * out + j], acc);
                r[(size_t)i * out + j] = acc;
            }
        beex_tg_forward(M, in, out, x, wt, b, y);
        same_bits(y, r, (size_t)M * out, "beex_tg_forward", M, out, in);
        /* data gradient, accumulated: dx[r][i] += sum_j dy[r][j] w[j][i] */
        for (int i = 0; i < M; i++)
            for (int c = 0; c < in; c++) {
                float acc = dx[(size_t)i * in + c];
                for (int j = 0; j < out; j++)
                    acc = fmaf(w[(size_t)j * in + c], dy[(size_t)i * out + j], acc);
                rdx[(size_t)i * in + c] = acc;
            }
        beex_tg_backward_data(M, out, in, dy, w, dx, 1);
        same_bits(dx, rdx, (size_t)M * in, "beex_tg_backward_data", M, in, out);
        /* weight gradient: dw[j][c] += sum_r x[r][c] dy[r][j] (stored in x out: dw[j*in + c]) */
        for (int j = 0; j < out; j++)
            for (int c = 0; c < in; c++) {
                float acc = dw[(size_t)j * in + c];
                for (int i = 0; i < M; i++)
                    acc = fmaf(x[(size_t)i * in + c], dy[(size_t)i * out + j], acc);
                rdw[(size_t)j * in + c] = acc;
            }
        beex_tg_backward_weight(M, out, in, dy, x, dw, NULL);
        same_bits(dw, rdw, (size_t)in * out, "beex_tg_backward_weight", in, out, M);
        free(x), free(wt), free(b), free(dy), free(w), free(y), free(r);
        free(dx), free(rdx), free(dw), free(rdw);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_xwt),
        cmocka_unit_test(test_trainer_products),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
