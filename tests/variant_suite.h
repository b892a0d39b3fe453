/* Suites whose cases are per kernel variant, run so that ctest can tell "passed" from "this CPU
 * lacks the variant": cmocka's skip() exits 0, so a suite whose AVX-512 cases were all skipped
 * used to show as Passed. A case belongs to a variant when its name ends in "/<variant>"
 * ("grid/avx2"); every other case is variant-independent. BEEX_PER_VARIANT(name, fn) stands
 * for one case per variant of kernels/cpu.h's BEEX_ISA_LIST, expanded when the suite runs, so
 * a new variant gets its cases without touching a test. Arguments:
 *   (none)     every case, one cmocka group per variant; a variant this CPU lacks is skipped
 *              with its reason (manual runs);
 *   <variant>  that variant's cases only; exits 77 (ctest's SKIP_RETURN_CODE, set in
 *              CMakeLists.txt's beex_add_tests) with the reason when the build or the CPU
 *              lacks it, or when the suite's family has no such variant, so ctest reports
 *              the registration "<suite>/<variant>" as Skipped;
 *   common     the variant-independent cases only.
 * beex_add_tests registers a suite that calls beex_run_variant_suite once per variant the build
 * contains plus once as "common", so every case runs in exactly one registration. */
#ifndef BEEX_TEST_VARIANT_SUITE_H
#define BEEX_TEST_VARIANT_SUITE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/cpu.h"
#include "kernels/registry.h"

#define BEEX_TEST_SKIPPED 77

/* One case per variant of test function fn, named "<name>/<variant>"; the case asks
 * beex_test_variant which variant it runs (cmocka hands a group's fixture to every case, so
 * the variant cannot travel in the case's state). */
#define BEEX_PER_VARIANT(name, fn)                                                                 \
    {                                                                                              \
        name "/*", fn, NULL, NULL, NULL                                                            \
    }

/* The variant whose cases run now (-1: the variant-independent cases). */
static int beex_test_isa = -1;

static inline int beex_test_variant(void **state)
{
    (void)state;
    assert_true(beex_test_isa >= 0 && beex_isa_available((beex_isa)beex_test_isa, NULL));
    return beex_test_isa;
}

/* The variant a case belongs to (the name's suffix after its last '/'), or NULL. */
static inline const char *beex_case_variant(const char *name)
{
    const char *slash = strrchr(name, '/');
    return slash != NULL && beex_isa_parse(slash + 1) >= 0 ? slash + 1 : NULL;
}

static inline int beex_is_per_variant(const char *name)
{
    size_t len = strlen(name);
    return len >= 2 && strcmp(name + len - 2, "/*") == 0;
}

/* Runs as one cmocka group either the BEEX_PER_VARIANT cases for variant isa, named
 * "<name>/<variant>", or (isa -1) the other cases. Returns the number of failed cases, or -1
 * when the selection holds no case. */
static inline int beex_run_variant_group(const char *group, const struct CMUnitTest *tests,
                                         size_t n, int isa, CMFixtureFunction setup,
                                         CMFixtureFunction teardown)
{
    struct CMUnitTest *pick = malloc((n ? n : 1) * sizeof *pick);
    char *names = malloc(n * 64 + 1);
    size_t k = 0, used = 0;
    int status = -1;
    if (pick == NULL || names == NULL)
        goto out;
    for (size_t i = 0; i < n; i++) {
        int per = beex_is_per_variant(tests[i].name);
        if (per != (isa >= 0))
            continue;
        pick[k] = tests[i];
        if (per) {
            char *name = names + used;
            int w = snprintf(name, 64, "%.*s%s", (int)(strlen(tests[i].name) - 1), tests[i].name,
                             beex_isa_name((beex_isa)isa));
            used += (size_t)(w < 64 ? w : 63) + 1;
            pick[k].name = name;
        }
        k++;
    }
    if (k > 0) {
        beex_test_isa = isa;
        /* what cmocka_run_group_tests_name expands to, with a count known only at run time */
        status = _cmocka_run_group_tests(group, pick, k, setup, teardown);
        beex_test_isa = -1;
    }
out:
    free(pick);
    free(names);
    return status;
}

/* Runs the cases argv selects (see above); family (NULL: none) limits the variants to those
 * its list has. Returns main's exit status: the number of failed cases, 77 for an unavailable
 * variant, 2 for a bad argument or a selection with no case (a registration that tests
 * nothing is a mistake, not a pass). */
static inline int beex_run_variant_suite(const char *group, const beex_op_family *family,
                                         const struct CMUnitTest *tests, size_t n,
                                         CMFixtureFunction setup, CMFixtureFunction teardown,
                                         int argc, char **argv)
{
    const char *sel = argc > 1 ? argv[1] : NULL;
    int common = sel != NULL && strcmp(sel, "common") == 0;
    int isa = sel != NULL && !common ? beex_isa_parse(sel) : -1;
    if (argc > 2 || (sel != NULL && !common && isa < 0)) {
        char names[128];
        fprintf(stderr, "usage: %s [%s|common]\n", argv[0],
                beex_isa_names_joined(names, sizeof names, 0, "|", "|"));
        return 2;
    }
    int failed = 0, ran = 0;
    for (int v = -1; v < BEEX_ISA_COUNT; v++) {
        if (sel != NULL && v != isa)
            continue;
        const char *why = NULL;
        if (v >= 0 && !beex_isa_available((beex_isa)v, &why)) {
            printf("%s: variant %s skipped: %s\n", group, beex_isa_name((beex_isa)v), why);
            if (sel != NULL)
                return BEEX_TEST_SKIPPED;
            continue;
        }
        if (v >= 0 && family != NULL && !family->has((beex_isa)v)) {
            printf("%s: variant %s skipped: the %s family's list has no %s line\n", group,
                   beex_isa_name((beex_isa)v), family->name, beex_isa_name((beex_isa)v));
            if (sel != NULL)
                return BEEX_TEST_SKIPPED;
            continue;
        }
        int r = beex_run_variant_group(group, tests, n, v, setup, teardown);
        if (r >= 0) {
            failed += r;
            ran++;
        }
    }
    if (ran == 0) {
        fprintf(stderr, "%s: no case for '%s'\n", group, sel != NULL ? sel : "any");
        return 2;
    }
    return failed;
}

#endif
