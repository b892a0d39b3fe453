/* Static depth k: every example answers at block k (k clipped to [1, N]: k <= 1 is block 1,
 * k >= N the last block). The reference every other rule is compared with at equal cost. */
#include "harness/model/exit_rules.h"

static int decide(double k, beex_exit_state *s, int block, const beex_exit_row *row)
{
    (void)s, (void)row;
    return block >= beex_exit_param_int(k);
}

/* 1 to N: N is full depth. */
static int grid(int blocks, int classes, int quick, double *out)
{
    (void)classes, (void)quick;
    int n = 0;
    for (int k = 1; k <= blocks; k++, n++)
        if (out != NULL)
            out[n] = k;
    return n;
}

const beex_exit_rule_info beex_exit_rule_static = {
    .name = "static",
    .param_name = "k",
    .title = "static depth: every example answers at block k",
    .uses = 0,
    .integer_param = 1,
    .later_when_higher = 1,
    .decide = decide,
    .grid = grid,
};
