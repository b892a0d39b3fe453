/* Replay of exit rules on hand-made traces, the metrics on a hand-counted confusion matrix,
 * the Pareto front, and the trace file round trip and shard merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/eval/replay.h"
#include "harness/eval/trace_io.h"
#include "harness/model/exit.h"

/* 3 examples, 4 blocks, 2 classes. Entropies and argmaxes chosen so that each rule exits at a
 * block computed by hand below. Logits: (z0, z1) = (1, 0) predicts 0, (0, 1) predicts 1. */
static void make_trace(beex_trace *t)
{
    assert_int_equal(beex_trace_alloc(t, 3, 4, 2), 0);
    const float H[3][4] = {
        {0.60f, 0.30f, 0.25f, 0.10f}, /* r2 = 0.5, r3 = 0.1667 */
        {0.60f, 0.55f, 0.20f, 0.10f}, /* r2 = 0.0833, r3 = 0.636 */
        {0.50f, 0.60f, 0.05f, 0.01f}, /* r2 = -0.2 */
    };
    const int am[3][4] = {{1, 0, 0, 0}, {0, 1, 1, 1}, {1, 1, 0, 0}};
    const int labels[3] = {0, 1, 0};
    for (int i = 0; i < 3; i++) {
        t->index[i] = i;
        t->label[i] = labels[i];
        t->len[i] = 5 + i;
        for (int b = 0; b < 4; b++) {
            t->entropy[i * 4 + b] = H[i][b];
            t->logits[(i * 4 + b) * 2 + 0] = am[i][b] == 0 ? 1.0f : 0.0f;
            t->logits[(i * 4 + b) * 2 + 1] = am[i][b] == 1 ? 1.0f : 0.0f;
        }
    }
}

static void exit_rules(void **state)
{
    (void)state;
    beex_trace t;
    make_trace(&t);
    beex_config cfg = beex_config_default();
    cfg.blocks = 4;
    cfg.classes = 2;
    beex_replay_setup s = {&cfg, BEEX_PREC_W1A1, BEEX_METRIC_ACCURACY, 1};
    beex_replay_point p;
    int e[3], pr[3];

    /* delta 0.2: ex0 r2 = 0.5 no, r3 = 0.167 < 0.2 -> 3; ex1 r2 = 0.083 -> 2; ex2 r2 < 0 -> 2. */
    beex_policy d = {BEEX_POLICY_DELTA, 0.2};
    assert_int_equal(beex_replay(&t, &d, &s, &p, e, pr), 0);
    assert_int_equal(e[0], 3);
    assert_int_equal(e[1], 2);
    assert_int_equal(e[2], 2);
    /* predictions 0, 1, 1 against labels 0, 1, 0 */
    assert_true(fabs(p.scores.accuracy - 2.0 / 3) < 1e-12);
    assert_true(fabs(p.mean_exit - 7.0 / 3) < 1e-12);
    assert_int_equal(p.hist[1], 2);
    assert_int_equal(p.hist[2], 1);
    /* Cost is the mean of cost_until over the examples, saving is against full depth. */
    double ops = 0, full = 0;
    for (int i = 0; i < 3; i++) {
        ops += beex_cost_until(&cfg, BEEX_PREC_W1A1, t.len[i], e[i]).ops;
        full += beex_cost_until(&cfg, BEEX_PREC_W1A1, t.len[i], 4).ops;
    }
    assert_true(fabs(p.cost.ops - ops / 3) < 1e-6 * ops);
    assert_true(fabs(p.saving - (1 - ops / full)) < 1e-9);
    assert_true(p.saving > 0);

    /* delta -1: never below, so full depth; block 4 predictions 0, 1, 0: all correct. */
    d.param = -1;
    assert_int_equal(beex_replay(&t, &d, &s, &p, e, pr), 0);
    assert_int_equal(p.hist[3], 3);
    assert_true(fabs(p.scores.accuracy - 1.0) < 1e-12);
    assert_true(fabs(p.saving) < 1e-12);

    /* tau 0.26: ex0 H3 = 0.25 -> 3; ex1 H3 = 0.20 -> 3; ex2 H3 = 0.05 -> 3. */
    beex_policy a = {BEEX_POLICY_ENTROPY, 0.26};
    assert_int_equal(beex_replay(&t, &a, &s, &p, e, pr), 0);
    assert_int_equal(p.hist[2], 3);
    /* patience 1: ex0 argmax 1,0,0 -> same at block 3; ex1 0,1,1 -> 3; ex2 1,1 -> 2. */
    beex_policy q = {BEEX_POLICY_PATIENCE, 1};
    assert_int_equal(beex_replay(&t, &q, &s, &p, e, pr), 0);
    assert_int_equal(e[0], 3);
    assert_int_equal(e[1], 3);
    assert_int_equal(e[2], 2);
    /* static 1: predictions at block 1 are 1, 0, 1: all wrong. */
    beex_policy k = {BEEX_POLICY_STATIC, 1};
    assert_int_equal(beex_replay(&t, &k, &s, &p, e, pr), 0);
    assert_true(fabs(p.scores.accuracy) < 1e-12);
    assert_int_equal(p.hist[0], 3);

    /* A trace that does not match the configuration is refused. */
    cfg.blocks = 5;
    assert_int_equal(beex_replay(&t, &k, &s, &p, NULL, NULL), -1);
    beex_trace_free(&t);
}

