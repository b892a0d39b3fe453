/* Every sign-packing variant against the reference: bits exactly equal (including -0.0, values
 * equal to c, and the zero bits past `cols`), beta too (every variant sums |x - c| in
 * kernels/canon_sum.h's order). A variant this CPU lacks is skipped, with its reason
 * (variant_suite.h: ctest runs one variant per registration). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernels/cpu.h"
#include "kernels/pack.h"
#include "variant_suite.h"

static const size_t grid_cols[] = {1,  7,   8,   15,  16,  17,  63,   64,
                                   65, 127, 128, 511, 512, 513, 1000, 4096};
static const float centres[] = {0.0f, 0.5f};

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* Mostly uniform in [-1, 1], with exact zeros, negative zeros and exact centres mixed in. */
static float sample(float c)
{
    switch (rnd() % 8) {
    case 0:
        return 0.0f;
    case 1:
        return -0.0f;
    case 2:
        return c;
    default:
        return (float)(rnd() % 20001) / 10000.0f - 1.0f;
    }
}

static void test_variant(void **state)
{
    int isa = beex_test_variant(state);
    const size_t rows = 5;
    for (size_t ci = 0; ci < sizeof grid_cols / sizeof grid_cols[0]; ci++)
        for (size_t cc = 0; cc < 2; cc++) {
            size_t cols = grid_cols[ci], ldx = cols + 3, kb = beex_packed_row_bytes(cols);
            size_t ldb = kb + 2;
            float c = centres[cc];
            float *x = malloc(rows * ldx * sizeof *x);
            uint8_t *bits = malloc(rows * ldb), *bits_ref = malloc(rows * ldb);
            float beta[5], beta_ref[5];
            assert_non_null(x);
            assert_non_null(bits);
            assert_non_null(bits_ref);
            for (size_t i = 0; i < rows * ldx; i++)
                x[i] = sample(c);
            /* The bytes between rows must be left alone: fill both with the same marker. */
            memset(bits, 0xA5, rows * ldb);
            memset(bits_ref, 0xA5, rows * ldb);
            assert_int_equal(
                beex_pack_signs_rows_ref(x, rows, cols, ldx, c, bits_ref, ldb, beta_ref), BEEX_OK);
            assert_int_equal(beex_pack_signs_rows_isa(isa, x, rows, cols, ldx, c, bits, ldb, beta),
                             BEEX_OK);
            for (size_t i = 0; i < rows * ldb; i++)
                if (bits[i] != bits_ref[i])
                    fail_msg("%s cols=%zu c=%g byte %zu: %02x != %02x",
                             beex_isa_name((beex_isa)isa), cols, (double)c, i, bits[i],
                             bits_ref[i]);
            for (size_t i = 0; i < rows; i++) /* the canonical sum: the same bits */
                if (memcmp(&beta[i], &beta_ref[i], sizeof(float)) != 0)
                    fail_msg("%s cols=%zu beta[%zu] %.9g != %.9g", beex_isa_name((beex_isa)isa),
                             cols, i, (double)beta[i], (double)beta_ref[i]);
            /* beta is optional. */
            assert_int_equal(beex_pack_signs_rows_isa(isa, x, rows, cols, ldx, c, bits, ldb, NULL),
                             BEEX_OK);
            assert_memory_equal(bits, bits_ref, rows * ldb);
            free(x), free(bits), free(bits_ref);
        }
}

/* The sign convention of docs/model.md section 4, spelled out on a hand-made row. */
static void test_known_row(void **state)
{
    (void)state;
    const float x[10] = {-1.0f, 2.0f, -0.0f, 0.0f, -3.0f, 0.5f, 0.25f, -0.5f, 1.0f, -2.0f};
    uint8_t bits[2] = {0xFF, 0xFF};
    float beta = 0.0f;
    assert_int_equal(beex_pack_signs_rows(x, 1, 10, 10, 0.0f, bits, 2, &beta), BEEX_OK);
    /* negatives at 0, 4, 7, 9 (-0.0 is not negative); bits 10..15 are zero */
    assert_int_equal(bits[0], 0x91);
    assert_int_equal(bits[1], 0x02);
    assert_float_equal(beta, 1.025f, 1e-6f);
    /* centred at 0.5: 0.5 - 0.5 = 0 is not negative, 0.25 is */
    assert_int_equal(beex_pack_signs_rows(x, 1, 10, 10, 0.5f, bits, 2, NULL), BEEX_OK);
    assert_int_equal(bits[0], 0xDD);
    assert_int_equal(bits[1], 0x02);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        BEEX_PER_VARIANT("pack", test_variant),
        cmocka_unit_test(test_known_row),
    };
    return beex_run_variant_suite("sign packing variants vs reference", &beex_family_pack, tests,
                                  sizeof tests / sizeof tests[0], NULL, NULL, argc, argv);
}
