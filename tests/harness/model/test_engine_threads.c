/* The forward pass byte for byte the same on 1, 2, 3 and 7 threads, in fp32, w1a32, w1a1 and
 * w8a8 (calibrated on the fixture's examples), with every operation shared (BEEX_GRAIN_SCALE=0)
 * or by the default grains, in one region per block or one per operation, inside the operations
 * or across the examples, and on an engine's one-thread twin (engine_solo.h). The model is large
 * enough (d 256, dff 512, up to 64 tokens) that the GEMMs take several blocks or tiles per thread
 * and the packing and the row-wise steps several chunks (kernels/chunks.h), so the dynamic splits
 * are exercised. */
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
#include "harness/model/engine_solo.h"
#include "kernels/cpu.h"

#define NEX 6

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
    c.vocab = 97;
    c.d = 256;
    c.heads = 4;
    c.dff = 512;
    c.blocks = 3;
    c.max_len = 64;
    c.classes = 3;
    char err[256];
    assert_int_equal(beex_model_alloc(&c, &f->m, err, sizeof err), 0);
    beex_model_init_random(f->m, 4321);
    assert_int_equal(beex_model_derive_binary(f->m), 0);
    static const int lens[NEX] = {64, 1, 37, 64, 5, 50};
    uint64_t s = 7;
    for (int i = 0; i < NEX; i++) {
        f->lens[i] = lens[i];
        f->ids[i] = malloc((size_t)lens[i] * sizeof(int32_t));
        assert_non_null(f->ids[i]);
        for (int t = 0; t < lens[i]; t++) {
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

/* The whole batch, every block (delta = -inf: nobody exits early), logits out. */
static void run(beex_engine *e, fixture *f, beex_exit_result *res, float *lg)
{
    assert_int_equal(beex_engine_run_batch(e, (const int32_t *const *)f->ids, f->lens, NEX,
                                           -INFINITY, res, lg, NULL),
                     0);
}

static beex_engine *make(fixture *f, beex_precision p, int threads, const char *grain,
                         const char *fork)
{
    if (grain != NULL)
        assert_int_equal(setenv("BEEX_GRAIN_SCALE", grain, 1), 0);
    assert_int_equal(setenv("BEEX_FORK_PER_OP", fork, 1), 0);
    beex_engine_options o = {p, -1, threads};
    beex_engine *e = NULL;
    char err[256];
    if (beex_engine_create(f->m, &o, &e, err, sizeof err) != 0)
        fail_msg("engine %s on %d threads: %s", beex_precision_name(p), threads, err);
    unsetenv("BEEX_GRAIN_SCALE");
    unsetenv("BEEX_FORK_PER_OP");
    return e;
}

static void same(const beex_exit_result *r0, const float *lg0, const beex_exit_result *r,
                 const float *lg, size_t nl, const char *what)
{
    for (int i = 0; i < NEX; i++) {
        assert_int_equal(r[i].exit_block, r0[i].exit_block);
        assert_int_equal(r[i].prediction, r0[i].prediction);
    }
    if (memcmp(lg, lg0, nl * sizeof *lg) != 0)
        fail_msg("%s: logits differ from one thread's", what);
}

static void test_threads_byte_identical(void **state)
{
    fixture *f = *state;
    size_t nl = (size_t)NEX * f->m->cfg.blocks * f->m->cfg.classes;
    float *lg0 = malloc(nl * sizeof *lg0), *lg = malloc(nl * sizeof *lg);
    assert_non_null(lg0), assert_non_null(lg);
    static const int threads[] = {2, 3, 7};
    static const char *const grains[] = {"0", NULL}; /* every operation shared; the defaults */
    for (int p = BEEX_PREC_FP32; p < BEEX_PREC_COUNT; p++) {
        beex_exit_result r0[NEX], r[NEX];
        beex_engine *e = make(f, (beex_precision)p, 1, NULL, "0");
        run(e, f, r0, lg0);
        beex_engine_free(e);
        for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++)
            for (int g = 0; g < 2; g++)
                for (int fork = 0; fork <= 1; fork++)
                    for (int split = BEEX_SPLIT_OPS; split <= BEEX_SPLIT_EXAMPLES; split++) {
                        char what[128];
                        snprintf(what, sizeof what, "%s, %d threads, grain %s, fork %d, split %d",
                                 beex_precision_name((beex_precision)p), threads[t],
                                 grains[g] ? grains[g] : "default", fork, split);
                        e = make(f, (beex_precision)p, threads[t], grains[g], fork ? "1" : "0");
                        assert_int_equal(beex_engine_set_split(e, (beex_engine_split)split), 0);
                        run(e, f, r, lg);
                        same(r0, lg0, r, lg, nl, what);
                        beex_engine_free(e);
                    }
    }
    free(lg0), free(lg);
}

/* The one-thread twin gives the team's results, and runs on one thread. */
static void test_solo_twin(void **state)
{
    fixture *f = *state;
    size_t nl = (size_t)NEX * f->m->cfg.blocks * f->m->cfg.classes;
    float *lg0 = malloc(nl * sizeof *lg0), *lg = malloc(nl * sizeof *lg);
    assert_non_null(lg0), assert_non_null(lg);
    for (int p = BEEX_PREC_FP32; p < BEEX_PREC_COUNT; p++) {
        beex_exit_result r0[NEX], r[NEX];
        beex_engine *e = make(f, (beex_precision)p, 3, "0", "0");
        assert_int_equal(beex_engine_threads(e), 3);
        run(e, f, r0, lg0);
        beex_engine *one = beex_engine_solo(e);
        assert_non_null(one);
        assert_true(one != e);
        assert_int_equal(beex_engine_threads(one), 1);
        assert_ptr_equal(beex_engine_solo(one), one);
        assert_ptr_equal(beex_engine_solo(e), one); /* made once */
        run(one, f, r, lg);
        same(r0, lg0, r, lg, nl, "the one-thread twin");
        run(e, f, r, lg); /* and the team after the twin */
        same(r0, lg0, r, lg, nl, "the team after its twin");
        beex_engine_free(e);
        e = make(f, (beex_precision)p, 1, NULL, "0");
        assert_ptr_equal(beex_engine_solo(e), e); /* one thread: itself */
        beex_engine_free(e);
    }
    assert_null(beex_engine_solo(NULL));
    free(lg0), free(lg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_byte_identical),
        cmocka_unit_test(test_solo_twin),
    };
    return cmocka_run_group_tests_name("engine threads", tests, setup, teardown);
}