/* Confusion matrix (true x pred) [[3, 1], [2, 4]]: accuracy 7/10; F1 of class 1 =
 * 2*4 / (5 + 6) = 8/11; MCC = (3*4 - 1*2) / sqrt(4 * 6 * 5 * 5) = 10 / sqrt(600). */
static void metrics_by_hand(void **state)
{
    (void)state;
    int lab[10] = {0, 0, 0, 0, 1, 1, 1, 1, 1, 1};
    int pr[10] = {0, 0, 0, 1, 0, 0, 1, 1, 1, 1};
    beex_scores s;
    assert_int_equal(beex_scores_of(lab, pr, 10, 2, 1, &s), 0);
    assert_true(fabs(s.accuracy - 0.7) < 1e-12);
    assert_true(fabs(s.f1 - 8.0 / 11) < 1e-12);
    assert_true(fabs(s.mcc - 10.0 / sqrt(600.0)) < 1e-12);
    /* macro F1: class 0 F1 = 6 / (5 + 4) = 2/3, class 1 = 8/11 */
    assert_int_equal(beex_scores_of(lab, pr, 10, 2, -1, &s), 0);
    assert_true(fabs(s.f1 - (2.0 / 3 + 8.0 / 11) / 2) < 1e-12);
    assert_int_equal(beex_metric_for_task("reuters-grain"), BEEX_METRIC_F1);
    assert_int_equal(beex_metric_for_task("datasets/data/conll2010/"), BEEX_METRIC_MCC);
    assert_int_equal(beex_metric_for_task("mr"), BEEX_METRIC_ACCURACY);
    pr[0] = 2;
    assert_int_equal(beex_scores_of(lab, pr, 10, 2, 1, &s), -1);
}

static void pareto(void **state)
{
    (void)state;
    double cost[] = {1, 2, 3, 2, 4, 1};
    double qual[] = {0.5, 0.7, 0.7, 0.6, 0.9, 0.4};
    int on[6];
    beex_pareto_mark(cost, qual, NULL, 6, on);
    int want[] = {1, 1, 0, 0, 1, 0};
    for (int i = 0; i < 6; i++)
        assert_int_equal(on[i], want[i]);
    /* Leaving out point 1 (2, 0.7) puts point 3 (2, 0.6) on the front and marks 1 off. */
    int include[] = {1, 0, 1, 1, 1, 1};
    beex_pareto_mark(cost, qual, include, 6, on);
    int want2[] = {1, 0, 1, 1, 1, 0};
    for (int i = 0; i < 6; i++)
        assert_int_equal(on[i], want2[i]);
}

/* The grid: delta 152, tau 101, patience 5, static 6, then maxprob's 101 thresholds (added
 * last, so the first 264 points and their indices are those of the four older rules). */
