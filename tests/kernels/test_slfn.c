/* Every SLFN variant against the reference (kernels/slfn.h tolerances) over a grid of
 * shapes: dff below, at and above each vector width, strided rows, special values
 * (0, -0, tiny, huge) whose gates saturate or whose signs sit on the boundary. A variant this
 * CPU lacks is skipped, with its reason (variant_suite.h: ctest runs one variant per
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
#include "kernels/pack.h"
#include "kernels/slfn.h"
#include "variant_suite.h"

static const size_t dffs[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 100, 256, 3072};
static const size_t nrows[] = {1, 2, 5};

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static float frand(float lo, float hi)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return lo + (hi - lo) * (float)((rng >> 11) * (1.0 / 9007199254740992.0));
}

static void fill(float *x, size_t n)
{
    static const float special[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 100.0f, -100.0f, 1e-8f, -1e-8f};
    for (size_t i = 0; i < n; i++)
        x[i] = (i % 11 == 5) ? special[(i / 11) % 8] : frand(-8.0f, 8.0f);
}

static void check_variant(const beex_slfn_ops *v)
{
    for (size_t di = 0; di < sizeof dffs / sizeof dffs[0]; di++)
        for (size_t ri = 0; ri < sizeof nrows / sizeof nrows[0]; ri++) {
            size_t dff = dffs[di], rows = nrows[ri], ldh = 2 * dff + 3;
            size_t nb = beex_packed_row_bytes(dff), ldb = nb + 5;
            float *h = malloc(rows * ldh * sizeof *h), *hr = malloc(rows * ldh * sizeof *h);
            uint8_t *gb = malloc(rows * ldb), *ub = malloc(rows * ldb);
            uint8_t *gbr = malloc(rows * ldb), *ubr = malloc(rows * ldb);
            float gbeta[8], ubeta[8], gbetar[8], ubetar[8];
            assert_non_null(h);
            assert_non_null(hr);
            assert_non_null(gb);
            assert_non_null(ub);
            assert_non_null(gbr);
            assert_non_null(ubr);
            fill(h, rows * ldh);
            memset(gb, 0xAB, rows * ldb);
            memset(ub, 0xAB, rows * ldb);
            memset(gbr, 0xAB, rows * ldb);
            memset(ubr, 0xAB, rows * ldb);
            v->gates_pack(h, h + dff, rows, dff, ldh, gb, ub, ldb, gbeta, ubeta);
            beex_slfn_ops_ref.gates_pack(h, h + dff, rows, dff, ldh, gbr, ubr, ldb, gbetar, ubetar);
            for (size_t r = 0; r < rows; r++) {
                /* Bits exact; bytes past the packed row untouched (0xAB) in both. */
                if (memcmp(gb + r * ldb, gbr + r * ldb, ldb) != 0 ||
                    memcmp(ub + r * ldb, ubr + r * ldb, ldb) != 0)
                    fail_msg("%s gates_pack bits differ: dff %zu row %zu", v->name, dff, r);
                if (fabsf(gbeta[r] - gbetar[r]) > BEEX_SLFN_BETA_RTOL * fabsf(gbetar[r]) + 1e-30f ||
                    fabsf(ubeta[r] - ubetar[r]) > BEEX_SLFN_BETA_RTOL * fabsf(ubetar[r]) + 1e-30f)
                    fail_msg("%s beta off: dff %zu row %zu: g %g vs %g, u %g vs %g", v->name, dff,
                             r, gbeta[r], gbetar[r], ubeta[r], ubetar[r]);
            }
            memcpy(hr, h, rows * ldh * sizeof *h);
            v->gates(h, h + dff, rows, dff, ldh);
            beex_slfn_ops_ref.gates(hr, hr + dff, rows, dff, ldh);
            for (size_t i = 0; i < rows * ldh; i++) {
                size_t col = i % ldh;
                if (col >= 2 * dff) { /* the stride gap is never written */
                    if (memcmp(&h[i], &hr[i], sizeof h[i]) != 0)
                        fail_msg("%s wrote into the row gap (dff %zu)", v->name, dff);
                } else if (fabsf(h[i] - hr[i]) > BEEX_SLFN_GATE_ATOL) {
                    fail_msg("%s gate off: dff %zu elem %zu: %.9g vs %.9g", v->name, dff, i, h[i],
                             hr[i]);
                }
            }
            /* product_add, including the aliased out == y form the engine uses. */
            size_t n = rows * dff;
            float *y = malloc(n * sizeof *y), *a = malloc(n * sizeof *a),
                  *b = malloc(n * sizeof *b);
            float *o = malloc(n * sizeof *o), *orf = malloc(n * sizeof *o);
            assert_true(y && a && b && o && orf);
            fill(y, n);
            fill(a, n);
            fill(b, n);
            v->product_add(y, a, b, o, n);
            beex_slfn_ops_ref.product_add(y, a, b, orf, n);
            for (size_t i = 0; i < n; i++) {
                float tol =
                    BEEX_SLFN_PRODUCT_RTOL * 4.0f * (fabsf(y[i]) + fabsf(a[i] * b[i])) + 1e-30f;
                if (fabsf(o[i] - orf[i]) > tol)
                    fail_msg("%s product_add off at %zu: %g vs %g", v->name, i, o[i], orf[i]);
            }
            v->product_add(y, a, b, y, n);
            assert_memory_equal(y, o, n * sizeof *y);
            free(y), free(a), free(b), free(o), free(orf);
            free(h), free(hr), free(gb), free(ub), free(gbr), free(ubr);
        }
}

