/* `beex bench model`'s timing loops on a tiny model (bench/model_bench.h): an interleaved group
 * gives every case the same number of repetitions, one per round, with each batch's OPs; a
 * capped case counts fewer OPs than its uncapped twin; the slot warm-up follows its setting;
 * beex_mb_measure keeps its single-case plan; profiled passes are counted and leave the
 * engines unprofiled. Nothing is asserted about speed. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "harness/bench/model_bench.h"

enum { NEX = 8, T = 6 };

typedef struct {
    beex_model *m;
    int32_t *ids[NEX];
    int lens[NEX], caps[NEX];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    beex_config c = beex_config_default();
    c.vocab = 50, c.d = 16, c.heads = 2, c.dff = 24, c.blocks = 4, c.max_len = 8, c.classes = 2;
    char err[256];
    assert_int_equal(beex_model_alloc(&c, &f->m, err, sizeof err), 0);
    beex_model_init_random(f->m, 3);
    assert_int_equal(beex_model_derive_binary(f->m), 0);
    for (int i = 0; i < NEX; i++) {
        f->lens[i] = T;
        f->caps[i] = i % 2 == 0 ? 2 : c.blocks;
        f->ids[i] = malloc(T * sizeof(int32_t));
        assert_non_null(f->ids[i]);
        for (int t = 0; t < T; t++)
            f->ids[i][t] = 2 + (i * 7 + t * 3) % 48;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < NEX; i++)
        free(f->ids[i]);
    beex_model_free(f->m);
    free(f);
    return 0;
}

static void test_group_rounds(void **state)
{
    fixture *f = *state;
    beex_mb_pool *pool = beex_mb_pool_new(f->m);
    assert_non_null(pool);
    beex_mb_inputs in = {(const int32_t *const *)f->ids, f->lens, NEX};
    /* Two precisions, two thread counts, a capped twin: five cases, 6 to 9 rounds. */
    beex_mb_case cases[5] = {
        {BEEX_PREC_FP32, -1, 1, 2, BEEX_MB_WITHIN_OPS, 0, 0, 0},
        {BEEX_PREC_W1A1, -1, 1, 2, BEEX_MB_WITHIN_OPS, 0, 0, 0},
        {BEEX_PREC_W1A1, -1, 2, 2, BEEX_MB_WITHIN_OPS, 0, 0, 0},
        {BEEX_PREC_W1A1, -1, 2, 2, BEEX_MB_ACROSS_EXAMPLES, 0, 0, 0},
        {BEEX_PREC_W1A1, -1, 1, 2, BEEX_MB_WITHIN_OPS, 0, 0, 0},
    };
    const int *caps[5] = {NULL, NULL, NULL, NULL, f->caps};
    for (int warm = 0; warm <= 1; warm++) {
        beex_mb_group g = {cases, caps, 5, -INFINITY, 0.0, 6, 9, 17, warm};
        beex_mb_result r[5];
        char err[256];
        assert_int_equal(beex_mb_measure_group(pool, &in, &g, r, err, sizeof err), 0);
        for (int i = 0; i < 5; i++) {
            assert_int_equal(r[i].reps, 6); /* min_time 0: min_rounds, for every case */
            assert_int_equal(r[i].slot_warmup, warm);
            assert_non_null(r[i].samples), assert_non_null(r[i].cpu), assert_non_null(r[i].ops);
            for (int k = 0; k < r[i].reps; k++)
                assert_true(r[i].samples[k] >= 0.0 && r[i].ops[k] > 0.0);
            assert_true(r[i].examples_per_s > 0.0);
        }
        /* Half the capped batch leaves at block 2 of 4: fewer OPs, every round. */
        for (int k = 0; k < 6; k++)
            assert_true(r[4].ops[k] < r[1].ops[k]);
        for (int i = 0; i < 5; i++)
            beex_mb_result_free(&r[i]);
    }
    beex_mb_pool_free(pool);
}

static void test_single_case_and_profile(void **state)
{
    fixture *f = *state;
    beex_mb_case c = {BEEX_PREC_W1A1, -1, 1, 3, BEEX_MB_WITHIN_OPS, 0.0, 4, 4};
    beex_mb_result r = {0};
    char err[256];
    assert_int_equal(beex_mb_measure(f->m, &c, (const int32_t *const *)f->ids, f->lens, NEX,
                                     -INFINITY, NULL, &r, err, sizeof err),
                     0);
    assert_int_equal(r.reps, 4);
    assert_null(r.ops);
    beex_mb_result_free(&r);

    beex_mb_pool *pool = beex_mb_pool_new(f->m);
    assert_non_null(pool);
    beex_mb_inputs in = {(const int32_t *const *)f->ids, f->lens, NEX};
    beex_op_profile prof;
    assert_int_equal(beex_mb_profile(pool, &in, &c, -INFINITY, 5, &prof, err, sizeof err), 0);
    assert_int_equal(prof.calls, 5);
    assert_true(prof.total_seconds > 0.0 && prof.seconds[BEEX_OP_GEMM] > 0.0);
    /* The pool's engine is unprofiled again: a timed group adds nothing to prof. */
    beex_op_profile before = prof;
    beex_mb_group g = {&c, NULL, 1, -INFINITY, 0.0, 2, 2, 1, 0};
    assert_int_equal(beex_mb_measure_group(pool, &in, &g, &r, err, sizeof err), 0);
    assert_int_equal(prof.calls, before.calls);
    assert_true(prof.total_seconds == before.total_seconds);
    beex_mb_result_free(&r);
    beex_mb_pool_free(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_rounds),
        cmocka_unit_test(test_single_case_and_profile),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
