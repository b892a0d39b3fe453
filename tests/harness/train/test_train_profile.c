/* The training step's profiling switch (harness/train/tprofile.h, `beex bench train
 * --breakdown`): parameters after a few steps are the same bytes with it on and off (fp32 and
 * w1a1, 1 and 2 threads); the classes add up to no more than the profiled steps' wall time
 * and cover nearly all of it; every class the step has takes time; the products' FLOPs
 * counted at the call sites are beex_tstep_flops without the exit heads'. No time is
 * asserted beyond being positive. */
#include <math.h>
#include <omp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/train/tprofile.h"
#include "harness/train/tstep.h"

enum { N = 5, STEPS = 3, MAXT = 20 };

static beex_config small_config(void)
{
    beex_config c = {.vocab = 40,
                     .d = 24,
                     .heads = 3,
                     .dff = 40,
                     .blocks = 3,
                     .max_len = MAXT,
                     .classes = 3,
                     .precision = BEEX_PREC_FP32,
                     .ln_eps = 1e-6f};
    return c;
}

typedef struct {
    int32_t ids[N][MAXT];
    const int32_t *rows[N];
    int len[N], y[N];
    uint64_t seeds[N];
    float lw[3];
} batch;

static void make_batch(batch *b)
{
    memset(b, 0, sizeof *b);
    uint64_t r = 99;
    for (int i = 0; i < N; i++) {
        b->len[i] = 3 + 4 * i; /* 3..19: several attention shapes */
        for (int t = 0; t < b->len[i]; t++) {
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            b->ids[i][t] = 2 + (int32_t)((r >> 33) % 38);
        }
        b->rows[i] = b->ids[i];
        b->y[i] = i % 3;
        b->seeds[i] = 500 + (uint64_t)i;
    }
    for (int k = 0; k < 3; k++)
        b->lw[k] = (float)(k + 1);
}

/* STEPS steps from the same start on `threads` threads, profiled into prof when not NULL;
 * returns the parameters afterwards (malloc'd, n floats). */
static float *train(beex_precision prec, int threads, beex_tprofile *prof, size_t *n)
{
    beex_config cfg = small_config();
    cfg.precision = prec;
    omp_set_num_threads(threads); /* Adam's and the effective weights' regions */
    beex_tstep st;
    assert_int_equal(beex_tstep_init(&st, &cfg, 1e-2, threads), 0);
    uint64_t r = 7;
    for (size_t i = 0; i < st.p.n; i++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        st.p.base[i] = (float)((double)(r >> 11) / 9007199254740992.0 - 0.5);
    }
    batch b;
    make_batch(&b);
    beex_tbatch tb = {N, b.rows, b.len, b.y, b.seeds};
    double loss[N];
    int right[N];
    beex_tstep_set_profile(&st, prof);
    for (int k = 0; k < STEPS; k++)
        assert_int_equal(beex_tstep_run(&st, &tb, prec, 0.1f, b.lw, 1e-2, 0, loss, right), 0);
    beex_tstep_set_profile(&st, NULL);
    *n = st.p.n;
    float *out = malloc(st.p.n * sizeof *out);
    assert_non_null(out);
    memcpy(out, st.p.base, st.p.n * sizeof *out);
    beex_tstep_free(&st);
    return out;
}

