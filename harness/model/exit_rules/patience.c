/* PABEE's rule: a counter of consecutive unchanged predictions, reset when the argmax
 * changes, fires when it reaches p (so the last p + 1 blocks agree); p <= 0 answers at
 * block 1. */
#include "harness/model/exit_rules.h"

static int decide(double p, beex_exit_state *s, int block, const beex_exit_row *row)
{
    if (p <= 0)
        return 1;
    if (block < 2)
        return 0;
    s->count = row->argmax == s->prev.argmax ? s->count + 1 : 0;
    return s->count >= beex_exit_param_int(p);
}

/* 1 to N - 1: patience N - 1 or more can only answer at block N (none for one block). */
static int grid(int blocks, int classes, int quick, double *out)
{
    (void)classes, (void)quick;
    int n = 0;
    for (int p = 1; p < blocks; p++, n++)
        if (out != NULL)
            out[n] = p;
    return n;
}

const beex_exit_rule_info beex_exit_rule_patience = {
    .name = "patience",
    .param_name = "p",
    .title = "patience: the prediction has not changed for p blocks",
    .uses = BEEX_EXIT_USES_ARGMAX,
    .integer_param = 1,
    .later_when_higher = 1,
    .decide = decide,
    .grid = grid,
};
