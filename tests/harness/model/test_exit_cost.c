/* Exit rules (harness/model/exit.h) on hand-computed traces, and the analytic cost counter
 * (harness/model/cost.h) against the formulas written out by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness/model/cost.h"
#include "harness/model/exit.h"

static void test_entropy_ratio_hand_cases(void **state)
{
    (void)state;
    /* r2 = 0.1, r3 = 0.05/0.9 = 0.0556, r4 = 0.01/0.85 = 0.0118, r5 = 0.405 */
    const float h[5] = {1.0f, 0.9f, 0.85f, 0.84f, 0.5f};
    assert_int_equal(beex_exit_entropy_ratio(h, 5, 0.05), 4);
    assert_int_equal(beex_exit_entropy_ratio(h, 5, 0.06), 3);
    assert_int_equal(beex_exit_entropy_ratio(h, 5, 0.2), 2);
    assert_int_equal(beex_exit_entropy_ratio(h, 5, 0.01), 5); /* r5 large, N exits anyway */
    assert_int_equal(beex_exit_entropy_ratio(h, 5, -INFINITY), 5);
    assert_int_equal(beex_exit_entropy_ratio(h, 5, -1e300), 5);
    assert_int_equal(beex_exit_entropy_ratio(h, 5, 1e300), 2);
    assert_int_equal(beex_exit_entropy_ratio(h, 5, INFINITY), 2);
    /* Entropy rising: negative ratios, exit only for a delta above them. */
    const float up[4] = {0.2f, 0.4f, 0.8f, 0.9f};
    assert_int_equal(beex_exit_entropy_ratio(up, 4, 0.0), 2);  /* r2 = -1 < 0 */
    assert_int_equal(beex_exit_entropy_ratio(up, 4, -1.0), 4); /* r2 = r3 = -1 exactly: not < -1 */
    assert_int_equal(beex_exit_entropy_ratio(up, 4, -0.99), 2);
    /* H_{i-1} = 0: the 1e-12 floor keeps the ratio finite (0 - 0.1) / 1e-12 = -1e11. */
    const float z[3] = {0.0f, 0.1f, 0.0f};
    assert_int_equal(beex_exit_entropy_ratio(z, 3, -1e12), 3);
    assert_int_equal(beex_exit_entropy_ratio(z, 3, -1e10), 2);
    assert_int_equal(beex_exit_entropy_ratio_step(0.0f, 0.0f, 0.0), 0); /* r = 0, not < 0 */
    assert_int_equal(beex_exit_entropy_ratio_step(0.0f, 0.0f, 1e-9), 1);
    /* One or two blocks: no block may exit early. */
    assert_int_equal(beex_exit_entropy_ratio(h, 1, 1e300), 1);
    assert_int_equal(beex_exit_entropy_ratio(h, 2, 1e300), 2);
    /* NaN entropy never triggers an early exit. */
    const float nan3[3] = {1.0f, NAN, 0.5f};
    assert_int_equal(beex_exit_entropy_ratio(nan3, 3, 1e300), 3);
}

static void test_baseline_rules(void **state)
{
    (void)state;
    const float h[4] = {0.9f, 0.3f, 0.1f, 0.05f};
    assert_int_equal(beex_exit_entropy_abs(h, 4, 0.5), 2);
    assert_int_equal(beex_exit_entropy_abs(h, 4, 1.0), 1);
    assert_int_equal(beex_exit_entropy_abs(h, 4, 0.01), 4);
    const int am[6] = {0, 1, 1, 1, 2, 2};
    assert_int_equal(beex_exit_patience(am, 6, 1), 3);
    assert_int_equal(beex_exit_patience(am, 6, 2), 4);
    assert_int_equal(beex_exit_patience(am, 6, 3), 6);
    assert_int_equal(beex_exit_static(6, 0), 1);
    assert_int_equal(beex_exit_static(6, 4), 4);
    assert_int_equal(beex_exit_static(6, 9), 6);
}

static void test_entropy_and_argmax(void **state)
{
    (void)state;
    const float uni[4] = {2.0f, 2.0f, 2.0f, 2.0f};
    assert_float_equal(beex_entropy_of_logits(uni, 4), logf(4.0f), 1e-6f);
    const float sure[3] = {500.0f, -500.0f, 0.0f}; /* exp(1000) would overflow unshifted */
    assert_true(beex_entropy_of_logits(sure, 3) >= 0.0f && beex_entropy_of_logits(sure, 3) < 1e-6f);
    /* Two classes, p = (e/(e+1), 1/(e+1)): H = ln(1+e) - e/(1+e). */
    const float two[2] = {1.0f, 0.0f};
    double e = exp(1.0), want = log(1.0 + e) - e / (1.0 + e);
    assert_float_equal(beex_entropy_of_logits(two, 2), (float)want, 1e-6f);
    const float tie[4] = {1.0f, 3.0f, 3.0f, -1.0f};
    assert_int_equal(beex_argmax(tie, 4), 1); /* first maximum */
}