static void grid(void **state)
{
    (void)state;
    beex_policy *g;
    int n = beex_policy_grid(6, 2, 0, &g);
    assert_int_equal(n, 152 + 101 + 5 + 6 + 101);
    assert_true(g[0].kind == BEEX_POLICY_DELTA && fabs(g[0].param + 0.5) < 1e-12);
    assert_true(fabs(g[151].param - 1.01) < 1e-12);
    assert_true(g[152].kind == BEEX_POLICY_ENTROPY && fabs(g[252].param - log(2.0)) < 1e-12);
    assert_true(g[253].kind == BEEX_POLICY_PATIENCE && g[253].param == 1);
    assert_true(g[258].kind == BEEX_POLICY_STATIC && g[258].param == 1);
    assert_true(g[263].kind == BEEX_POLICY_STATIC && g[263].param == 6);
    assert_true(g[264].kind == BEEX_EXIT_MAXPROB && g[264].param == 0.5);
    assert_true(g[364].kind == BEEX_EXIT_MAXPROB && g[364].param == 1.0);
    free(g);
    /* Whatever the list holds: each rule's own grid, in the list's order, under its name. */
    for (int quick = 0; quick <= 1; quick++) {
        n = beex_policy_grid(9, 3, quick, &g);
        int at = 0;
        for (int k = 0; k < BEEX_EXIT_RULE_COUNT; k++) {
            double own[512];
            int m = beex_exit_rules[k]->grid(9, 3, quick, own);
            for (int j = 0; j < m; j++, at++) {
                assert_int_equal(g[at].kind, k);
                assert_memory_equal(&g[at].param, &own[j], sizeof own[j]);
            }
            assert_string_equal(beex_policy_name((beex_policy_kind)k), beex_exit_rules[k]->name);
        }
        assert_int_equal(at, n);
        free(g);
    }
    assert_string_equal(beex_policy_name(BEEX_EXIT_RULE_COUNT), "unknown");
}

/* Softmax confidence on 2 examples x 3 blocks. Largest probabilities, 1 / (1 + e^-d) for a
 * logit gap d: ex0 gaps 0.5, 2, 4 -> 0.6225, 0.8808, 0.9820 (class 0); ex1 gaps 1, 0.2, 3 ->
 * 0.7311, 0.5498, 0.9526 (class 1). */
static void maxprob_replay(void **state)
{
    (void)state;
    beex_trace t;
    assert_int_equal(beex_trace_alloc(&t, 2, 3, 2), 0);
    const float z[2][3][2] = {{{0.5f, 0}, {2, 0}, {4, 0}}, {{0, 1}, {0, 0.2f}, {0, 3}}};
    for (int i = 0; i < 2; i++) {
        t.index[i] = i;
        t.label[i] = i;
        t.len[i] = 4;
        for (int b = 0; b < 3; b++) {
            memcpy(t.logits + (i * 3 + b) * 2, z[i][b], sizeof z[i][b]);
            t.entropy[i * 3 + b] = beex_entropy_of_logits(z[i][b], 2);
        }
    }
    beex_config cfg = beex_config_default();
    cfg.blocks = 3;
    cfg.classes = 2;
    beex_replay_setup s = {&cfg, BEEX_PREC_W1A1, BEEX_METRIC_ACCURACY, 1};
    static const struct {
        double t;
        int e0, e1;
    } want[] = {{0.5, 1, 1}, {0.7, 2, 1}, {0.75, 2, 3}, {0.9, 3, 3}, {1.0, 3, 3}};
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        beex_policy p = {BEEX_EXIT_MAXPROB, want[k].t};
        beex_replay_point pt;
        int e[2], pr[2];
        assert_int_equal(beex_replay(&t, &p, &s, &pt, e, pr), 0);
        assert_int_equal(e[0], want[k].e0);
        assert_int_equal(e[1], want[k].e1);
        assert_int_equal(beex_policy_exit_block(&t, 0, &p), want[k].e0);
        assert_int_equal(pr[0], 0);
        assert_int_equal(pr[1], 1);
        assert_true(pt.scores.accuracy == 1.0);
        assert_true(fabs(pt.mean_exit - (want[k].e0 + want[k].e1) / 2.0) < 1e-12);
    }
    beex_trace_free(&t);
}

