/* The floors of `beex bench model --breakdown` (bench/op_floor.h, bench/model_breakdown.h) from
 * fixed bounds: each term is the work over the bound it names, a floor is the larger side and
 * names its largest term, tables past the LLC read at DRAM bandwidth, a missing bound gives
 * no floor; every class of a real pass gets a positive floor; and the breakdown's per-pass
 * figures, "other" and efficiency follow from a fixed profile. Nothing is timed. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness/bench/model_breakdown.h"
#include "harness/bench/op_floor.h"

/* Round numbers: 1 T bMAC/s, 100 GFLOP/s (engine), 200 GFLOP/s (fp32 products), 10 GB/s
 * DRAM, 50 GB/s cache, 32 MiB LLC, 400 G int8 MAC/s. */
static beex_floor_bounds fixed_bounds(void)
{
    beex_floor_bounds b = {1, 1e12, 1e11, 2e11, 1e10, 5e10, 32.0 * 1048576.0, 4e11};
    return b;
}

static void assert_near(double a, double b)
{
    if (!(fabs(a - b) <= 1e-12 * fabs(b) + 1e-18))
        fail_msg("%.17g != %.17g", a, b);
}

static void test_floor_terms(void **state)
{
    (void)state;
    beex_floor_bounds b = fixed_bounds();
    /* w1a1 product: 1e9 bMACs (1 ms) + 1e6 FLOPs (10 us); 1e6 activation bytes (20 us). */
    beex_class_work g = {1e6, 1e9, 0.0, 1e6, 0.0, 0.0, 0.0};
    beex_op_floor f = beex_op_floor_of(BEEX_OP_GEMM, BEEX_PREC_W1A1, &g, &b);
    assert_near(f.compute_seconds, 1e-3 + 1e-5);
    assert_near(f.memory_seconds, 2e-5);
    assert_near(f.seconds, f.compute_seconds);
    assert_int_equal(f.bound, BEEX_BOUND_W1A1);
    assert_string_equal(beex_bound_kind_name(f.bound), "w1a1 bound");

    /* w1a32 product: 1e9 sign-applied adds of 1.1e9 FLOPs: adds at 5e10/s, the rest at 1e11. */
    beex_class_work h = {1.1e9, 0.0, 1e9, 0.0, 0.0, 0.0, 0.0};
    f = beex_op_floor_of(BEEX_OP_GEMM, BEEX_PREC_W1A32, &h, &b);
    assert_near(f.seconds, 1e9 / 5e10 + 1e8 / 1e11);
    assert_int_equal(f.bound, BEEX_BOUND_W1A32);

    /* w8a8 product: 2e9 IOPs are 1e9 int8 MACs (2.5 ms at 4e11/s) + 1e6 FLOPs (10 us). */
    beex_class_work q = {1e6, 0.0, 0.0, 1e6, 0.0, 0.0, 2e9};
    f = beex_op_floor_of(BEEX_OP_GEMM, BEEX_PREC_W8A8, &q, &b);
    assert_near(f.seconds, 1e9 / 4e11 + 1e-5);
    assert_int_equal(f.bound, BEEX_BOUND_INT8);
    assert_string_equal(beex_bound_kind_name(f.bound), "int8 bound");

    /* fp32 GEMMs and attention's products run at the fp32 products' FMA rate. */
    beex_class_work s = {2e9, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    f = beex_op_floor_of(BEEX_OP_GEMM, BEEX_PREC_FP32, &s, &b);
    assert_near(f.seconds, 1e-2);
    assert_int_equal(f.bound, BEEX_BOUND_FP32_FMA);
    f = beex_op_floor_of(BEEX_OP_SCORES, BEEX_PREC_W1A1, &s, &b);
    assert_int_equal(f.bound, BEEX_BOUND_FP32_FMA);
    f = beex_op_floor_of(BEEX_OP_SOFTMAX, BEEX_PREC_W1A1, &s, &b);
    assert_near(f.seconds, 2e-2);
    assert_int_equal(f.bound, BEEX_BOUND_FMA);

    /* Memory-bound: 1e3 FLOPs, 5e8 activation bytes from cache (10 ms). */
    beex_class_work ln = {1e3, 0.0, 0.0, 5e8, 0.0, 0.0, 0.0};
    f = beex_op_floor_of(BEEX_OP_LAYERNORM, BEEX_PREC_FP32, &ln, &b);
    assert_near(f.seconds, 1e-2);
    assert_int_equal(f.bound, BEEX_BOUND_CACHE);
}

static void test_tables_past_the_llc_stream_from_dram(void **state)
{
    (void)state;
    beex_floor_bounds b = fixed_bounds();
    /* 1e8 table bytes: in cache (2 ms) when the table fits the LLC, from DRAM (10 ms) when not. */
    beex_class_work e = {1.0, 0.0, 0.0, 0.0, 1e8, 1e6, 0.0};
    beex_op_floor f = beex_op_floor_of(BEEX_OP_EMBED, BEEX_PREC_FP32, &e, &b);
    assert_near(f.seconds, 2e-3);
    assert_int_equal(f.bound, BEEX_BOUND_CACHE);
    e.table_footprint = 1e9;
    f = beex_op_floor_of(BEEX_OP_EMBED, BEEX_PREC_FP32, &e, &b);
    assert_near(f.seconds, 1e-2);
    assert_int_equal(f.bound, BEEX_BOUND_DRAM);
    assert_string_equal(beex_bound_kind_name(f.bound), "dram bw");
    /* Activations and a DRAM table add up on the memory side. */
    e.act_bytes = 5e7;
    f = beex_op_floor_of(BEEX_OP_EMBED, BEEX_PREC_FP32, &e, &b);
    assert_near(f.memory_seconds, 1e-2 + 1e-3);
    /* Unknown LLC: everything from cache. */
    b.llc_bytes = 0.0;
    f = beex_op_floor_of(BEEX_OP_EMBED, BEEX_PREC_FP32, &e, &b);
    assert_int_equal(f.bound, BEEX_BOUND_CACHE);
}

static void test_missing_bound_and_no_work(void **state)
{
    (void)state;
    beex_floor_bounds b = fixed_bounds();
    beex_class_work none;
    memset(&none, 0, sizeof none);
    beex_op_floor f = beex_op_floor_of(BEEX_OP_PACK, BEEX_PREC_FP32, &none, &b);
    assert_true(f.seconds == 0.0);
    assert_int_equal(f.bound, BEEX_BOUND_NONE);
    b.w1a1_bmac_per_s = NAN; /* no bound loop for the variant */
    beex_class_work g = {1.0, 1e9, 0.0, 1.0, 0.0, 0.0, 0.0};
    f = beex_op_floor_of(BEEX_OP_GEMM, BEEX_PREC_W1A1, &g, &b);
    assert_true(isnan(f.seconds));
}

static void test_every_class_of_a_pass_has_a_positive_floor(void **state)
{
    (void)state;
    beex_floor_bounds b = fixed_bounds();
    beex_config cfg;
    assert_int_equal(beex_config_preset("bert-base", &cfg), 0);
    for (int p = BEEX_PREC_FP32; p <= BEEX_PREC_W8A8; p++) {
        int lens[3] = {128, 128, 128};
        beex_class_work w[BEEX_OP_CLASSES];
        beex_cost_classes_batch(&cfg, (beex_precision)p, lens, 3, beex_engine_group_rows(&cfg), w);
        for (int c = 0; c < BEEX_OP_CLASSES; c++) {
            beex_op_floor f = beex_op_floor_of((beex_op_class)c, (beex_precision)p, &w[c], &b);
            if (c == BEEX_OP_PACK && (p == BEEX_PREC_FP32 || p == BEEX_PREC_W1A32))
                assert_true(f.seconds == 0.0);
            else if (!(f.seconds > 0.0 && f.bound != BEEX_BOUND_NONE))
                fail_msg("%s %s: floor %g", beex_precision_name((beex_precision)p),
                         beex_op_class_name((beex_op_class)c), f.seconds);
        }
        /* BERT-base's products are compute-bound at these bounds: GEMMs by their own loop. */
        beex_op_floor g = beex_op_floor_of(BEEX_OP_GEMM, (beex_precision)p, &w[BEEX_OP_GEMM], &b);
        assert_int_equal(g.bound, p == BEEX_PREC_W1A1    ? BEEX_BOUND_W1A1
                                  : p == BEEX_PREC_W1A32 ? BEEX_BOUND_W1A32
                                  : p == BEEX_PREC_W8A8  ? BEEX_BOUND_INT8
                                                         : BEEX_BOUND_FP32_FMA);
    }
}

static void test_breakdown_arithmetic(void **state)
{
    (void)state;
    beex_floor_bounds b = fixed_bounds();
    /* Two passes of 10 ms: GEMMs 12 ms, layer norm 4 ms in all; the rest is "other". */
    beex_op_profile prof;
    memset(&prof, 0, sizeof prof);
    prof.calls = 2;
    prof.total_seconds = 20e-3;
    prof.seconds[BEEX_OP_GEMM] = 12e-3;
    prof.seconds[BEEX_OP_LAYERNORM] = 4e-3;
    beex_class_work w[BEEX_OP_CLASSES];
    memset(w, 0, sizeof w);
    w[BEEX_OP_GEMM].bops = 3e9;           /* 3 ms at 1 T bMAC/s */
    w[BEEX_OP_LAYERNORM].act_bytes = 5e7; /* 1 ms at 50 GB/s */
    beex_model_breakdown bd;
    beex_model_breakdown_make(&prof, w, BEEX_PREC_W1A1, &b, 8e-3, &bd);
    assert_int_equal(bd.passes, 2);
    assert_near(bd.ms[BEEX_OP_GEMM], 6.0);
    assert_near(bd.ms[BEEX_OP_LAYERNORM], 2.0);
    assert_near(bd.profiled_ms, 10.0);
    assert_near(bd.classes_ms, 8.0);
    assert_near(bd.ms[BEEX_BD_OTHER], 2.0);
    assert_near(bd.floor_ms[BEEX_OP_GEMM], 3.0);
    assert_near(bd.floor_ms[BEEX_OP_LAYERNORM], 1.0);
    assert_int_equal(bd.bound[BEEX_OP_GEMM], BEEX_BOUND_W1A1);
    assert_int_equal(bd.bound[BEEX_OP_LAYERNORM], BEEX_BOUND_CACHE);
    assert_near(bd.floor_ms_total, 4.0);
    assert_near(bd.unprofiled_ms, 8.0);
    assert_near(bd.efficiency, 0.5); /* floors / unprofiled median */
    assert_string_equal(beex_breakdown_label(BEEX_OP_GEMM, BEEX_PREC_W1A1), "binary GEMMs");
    assert_string_equal(beex_breakdown_label(BEEX_OP_GEMM, BEEX_PREC_FP32), "fp32 GEMMs");
    assert_string_equal(beex_breakdown_label(BEEX_BD_OTHER, BEEX_PREC_FP32), "other");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_floor_terms),
        cmocka_unit_test(test_tables_past_the_llc_stream_from_dram),
        cmocka_unit_test(test_missing_bound_and_no_work),
        cmocka_unit_test(test_every_class_of_a_pass_has_a_positive_floor),
        cmocka_unit_test(test_breakdown_arithmetic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
