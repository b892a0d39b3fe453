/* The per-class work of a forward pass (model/cost_classes.h) regroups the cost model's own
 * counts: its classes' FLOPs and BOPs add up to beex_cost_until exactly, in every precision and
 * token count; a batch is its examples plus each block's parameters once per group of rows, the
 * groups cut as the engine cuts them; and the bytes follow the precision. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness/model/cost.h"
#include "harness/model/cost_classes.h"

static void assert_close(double a, double b)
{
    if (fabs(a - b) > 1e-9 * (fabs(a) + fabs(b)) + 1e-9)
        fail_msg("%.17g != %.17g", a, b);
}

static beex_config small_config(void)
{
    beex_config c;
    assert_int_equal(beex_config_preset("small", &c), 0);
    return c;
}

static void test_classes_sum_to_cost_model(void **state)
{
    (void)state;
    beex_config cfgs[2] = {small_config(), small_config()};
    assert_int_equal(beex_config_preset("bert-base", &cfgs[1]), 0);
    const int tokens[] = {1, 7, 64, 128, 500};
    for (int k = 0; k < 2; k++)
        for (int p = BEEX_PREC_FP32; p < BEEX_PREC_COUNT; p++)
            for (size_t t = 0; t < sizeof tokens / sizeof tokens[0]; t++) {
                beex_class_work w[BEEX_OP_CLASSES];
                beex_cost_classes_example(&cfgs[k], (beex_precision)p, tokens[t], w);
                beex_cost want =
                    beex_cost_until(&cfgs[k], (beex_precision)p, tokens[t], cfgs[k].blocks);
                double flops = 0.0, bops = 0.0, iops = 0.0;
                for (int c = 0; c < BEEX_OP_CLASSES; c++) {
                    flops += w[c].flops, bops += w[c].bops, iops += w[c].iops;
                    assert_true(w[c].lane_adds <= w[c].flops);
                    assert_true(w[c].act_bytes >= 0.0 && w[c].table_bytes >= 0.0);
                    /* Every class but packing (w1a1; quantizing in w8a8) has work and moves
                     * bytes. */
                    if (c == BEEX_OP_PACK && p != BEEX_PREC_W1A1 && p != BEEX_PREC_W8A8) {
                        assert_true(w[c].flops == 0.0 && w[c].act_bytes == 0.0);
                    } else {
                        assert_true(w[c].flops + w[c].bops > 0.0);
                        assert_true(w[c].act_bytes > 0.0);
                    }
                }
                assert_close(flops, want.flops);
                assert_close(bops, want.bops);
                assert_close(iops, want.iops);
                /* IOPs are the w8a8 products' only. */
                assert_true((p == BEEX_PREC_W8A8) == (w[BEEX_OP_GEMM].iops > 0.0));
                assert_true(iops == w[BEEX_OP_GEMM].iops);
                /* BOPs are the w1a1 products' only; lane adds the w1a32 products' only. */
                assert_true((p == BEEX_PREC_W1A1) == (w[BEEX_OP_GEMM].bops > 0.0));
                assert_true((p == BEEX_PREC_W1A32) == (w[BEEX_OP_GEMM].lane_adds > 0.0));
            }
}

static void test_batch_reads_weights_once_per_group(void **state)
{
    (void)state;
    beex_config c = small_config(); /* max_len 64: groups of at most 128 rows */
    int rows = beex_engine_group_rows(&c);
    assert_int_equal(rows, 128);
    for (int p = BEEX_PREC_FP32; p < BEEX_PREC_COUNT; p++) {
        beex_class_work one[BEEX_OP_CLASSES], batch[BEEX_OP_CLASSES], single[BEEX_OP_CLASSES];
        beex_cost_classes_example(&c, (beex_precision)p, 64, one);
        /* Five examples of 64 tokens: groups of two, two and one. */
        int lens[5] = {64, 64, 64, 64, 64};
        beex_cost_classes_batch(&c, (beex_precision)p, lens, 5, rows, batch);
        beex_cost_classes_batch(&c, (beex_precision)p, lens, 1, rows, single);
        double per_group = single[BEEX_OP_GEMM].table_bytes;
        assert_true(per_group > 0.0);
        for (int k = 0; k < BEEX_OP_CLASSES; k++) {
            assert_close(batch[k].flops, 5.0 * one[k].flops);
            assert_close(batch[k].bops, 5.0 * one[k].bops);
            assert_close(batch[k].iops, 5.0 * one[k].iops);
            assert_close(batch[k].act_bytes, 5.0 * one[k].act_bytes);
            assert_close(batch[k].table_footprint, one[k].table_footprint);
        }
        assert_close(batch[BEEX_OP_GEMM].table_bytes, 3.0 * per_group);
        /* A group's parameters are the whole model's GEMM weights, once. */
        assert_close(per_group, one[BEEX_OP_GEMM].table_footprint);
    }
    /* Binary weights take a 32nd of the fp32 ones, plus the scales. */
    beex_class_work f[BEEX_OP_CLASSES], b[BEEX_OP_CLASSES];
    beex_cost_classes_example(&c, BEEX_PREC_FP32, 10, f);
    beex_cost_classes_example(&c, BEEX_PREC_W1A1, 10, b);
    double ratio = f[BEEX_OP_GEMM].table_footprint / b[BEEX_OP_GEMM].table_footprint;
    assert_true(ratio > 10.0 && ratio < 32.0);
    assert_true(f[BEEX_OP_EMBED].table_footprint > b[BEEX_OP_EMBED].table_footprint);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes_sum_to_cost_model),
        cmocka_unit_test(test_batch_reads_weights_once_per_group),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
