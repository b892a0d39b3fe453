/* Every bgemm variant against the reference over a grid of shapes: K below, at and above the
 * 64-bit word and every variant's chunk; M and N from 1 past every tile; odd leading
 * dimensions; 1, 2, 3 and 7 threads, and inside a caller's team; padding bits set to garbage
 * in both operands (they must not count). Integer dots, fused W1A1 and W1A32 fp32 outputs must be
 * exactly equal (W1A32 sums in kernels/canon_sum.h's order on every variant: the same bits on every
 * CPU). Operands with every bit equal or every bit opposite fill the variants' byte counters, which
 * random bits never do; the references are checked by hand. A variant this CPU lacks is
 * skipped, with its reason (variant_suite.h: ctest runs one variant per registration). */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernels/bgemm.h"
#include "kernels/pack.h"
#include "kernels/team.h"
#include "variant_suite.h"

static const size_t grid_k[] = {1, 7, 63, 64, 65, 127, 128, 511, 512, 513, 1000, 4096};
static const size_t grid_m[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 13};
/* Past every tile: AVX2 4x8, AVX-512 6x32 (one weight column per lane), scalar and NEON. */
static const size_t grid_n[] = {1, 2, 3, 4, 5, 7, 8, 9, 17, 31, 32, 33, 65};

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}
static float rndf(void)
{
    return (float)(rnd() % 20001) / 10000.0f - 1.0f;
}

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes == 0 ? 1 : bytes);
    assert_non_null(p);
    return p;
}

/* Random packed rows; the bits past k in each row's last byte and the bytes past the row are
 * garbage on purpose. */
static uint8_t *random_bits(size_t rows, size_t ld)
{
    uint8_t *p = xmalloc(rows * ld);
    for (size_t i = 0; i < rows * ld; i++)
        p[i] = (uint8_t)rnd();
    return p;
}

static float *random_floats(size_t n)
{
    float *p = xmalloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = rndf();
    return p;
}

/* One shape on one variant: dots, fused W1A1 and W1A32 all exact. */
static void check_shape(int isa, size_t m, size_t n, size_t k, int threads)
{
    size_t kb = beex_packed_row_bytes(k);
    size_t lda = kb + 3, ldb = kb + 5, ldd = n + 1, ldy = n + 3, ldx = k + 1;
    uint8_t *a = random_bits(m, lda), *b = random_bits(n, ldb);
    float *sa = random_floats(m), *sw = random_floats(n), *bias = random_floats(n);
    float *x = random_floats(m * ldx);
    int32_t *dot = xmalloc(m * ldd * sizeof *dot), *dot_ref = xmalloc(m * ldd * sizeof *dot);
    float *y = xmalloc(m * ldy * sizeof *y), *y_ref = xmalloc(m * ldy * sizeof *y);

    beex_bmatrix *w = NULL;
    assert_int_equal(beex_bmatrix_create(b, n, k, ldb, isa, &w), BEEX_OK);
    assert_int_equal((int)beex_bmatrix_isa(w), isa);
    assert_int_equal(beex_bmatrix_rows(w), n);
    assert_int_equal(beex_bmatrix_cols(w), k);

    assert_int_equal(beex_bgemm_w1a1_dot_ref(m, n, k, a, lda, b, ldb, dot_ref, ldd), BEEX_OK);
    assert_int_equal(beex_bgemm_w1a1_dot(w, m, a, lda, dot, ldd, threads), BEEX_OK);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            if (dot[i * ldd + j] != dot_ref[i * ldd + j])
                fail_msg("%s dot m=%zu n=%zu k=%zu t=%d at (%zu,%zu): %d != %d",
                         beex_isa_name((beex_isa)isa), m, n, k, threads, i, j, dot[i * ldd + j],
                         dot_ref[i * ldd + j]);

    /* Fused, with and without the optional scales and bias. */
    for (int with = 0; with < 2; with++) {
        const float *s1 = with ? sa : NULL, *s2 = with ? sw : NULL, *bb = with ? bias : NULL;
        assert_int_equal(beex_bgemm_w1a1_ref(m, n, k, a, lda, b, ldb, s1, s2, bb, y_ref, ldy),
                         BEEX_OK);
        assert_int_equal(beex_bgemm_w1a1(w, m, a, lda, s1, s2, bb, y, ldy, threads), BEEX_OK);
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++)
                if (memcmp(&y[i * ldy + j], &y_ref[i * ldy + j], sizeof(float)) != 0)
                    fail_msg("%s w1a1 m=%zu n=%zu k=%zu t=%d at (%zu,%zu): %.9g != %.9g",
                             beex_isa_name((beex_isa)isa), m, n, k, threads, i, j,
                             (double)y[i * ldy + j], (double)y_ref[i * ldy + j]);
    }

    assert_int_equal(beex_gemm_w1a32_ref(m, n, k, x, ldx, b, ldb, sw, bias, y_ref, ldy), BEEX_OK);
    assert_int_equal(beex_gemm_w1a32(w, m, x, ldx, sw, bias, y, ldy, threads), BEEX_OK);
    /* The reference sums in kernels/canon_sum.h's order: every variant gives its bits. */
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            if (memcmp(&y[i * ldy + j], &y_ref[i * ldy + j], sizeof(float)) != 0)
                fail_msg("%s w1a32 m=%zu n=%zu k=%zu t=%d at (%zu,%zu): %.9g != %.9g",
                         beex_isa_name((beex_isa)isa), m, n, k, threads, i, j,
                         (double)y[i * ldy + j], (double)y_ref[i * ldy + j]);
    beex_bmatrix_free(w);
    free(a), free(b), free(sa), free(sw), free(bias), free(x);
    free(dot), free(dot_ref), free(y), free(y_ref);
}