static void trace_file_round_trip_and_shards(void **state)
{
    (void)state;
    beex_trace t, back;
    make_trace(&t);
    t.logits[5] = 0.1234567891f; /* a value needing all 9 digits */
    char dir[] = "/tmp/beex_replay_testXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], err[256];
    snprintf(path, sizeof path, "%s/trace.csv", dir);
    assert_int_equal(beex_trace_write_csv(&t, path, err, sizeof err), 0);
    assert_int_equal(beex_trace_read_csv(path, &back, err, sizeof err), 0);
    assert_int_equal(back.n, 3);
    assert_int_equal(back.blocks, 4);
    assert_int_equal(back.classes, 2);
    assert_memory_equal(back.logits, t.logits, 3 * 4 * 2 * sizeof(float));
    assert_memory_equal(back.entropy, t.entropy, 3 * 4 * sizeof(float));
    assert_memory_equal(back.len, t.len, 3 * sizeof(int32_t));
    beex_trace_free(&back);

    /* Shards {2} and {0, 1} merge back to the original order. */
    beex_trace parts[2], merged;
    assert_int_equal(beex_trace_alloc(&parts[0], 1, 4, 2), 0);
    assert_int_equal(beex_trace_alloc(&parts[1], 2, 4, 2), 0);
    for (int r = 0; r < 3; r++) {
        beex_trace *p = r == 2 ? &parts[0] : &parts[1];
        int row = r == 2 ? 0 : r;
        p->index[row] = r;
        p->label[row] = t.label[r];
        p->len[row] = t.len[r];
        memcpy(p->entropy + row * 4, t.entropy + r * 4, 4 * sizeof(float));
        memcpy(p->logits + row * 8, t.logits + r * 8, 8 * sizeof(float));
    }
    assert_int_equal(beex_trace_concat(parts, 2, &merged, err, sizeof err), 0);
    assert_memory_equal(merged.logits, t.logits, 24 * sizeof(float));
    assert_memory_equal(merged.label, t.label, 3 * sizeof(int32_t));
    beex_trace_free(&merged);
    /* A missing shard is an error naming the example. */
    assert_int_equal(beex_trace_concat(parts, 1, &merged, err, sizeof err), -1);
    assert_non_null(strstr(err, "example 0"));
    beex_trace_free(&parts[0]);
    beex_trace_free(&parts[1]);

    /* A corrupt file is refused with its line number. */
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("7,0,5,1,zzz,0,1,0\n7,0,5,2,0.5,0,1,0\n7,0,5,3,0.5,0,1,0\n7,0,5,4,0.5,0,1,0\n", f);
    fclose(f);
    assert_int_equal(beex_trace_read_csv(path, &back, err, sizeof err), -1);
    assert_non_null(strstr(err, "line"));

    /* Non-finite or negative entropies and non-finite logits are refused with file:line
     * (issue 24). The rows replace example 0's first block (line 2: no origin line). */
    static const char *const bad_rows[] = {
        "0,%d,%d,1,nan,0,0.5,0.5\n", "0,%d,%d,1,inf,0,0.5,0.5\n",  "0,%d,%d,1,-0.25,0,0.5,0.5\n",
        "0,%d,%d,1,0.5,0,nan,0.5\n", "0,%d,%d,1,0.5,0,0.5,-inf\n", "0,%d,%d,1,0.5,0,1e39,0.5\n",
        "0,%d,%d,1,-nan,0,0.5,0.5\n"};
    t.origin[0] = '\0';
    for (size_t k = 0; k < sizeof bad_rows / sizeof bad_rows[0]; k++) {
        assert_int_equal(beex_trace_write_csv(&t, path, err, sizeof err), 0);
        char *text = NULL, row[128], want[300];
        size_t cap = 0;
        f = fopen(path, "r");
        assert_non_null(f);
        ssize_t got = getdelim(&text, &cap, '\0', f);
        fclose(f);
        assert_true(got > 0);
        char *l2 = strchr(text, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
        snprintf(row, sizeof row, bad_rows[k], t.label[0], t.len[0]);
        f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "%.*s%s%s", (int)(l2 - text), text, row, l3);
        fclose(f);
        free(text);
        assert_int_equal(beex_trace_read_csv(path, &back, err, sizeof err), -1);
        snprintf(want, sizeof want, "%s: line 2:", path);
        assert_non_null(strstr(err, want));
    }
    unlink(path);
    rmdir(dir);
    beex_trace_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exit_rules),     cmocka_unit_test(metrics_by_hand),
        cmocka_unit_test(pareto),         cmocka_unit_test(grid),
        cmocka_unit_test(maxprob_replay), cmocka_unit_test(trace_file_round_trip_and_shards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
