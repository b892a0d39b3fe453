/* Variant selection and argument checking: names round-trip, forcing an unavailable variant
 * is refused with BEEX_EUNSUPPORTED (never run), forcing an available one moves every family
 * onto it, the registry lists the families, and bad arguments (NULL, zero sizes, short
 * strides) get BEEX_EINVAL from every entry point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernels/bgemm.h"
#include "kernels/cpu.h"
#include "kernels/pack.h"
#include "kernels/registry.h"

static void test_names(void **state)
{
    (void)state;
    for (int i = 0; i < BEEX_ISA_COUNT; i++)
        assert_int_equal(beex_isa_parse(beex_isa_name((beex_isa)i)), i);
    assert_int_equal(beex_isa_parse("sve"), -1);
    assert_int_equal(beex_isa_parse(NULL), -1);
    assert_string_equal(beex_isa_name((beex_isa)99), "unknown");
}

static void test_preference_ends_with_scalar(void **state)
{
    (void)state;
    beex_isa order[BEEX_ISA_COUNT];
    int n = beex_isa_preference(order, BEEX_ISA_COUNT);
    assert_true(n >= 1);
    assert_int_equal(order[n - 1], BEEX_ISA_SCALAR);
    for (int i = 0; i < n; i++)
        assert_true(beex_isa_available(order[i], NULL));
}

/* The one list of available variants (option parsers' "all", the study's sweeps): the same
 * set in both orders, every entry available, scalar first in beex_isa order and last in
 * preference order. */
static void test_available_list(void **state)
{
    (void)state;
    int by_isa[BEEX_ISA_COUNT], by_pref[BEEX_ISA_COUNT];
    int n = beex_isa_available_list(0, by_isa), m = beex_isa_available_list(1, by_pref);
    assert_int_equal(n, m);
    assert_true(n >= 1);
    assert_int_equal(by_isa[0], BEEX_ISA_SCALAR);
    assert_int_equal(by_pref[m - 1], BEEX_ISA_SCALAR);
    int count = 0, seen[BEEX_ISA_COUNT] = {0};
    for (int i = 0; i < BEEX_ISA_COUNT; i++)
        count += beex_isa_available((beex_isa)i, NULL);
    assert_int_equal(n, count);
    for (int i = 0; i < n; i++) {
        assert_true(beex_isa_available((beex_isa)by_isa[i], NULL));
        if (i > 0)
            assert_true(by_isa[i] > by_isa[i - 1]);
        seen[by_pref[i]]++;
    }
    for (int i = 0; i < n; i++)
        assert_int_equal(seen[by_isa[i]], 1);
}

static void test_forcing(void **state)
{
    (void)state;
    const uint8_t bits[2] = {0x0F, 0xF0};
    for (int isa = 0; isa < BEEX_ISA_COUNT; isa++) {
        const char *why = NULL;
        beex_bmatrix *w = NULL;
        if (!beex_isa_available((beex_isa)isa, &why)) {
            assert_non_null(why);
            print_message("variant %s unavailable here (%s): forcing it must fail\n",
                          beex_isa_name((beex_isa)isa), why);
            assert_int_equal(beex_isa_force(isa), BEEX_EUNSUPPORTED);
            assert_int_equal(beex_bmatrix_create(bits, 2, 8, 1, isa, &w), BEEX_EUNSUPPORTED);
            assert_null(w);
            float x[8] = {0};
            uint8_t out[1];
            assert_int_equal(beex_pack_signs_rows_isa(isa, x, 1, 8, 8, 0.0f, out, 1, NULL),
                             BEEX_EUNSUPPORTED);
            continue;
        }
        assert_int_equal(beex_isa_force(isa), BEEX_OK);
        assert_int_equal(beex_isa_forced(), isa);
        assert_string_equal(beex_bgemm_variant(), beex_isa_name((beex_isa)isa));
        assert_string_equal(beex_pack_variant(), beex_isa_name((beex_isa)isa));
        assert_int_equal(beex_bmatrix_create(bits, 2, 8, 1, -1, &w), BEEX_OK);
        assert_int_equal((int)beex_bmatrix_isa(w), isa);
        beex_bmatrix_free(w);
    }
    assert_int_equal(beex_isa_force(BEEX_ISA_COUNT), BEEX_EUNSUPPORTED);
    assert_int_equal(beex_isa_force(-1), BEEX_OK);
    assert_int_equal(beex_isa_forced(), -1);
}

