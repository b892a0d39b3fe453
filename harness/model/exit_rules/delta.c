/* The paper's rule: exit after block i (2 <= i < N) when the entropy fell by less than the
 * fraction delta from block i - 1, r_i = (H_{i-1} - H_i) / max(H_{i-1}, 1e-12) < delta.
 * A small fall says the block barely made the prediction surer. */
#include "harness/model/exit.h"

static int decide(double delta, beex_exit_state *s, int block, const beex_exit_row *row)
{
    return block >= 2 && beex_exit_entropy_ratio_step(s->prev.entropy, row->entropy, delta);
}

/* -0.50 to 1.00 in steps of 0.01 (0.05 quick), plus 1.01, above any ratio: every example
 * out at block 2. Integer steps, so that the printed values are exactly the grid. */
static int grid(int blocks, int classes, int quick, double *out)
{
    (void)blocks, (void)classes;
    int n = 0;
    for (int k = -50; k <= 100; k += quick ? 5 : 1, n++)
        if (out != NULL)
            out[n] = k / 100.0;
    if (out != NULL)
        out[n] = 1.01;
    return n + 1;
}

const beex_exit_rule_info beex_exit_rule_delta = {
    .name = "delta",
    .param_name = "delta",
    .title = "entropy ratio: the entropy fell by less than the fraction delta",
    .uses = BEEX_EXIT_USES_ENTROPY,
    .integer_param = 0,
    .later_when_higher = 0,
    .decide = decide,
    .grid = grid,
};
