/* Variant selection and argument checking: names round-trip, forcing an unavailable variant
 * is refused with BEEX_EUNSUPPORTED (never run), forcing an available one moves every family
 * onto it or, where the family's list lacks it, onto its nearest ancestor (the parent chain of
 * kernels/cpu.h), the registry lists the families, and bad arguments (NULL, zero sizes, short
 * strides) get BEEX_EINVAL from every entry point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernels/bgemm.h"
#include "kernels/cpu.h"
#include "kernels/igemm.h"
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

/* What a family runs for variant isa: isa itself or its nearest ancestor in the family. */
static int nearest(const beex_op_family *f, int isa)
{
    while (isa >= 0 && !f->has((beex_isa)isa))
        isa = beex_isa_parent((beex_isa)isa);
    return isa;
}

static const beex_op_family *family(const char *name)
{
    const beex_op_family *const *fam = NULL;
    size_t n = beex_op_families(&fam);
    for (size_t i = 0; i < n; i++)
        if (strcmp(fam[i]->name, name) == 0)
            return fam[i];
    fail_msg("no family %s", name);
    return NULL;
}

static void test_forcing(void **state)
{
    (void)state;
    const uint8_t bits[2] = {0x0F, 0xF0};
    const beex_op_family *const *fam = NULL;
    size_t nfam = beex_op_families(&fam);
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
        /* every family on the forced variant, or on its nearest ancestor in the family */
        for (size_t f = 0; f < nfam; f++) {
            int want = nearest(fam[f], isa);
            assert_true(want >= 0);
            assert_string_equal(fam[f]->variant(), beex_isa_name((beex_isa)want));
            assert_int_equal(beex_isa_pick(fam[f]->has, -1), want);
        }
        int bg = nearest(family("bgemm"), isa);
        assert_string_equal(beex_bgemm_variant(), beex_isa_name((beex_isa)bg));
        assert_string_equal(beex_pack_variant(),
                            beex_isa_name((beex_isa)nearest(family("pack"), isa)));
        assert_int_equal(beex_bmatrix_create(bits, 2, 8, 1, -1, &w), BEEX_OK);
        assert_int_equal((int)beex_bmatrix_isa(w), bg);
        beex_bmatrix_free(w);
    }
    assert_int_equal(beex_isa_force(BEEX_ISA_COUNT), BEEX_EUNSUPPORTED);
    assert_int_equal(beex_isa_force(-1), BEEX_OK);
    assert_int_equal(beex_isa_forced(), -1);
}

/* The parent column: amx -> avx512 -> avx2 -> scalar, avxvnni -> avx2, neon -> scalar; every
 * chain ends at scalar, and a variant that runs here has a parent that runs here (its
 * detection asks for everything the parent's does). */
static void test_parents(void **state)
{
    (void)state;
    assert_int_equal(beex_isa_parent(BEEX_ISA_AMX), BEEX_ISA_AVX512);
    assert_int_equal(beex_isa_parent(BEEX_ISA_AVX512), BEEX_ISA_AVX2);
    assert_int_equal(beex_isa_parent(BEEX_ISA_AVXVNNI), BEEX_ISA_AVX2);
    assert_int_equal(beex_isa_parent(BEEX_ISA_AVX2), BEEX_ISA_SCALAR);
    assert_int_equal(beex_isa_parent(BEEX_ISA_NEON), BEEX_ISA_SCALAR);
    assert_int_equal(beex_isa_parent(BEEX_ISA_SCALAR), -1);
    assert_int_equal(beex_isa_parent((beex_isa)-1), -1);
    assert_int_equal(beex_isa_parent((beex_isa)BEEX_ISA_COUNT), -1);
    for (int isa = 0; isa < BEEX_ISA_COUNT; isa++) {
        int v = isa, steps = 0;
        while (beex_isa_parent((beex_isa)v) >= 0 && steps++ < BEEX_ISA_COUNT)
            v = beex_isa_parent((beex_isa)v);
        assert_int_equal(v, BEEX_ISA_SCALAR);
        int p = beex_isa_parent((beex_isa)isa);
        if (p >= 0 && beex_isa_available((beex_isa)isa, NULL))
            assert_true(beex_isa_available((beex_isa)p, NULL));
    }
    /* The pick order: best first, scalar last, amx before avx512 before avxvnni before avx2. */
    char names[128];
    assert_string_equal(beex_isa_names_joined(names, sizeof names, 1, ",", ","),
                        "amx,avx512,avxvnni,avx2,neon,scalar");
}