static void check_case(beex_precision prec, int threads)
{
    size_t n0 = 0, n1 = 0;
    beex_tprofile prof;
    memset(&prof, 0, sizeof prof);
    float *plain = train(prec, threads, NULL, &n0);
    float *profiled = train(prec, threads, &prof, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(plain, profiled, n0 * sizeof *plain);
    free(plain);
    free(profiled);

    assert_int_equal(prof.steps, STEPS);
    double classes = 0.0;
    for (int c = 0; c < BEEX_TP_CLASSES; c++) {
        /* every class runs in every step: surrogate + clip clips even in fp32 */
        assert_true(prof.seconds[c] > 0.0);
        classes += prof.seconds[c];
    }
    /* The rest of each pass is its wall time less its inner classes, so the classes add up
     * to the step's wall time less the step's own set-up (a few clock reads apart). */
    assert_true(classes <= prof.total_seconds * (1.0 + 1e-9));
    assert_true(classes >= 0.8 * prof.total_seconds);

    /* Products counted at the call sites against beex_tstep_flops, which also counts the
     * exit heads (2 d classes FLOPs per example and block, three times). */
    beex_config cfg = small_config();
    double want = 0.0;
    for (int i = 0; i < N; i++)
        want += beex_tstep_flops(&cfg, 3 + 4 * i) - 3.0 * cfg.blocks * 2.0 * cfg.d * cfg.classes;
    double got = (prof.flops[BEEX_TP_FWD_GEMM] + prof.flops[BEEX_TP_FWD_ATTN] +
                  prof.flops[BEEX_TP_BWD_GEMM] + prof.flops[BEEX_TP_BWD_ATTN]) /
                 STEPS;
    assert_true(fabs(got - want) <= 1e-12 * want);
    /* backward does two products per forward one */
    assert_true(fabs(prof.flops[BEEX_TP_BWD_GEMM] - 2.0 * prof.flops[BEEX_TP_FWD_GEMM]) <=
                1e-12 * prof.flops[BEEX_TP_BWD_GEMM]);
    assert_true(fabs(prof.flops[BEEX_TP_BWD_ATTN] - 2.0 * prof.flops[BEEX_TP_FWD_ATTN]) <=
                1e-12 * prof.flops[BEEX_TP_BWD_ATTN]);
}

static void test_fp32_1(void **state)
{
    (void)state;
    check_case(BEEX_PREC_FP32, 1);
}
static void test_fp32_2(void **state)
{
    (void)state;
    check_case(BEEX_PREC_FP32, 2);
}
static void test_w1a1_1(void **state)
{
    (void)state;
    check_case(BEEX_PREC_W1A1, 1);
}
static void test_w1a1_2(void **state)
{
    (void)state;
    check_case(BEEX_PREC_W1A1, 2);
}

/* What each per-parameter pass moves: Adam 28 bytes a parameter, zeroing 4; the passes of
 * the forward and backward calls none (they have no byte count). */
static void test_pass_bytes(void **state)
{
    (void)state;
    beex_config cfg = small_config();
    double n = (double)beex_tparams_count(&cfg), bytes, ws;
    beex_tprof_pass_bytes(&cfg, BEEX_PREC_W1A1, BEEX_TP_ADAM, &bytes, &ws);
    assert_true(bytes == 28.0 * n && ws == 16.0 * n);
    beex_tprof_pass_bytes(&cfg, BEEX_PREC_FP32, BEEX_TP_ZERO, &bytes, &ws);
    assert_true(bytes == 4.0 * n && ws == 4.0 * n);
    beex_tprof_pass_bytes(&cfg, BEEX_PREC_FP32, BEEX_TP_FWD_OTHER, &bytes, &ws);
    assert_true(bytes == 0.0 && ws == 0.0);
    double fp32, bin;
    beex_tprof_pass_bytes(&cfg, BEEX_PREC_FP32, BEEX_TP_SURROGATE, &fp32, &ws);
    beex_tprof_pass_bytes(&cfg, BEEX_PREC_W1A1, BEEX_TP_SURROGATE, &bin, &ws);
    assert_true(fp32 > 0.0 && bin > fp32); /* fp32 only clips */
    assert_string_equal(beex_tp_class_name(BEEX_TP_ADAM), "adam");
    assert_string_equal(beex_tp_class_name(BEEX_TP_FWD_GEMM), "fwd_gemm");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fp32_1),     cmocka_unit_test(test_fp32_2),
        cmocka_unit_test(test_w1a1_1),     cmocka_unit_test(test_w1a1_2),
        cmocka_unit_test(test_pass_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
