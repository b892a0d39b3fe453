/* Suites whose cases are per kernel variant, run so that ctest can tell "passed" from "this CPU
 * lacks the variant": cmocka's skip() exits 0, so a suite whose AVX-512 cases were all skipped
 * used to show as Passed. A case belongs to a variant when its name ends in "/<variant>"
 * ("grid/avx2"); every other case is variant-independent. Arguments:
 *   (none)     every case; a variant this CPU lacks is skipped through cmocka (manual runs);
 *   <variant>  that variant's cases only; exits 77 (ctest's SKIP_RETURN_CODE, set in
 *              CMakeLists.txt's beex_add_tests) with the reason when the build or the CPU
 *              lacks it, so ctest reports the registration "<suite>/<variant>" as Skipped;
 *   common     the variant-independent cases only.
 * beex_add_tests registers a suite that calls beex_run_variant_suite once per variant the build
 * contains plus once as "common", so every case runs in exactly one registration. */
#ifndef BEEX_TEST_VARIANT_SUITE_H
#define BEEX_TEST_VARIANT_SUITE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu.h"

#define BEEX_TEST_SKIPPED 77

/* The state each per-variant case receives: a pointer to its beex_isa. */
static int beex_test_isas[BEEX_ISA_COUNT]
    __attribute__((unused)) = {BEEX_ISA_SCALAR, BEEX_ISA_AVX2, BEEX_ISA_AVX512, BEEX_ISA_NEON};

/* The four cases "<name>/<variant>" of one test function, one per variant. */
#define BEEX_PER_VARIANT(name, fn)                                                                 \
    {name "/scalar", fn, NULL, NULL, &beex_test_isas[BEEX_ISA_SCALAR]},                            \
        {name "/avx2", fn, NULL, NULL, &beex_test_isas[BEEX_ISA_AVX2]},                            \
        {name "/avx512", fn, NULL, NULL, &beex_test_isas[BEEX_ISA_AVX512]},                        \
    {                                                                                              \
        name "/neon", fn, NULL, NULL, &beex_test_isas[BEEX_ISA_NEON]                               \
    }

/* The variant a case belongs to (the name's suffix after its last '/'), or NULL. */
static inline const char *beex_case_variant(const char *name)
{
    const char *slash = strrchr(name, '/');
    return slash != NULL && beex_isa_parse(slash + 1) >= 0 ? slash + 1 : NULL;
}

/* Runs the cases argv selects (see above) as one cmocka group. Returns main's exit status:
 * the number of failed cases, 77 for an unavailable variant, 2 for a bad argument or a
 * selection with no case (a registration that tests nothing is a mistake, not a pass). */
static inline int beex_run_variant_suite(const char *group, const struct CMUnitTest *tests,
                                         size_t n, CMFixtureFunction setup,
                                         CMFixtureFunction teardown, int argc, char **argv)
{
    const char *sel = argc > 1 ? argv[1] : NULL;
    if (argc > 2 || (sel != NULL && strcmp(sel, "common") != 0 && beex_isa_parse(sel) < 0)) {
        fprintf(stderr, "usage: %s [scalar|avx2|avx512|neon|common]\n", argv[0]);
        return 2;
    }
    if (sel != NULL && strcmp(sel, "common") != 0) {
        const char *why = NULL;
        if (!beex_isa_available((beex_isa)beex_isa_parse(sel), &why)) {
            printf("%s: variant %s skipped: %s\n", group, sel, why);
            return BEEX_TEST_SKIPPED;
        }
    }
    struct CMUnitTest *pick = malloc((n ? n : 1) * sizeof *pick);
    if (pick == NULL)
        return 2;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *v = beex_case_variant(tests[i].name);
        if (sel == NULL || (strcmp(sel, "common") == 0 ? v == NULL : v && strcmp(v, sel) == 0))
            pick[k++] = tests[i];
    }
    if (k == 0) {
        fprintf(stderr, "%s: no case for '%s'\n", group, sel);
        free(pick);
        return 2;
    }
    /* What cmocka_run_group_tests_name expands to, with a count known only at run time. */
    int failed = _cmocka_run_group_tests(group, pick, k, setup, teardown);
    free(pick);
    return failed;
}

#endif
