/* Softmax confidence (DeeBERT's confidence variant, CALM's softmax maximum): exit after block
 * i when its largest class probability max_c softmax(z_i)_c reaches the threshold t. The
 * probability is 1 / sum_c exp(z_c - max z) in double with the canonical exp
 * (beex_softmax_summary in exit.h), the same bits online in the engine and offline from a
 * trace's logits. */
#include "harness/model/exit_rules.h"

static int decide(double t, beex_exit_state *s, int block, const beex_exit_row *row)
{
    (void)s, (void)block;
    return row->maxprob >= t; /* NaN compares false: never an exit */
}

/* Thresholds in 200ths: 0.005 steps (0.025 quick) from the last step at or below 1/C, where
 * every example answers at block 1 (no class can have less than 1/C), to 1.00, where only a
 * saturated softmax answers early. Integer steps, so that the printed values are exactly the
 * grid. Two classes: 0.500, 0.505, ..., 1.000, 101 points (21 quick). */
static int grid(int blocks, int classes, int quick, double *out)
{
    (void)blocks;
    int step = quick ? 5 : 1, c = classes > 1 ? classes : 2;
    int first = 200 / c / step * step, n = 0;
    for (int k = first; k <= 200; k += step, n++)
        if (out != NULL)
            out[n] = k / 200.0;
    return n;
}

const beex_exit_rule_info beex_exit_rule_maxprob = {
    .name = "maxprob",
    .param_name = "t",
    .title = "softmax confidence: the largest class probability reaches t",
    .uses = BEEX_EXIT_USES_MAXPROB,
    .integer_param = 0,
    .later_when_higher = 1,
    .decide = decide,
    .grid = grid,
};
