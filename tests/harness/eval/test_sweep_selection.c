/* The sweep's dev selection breaks ties towards a static depth (sweep_table.c, fewest_ops):
 * when a rule decides exactly like static depth k (same OPs, same metric), the selected point
 * is static depth k, so the summary says plainly that no early-exit rule was needed; twins
 * before and after the static depths in the grid alike. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "harness/eval/replay.h"
#include "harness/eval/sweep_table.h"

/* n examples, 4 blocks, 2 classes; every block predicts the same class for an example (right
 * for two examples in three), so every depth has the same accuracy, and the entropy is 0.3 at
 * every block, so that an entropy rule with a threshold above 0.3 exits every example at
 * block 1: exactly static depth 1's decisions. */
static void make_flat_trace(beex_trace *t, int n)
{
    assert_int_equal(beex_trace_alloc(t, n, 4, 2), 0);
    for (int i = 0; i < n; i++) {
        int label = i % 2, pred = i % 3 == 0 ? 1 - label : label;
        t->index[i] = i;
        t->label[i] = label;
        t->len[i] = 6 + i % 5;
        for (int b = 0; b < 4; b++) {
            t->entropy[i * 4 + b] = 0.3f;
            t->logits[(i * 4 + b) * 2 + pred] = 1.0f;
            t->logits[(i * 4 + b) * 2 + (1 - pred)] = 0.0f;
        }
    }
}

static void static_depth_wins_a_tie(void **state)
{
    (void)state;
    beex_config cfg = beex_config_default();
    cfg.blocks = 4;
    cfg.classes = 2;
    beex_replay_setup s = {&cfg, BEEX_PREC_W1A1, BEEX_METRIC_ACCURACY, 1};
    beex_sweep_table_options o = {1, 2000, 1};
    beex_trace dev, test;
    make_flat_trace(&dev, 60);
    make_flat_trace(&test, 45);
    beex_sweep_table tab;
    char err[256] = "";
    assert_int_equal(beex_sweep_replay_all(&dev, &test, &s, &o, &tab, err, sizeof err), 0);

    /* The premise: equal accuracy at every depth, and an entropy rule earlier in the grid than
     * the static depths that decides exactly like static depth 1. */
    const int st1 = tab.static_index[0];
    for (int k = 1; k < 4; k++)
        assert_true(tab.dev[tab.static_index[k]].metric == tab.dev[st1].metric);
    int twin = -1;
    for (int i = 0; i < tab.n && twin < 0; i++)
        if (tab.dev[i].policy.kind == BEEX_POLICY_ENTROPY && tab.dev[i].hist[0] == dev.n)
            twin = i;
    assert_true(twin >= 0 && twin < st1);
    assert_true(tab.dev[twin].cost.ops == tab.dev[st1].cost.ops);
    assert_true(tab.dev[twin].metric == tab.dev[st1].metric);

    /* Softmax confidence (largest probability 1 / (1 + e^-1) = 0.73 at every block) has twins
     * too, after the static depths in the grid: at or below 0.73 it is static depth 1 in
     * disguise, flagged and placed on the front exactly like the entropy twin. */
    int mtwin = -1;
    for (int i = 0; i < tab.n && mtwin < 0; i++)
        if (tab.dev[i].policy.kind == BEEX_EXIT_MAXPROB && tab.dev[i].hist[0] == dev.n)
            mtwin = i;
    assert_true(mtwin > st1);
    assert_true(tab.dev[mtwin].policy.param <= 0.73);
    assert_true(tab.dev[mtwin].cost.ops == tab.dev[st1].cost.ops);
    assert_int_equal(tab.test[mtwin].static_equivalent, 1);
    assert_int_equal(tab.test[twin].static_equivalent, 1);
    assert_int_equal(tab.front[mtwin], tab.front[twin]);
    assert_true(tab.front[st1]);

    /* Fewest OPs within one point of full depth: static depth 1, not its entropy or
     * confidence twin. */
    assert_int_equal(tab.selected, st1);
    assert_int_equal(tab.dev[tab.selected].policy.kind, BEEX_POLICY_STATIC);
    assert_true(tab.dev[tab.selected].policy.param == 1.0);
    /* Its paired interval against full depth is [0, 0]: the significance-aware choice is the
     * same static depth. */
    assert_int_equal(tab.selected_sig, st1);

    beex_sweep_table_free(&tab);
    beex_trace_free(&dev);
    beex_trace_free(&test);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(static_depth_wins_a_tie),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
