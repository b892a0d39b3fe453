/* The forward pass's shared steps byte for byte the same on any thread count: the fp32 product
 * Y = X W^T + bias (tiles taken dynamically, harness/model/forward_fp32.c) and the packing of
 * activation rows (row chunks taken dynamically, harness/model/forward_linear.c), on 1, 2, 3
 * and 7 threads and inside a caller's team (kernels/team.h), on odd shapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <omp.h>

#include "harness/model/forward_fp32.h"
#include "harness/model/forward_linear.h"
#include "kernels/pack.h"
#include "kernels/team.h"

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static float rndf(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (float)((rng >> 20) % 20001) / 10000.0f - 1.0f;
}

static float *floats(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = rndf();
    return p;
}

static const int thread_counts[] = {2, 3, 7};
/* (team size, threads the call may use) inside a caller's region */
static const int teams[][2] = {{2, 2}, {3, 3}, {3, 2}, {7, 7}, {7, 1}};

static void check_xwt(size_t m, size_t n, size_t k)
{
    size_t ldx = k + 3, ldw = n + 1, ldy = n + 2;
    float *x = floats(m * ldx), *wt = floats(k * ldw), *bias = floats(n);
    float *y1 = floats(m * ldy), *y = malloc(m * ldy * sizeof *y);
    assert_non_null(y);
    beex_fp32_gemm_xwt(m, n, k, x, ldx, wt, ldw, bias, y1, ldy, 1);
    for (size_t t = 0; t < sizeof thread_counts / sizeof thread_counts[0]; t++) {
        memcpy(y, y1, m * ldy * sizeof *y); /* the padding past n stays as it was */
        for (size_t i = 0; i < m; i++)
            memset(y + i * ldy, 0xFF, n * sizeof *y);
        beex_fp32_gemm_xwt(m, n, k, x, ldx, wt, ldw, bias, y, ldy, thread_counts[t]);
        if (memcmp(y, y1, m * ldy * sizeof *y) != 0)
            fail_msg("xwt %zux%zux%zu on %d threads differs from one thread", m, n, k,
                     thread_counts[t]);
    }
    for (size_t i = 0; i < sizeof teams / sizeof teams[0]; i++) {
        memcpy(y, y1, m * ldy * sizeof *y);
        for (size_t r = 0; r < m; r++)
            memset(y + r * ldy, 0xFF, n * sizeof *y);
#pragma omp parallel num_threads(teams[i][0])
        beex_fp32_gemm_xwt(m, n, k, x, ldx, wt, ldw, bias, y, ldy, beex_in_team(teams[i][1]));
        if (memcmp(y, y1, m * ldy * sizeof *y) != 0)
            fail_msg("xwt %zux%zux%zu in a team of %d sharing %d differs from one thread", m, n, k,
                     teams[i][0], teams[i][1]);
    }
    free(x), free(wt), free(bias), free(y1), free(y);
}

static void test_fp32_products(void **state)
{
    (void)state;
    check_xwt(1, 1, 1);
    check_xwt(5, 70, 33);
    check_xwt(130, 200, 300); /* 3 x 4 tiles, two K chunks */
    check_xwt(257, 129, 64);
    check_xwt(64, 1000, 17); /* 16 tiles in one row of tiles */
}

static void check_pack(size_t m, size_t cols)
{
    size_t ldx = cols + 5, ldb = beex_packed_row_bytes(cols) + 3;
    float *x = floats(m * ldx), *beta1 = floats(m), *beta = floats(m);
    uint8_t *b1 = calloc(m * ldb + 1, 1), *b = calloc(m * ldb + 1, 1);
    assert_non_null(b1), assert_non_null(b);
    assert_int_equal(beex_fwd_pack_rows(-1, x, m, cols, ldx, 0.25f, b1, ldb, beta1, 1), BEEX_OK);
    for (size_t t = 0; t < sizeof thread_counts / sizeof thread_counts[0]; t++) {
        memset(b, 0, m * ldb);
        assert_int_equal(
            beex_fwd_pack_rows(-1, x, m, cols, ldx, 0.25f, b, ldb, beta, thread_counts[t]),
            BEEX_OK);
        if (memcmp(b, b1, m * ldb) != 0 || memcmp(beta, beta1, m * sizeof *beta) != 0)
            fail_msg("pack %zu x %zu on %d threads differs from one thread", m, cols,
                     thread_counts[t]);
    }
    for (size_t i = 0; i < sizeof teams / sizeof teams[0]; i++) {
        memset(b, 0, m * ldb);
        int bad = 0;
#pragma omp parallel num_threads(teams[i][0]) reduction(+ : bad)
        bad += beex_fwd_pack_rows(-1, x, m, cols, ldx, 0.25f, b, ldb, beta,
                                  beex_in_team(teams[i][1])) != BEEX_OK;
        assert_int_equal(bad, 0);
        if (memcmp(b, b1, m * ldb) != 0 || memcmp(beta, beta1, m * sizeof *beta) != 0)
            fail_msg("pack %zu x %zu in a team of %d sharing %d differs from one thread", m, cols,
                     teams[i][0], teams[i][1]);
    }
    free(x), free(beta1), free(beta), free(b1), free(b);
}

static void test_pack_rows(void **state)
{
    (void)state;
    check_pack(1, 7);
    check_pack(3, 4096);
    check_pack(129, 100); /* 4096-float chunks: 41 rows each */
    check_pack(1000, 768);
    check_pack(77, 3072);
}

/* A bad argument is the same error in every thread of a team, so that all leave the
 * caller's region's steps alike (kernels/chunks.h). */
static void test_pack_error_in_team(void **state)
{
    (void)state;
    size_t m = 200, cols = 300, ldb = beex_packed_row_bytes(cols);
    float *x = floats(m * cols), *beta = floats(m);
    uint8_t *b = calloc(m * ldb, 1);
    assert_non_null(b);
    for (int t = 1; t <= 7; t += 3) {
        int wrong = 0;
#pragma omp parallel num_threads(t) reduction(+ : wrong)
        wrong += beex_fwd_pack_rows(-1, x, m, cols, cols - 1, 0.0f, b, ldb, beta,
                                    beex_in_team(t)) != BEEX_EINVAL;
        assert_int_equal(wrong, 0);
        assert_int_equal(beex_fwd_pack_rows(-1, x, m, cols, cols - 1, 0.0f, b, ldb, beta, t),
                         BEEX_EINVAL);
    }
    free(x), free(beta), free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fp32_products),
        cmocka_unit_test(test_pack_rows),
        cmocka_unit_test(test_pack_error_in_team),
    };
    return cmocka_run_group_tests_name("forward steps on threads", tests, NULL, NULL);
}
