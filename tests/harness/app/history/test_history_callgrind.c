/* The callgrind reader on small hand-written profiles: totals and the three metrics from the
 * "events:" order, name compression and relative positions, and a family's cost counted once
 * however its functions nest (a family function calling another, a routine reached only from
 * the family calling back in, an OpenMP body, a second entry from outside), and restricted to
 * the calls inside another family when asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/app/history/history_callgrind.h"

/* Columns: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw, in another order than valgrind's to check
 * that the header is followed. */
static const char *const profile =
    "# callgrind format\n"
    "version: 1\n"
    "creator: test\n"
    "positions: line\n"
    "events: Dr Ir D1mw D1mr DLmw DLmr\n"
    "summary: 0 5000 3 4 1 2\n"
    "\n"
    "ob=(1) /bin/beex\n"
    "fl=(1) engine.c\n"
    "fn=(1) beex_cmd_run\n"
    "1 0 10\n"
    "cfn=(2) beex_engine_run_batch\n"
    "calls=1 5\n"
    "+1 0 2000 10 20 1 2\n"
    /* The engine: bgemm entered directly, through a shared helper, and through OpenMP. */
    "fn=(2)\n"
    "5 0 40\n"
    "cfn=(3) beex_bgemm_w1a1\n"
    "calls=2 1\n"
    "* 0 700 5 6 0 1\n"
    "cfn=(4) helper\n"
    "calls=1 1\n"
    "+1 0 300\n"
    "cfn=(7) GOMP_parallel\n"
    "calls=1 1\n"
    "-1 0 900\n"
    /* bgemm calls its own dot and a block routine only it calls, which calls dot again. */
    "fn=(3)\n"
    "10 0 100\n"
    "cfn=(5) beex_bgemm_w1a1_dot\n"
    "calls=3 1\n"
    "11 0 350 2 3 0 1\n"
    "cfn=(6) w1a1_block\n"
    "calls=1 1\n"
    "12 0 250\n"
    "fn=(5)\n"
    "20 0 500 2 3 0 1\n"
    "fn=(6)\n"
    "30 0 100\n"
    "cfn=(5)\n"
    "calls=1 1\n"
    "31 0 150\n"
    /* A helper the engine also uses for other work: its call into bgemm is a second entry. */
    "fn=(4)\n"
    "40 0 100\n"
    "cfn=(3)\n"
    "calls=1 1\n"
    "41 0 200\n"
    /* libgomp runs gemm_w1a32's body (a member by its base name) and attention's. */
    "fn=(7)\n"
    "50 0 50\n"
    "cfn=(8) beex_gemm_w1a32._omp_fn.0\n"
    "calls=1 1\n"
    "51 0 400\n"
    "cfn=(9) attention._omp_fn.0\n"
    "calls=1 1\n"
    "52 0 450\n"
    "fn=(8)\n"
    "60 0 400\n"
    "fn=(9)\n"
    "70 0 400\n"
    "cfn=(10) beex_gemm_w1a32\n"
    "calls=1 1\n"
    "71 0 50\n"
    "fn=(10)\n"
    "80 0 50\n"
    "totals: 0 5000 3 4 1 2\n";

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/beex_cgXXXXXX");
    assert_non_null(path);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void read_totals_and_edges(void **state)
{
    (void)state;
    char *path = write_tmp(profile);
    beex_cg_profile p;
    char err[256];
    assert_int_equal(beex_cg_read(path, &p, err, sizeof err), 0);
    assert_int_equal(p.totals.instructions, 5000);
    assert_int_equal(p.totals.d1_misses, 3 + 4);
    assert_int_equal(p.totals.ll_misses, 1 + 2);
    assert_int_equal(p.nfns, 10);
    assert_int_equal(p.ncalls, 11);
    /* The first edge: cmd_run -> engine, with its D1 and LL misses from their columns. */
    assert_string_equal(p.fns[p.calls[0].caller].name, "beex_cmd_run");
    assert_string_equal(p.fns[p.calls[0].callee].name, "beex_engine_run_batch");
    assert_int_equal(p.calls[0].inclusive.instructions, 2000);
    assert_int_equal(p.calls[0].inclusive.d1_misses, 30);
    assert_int_equal(p.calls[0].inclusive.ll_misses, 3);
    beex_cg_free(&p);
    unlink(path);
    free(path);
}