static void test_cost_formulas(void **state)
{
    (void)state;
    beex_config c = {0};
    c.vocab = 100, c.d = 64, c.heads = 4, c.dff = 128, c.blocks = 6, c.max_len = 32, c.classes = 5;
    double T = 10, d = 64, ff = 128, h = 4, C = 5;
    double lin = 4 * d * d + 4 * d * ff; /* MACs per token of the eight BL layers */
    double rest = 4 * T * T * d + h * T * (6 * T + 1) + 2 * T * d + 2 * T * (8 * d + 5) +
                  T * ff * 4 + T * d + T * d + d + 1 + 2 * C * d + 6 * C + 2;
    beex_cost f = beex_cost_block(&c, BEEX_PREC_FP32, 10);
    assert_true(f.bops == 0.0 && f.flops == 2 * T * lin + rest && f.ops == f.flops);
    beex_cost w = beex_cost_block(&c, BEEX_PREC_W1A32, 10);
    double outs = T * (3 * d + d + 2 * ff + 2 * d); /* output elements of the eight layers */
    assert_true(w.bops == 0.0 && w.flops == T * lin + outs + rest);
    beex_cost b = beex_cost_block(&c, BEEX_PREC_W1A1, 10);
    double pack = 2 * T * (d + 1) + T * (d + 1) + T * (2 * ff + 1) + T * (ff + 1);
    assert_true(b.bops == T * lin);
    assert_true(b.flops == 3 * outs + pack + rest);
    assert_true(fabs(b.ops - (b.flops + b.bops / 64.0)) < 1e-6);
    assert_true(f.iops == 0.0 && w.iops == 0.0 && b.iops == 0.0);
    /* w8a8 (docs/model.md section 7): 2 IOPs per int8 MAC; per output the scale multiply and
     * the bias add; a multiply per input element quantized, once per shared input (x, concat
     * O_h, y, g, u); OPs = FLOPs + IOPs + BOPs / 64. */
    beex_cost q = beex_cost_block(&c, BEEX_PREC_W8A8, 10);
    double quant = T * d + T * d + T * d + T * ff + T * ff;
    assert_true(q.bops == 0.0 && q.iops == 2 * T * lin);
    assert_true(q.flops == 2 * outs + quant + rest);
    assert_true(q.ops == q.flops + q.iops);
    /* By hand for d 64, dff 128, T 10: 2 * 10 * (4 * 64 * 64 + 4 * 64 * 128) IOPs. */
    assert_true(q.iops == 983040.0);
    beex_cost q3 = beex_cost_until(&c, BEEX_PREC_W8A8, 10, 3);
    assert_true(q3.flops == 2 * T * d + 3 * q.flops && q3.iops == 3 * q.iops && q3.bops == 0.0);
    assert_true(q3.ops == q3.flops + q3.iops);
    /* Until block k: embedding + k blocks; T clipped to max_len; k clipped to [1, N]. */
    beex_cost u = beex_cost_until(&c, BEEX_PREC_W1A1, 10, 3);
    assert_true(u.flops == 2 * T * d + 3 * b.flops && u.bops == 3 * b.bops);
    beex_cost f3 = beex_cost_until(&c, BEEX_PREC_FP32, 10, 3);
    assert_true(f3.flops == T * d + 3 * f.flops);
    beex_cost big = beex_cost_until(&c, BEEX_PREC_FP32, 1000, 99);
    beex_cost cl = beex_cost_until(&c, BEEX_PREC_FP32, 32, 6);
    assert_true(big.flops == cl.flops);
    /* Exiting early saves: cost grows strictly with depth. */
    for (int k = 1; k < 6; k++)
        assert_true(beex_cost_until(&c, BEEX_PREC_W1A1, 10, k).ops <
                    beex_cost_until(&c, BEEX_PREC_W1A1, 10, k + 1).ops);
    /* w1a1 is far cheaper in OPs than fp32 at this width. */
    assert_true(b.ops < f.ops / 5.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entropy_ratio_hand_cases),
        cmocka_unit_test(test_baseline_rules),
        cmocka_unit_test(test_entropy_and_argmax),
        cmocka_unit_test(test_cost_formulas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
