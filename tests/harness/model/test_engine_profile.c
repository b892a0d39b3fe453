/* The engine's profiling switch (beex_engine_set_profile, docs/benchmarks.md): it never changes a
 * result (byte-identical logits and entropies with and without it, in every precision, on one
 * thread, in a team of threads inside operations, forked per operation, and split across
 * examples); its classes sum to no more than the profiled calls' wall time and cover it within
 * the slack stated below; every class the model has takes time and the others none; and it
 * stops when switched off. No speed is asserted. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/model/calibrate.h"
#include "harness/model/engine.h"
#include "kernels/cpu.h"

/* The named classes cover at least this share of the profiled wall time: the rest is the
 * per-call set-up (allocations, the id checks), compaction, and the forks and joins. The
 * fixture is large enough (d 128, 32 tokens, 20 calls) that this was 82 to 99 % on a 2-core
 * VM at a load of 4 (3 threads on 2 cores the lowest); the bound leaves room for worse. */
#define MIN_COVERED 0.5
/* Clock arithmetic: differences of doubles near the uptime round at about 1e-11 s each. */
#define CLOCK_SLACK 1e-9

#define NEX 6
#define CALLS 20

typedef struct {
    beex_model *m;
    int32_t *ids[NEX];
    int lens[NEX];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    beex_config c = beex_config_default();
    c.vocab = 300;
    c.d = 128;
    c.heads = 4;
    c.dff = 256;
    c.blocks = 3;
    c.max_len = 32;
    c.classes = 3;
    char err[256];
    assert_int_equal(beex_model_alloc(&c, &f->m, err, sizeof err), 0);
    beex_model_init_random(f->m, 77);
    assert_int_equal(beex_model_derive_binary(f->m), 0);
    uint64_t s = 5;
    for (int i = 0; i < NEX; i++) {
        f->lens[i] = 32 - 3 * i;
        f->ids[i] = malloc((size_t)f->lens[i] * sizeof(int32_t));
        assert_non_null(f->ids[i]);
        for (int t = 0; t < f->lens[i]; t++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            f->ids[i][t] = (int32_t)((s >> 33) % (uint64_t)c.vocab);
        }
    }
    if (beex_calibrate(f->m, (const int32_t *const *)f->ids, f->lens, NEX, 1, err, sizeof err) != 0)
        fail_msg("calibration: %s", err);
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

/* An engine; team = 1 makes every operation share the threads (BEEX_GRAIN_SCALE=0), fork = 1
 * opens a region per operation (BEEX_FORK_PER_OP=1). */
static beex_engine *make_engine(const fixture *f, beex_precision p, int threads, int team, int fork)
{
    assert_int_equal(setenv("BEEX_GRAIN_SCALE", team ? "0" : "1", 1), 0);
    assert_int_equal(setenv("BEEX_FORK_PER_OP", fork ? "1" : "0", 1), 0);
    beex_engine_options o = {p, -1, threads};
    beex_engine *e = NULL;
    char err[256];
    int rc = beex_engine_create(f->m, &o, &e, err, sizeof err);
    unsetenv("BEEX_GRAIN_SCALE");
    unsetenv("BEEX_FORK_PER_OP");
    if (rc != 0)
        fail_msg("engine: %s", err);
    return e;
}

static void run(beex_engine *e, const fixture *f, float *logits, float *entropy)
{
    beex_exit_result r[NEX];
    assert_int_equal(beex_engine_run_batch(e, (const int32_t *const *)f->ids, f->lens, NEX,
                                           -INFINITY, r, logits, entropy),
                     BEEX_OK);
}

/* The settings a profile must survive: threads, team or not, region per operation, split. */
typedef struct {
    int threads, team, fork;
    beex_engine_split split;
} setting;

static const setting settings[] = {
    {1, 0, 0, BEEX_SPLIT_OPS}, {2, 1, 0, BEEX_SPLIT_OPS},      {3, 1, 0, BEEX_SPLIT_OPS},
    {2, 1, 1, BEEX_SPLIT_OPS}, {2, 0, 0, BEEX_SPLIT_EXAMPLES}, {2, 1, 0, BEEX_SPLIT_EXAMPLES},
};
#define NSETTINGS (int)(sizeof settings / sizeof settings[0])

static void check_profile(const beex_op_profile *p, beex_precision prec, long calls)
{
    assert_int_equal(p->calls, calls);
    double sum = 0.0;
    for (int c = 0; c < BEEX_OP_CLASSES; c++) {
        assert_true(p->seconds[c] >= 0.0);
        sum += p->seconds[c];
        /* Every class the model has takes time; packing exists in w1a1 only, and in w8a8 the
         * quantizing of x, the heads and y goes to the same class. */
        if (c == BEEX_OP_PACK && prec != BEEX_PREC_W1A1 && prec != BEEX_PREC_W8A8)
            assert_true(p->seconds[c] == 0.0);
        else if (p->seconds[c] <= 0.0)
            fail_msg("%s: class %s has no time", beex_precision_name(prec),
                     beex_op_class_name((beex_op_class)c));
    }
    if (sum > p->total_seconds + CLOCK_SLACK)
        fail_msg("classes %.9f s > wall %.9f s", sum, p->total_seconds);
    if (sum < MIN_COVERED * p->total_seconds)
        fail_msg("classes cover %.1f %% of the wall time (< %.0f %%)",
                 100.0 * sum / p->total_seconds, 100.0 * MIN_COVERED);
}

static void test_profile_changes_nothing(void **state)
{
    fixture *f = *state;
    const beex_config *cfg = &f->m->cfg;
    size_t nl = (size_t)NEX * cfg->blocks * cfg->classes, nh = (size_t)NEX * cfg->blocks;
    float *l0 = malloc(nl * sizeof *l0), *l1 = malloc(nl * sizeof *l1);
    float *h0 = malloc(nh * sizeof *h0), *h1 = malloc(nh * sizeof *h1);
    assert_non_null(l0), assert_non_null(l1), assert_non_null(h0), assert_non_null(h1);
    for (int p = BEEX_PREC_FP32; p < BEEX_PREC_COUNT; p++)
        for (int s = 0; s < NSETTINGS; s++) {
            const setting *st = &settings[s];
            beex_engine *e = make_engine(f, (beex_precision)p, st->threads, st->team, st->fork);
            assert_int_equal(beex_engine_set_split(e, st->split), BEEX_OK);
            run(e, f, l0, h0);
            beex_op_profile prof;
            memset(&prof, 0, sizeof prof);
            assert_int_equal(beex_engine_set_profile(e, &prof), BEEX_OK);
            for (int k = 0; k < CALLS; k++) {
                memset(l1, 0xff, nl * sizeof *l1);
                memset(h1, 0xff, nh * sizeof *h1);
                run(e, f, l1, h1);
                assert_memory_equal(l0, l1, nl * sizeof *l0);
                assert_memory_equal(h0, h1, nh * sizeof *h0);
            }
            check_profile(&prof, (beex_precision)p, CALLS);
            /* Off again: nothing more is added, and the results stay the same. */
            assert_int_equal(beex_engine_set_profile(e, NULL), BEEX_OK);
            beex_op_profile before = prof;
            run(e, f, l1, h1);
            assert_memory_equal(l0, l1, nl * sizeof *l0);
            assert_memory_equal(&before, &prof, sizeof prof);
            beex_engine_free(e);
        }
    free(l0), free(l1), free(h0), free(h1);
}

static void test_class_names_and_bad_calls(void **state)
{
    fixture *f = *state;
    for (int c = 0; c < BEEX_OP_CLASSES; c++) {
        const char *n = beex_op_class_name((beex_op_class)c);
        assert_true(strcmp(n, "?") != 0 && n[0] != '\0');
        for (int k = 0; k < c; k++)
            assert_string_not_equal(n, beex_op_class_name((beex_op_class)k));
    }
    assert_string_equal(beex_op_class_name(BEEX_OP_CLASSES), "?");
    beex_op_profile p;
    assert_int_equal(beex_engine_set_profile(NULL, &p), BEEX_EINVAL);
    beex_engine *e = make_engine(f, BEEX_PREC_W1A1, 1, 0, 0);
    assert_int_equal(beex_engine_set_profile(e, NULL), BEEX_OK); /* off when already off */
    beex_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_changes_nothing),
        cmocka_unit_test(test_class_names_and_bad_calls),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
