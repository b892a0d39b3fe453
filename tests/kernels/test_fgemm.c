/* Every fgemm variant against the reference, bit for bit (kernels/fgemm.h: one fmaf chain
 * per output, so there is no tolerance), over a grid of shapes below, at and above each
 * variant's tile (16 and 32 rows, 6, 8 and 12 columns), both B layouts, beta 0 and 1, leading
 * dimensions past the sizes; C's stride gaps hold a sentinel that must survive. A variant
 * this CPU lacks is skipped, with its reason (variant_suite.h: ctest runs one variant per
 * registration). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernels/cpu.h"
#include "kernels/fgemm.h"
#include "kernels/registry.h"
#include "variant_suite.h"

static const int ms[] = {1, 2, 15, 16, 17, 31, 32, 33, 47, 64};
static const int ns[] = {1, 2, 5, 7, 8, 9, 13, 64};
static const int ks[] = {1, 2, 3, 16, 17, 100, 256};

/* In C's stride gaps: a kernel that writes there (a whole-vector store past m) changes it. */
static const float SENTINEL = -7777.25f;

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static float frand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)((rng >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
}

/* Random values of mixed magnitudes (NaN-free), so that any other order of the additions or
 * a product rounded apart from its sum shows in the last bits. */
static float *randoms(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = frand() * (i % 7 == 3 ? 1000.0f : i % 5 == 1 ? 0.001f : 1.0f);
    return p;
}

/* A column-major matrix rows x cols (ld) with the rows past `rows` set to the sentinel. */
static float *matrix_c(int rows, int cols, int ld)
{
    float *c = randoms((size_t)ld * cols);
    for (int j = 0; j < cols; j++)
        for (int i = rows; i < ld; i++)
            c[(size_t)j * ld + i] = SENTINEL;
    return c;
}

/* One product through v and the reference from the same C; compares all of C's bytes,
 * gaps included. */
static void check_one(const beex_fgemm_ops *v, int m, int n, int k, int trans_b, int beta_one)
{
    int lda = m + 3, ldb = (trans_b ? n : k) + 2, ldc = m + 5;
    /* A and B sized exactly, so that a sanitizer build sees a read past the last column */
    float *a = randoms(k > 0 ? (size_t)(k - 1) * lda + (size_t)m : 0);
    float *b = randoms(trans_b ? (k > 0 ? (size_t)(k - 1) * ldb + (size_t)n : 0)
                               : (size_t)(n - 1) * ldb + (size_t)k);
    float *c = matrix_c(m, n, ldc), *r = malloc((size_t)ldc * n * sizeof *r);
    assert_non_null(r);
    memcpy(r, c, (size_t)ldc * n * sizeof *r);
    v->gemm(m, n, k, a, lda, b, ldb, trans_b, c, ldc, beta_one);
    beex_fgemm_ops_ref.gemm(m, n, k, a, lda, b, ldb, trans_b, r, ldc, beta_one);
    for (int j = 0; j < n; j++)
        for (int i = 0; i < ldc; i++) {
            size_t at = (size_t)j * ldc + i;
            if (i >= m && memcmp(&c[at], &SENTINEL, sizeof SENTINEL) != 0)
                fail_msg("%s m=%d n=%d k=%d trans_b=%d beta=%d: wrote C's gap at row %d col %d",
                         v->name, m, n, k, trans_b, beta_one, i, j);
            if (memcmp(&c[at], &r[at], sizeof c[at]) != 0)
                fail_msg("%s m=%d n=%d k=%d trans_b=%d beta=%d: C[%d,%d] is %a, the fmaf chain %a",
                         v->name, m, n, k, trans_b, beta_one, i, j, (double)c[at], (double)r[at]);
        }
    free(a), free(b), free(c), free(r);
}

/* The variant the case is for; variant_suite.h skips one this CPU lacks. */
static const beex_fgemm_ops *variant_of(void **state)
{
    const beex_fgemm_ops *v = beex_fgemm_get(beex_test_variant(state));
    assert_non_null(v);
    return v;
}

static void test_fgemm_grid_matches_reference(void **state)
{
    const beex_fgemm_ops *v = variant_of(state);
    for (size_t mi = 0; mi < sizeof ms / sizeof ms[0]; mi++)
        for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++)
            for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
                for (int t = 0; t < 2; t++)
                    for (int beta = 0; beta < 2; beta++)
                        check_one(v, ms[mi], ns[ni], ks[ki], t, beta);
}