static void test_grid(void **state)
{
    int isa = beex_test_variant(state);
    for (size_t ki = 0; ki < sizeof grid_k / sizeof grid_k[0]; ki++)
        for (size_t mi = 0; mi < sizeof grid_m / sizeof grid_m[0]; mi++)
            for (size_t ni = 0; ni < sizeof grid_n / sizeof grid_n[0]; ni++)
                /* two threads on a quarter of the shapes: keeps ASan and qemu runs short */
                for (int t = 1; t <= ((mi + ni) % 4 == 0 ? 2 : 1); t++)
                    check_shape(isa, grid_m[mi], grid_n[ni], grid_k[ki], t);
}

/* Shapes large enough for several row blocks and panel blocks per thread. */
static void test_blocks(void **state)
{
    int isa = beex_test_variant(state);
    check_shape(isa, 301, 20, 4096, 2);
    check_shape(isa, 530, 9, 1000, 2);
    check_shape(isa, 64, 130, 256, 1);
}

/* Odd shapes on 1, 2, 3 and 7 threads: blocks are taken dynamically (kernels/bgemm.c), so
 * every count of threads must give the reference's bits. The larger shapes cut into many row
 * and panel blocks per thread. */
static void test_threads(void **state)
{
    int isa = beex_test_variant(state);
    static const size_t shapes[][3] = {{257, 333, 513}, {1030, 70, 256}, {301, 20, 4096},
                                       {13, 33, 65},    {1, 65, 1000},   {7, 1, 129}};
    static const int threads[] = {1, 2, 3, 7};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++)
            check_shape(isa, shapes[s][0], shapes[s][1], shapes[s][2], threads[t]);
}

/* Inside a caller's team of t threads (kernels/team.h), sharing among k of them: the fused
 * W1A1 and W1A32 outputs byte for byte those of one thread. */
static void check_team(int isa, size_t m, size_t n, size_t k, int t, int share)
{
    size_t kb = beex_packed_row_bytes(k);
    uint8_t *a = random_bits(m, kb), *b = random_bits(n, kb);
    float *x = random_floats(m * k), *sw = random_floats(n), *bias = random_floats(n);
    float *y1 = xmalloc(m * n * sizeof *y1), *yt = xmalloc(m * n * sizeof *yt);
    float *z1 = xmalloc(m * n * sizeof *z1), *zt = xmalloc(m * n * sizeof *zt);
    beex_bmatrix *w = NULL;
    assert_int_equal(beex_bmatrix_create(b, n, k, kb, isa, &w), BEEX_OK);
    assert_int_equal(beex_bgemm_w1a1(w, m, a, kb, NULL, sw, bias, y1, n, 1), BEEX_OK);
    assert_int_equal(beex_gemm_w1a32(w, m, x, k, sw, bias, z1, n, 1), BEEX_OK);
    int bad = 0;
#pragma omp parallel num_threads(t) reduction(+ : bad)
    {
        bad += beex_bgemm_w1a1(w, m, a, kb, NULL, sw, bias, yt, n, beex_in_team(share)) != BEEX_OK;
        bad += beex_gemm_w1a32(w, m, x, k, sw, bias, zt, n, beex_in_team(share)) != BEEX_OK;
    }
    assert_int_equal(bad, 0);
    if (memcmp(y1, yt, m * n * sizeof *y1) != 0 || memcmp(z1, zt, m * n * sizeof *z1) != 0)
        fail_msg("%s in a team of %d sharing %d, %zux%zux%zu: differs from one thread",
                 beex_isa_name((beex_isa)isa), t, share, m, n, k);
    beex_bmatrix_free(w);
    free(a), free(b), free(x), free(sw), free(bias), free(y1), free(yt), free(z1), free(zt);
}