static void family_counted_once(void **state)
{
    (void)state;
    char *path = write_tmp(profile);
    beex_cg_profile p;
    char err[256];
    assert_int_equal(beex_cg_read(path, &p, err, sizeof err), 0);
    beex_cg_cost k;
    static const char *const bgemm[] = {"beex_bgemm_w1a1*", NULL};
    assert_int_equal(beex_cg_family_cost(&p, bgemm, NULL, &k), 0);
    /* engine -> bgemm (700) and helper -> bgemm (200); not bgemm -> dot, not the block
     * routine's call of dot, which lie inside bgemm's calls. */
    assert_int_equal(k.instructions, 900);
    assert_int_equal(k.d1_misses, 11);
    assert_int_equal(k.ll_misses, 1);

    static const char *const w1a32[] = {"beex_gemm_w1a32", NULL};
    assert_int_equal(beex_cg_family_cost(&p, w1a32, NULL, &k), 0);
    /* Not libgomp -> its OpenMP body; attention's body -> gemm_w1a32 is a real entry. */
    assert_int_equal(k.instructions, 50);

    static const char *const engine[] = {"beex_engine_run_batch*", "beex_engine_trace", NULL};
    assert_int_equal(beex_cg_family_cost(&p, engine, NULL, &k), 0);
    assert_int_equal(k.instructions, 2000);

    static const char *const none[] = {"beex_fgemm", NULL};
    assert_int_equal(beex_cg_family_cost(&p, none, NULL, &k), 0);
    assert_int_equal(k.instructions, 0);
    beex_cg_free(&p);
    unlink(path);
    free(path);
}

/* With --separate-callers, names carry their callers: a kernel called while the model is set
 * up is outside the forward pass. */
static void family_within_context(void **state)
{
    (void)state;
    char *path =
        write_tmp("events: Ir\n"
                  "fn=(1) beex_engine_create'beex_cmd_run\n"
                  "cfn=(2) beex_pack_signs_rows'beex_engine_create'beex_cmd_run\n"
                  "calls=1 1\n"
                  "1 70\n"
                  "fn=(3) linear'beex_fwd_block_run'beex_engine_run_batch_rule'beex_cmd_run\n"
                  "cfn=(4) "
                  "beex_pack_signs_rows_isa'linear'beex_fwd_block_run'beex_engine_run_batch_rule'"
                  "beex_cmd_run\n"
                  "calls=2 1\n"
                  "2 30\n"
                  "fn=(5) beex_rec'2'beex_rec'linear\n"
                  "3 1\n"
                  "totals: 101\n");
    beex_cg_profile p;
    char err[256];
    assert_int_equal(beex_cg_read(path, &p, err, sizeof err), 0);
    static const char *const pack[] = {"beex_pack_signs_rows*", NULL};
    static const char *const engine[] = {"beex_engine_run_batch*", "beex_engine_trace", NULL};
    beex_cg_cost k;
    assert_int_equal(beex_cg_family_cost(&p, pack, NULL, &k), 0);
    assert_int_equal(k.instructions, 100);
    const char *const *const in_engine[] = {engine, NULL};
    assert_int_equal(beex_cg_family_cost(&p, pack, in_engine, &k), 0);
    assert_int_equal(k.instructions, 30);
    beex_cg_free(&p);
    unlink(path);
    free(path);
}

static void names_in_family(void **state)
{
    (void)state;
    static const char *const pats[] = {"beex_bgemm_w1a1*", "beex_gemm_w1a32", NULL};
    assert_true(beex_cg_in_family("beex_bgemm_w1a1", pats));
    assert_true(beex_cg_in_family("beex_bgemm_w1a1_dot", pats));
    assert_true(beex_cg_in_family("beex_gemm_w1a32.part.0", pats));
    assert_true(beex_cg_in_family("beex_gemm_w1a32'2", pats));
    assert_true(beex_cg_in_family("beex_gemm_w1a32'linear'beex_engine_run_batch", pats));
    assert_false(beex_cg_in_family("beex_gemm_w1a32x", pats));
    assert_false(beex_cg_in_family("linear'beex_gemm_w1a32", pats));
    assert_false(beex_cg_in_family("beex_bgemm", pats));
}

static void bad_files(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"events: Ir\nfn=(1) f\n1 x2\ntotals: 1\n", ":3:"},
        {"events: Dr\nsummary: 1\n", ":1:"},
        {"fn=(1) f\n1 2\n", ":2:"},
        {"events: Ir\nfn=(1) f\n1 2\n", "no \"summary:\""},
        {"events: Ir\nfn=(9)\n1 2\ntotals: 2\n", ":2:"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = write_tmp(cases[i][0]);
        beex_cg_profile p;
        char err[512] = "";
        assert_int_equal(beex_cg_read(path, &p, err, sizeof err), -1);
        if (strstr(err, path) == NULL || strstr(err, cases[i][1]) == NULL)
            fail_msg("case %zu: '%s' lacks the file or '%s'", i, err, cases[i][1]);
        assert_null(p.fns);
        unlink(path);
        free(path);
    }
    beex_cg_profile p;
    char err[256];
    assert_int_equal(beex_cg_read("/nonexistent/cg.out", &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/cg.out"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_totals_and_edges),
        cmocka_unit_test(family_counted_once),
        cmocka_unit_test(family_within_context),
        cmocka_unit_test(names_in_family),
        cmocka_unit_test(bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