/* Shapes the engine and the trainer hand over (64 x 64 tiles, k chunks of 256) and a few past
 * them, k = 0 (C = 0 or untouched) among them. */
static void test_fgemm_engine_shapes_and_empty_k(void **state)
{
    const beex_fgemm_ops *v = variant_of(state);
    static const int shapes[][3] = {{64, 64, 256}, {64, 64, 0}, {1, 1, 0},  {100, 30, 40},
                                    {129, 25, 7},  {3, 100, 5}, {5, 3, 300}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int t = 0; t < 2; t++)
            for (int beta = 0; beta < 2; beta++)
                check_one(v, shapes[s][0], shapes[s][1], shapes[s][2], t, beta);
}

/* beta 0 starts each chain from +0.0, never from C: a product of -0.0 gives +0.0, and C's old
 * contents (here NaN) leave no trace. */
static void test_fgemm_beta0_starts_from_plus_zero(void **state)
{
    const beex_fgemm_ops *v = variant_of(state);
    enum { M = 37, N = 13 };
    float a[M], b[N], c[M * N];
    for (int i = 0; i < M; i++)
        a[i] = -0.0f;
    for (int j = 0; j < N; j++)
        b[j] = 1.0f;
    for (int i = 0; i < M * N; i++)
        c[i] = NAN;
    v->gemm(M, N, 1, a, M, b, 1, 0, c, M, 0);
    for (int i = 0; i < M * N; i++)
        if (c[i] != 0.0f || signbit(c[i]))
            fail_msg("%s: C[%d] is %g, expected +0.0", v->name, i, (double)c[i]);
}

static void test_fgemm_checked_entry_point(void **state)
{
    (void)state;
    float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 1, 1, 1, 1, 1}, c[4] = {0};
    assert_int_equal(beex_fgemm(2, 2, 3, NULL, 2, b, 3, 0, c, 2, 0), BEEX_EINVAL);
    assert_int_equal(beex_fgemm(0, 2, 3, a, 2, b, 3, 0, c, 2, 0), BEEX_EINVAL);
    assert_int_equal(beex_fgemm(2, 2, 3, a, 1, b, 3, 0, c, 2, 0), BEEX_EINVAL);
    assert_int_equal(beex_fgemm(2, 2, 3, a, 2, b, 2, 0, c, 2, 0), BEEX_EINVAL); /* ldb < k */
    assert_int_equal(beex_fgemm(2, 2, 3, a, 2, b, 1, 1, c, 2, 0), BEEX_EINVAL); /* ldb < n */
    assert_int_equal(beex_fgemm(2, 2, 3, a, 2, b, 3, 0, c, 1, 0), BEEX_EINVAL);
    /* column-major A 2 x 3 = [1 3 5; 2 4 6], B all ones: row sums 9 and 12 */
    assert_int_equal(beex_fgemm(2, 2, 3, a, 2, b, 3, 0, c, 2, 0), BEEX_OK);
    assert_true(c[0] == 9.0f && c[1] == 12.0f && c[2] == 9.0f && c[3] == 12.0f);
    assert_int_equal(beex_fgemm(2, 2, 3, a, 2, b, 2, 1, c, 2, 1), BEEX_OK);
    assert_true(c[0] == 18.0f && c[1] == 24.0f);
    assert_string_not_equal(beex_fgemm_variant(), "none");
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        BEEX_PER_VARIANT("grid_matches_reference", test_fgemm_grid_matches_reference),
        BEEX_PER_VARIANT("engine_shapes_and_empty_k", test_fgemm_engine_shapes_and_empty_k),
        BEEX_PER_VARIANT("beta0_starts_from_plus_zero", test_fgemm_beta0_starts_from_plus_zero),
        cmocka_unit_test(test_fgemm_checked_entry_point),
    };
    return beex_run_variant_suite("fgemm variants vs reference", &beex_family_fgemm, tests,
                                  sizeof tests / sizeof tests[0], NULL, NULL, argc, argv);
}
