/* Every elementwise variant (residual + LayerNorm, scaled softmax) against the reference
 * within the tolerances of kernels/elementwise.h, over widths below, at and above each
 * vector width, strided rows, aliasing, and rows with a huge spread; the reference by hand.
 * A variant this CPU lacks is skipped, with its reason (variant_suite.h: ctest runs one
 * variant per registration). */
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
#include "kernels/elementwise.h"
#include "variant_suite.h"

static const size_t widths[] = {1, 3, 4, 7, 8, 9, 15, 16, 17, 33, 64, 100, 128, 768};

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static float frand(float lo, float hi)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return lo + (hi - lo) * (float)((rng >> 11) * (1.0 / 9007199254740992.0));
}

static void check_variant(const beex_elementwise_ops *v)
{
    for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
        size_t d = widths[wi], rows = 3, ld = d + 5;
        float *x = malloc(rows * ld * sizeof *x), *res = malloc(rows * ld * sizeof *x);
        float *o = malloc(rows * ld * sizeof *x), *orf = malloc(rows * ld * sizeof *x);
        float *g = malloc(d * sizeof *g), *b = malloc(d * sizeof *b);
        assert_true(x && res && o && orf && g && b);
        for (size_t i = 0; i < rows * ld; i++) {
            x[i] = frand(-3.0f, 3.0f) + (i / ld == 2 ? 1000.0f : 0.0f); /* row 2: large mean */
            res[i] = frand(-1.0f, 1.0f);
        }
        for (size_t k = 0; k < d; k++) {
            g[k] = frand(0.5f, 1.5f);
            b[k] = frand(-0.5f, 0.5f);
        }
        memset(o, 0, rows * ld * sizeof *o);
        memset(orf, 0, rows * ld * sizeof *o);
        v->add_layernorm(x, res, rows, d, ld, g, b, 1e-6f, o);
        beex_elementwise_ops_ref.add_layernorm(x, res, rows, d, ld, g, b, 1e-6f, orf);
        for (size_t r = 0; r < rows; r++)
            for (size_t k = 0; k < d; k++) {
                /* Row 2's mean of ~1000 costs fp32 its low bits: scale the bound by it. */
                float tol = BEEX_EW_LN_ATOL * (r == 2 ? 64.0f : 1.0f);
                if (fabsf(o[r * ld + k] - orf[r * ld + k]) > tol)
                    fail_msg("%s layernorm d %zu row %zu col %zu: %g vs %g", v->name, d, r, k,
                             o[r * ld + k], orf[r * ld + k]);
            }
        /* In place (out == x), no residual. */
        v->add_layernorm(x, NULL, rows, d, ld, g, b, 1e-6f, x);
        for (size_t k = 0; k < d && d > 1; k++)
            assert_true(isfinite(x[k]));

        /* Softmax: scale 1/8, scores spread to +-60 so naive exp would overflow. */
        for (size_t i = 0; i < rows * ld; i++)
            o[i] = orf[i] = frand(-60.0f, 60.0f) * (i / ld == 1 ? 10.0f : 1.0f);
        v->softmax_rows(o, rows, d, ld, 0.125f);
        beex_elementwise_ops_ref.softmax_rows(orf, rows, d, ld, 0.125f);
        for (size_t r = 0; r < rows; r++) {
            double sum = 0.0;
            for (size_t k = 0; k < d; k++) {
                sum += o[r * ld + k];
                if (fabsf(o[r * ld + k] - orf[r * ld + k]) > BEEX_EW_SOFTMAX_ATOL)
                    fail_msg("%s softmax n %zu row %zu col %zu: %g vs %g", v->name, d, r, k,
                             o[r * ld + k], orf[r * ld + k]);
            }
            assert_true(fabs(sum - 1.0) < 1e-5);
            for (size_t k = d; k < ld; k++) /* the stride gap is never written */
                assert_memory_equal(&o[r * ld + k], &orf[r * ld + k], sizeof(float));
        }
        free(x), free(res), free(o), free(orf), free(g), free(b);
    }
}

/* The variant the case is for (its state); variant_suite.h skips one this CPU lacks. */
static const beex_elementwise_ops *variant_of(void **state)
{
    const beex_elementwise_ops *v = beex_elementwise_get(beex_test_variant(state));
    assert_non_null(v);
    return v;
}

static void test_elementwise_variant_matches_reference(void **state)
{
    check_variant(variant_of(state));
}

static void test_layernorm_of_constant_row_is_beta(void **state)
{
    const beex_elementwise_ops *v = variant_of(state);
    float x[20], g[20], b[20], o[20];
    for (int k = 0; k < 20; k++) {
        x[k] = 7.0f;
        g[k] = 2.0f;
        b[k] = (float)k;
    }
    v->add_layernorm(x, NULL, 1, 20, 20, g, b, 1e-6f, o);
    for (int k = 0; k < 20; k++)
        assert_float_equal(o[k], (float)k, 1e-5f);
}