/* Families of made-up lists: a requested or forced variant the family lacks runs on its
 * nearest ancestor the family has; a variant that does not run here is never picked; a family
 * with no ancestor of it gives -1. */
static int has_scalar(beex_isa isa)
{
    return isa == BEEX_ISA_SCALAR;
}
static int has_avx2_scalar(beex_isa isa)
{
    return isa == BEEX_ISA_AVX2 || isa == BEEX_ISA_SCALAR;
}
static int has_avx512_only(beex_isa isa)
{
    return isa == BEEX_ISA_AVX512;
}
static int has_nothing(beex_isa isa)
{
    (void)isa;
    return 0;
}

static void test_pick_fallback(void **state)
{
    (void)state;
    int (*const fams[])(beex_isa) = {has_scalar, has_avx2_scalar, has_avx512_only, has_nothing,
                                     NULL};
    for (size_t f = 0; f < sizeof fams / sizeof fams[0]; f++)
        for (int isa = 0; isa < BEEX_ISA_COUNT; isa++) {
            int want = -1;
            if (beex_isa_available((beex_isa)isa, NULL)) {
                want = isa;
                while (want >= 0 && fams[f] != NULL && !fams[f]((beex_isa)want))
                    want = beex_isa_parent((beex_isa)want);
            }
            assert_int_equal(beex_isa_pick(fams[f], isa), want);
            if (want < 0 && !beex_isa_available((beex_isa)isa, NULL))
                continue;
            assert_int_equal(beex_isa_force(isa), BEEX_OK);
            assert_int_equal(beex_isa_pick(fams[f], -1), want);
            assert_int_equal(beex_isa_force(-1), BEEX_OK);
        }
    /* by hand, where the variants run here */
    if (beex_isa_available(BEEX_ISA_AVXVNNI, NULL)) {
        assert_int_equal(beex_isa_pick(has_avx2_scalar, BEEX_ISA_AVXVNNI), BEEX_ISA_AVX2);
        assert_int_equal(beex_isa_pick(has_scalar, BEEX_ISA_AVXVNNI), BEEX_ISA_SCALAR);
        assert_int_equal(beex_isa_pick(has_avx512_only, BEEX_ISA_AVXVNNI), -1);
    }
    if (beex_isa_available(BEEX_ISA_AMX, NULL)) {
        assert_int_equal(beex_isa_pick(has_avx512_only, BEEX_ISA_AMX), BEEX_ISA_AVX512);
        assert_int_equal(beex_isa_pick(has_avx2_scalar, BEEX_ISA_AMX), BEEX_ISA_AVX2);
    }
    assert_int_equal(beex_isa_pick(has_scalar, BEEX_ISA_COUNT), -1);
    /* automatic: the first available variant in pick order that the family has */
    beex_isa order[BEEX_ISA_COUNT];
    int n = beex_isa_preference(order, BEEX_ISA_COUNT), first = -1;
    for (int i = 0; i < n && first < 0; i++)
        if (has_avx2_scalar(order[i]))
            first = (int)order[i];
    assert_int_equal(beex_isa_pick(has_avx2_scalar, -1), first);
    assert_int_equal(beex_isa_pick(has_nothing, -1), -1);
}

static void test_registry(void **state)
{
    (void)state;
    const beex_op_family *const *fam = NULL;
    size_t n = beex_op_families(&fam);
    assert_true(n >= 2);
    int saw_bgemm = 0, saw_pack = 0, saw_igemm = 0;
    for (size_t i = 0; i < n; i++) {
        assert_non_null(fam[i]->name);
        assert_true(fam[i]->has(BEEX_ISA_SCALAR)); /* every family ends with scalar */
        saw_bgemm |= strcmp(fam[i]->name, "bgemm") == 0;
        saw_pack |= strcmp(fam[i]->name, "pack") == 0;
        saw_igemm |= strcmp(fam[i]->name, "igemm") == 0;
        assert_true(strcmp(fam[i]->variant(), "none") != 0);
    }
    assert_true(saw_bgemm && saw_pack && saw_igemm);
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
        cmocka_unit_test(test_parents),        cmocka_unit_test(test_pick_fallback),
        cmocka_unit_test(test_registry),       cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests_name("variant selection and argument checks", tests, NULL, NULL);
}
