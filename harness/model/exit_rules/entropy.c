/* DeeBERT's rule: exit after block i when its entropy H_i is below tau (block 1 included). */
#include "harness/base/canon_math.h"
#include "harness/model/exit_rules.h"

static int decide(double tau, beex_exit_state *s, int block, const beex_exit_row *row)
{
    (void)s, (void)block;
    return (double)row->entropy < tau; /* NaN compares false: never an exit */
}

/* 0 to ln(C), the largest entropy C classes can have, in 100 equal steps (20 quick). */
static int grid(int blocks, int classes, int quick, double *out)
{
    (void)blocks;
    double hmax = beex_canon_log((double)(classes > 1 ? classes : 2));
    int n = 0;
    for (int k = 0; k <= 100; k += quick ? 5 : 1, n++)
        if (out != NULL)
            out[n] = hmax * k / 100.0;
    return n;
}

const beex_exit_rule_info beex_exit_rule_entropy = {
    .name = "entropy",
    .param_name = "tau",
    .title = "absolute entropy: the entropy is below tau",
    .uses = BEEX_EXIT_USES_ENTROPY,
    .integer_param = 0,
    .later_when_higher = 0,
    .decide = decide,
    .grid = grid,
};