static void test_in_team(void **state)
{
    int isa = beex_test_variant(state);
    static const int teams[][2] = {{2, 2}, {3, 3}, {3, 2}, {7, 7}, {7, 1}};
    for (size_t i = 0; i < sizeof teams / sizeof teams[0]; i++) {
        check_team(isa, 257, 333, 513, teams[i][0], teams[i][1]);
        check_team(isa, 5, 31, 100, teams[i][0], teams[i][1]);
    }
}

/* Operands that drive every counter to its limit: each weight row all zeros (even rows) or
 * all ones (odd rows), each activation row all ones (even rows) or all zeros (odd rows), so
 * A_i = ~B_j wherever i + j is even and A_i = B_j wherever it is odd. Hand-worked results:
 * dot_ij = K - 2 * popcount = -K (all K bits differ) or +K (none do); y with no scales or
 * bias is the same; W1A32 with x_i = +1 (even i) or -1 (odd i) sums s_jk x_ik = (+1 for
 * even j, -1 for odd j) * x_i over K terms: +K when i + j is even, -K when it is odd.
 * Random bits average 4 set per byte, so a byte counter that is widened too late (AVX2 and
 * NEON count 8 bits per byte lane per word / chunk: 32 of them reach 256) wraps only here.
 * The padding bits past K and the bytes past each row copy the row's fill: they differ
 * wherever the row bits do, so counting them would also show. */
static void check_extreme(int isa, size_t m, size_t n, size_t k, int threads)
{
    size_t kb = beex_packed_row_bytes(k), lda = kb + 3, ldb = kb + 5, ldd = n + 1, ldy = n + 2;
    size_t ldx = k + 1;
    uint8_t *a = xmalloc(m * lda), *b = xmalloc(n * ldb);
    float *x = xmalloc(m * ldx * sizeof *x), *y = xmalloc(m * ldy * sizeof *y);
    int32_t *dot = xmalloc(m * ldd * sizeof *dot);
    for (size_t i = 0; i < m; i++)
        memset(a + i * lda, i % 2 == 0 ? 0xFF : 0x00, lda);
    for (size_t j = 0; j < n; j++)
        memset(b + j * ldb, j % 2 == 0 ? 0x00 : 0xFF, ldb);
    for (size_t i = 0; i < m; i++)
        for (size_t kk = 0; kk < ldx; kk++)
            x[i * ldx + kk] = i % 2 == 0 ? 1.0f : -1.0f;

    beex_bmatrix *w = NULL;
    assert_int_equal(beex_bmatrix_create(b, n, k, ldb, isa, &w), BEEX_OK);
    assert_int_equal(beex_bgemm_w1a1_dot(w, m, a, lda, dot, ldd, threads), BEEX_OK);
    const int32_t kd = (int32_t)k;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            int32_t want = (i + j) % 2 == 0 ? -kd : kd;
            if (dot[i * ldd + j] != want)
                fail_msg("%s extreme dot m=%zu n=%zu k=%zu t=%d at (%zu,%zu): %d, want %d",
                         beex_isa_name((beex_isa)isa), m, n, k, threads, i, j, dot[i * ldd + j],
                         want);
        }
    assert_int_equal(beex_bgemm_w1a1(w, m, a, lda, NULL, NULL, NULL, y, ldy, threads), BEEX_OK);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            float want = (i + j) % 2 == 0 ? -(float)k : (float)k;
            if (y[i * ldy + j] != want)
                fail_msg("%s extreme w1a1 m=%zu n=%zu k=%zu t=%d at (%zu,%zu): %.9g, want %.9g",
                         beex_isa_name((beex_isa)isa), m, n, k, threads, i, j,
                         (double)y[i * ldy + j], (double)want);
        }
    /* Sums of K terms of +-1 are integers below 2^24: exact in any order. */
    assert_int_equal(beex_gemm_w1a32(w, m, x, ldx, NULL, NULL, y, ldy, threads), BEEX_OK);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            float want = (i + j) % 2 == 0 ? (float)k : -(float)k;
            if (y[i * ldy + j] != want)
                fail_msg("%s extreme w1a32 m=%zu n=%zu k=%zu t=%d at (%zu,%zu): %.9g, want %.9g",
                         beex_isa_name((beex_isa)isa), m, n, k, threads, i, j,
                         (double)y[i * ldy + j], (double)want);
        }
    beex_bmatrix_free(w);
    free(a), free(b), free(x), free(y), free(dot);
}