static void test_registry(void **state)
{
    (void)state;
    const beex_op_family *const *fam = NULL;
    size_t n = beex_op_families(&fam);
    assert_true(n >= 2);
    int saw_bgemm = 0, saw_pack = 0;
    for (size_t i = 0; i < n; i++) {
        assert_non_null(fam[i]->name);
        assert_true(fam[i]->has(BEEX_ISA_SCALAR)); /* every family ends with scalar */
        saw_bgemm |= strcmp(fam[i]->name, "bgemm") == 0;
        saw_pack |= strcmp(fam[i]->name, "pack") == 0;
        assert_true(strcmp(fam[i]->variant(), "none") != 0);
    }
    assert_true(saw_bgemm && saw_pack);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    uint8_t bits[4 * 16] = {0};
    float x[4 * 100] = {0}, y[64] = {0};
    int32_t dot[64];
    beex_bmatrix *w = NULL;
    /* weights: NULL, zero sizes, short stride, bad isa, NULL out */
    assert_int_equal(beex_bmatrix_create(NULL, 2, 64, 8, -1, &w), BEEX_EINVAL);
    assert_int_equal(beex_bmatrix_create(bits, 0, 64, 8, -1, &w), BEEX_EINVAL);
    assert_int_equal(beex_bmatrix_create(bits, 2, 0, 8, -1, &w), BEEX_EINVAL);
    assert_int_equal(beex_bmatrix_create(bits, 2, 65, 8, -1, &w), BEEX_EINVAL);
    assert_int_equal(beex_bmatrix_create(bits, 2, 64, 8, 7, &w), BEEX_EINVAL);
    assert_int_equal(beex_bmatrix_create(bits, 2, 64, 8, -1, NULL), BEEX_EINVAL);
    assert_null(w);
    assert_int_equal(beex_bmatrix_create(bits, 2, 64, 8, -1, &w), BEEX_OK);

    /* W1A1 dots and fused: NULL, zero rows, short strides */
    assert_int_equal(beex_bgemm_w1a1_dot(NULL, 1, bits, 8, dot, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_bgemm_w1a1_dot(w, 1, NULL, 8, dot, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_bgemm_w1a1_dot(w, 1, bits, 8, NULL, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_bgemm_w1a1_dot(w, 0, bits, 8, dot, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_bgemm_w1a1_dot(w, 1, bits, 7, dot, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_bgemm_w1a1_dot(w, 1, bits, 8, dot, 1, 1), BEEX_EINVAL);
    assert_int_equal(beex_bgemm_w1a1(NULL, 1, bits, 8, NULL, NULL, NULL, y, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_bgemm_w1a1(w, 1, NULL, 8, NULL, NULL, NULL, y, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_bgemm_w1a1(w, 1, bits, 8, NULL, NULL, NULL, NULL, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_bgemm_w1a1(w, 0, bits, 8, NULL, NULL, NULL, y, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_bgemm_w1a1(w, 1, bits, 4, NULL, NULL, NULL, y, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_bgemm_w1a1(w, 1, bits, 8, NULL, NULL, NULL, y, 1, 1), BEEX_EINVAL);
    assert_int_equal(beex_bgemm_w1a1(w, 1, bits, 8, NULL, NULL, NULL, y, 2, 1), BEEX_OK);
    assert_int_equal(beex_bgemm_w1a1_dot(w, 1, bits, 8, dot, 2, 2), BEEX_OK);
    assert_int_equal(dot[0], 64);

    /* W1A32 */
    assert_int_equal(beex_gemm_w1a32(NULL, 1, x, 64, NULL, NULL, y, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_gemm_w1a32(w, 1, NULL, 64, NULL, NULL, y, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_gemm_w1a32(w, 1, x, 64, NULL, NULL, NULL, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_gemm_w1a32(w, 0, x, 64, NULL, NULL, y, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_gemm_w1a32(w, 1, x, 63, NULL, NULL, y, 2, 1), BEEX_EINVAL);
    assert_int_equal(beex_gemm_w1a32(w, 1, x, 64, NULL, NULL, y, 1, 1), BEEX_EINVAL);
    beex_bmatrix_free(w);
    beex_bmatrix_free(NULL);

    /* references */
    assert_int_equal(beex_bgemm_w1a1_dot_ref(1, 1, 64, NULL, 8, bits, 8, dot, 1), BEEX_EINVAL);
    assert_int_equal(beex_bgemm_w1a1_dot_ref(1, 1, 0, bits, 8, bits, 8, dot, 1), BEEX_EINVAL);
    assert_int_equal(beex_bgemm_w1a1_dot_ref(1, 1, 64, bits, 8, bits, 7, dot, 1), BEEX_EINVAL);
    assert_int_equal(beex_bgemm_w1a1_ref(1, 2, 64, bits, 8, bits, 8, NULL, NULL, NULL, y, 1),
                     BEEX_EINVAL);
    assert_int_equal(beex_gemm_w1a32_ref(1, 1, 64, x, 63, bits, 8, NULL, NULL, y, 1), BEEX_EINVAL);

    /* packing, dispatched and per variant */
    assert_int_equal(beex_pack_signs_rows(NULL, 1, 8, 8, 0.0f, bits, 1, NULL), BEEX_EINVAL);
    assert_int_equal(beex_pack_signs_rows(x, 1, 8, 8, 0.0f, NULL, 1, NULL), BEEX_EINVAL);
    assert_int_equal(beex_pack_signs_rows(x, 0, 8, 8, 0.0f, bits, 1, NULL), BEEX_EINVAL);
    assert_int_equal(beex_pack_signs_rows(x, 1, 0, 8, 0.0f, bits, 1, NULL), BEEX_EINVAL);
    assert_int_equal(beex_pack_signs_rows(x, 2, 8, 7, 0.0f, bits, 1, NULL), BEEX_EINVAL);
    assert_int_equal(beex_pack_signs_rows(x, 1, 9, 9, 0.0f, bits, 1, NULL), BEEX_EINVAL);
    assert_int_equal(beex_pack_signs_rows_isa(9, x, 1, 8, 8, 0.0f, bits, 1, NULL), BEEX_EINVAL);
    assert_int_equal(beex_pack_signs_rows_ref(x, 1, 9, 9, 0.0f, bits, 1, NULL), BEEX_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),          cmocka_unit_test(test_preference_ends_with_scalar),
        cmocka_unit_test(test_available_list), cmocka_unit_test(test_forcing),
        cmocka_unit_test(test_registry),       cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests_name("variant selection and argument checks", tests, NULL, NULL);
}