/* The same bits as the scalar variant (the canonical arithmetic: kernels/canon_sum.h, no
 * FMA) for every width, residual or not, in place or not: what makes a model's trace the
 * same bytes on every variant and CPU. */
static void test_same_bits_as_scalar(void **state)
{
    const beex_elementwise_ops *v = variant_of(state);
    const beex_elementwise_ops *sc = beex_elementwise_get(BEEX_ISA_SCALAR);
    assert_non_null(sc);
    for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
        /* 7 rows: a full group of the interleaved softmax (4 rows) and a partial one. */
        size_t d = widths[wi], rows = 7, ld = d + 3, n = rows * ld;
        float *x = malloc(n * sizeof *x), *res = malloc(n * sizeof *x);
        float *o1 = malloc(n * sizeof *x), *o2 = malloc(n * sizeof *x);
        float *g = malloc(d * sizeof *g), *b = malloc(d * sizeof *b);
        assert_true(x && res && o1 && o2 && g && b);
        for (size_t i = 0; i < n; i++) {
            x[i] = frand(-4.0f, 4.0f) * (i / ld == 3 ? 300.0f : 1.0f);
            res[i] = frand(-1.0f, 1.0f);
        }
        for (size_t k = 0; k < d; k++) {
            g[k] = frand(0.5f, 1.5f);
            b[k] = frand(-0.5f, 0.5f);
        }
        for (int with_res = 0; with_res < 2; with_res++) {
            memset(o1, 0, n * sizeof *o1);
            memset(o2, 0, n * sizeof *o2);
            v->add_layernorm(x, with_res ? res : NULL, rows, d, ld, g, b, 1e-6f, o1);
            sc->add_layernorm(x, with_res ? res : NULL, rows, d, ld, g, b, 1e-6f, o2);
            if (memcmp(o1, o2, n * sizeof *o1) != 0)
                fail_msg("%s layernorm d %zu residual %d: not the scalar bits", v->name, d,
                         with_res);
        }
        memcpy(o1, x, n * sizeof *o1);
        memcpy(o2, x, n * sizeof *o2);
        v->softmax_rows(o1, rows, d, ld, 0.125f);
        sc->softmax_rows(o2, rows, d, ld, 0.125f);
        if (memcmp(o1, o2, n * sizeof *o1) != 0)
            fail_msg("%s softmax n %zu: not the scalar bits", v->name, d);
        free(x), free(res), free(o1), free(o2), free(g), free(b);
    }
}

/* The reference defines every variant's expected result, so it is checked by hand.
 * LayerNorm of x + res = (0,1,2,3) + (1,1,1,1) = (1,2,3,4): mean 2.5, population variance
 * (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25, eps 0: (x - 2.5) / sqrt(1.25) = -+1.3416408,
 * -+0.4472136; gamma (1, 2, 1, 1) and beta (0, 0, 0, 10) give -1.3416408, -0.8944272,
 * 0.4472136, 11.3416408. Softmax of scale 0.5 times (0, 2 ln 2, 2 ln 3): exp gives 1, 2, 3,
 * so 1/6, 1/3, 1/2; the stride gap (column 3) is left alone. */
static void test_reference_by_hand(void **state)
{
    (void)state;
    const float x[4] = {0, 1, 2, 3}, res[4] = {1, 1, 1, 1};
    const float g[4] = {1, 2, 1, 1}, b[4] = {0, 0, 0, 10};
    float o[4];
    beex_elementwise_ops_ref.add_layernorm(x, res, 1, 4, 4, g, b, 0.0f, o);
    const float want[4] = {-1.3416408f, -0.8944272f, 0.4472136f, 11.3416408f};
    for (int k = 0; k < 4; k++)
        assert_float_equal(o[k], want[k], 2e-6f);

    float s[4] = {0.0f, 2.0f * logf(2.0f), 2.0f * logf(3.0f), -42.0f};
    beex_elementwise_ops_ref.softmax_rows(s, 1, 3, 4, 0.5f);
    assert_float_equal(s[0], 1.0f / 6.0f, 1e-6f);
    assert_float_equal(s[1], 1.0f / 3.0f, 1e-6f);
    assert_float_equal(s[2], 0.5f, 1e-6f);
    assert_true(s[3] == -42.0f);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        BEEX_PER_VARIANT("matches_reference", test_elementwise_variant_matches_reference),
        BEEX_PER_VARIANT("layernorm_of_constant_row_is_beta",
                         test_layernorm_of_constant_row_is_beta),
        BEEX_PER_VARIANT("same_bits_as_scalar", test_same_bits_as_scalar),
        cmocka_unit_test(test_reference_by_hand),
    };
    return beex_run_variant_suite("elementwise variants vs reference", &beex_family_elementwise,
                                  tests, sizeof tests / sizeof tests[0], NULL, NULL, argc, argv);
}