/* K = 2048 is 32 AVX2 words (the first length at which a 32-word flush interval would wrap a
 * byte counter), 4096 is 32 NEON chunks of 128 bits; 2049 and 4161 are odd lengths just past
 * them (a partial last word, and one more window). M = 7 and N = 33 pass every tile. */
static void test_extreme_operands(void **state)
{
    int isa = beex_test_variant(state);
    static const size_t ks[] = {2048, 2049, 4096, 4161};
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
        for (int t = 1; t <= 2; t++)
            check_extreme(isa, 7, 33, ks[ki], t);
}

/* The references define every variant's expected result, so they are checked by hand here.
 * K = 10 bits, LSB first (docs/model.md section 4): a0 = bits 1,3,5,7,9 (0xAA 0x02); a1 = none,
 * with garbage in the six padding bits (0xFC) that must not count. b0 = a0; b1 = none; b2 =
 * bits 0..8 (0xFF 0x01). XOR popcounts: a0: 0, 5, 6 (bits 0,2,4,6,8,9); a1: 5, 0, 9.
 * dot = 10 - 2 * pop: a0: 10, 0, -2; a1: 0, 10, -8. */
static void test_reference_by_hand(void **state)
{
    (void)state;
    const uint8_t a[2][2] = {{0xAA, 0x02}, {0x00, 0xFC}};
    const uint8_t b[3][2] = {{0xAA, 0x02}, {0x00, 0x00}, {0xFF, 0x01}};
    int32_t dot[2][3];
    assert_int_equal(beex_bgemm_w1a1_dot_ref(2, 3, 10, &a[0][0], 2, &b[0][0], 2, &dot[0][0], 3),
                     BEEX_OK);
    const int32_t want_dot[2][3] = {{10, 0, -2}, {0, 10, -8}};
    assert_memory_equal(dot, want_dot, sizeof dot);

    /* y = scale_a[i] * scale_w[j] * dot + bias[j]: 2*1*10+0.25, 2*3*0+0, 2*-1*-2+1;
     * 0.5*1*0+0.25, 0.5*3*10+0, 0.5*-1*-8+1. Every product and sum is exact. */
    const float sa[2] = {2.0f, 0.5f}, sw[3] = {1.0f, 3.0f, -1.0f}, bias[3] = {0.25f, 0.0f, 1.0f};
    float y[2][3];
    assert_int_equal(
        beex_bgemm_w1a1_ref(2, 3, 10, &a[0][0], 2, &b[0][0], 2, sa, sw, bias, &y[0][0], 3),
        BEEX_OK);
    const float want_y[2][3] = {{20.25f, 0.0f, 5.0f}, {0.25f, 15.0f, 5.0f}};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            assert_true(y[i][j] == want_y[i][j]);

    /* W1A32, x = 1..10, a set bit negates: b0 -> (1+3+5+7+9) - (2+4+6+8+10) = -5; b1 -> 55;
     * b2 -> 10 - (1+..+9) = -35. alpha = (2, 1, -1), bias as above: -9.75, 55, 36. */
    const float x[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, alpha[3] = {2.0f, 1.0f, -1.0f};
    float y1[3];
    assert_int_equal(beex_gemm_w1a32_ref(1, 3, 10, x, 10, &b[0][0], 2, alpha, bias, y1, 3),
                     BEEX_OK);
    assert_true(y1[0] == -9.75f);
    assert_true(y1[1] == 55.0f);
    assert_true(y1[2] == 36.0f);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        BEEX_PER_VARIANT("grid", test_grid),
        BEEX_PER_VARIANT("blocks", test_blocks),
        BEEX_PER_VARIANT("threads", test_threads),
        BEEX_PER_VARIANT("in_team", test_in_team),
        BEEX_PER_VARIANT("extreme_operands", test_extreme_operands),
        cmocka_unit_test(test_reference_by_hand),
    };
    return beex_run_variant_suite("bgemm variants vs reference", &beex_family_bgemm, tests,
                                  sizeof tests / sizeof tests[0], NULL, NULL, argc, argv);
}