/* The variant the case is for (its state); variant_suite.h skips one this CPU lacks. */
static const beex_slfn_ops *variant_of(void **state)
{
    const beex_slfn_ops *v = beex_slfn_get(beex_test_variant(state));
    assert_non_null(v);
    return v;
}

static void test_slfn_variant_matches_reference(void **state)
{
    check_variant(variant_of(state));
}

/* The same bits as the scalar variant (the canonical arithmetic: no FMA, row sums in
 * kernels/canon_sum.h's order) for gates, packed gates with their betas, and product_add,
 * special values included: what makes a w1a1/w1a32 trace the same bytes on every CPU. */
static void test_slfn_same_bits_as_scalar(void **state)
{
    const beex_slfn_ops *v = variant_of(state);
    const beex_slfn_ops *sc = beex_slfn_get(BEEX_ISA_SCALAR);
    assert_non_null(sc);
    for (size_t di = 0; di < sizeof dffs / sizeof dffs[0]; di++) {
        size_t dff = dffs[di], rows = 3, ldh = 2 * dff + 1, n = rows * ldh;
        size_t ldb = beex_packed_row_bytes(dff) + 2;
        float *h = malloc(n * sizeof *h), *h1 = malloc(n * sizeof *h), *h2 = malloc(n * sizeof *h);
        uint8_t *g1 = calloc(rows * ldb, 1), *u1 = calloc(rows * ldb, 1);
        uint8_t *g2 = calloc(rows * ldb, 1), *u2 = calloc(rows * ldb, 1);
        float gb1[3], ub1[3], gb2[3], ub2[3];
        assert_true(h && h1 && h2 && g1 && u1 && g2 && u2);
        fill(h, n);
        memcpy(h1, h, n * sizeof *h);
        memcpy(h2, h, n * sizeof *h);
        v->gates(h1, h1 + dff, rows, dff, ldh);
        sc->gates(h2, h2 + dff, rows, dff, ldh);
        if (memcmp(h1, h2, n * sizeof *h1) != 0)
            fail_msg("%s gates dff %zu: not the scalar bits", v->name, dff);
        v->gates_pack(h, h + dff, rows, dff, ldh, g1, u1, ldb, gb1, ub1);
        sc->gates_pack(h, h + dff, rows, dff, ldh, g2, u2, ldb, gb2, ub2);
        if (memcmp(gb1, gb2, sizeof gb1) != 0 || memcmp(ub1, ub2, sizeof ub1) != 0)
            fail_msg("%s gate betas dff %zu: not the scalar bits", v->name, dff);
        for (size_t r = 0; r < rows; r++) /* bytes past the packed row are not the kernel's */
            assert_memory_equal(g1 + r * ldb, g2 + r * ldb, beex_packed_row_bytes(dff));
        v->product_add(h, h + 1, h + 2, h1, n - 2);
        sc->product_add(h, h + 1, h + 2, h2, n - 2);
        if (memcmp(h1, h2, (n - 2) * sizeof *h1) != 0)
            fail_msg("%s product_add n %zu: not the scalar bits", v->name, n - 2);
        free(h), free(h1), free(h2), free(g1), free(u1), free(g2), free(u2);
    }
}

static void test_slfn_checked_entry_points_reject_bad_input(void **state)
{
    (void)state;
    float h[4] = {0};
    uint8_t bits[2];
    float beta[1];
    assert_int_equal(beex_slfn_gates(NULL, h, 1, 2, 2), BEEX_EINVAL);
    assert_int_equal(beex_slfn_gates(h, h + 2, 1, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_slfn_gates_pack(h, h + 2, 1, 2, 2, bits, bits, 0, beta, beta),
                     BEEX_EINVAL);
    assert_int_equal(beex_slfn_product_add(h, h, h, h, 0), BEEX_EINVAL);
    assert_int_equal(beex_slfn_gates(h, h + 2, 1, 2, 4), BEEX_OK);
    assert_true(fabsf(h[0] - 0.5f) < 1e-6f && fabsf(h[2]) < 1e-6f);
}

static void test_slfn_gate_packing_follows_preactivation_sign(void **state)
{
    /* sigmoid(-1e-30) rounds to 0.5, yet the bit must say negative (docs/model.md: sign of
     * x - c with x = sigmoid(h) is the sign of h); -0.0 counts as non-negative. */
    float h1[9] = {-1e-30f, -0.0f, 0.0f, 3.0f, -3.0f, 1e-30f, -50.0f, 50.0f, -1.0f};
    float h3[9] = {-0.0f, -1e-30f, 1.0f, -1.0f, 0.0f, -2.0f, 2.0f, -9.0f, 9.0f};
    const beex_slfn_ops *v = variant_of(state);
    uint8_t gb[2], ub[2];
    float gbeta, ubeta;
    v->gates_pack(h1, h3, 1, 9, 9, gb, ub, 2, &gbeta, &ubeta);
    assert_int_equal(gb[0], 0x01 | 0x10 | 0x40);
    assert_int_equal(gb[1], 0x01);
    assert_int_equal(ub[0], 0x02 | 0x08 | 0x20 | 0x80);
    assert_int_equal(ub[1], 0x00);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        BEEX_PER_VARIANT("matches_reference", test_slfn_variant_matches_reference),
        BEEX_PER_VARIANT("gate_packing_follows_preactivation_sign",
                         test_slfn_gate_packing_follows_preactivation_sign),
        BEEX_PER_VARIANT("same_bits_as_scalar", test_slfn_same_bits_as_scalar),
        cmocka_unit_test(test_slfn_checked_entry_points_reject_bad_input),
    };
    return beex_run_variant_suite("slfn variants vs reference", &beex_family_slfn, tests,
                                  sizeof tests / sizeof tests[0], NULL, NULL, argc, argv);
}
