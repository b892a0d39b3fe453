/* The floors of `beex bench train --breakdown` (bench/train_breakdown.h) from fixed bounds and
 * a fixed profile: products at the fp32 products' FMA rate (in w1a1 too), per-parameter passes
 * at cache bandwidth when their working set fits the LLC and at DRAM bandwidth when not, no
 * floor for the rest of the passes; per-step figures, "other" and the efficiency. Nothing is
 * timed. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness/bench/train_breakdown.h"
#include "harness/train/tparams.h"

/* 1 T bMAC/s, 100 GFLOP/s (engine variant), 200 GFLOP/s (fp32 products), 10 GB/s DRAM,
 * 50 GB/s cache, LLC given per test. */
static beex_floor_bounds fixed_bounds(double llc)
{
    beex_floor_bounds b = {1, 1e12, 1e11, 2e11, 1e10, 5e10, llc, 4e11};
    return b;
}

static void assert_near(double a, double b)
{
    if (!(fabs(a - b) <= 1e-12 * fabs(b) + 1e-18))
        fail_msg("%.17g != %.17g", a, b);
}

static beex_config small_config(void)
{
    beex_config c = {.vocab = 40,
                     .d = 24,
                     .heads = 3,
                     .dff = 40,
                     .blocks = 3,
                     .max_len = 20,
                     .classes = 3,
                     .precision = BEEX_PREC_W1A1,
                     .ln_eps = 1e-6f};
    return c;
}

/* Two profiled steps: class c took (c + 1) ms a step, the products 2e9 FLOPs a step each,
 * the step 60 ms (classes: 55 ms). */
static beex_tprofile fixed_profile(void)
{
    beex_tprofile p;
    memset(&p, 0, sizeof p);
    p.steps = 2;
    for (int c = 0; c < BEEX_TP_CLASSES; c++)
        p.seconds[c] = 2.0 * (c + 1) * 1e-3;
    p.flops[BEEX_TP_FWD_GEMM] = p.flops[BEEX_TP_BWD_GEMM] = 4e9;
    p.flops[BEEX_TP_FWD_ATTN] = p.flops[BEEX_TP_BWD_ATTN] = 4e9;
    p.total_seconds = 2.0 * 60e-3;
    return p;
}

static void test_floors(void **state)
{
    (void)state;
    beex_config cfg = small_config();
    beex_tprofile p = fixed_profile();
    beex_floor_bounds b = fixed_bounds(1e12); /* every working set fits: cache bandwidth */
    beex_train_breakdown bd;
    beex_train_breakdown_make(&p, &cfg, BEEX_PREC_W1A1, &b, 50e-3, &bd);
    assert_int_equal(bd.steps, 2);
    for (int c = 0; c < BEEX_TP_CLASSES; c++)
        assert_near(bd.ms[c], c + 1.0);
    assert_near(bd.classes_ms, 55.0);
    assert_near(bd.profiled_ms, 60.0);
    assert_near(bd.ms[BEEX_TBD_OTHER], 5.0);
    assert_near(bd.unprofiled_ms, 50.0);

    /* products: 2e9 FLOPs at 200 GFLOP/s = 10 ms, in w1a1 as in fp32 */
    int prod[] = {BEEX_TP_FWD_GEMM, BEEX_TP_FWD_ATTN, BEEX_TP_BWD_GEMM, BEEX_TP_BWD_ATTN};
    for (int i = 0; i < 4; i++) {
        assert_near(bd.floor_ms[prod[i]], 10.0);
        assert_int_equal(bd.bound[prod[i]], BEEX_BOUND_FP32_FMA);
        assert_near(bd.gflop[prod[i]], 2.0);
    }
    /* the rest of each pass: no floor */
    assert_true(bd.floor_ms[BEEX_TP_FWD_OTHER] == 0.0 && bd.floor_ms[BEEX_TP_BWD_OTHER] == 0.0);
    /* Adam: 28 bytes a parameter at cache bandwidth */
    double n = (double)beex_tparams_count(&cfg);
    assert_near(bd.floor_ms[BEEX_TP_ADAM], 28.0 * n / 5e10 * 1e3);
    assert_int_equal(bd.bound[BEEX_TP_ADAM], BEEX_BOUND_CACHE);
    assert_near(bd.floor_ms[BEEX_TP_ZERO], 4.0 * n / 5e10 * 1e3);
    double sum = 0.0;
    for (int c = 0; c < BEEX_TP_CLASSES; c++)
        sum += bd.floor_ms[c];
    assert_near(bd.floor_ms_total, sum);
    assert_near(bd.efficiency, sum / 50.0);
    assert_string_equal(beex_train_breakdown_label(BEEX_TP_ADAM), "Adam");
    assert_string_equal(beex_train_breakdown_label(BEEX_TBD_OTHER), "other");
}

/* A working set past the LLC streams from DRAM; one within it stays at cache bandwidth. */
static void test_dram(void **state)
{
    (void)state;
    beex_config cfg = small_config();
    double n = (double)beex_tparams_count(&cfg);
    beex_tprofile p = fixed_profile();
    /* between zeroing's working set (4 n bytes) and Adam's (16 n) */
    beex_floor_bounds b = fixed_bounds(8.0 * n);
    beex_train_breakdown bd;
    beex_train_breakdown_make(&p, &cfg, BEEX_PREC_FP32, &b, 50e-3, &bd);
    assert_near(bd.floor_ms[BEEX_TP_ADAM], 28.0 * n / 1e10 * 1e3);
    assert_int_equal(bd.bound[BEEX_TP_ADAM], BEEX_BOUND_DRAM);
    assert_near(bd.floor_ms[BEEX_TP_ZERO], 4.0 * n / 5e10 * 1e3);
    assert_int_equal(bd.bound[BEEX_TP_ZERO], BEEX_BOUND_CACHE);
}

/* A bound the run could not measure leaves the floors NaN, never a made-up figure. */
static void test_missing_bound(void **state)
{
    (void)state;
    beex_config cfg = small_config();
    beex_tprofile p = fixed_profile();
    beex_floor_bounds b = fixed_bounds(1e12);
    b.fp32_fma_flop_per_s = NAN;
    beex_train_breakdown bd;
    beex_train_breakdown_make(&p, &cfg, BEEX_PREC_FP32, &b, 50e-3, &bd);
    assert_true(isnan(bd.floor_ms[BEEX_TP_FWD_GEMM]));
    assert_true(isnan(bd.floor_ms_total) && isnan(bd.efficiency));
    assert_true(bd.floor_ms[BEEX_TP_ADAM] > 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_floors),
        cmocka_unit_test(test_dram),
        cmocka_unit_test(test_missing_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
