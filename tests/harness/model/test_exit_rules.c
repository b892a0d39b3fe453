/* Every exit rule of harness/model/exit_rule_list.h through the properties any rule must
 * have (a new rule is tested by being in the list): a well-formed table entry; a finite,
 * increasing, deterministic grid; an exit block in [1, N] (the last block always answers);
 * decisions that depend only on the blocks seen so far; the online step, run as the engine
 * runs it (every field filled, states copied, examples interleaved), equal to the offline
 * replay (only the declared fields filled); monotone in the parameter the way the entry says;
 * a NaN parameter or NaN value never exiting early. Then the softmax confidence rule
 * (maxprob) on hand-worked numbers, and the entropy's bits unchanged by the shared softmax
 * pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/canon_math.h"
#include "harness/base/prng.h"
#include "harness/model/exit.h"

enum { MAXB = 12, MAXC = 6, TRACES = 300 };

/* One random example: nblocks x classes logits of random scale (so that the largest
 * probability spans (1/C, 1]), a prediction that often stays put (so that patience fires),
 * and the engine's entropy of each block. */
typedef struct {
    int nblocks, classes;
    float z[MAXB * MAXC], h[MAXB];
} example;

static double uniform(uint64_t *st)
{
    return (double)(beex_splitmix64(st) >> 11) * 0x1.0p-53;
}

static void random_example(uint64_t *st, int nblocks, int classes, example *ex)
{
    ex->nblocks = nblocks;
    ex->classes = classes;
    int top = (int)beex_prng_below(st, (uint32_t)classes);
    for (int b = 0; b < nblocks; b++) {
        double scale = 0.05 + 12.0 * uniform(st);
        if (beex_prng_below(st, 3) == 0)
            top = (int)beex_prng_below(st, (uint32_t)classes);
        for (int c = 0; c < classes; c++)
            ex->z[b * classes + c] =
                (float)(scale * (uniform(st) - 0.5) + (c == top ? scale * uniform(st) : 0.0));
        ex->h[b] = beex_entropy_of_logits(ex->z + b * classes, classes);
    }
}

/* The parameters tried: the rule's grid for this shape and the extremes around it, in
 * increasing order. Returns the count. */
static int params_of(const beex_exit_rule_info *ri, int nblocks, int classes, double *out, int cap)
{
    int n = ri->grid(nblocks, classes, 0, NULL);
    assert_true(n + 4 <= cap);
    out[0] = -INFINITY;
    out[1] = -1e300;
    assert_int_equal(ri->grid(nblocks, classes, 0, out + 2), n);
    out[n + 2] = 1e300;
    out[n + 3] = INFINITY;
    return n + 4;
}

/* The engine's way (engine_run.c): every field of the row, one step per block, stopping at
 * the first exit or at block N. */
static int online(const beex_exit_rule *r, const example *ex, int nblocks)
{
    beex_exit_state s = {0};
    for (int b = 1; b <= nblocks; b++) {
        const float *z = ex->z + (b - 1) * ex->classes;
        beex_exit_row row;
        row.entropy = beex_softmax_summary(z, ex->classes, &row.maxprob);
        row.argmax = beex_argmax(z, ex->classes);
        if (beex_exit_online(r, &s, b, &row) || b == nblocks)
            return b;
    }
    return 1;
}

/* The replay's way (replay.c): the rows the rule declares, then the offline loop. */
static int offline(const beex_exit_rule *r, const example *ex, int nblocks)
{
    beex_exit_row rows[MAXB];
    beex_exit_rows_of(ex->z, ex->h, nblocks, ex->classes, beex_exit_rules[r->kind]->uses, rows);
    return beex_exit_offline(r, rows, nblocks);
}

static void table_entries_are_well_formed(void **state)
{
    (void)state;
    assert_true(BEEX_EXIT_RULE_COUNT >= 5);
    for (int k = 0; k < BEEX_EXIT_RULE_COUNT; k++) {
        const beex_exit_rule_info *ri = beex_exit_rule_info_of(k);
        assert_non_null(ri);
        assert_ptr_equal(ri, beex_exit_rules[k]);
        assert_non_null(ri->name);
        assert_non_null(ri->param_name);
        assert_non_null(ri->title);
        assert_non_null(ri->decide);
        assert_non_null(ri->grid);
        /* The name goes into CSV cells, JSON and "NAME=X" options. */
        assert_true(ri->name[0] != '\0' && strlen(ri->name) < 32);
        assert_null(strpbrk(ri->name, ",= \t\"\n"));
        assert_true(ri->param_name[0] != '\0' && ri->title[0] != '\0');
        assert_int_equal(ri->uses & ~BEEX_EXIT_USES_ALL, 0);
        assert_true(ri->later_when_higher == 0 || ri->later_when_higher == 1);
        assert_int_equal(beex_exit_rule_parse(ri->name), k);
        for (int j = 0; j < k; j++)
            assert_string_not_equal(ri->name, beex_exit_rules[j]->name);
        /* NAME=X round trip. */
        char arg[64], err[256];
        beex_exit_rule r;
        snprintf(arg, sizeof arg, "%s=0.75", ri->name);
        assert_int_equal(beex_exit_rule_from_string(arg, &r, err, sizeof err), 0);
        assert_int_equal(r.kind, k);
        assert_true(r.param == 0.75);
    }
    assert_null(beex_exit_rule_info_of(-1));
    assert_null(beex_exit_rule_info_of(BEEX_EXIT_RULE_COUNT));
    assert_int_equal(beex_exit_rule_parse("bogus"), -1);
    assert_int_equal(beex_exit_rule_parse(NULL), -1);
    /* The kinds the rest of the suite names have the names files carry. */
    assert_string_equal(beex_exit_rules[BEEX_EXIT_DELTA]->name, "delta");
    assert_string_equal(beex_exit_rules[BEEX_EXIT_STATIC]->name, "static");
    assert_string_equal(beex_exit_rules[BEEX_EXIT_MAXPROB]->name, "maxprob");
    /* The names for messages: every rule, in the list's order. */
    char names[512];
    const char *at = beex_exit_rule_names_joined(names, sizeof names, ", ");
    for (int k = 0; k < BEEX_EXIT_RULE_COUNT; k++) {
        const char *hit = strstr(at, beex_exit_rules[k]->name);
        assert_non_null(hit);
        at = hit + strlen(beex_exit_rules[k]->name);
    }

    /* Bad rule arguments say what is wrong. */
    static const char *const bad[][2] = {{"bogus=1", "unknown exit rule 'bogus' (delta, "},
                                         {"delta", "NAME=VALUE"},
                                         {"=1", "NAME=VALUE"},
                                         {"delta=", "needs a number"},
                                         {"maxprob=0.9x", "needs a number"},
                                         {"entropy=nan", "needs a number"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        beex_exit_rule r = {BEEX_EXIT_DELTA, 0.5};
        assert_int_equal(beex_exit_rule_from_string(bad[i][0], &r, err, sizeof err), -1);
        assert_non_null(strstr(err, bad[i][1]));
    }
}

static void grids_are_finite_increasing_and_deterministic(void **state)
{
    (void)state;
    static const int shapes[][2] = {{2, 2}, {3, 2}, {5, 3}, {12, 2}, {12, 10}, {64, 100}};
    for (int k = 0; k < BEEX_EXIT_RULE_COUNT; k++) {
        const beex_exit_rule_info *ri = beex_exit_rules[k];
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (int quick = 0; quick <= 1; quick++) {
                int B = shapes[s][0], C = shapes[s][1];
                int n = ri->grid(B, C, quick, NULL);
                assert_true(n >= 1 && n <= 100000);
                double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
                assert_non_null(a), assert_non_null(b);
                assert_int_equal(ri->grid(B, C, quick, a), n);
                assert_int_equal(ri->grid(B, C, quick, b), n);
                assert_memory_equal(a, b, (size_t)n * sizeof *a);
                for (int i = 0; i < n; i++) {
                    assert_true(isfinite(a[i]));
                    assert_true(i == 0 || a[i] > a[i - 1]);
                    if (ri->integer_param)
                        assert_true(a[i] == floor(a[i]));
                }
                if (quick)
                    assert_true(n <= ri->grid(B, C, 0, NULL));
                free(a), free(b);
            }
    }
}

/* Exit in [1, N], deterministic, online == offline, the prefix property and monotonicity, on
 * random examples of 1 to MAXB blocks. */
static void every_rule_on_random_traces(void **state)
{
    (void)state;
    uint64_t st = beex_prng_stream(20260428, 1);
    double params[512];
    for (int t = 0; t < TRACES; t++) {
        int N = 1 + (int)beex_prng_below(&st, MAXB), C = 2 + (int)beex_prng_below(&st, MAXC - 1);
        example ex, changed;
        random_example(&st, N, C, &ex);
        for (int k = 0; k < BEEX_EXIT_RULE_COUNT; k++) {
            const beex_exit_rule_info *ri = beex_exit_rules[k];
            int np = params_of(ri, N < 2 ? 2 : N, C, params, 512);
            int last = ri->later_when_higher ? 1 : N;
            for (int p = 0; p < np; p++) {
                beex_exit_rule r = {(beex_exit_kind)k, params[p]};
                int e = offline(&r, &ex, N);
                assert_true(e >= 1 && e <= N);
                assert_int_equal(offline(&r, &ex, N), e);
                assert_int_equal(online(&r, &ex, N), e);
                /* Monotone along the increasing parameters, as the entry says. */
                if (ri->later_when_higher)
                    assert_true(e >= last);
                else
                    assert_true(e <= last);
                last = e;
                /* Prefix: the first M blocks alone give min(e, M) ... */
                for (int M = 1; M <= N; M++)
                    assert_int_equal(offline(&r, &ex, M), e < M ? e : M);
                /* ... and blocks after the exit cannot change it. */
                if (e < N) {
                    random_example(&st, N, C, &changed);
                    memcpy(changed.z, ex.z, (size_t)e * C * sizeof *ex.z);
                    memcpy(changed.h, ex.h, (size_t)e * sizeof *ex.h);
                    assert_int_equal(offline(&r, &changed, N), e);
                    assert_int_equal(online(&r, &changed, N), e);
                }
            }
            /* A NaN parameter never exits early. */
            beex_exit_rule r = {(beex_exit_kind)k, NAN};
            assert_int_equal(offline(&r, &ex, N), N);
        }
    }
}

/* The engine's way for a batch: examples advance together block by block, and a state is
 * copied when the batch is compacted; each must decide as if alone. */
static void interleaved_examples_with_copied_states(void **state)
{
    (void)state;
    enum { NEX = 16, N = 8, C = 3 };
    uint64_t st = beex_prng_stream(7, 2);
    example ex[NEX];
    for (int i = 0; i < NEX; i++)
        random_example(&st, N, C, &ex[i]);
    double params[512];
    for (int k = 0; k < BEEX_EXIT_RULE_COUNT; k++) {
        int np = params_of(beex_exit_rules[k], N, C, params, 512);
        for (int p = 0; p < np; p++) {
            beex_exit_rule r = {(beex_exit_kind)k, params[p]};
            beex_exit_state s[NEX], moved[NEX];
            int exit_at[NEX] = {0};
            memset(s, 0, sizeof s);
            for (int b = 1; b <= N; b++) {
                for (int i = 0; i < NEX; i++) {
                    if (exit_at[i])
                        continue;
                    const float *z = ex[i].z + (b - 1) * C;
                    beex_exit_row row;
                    row.entropy = beex_softmax_summary(z, C, &row.maxprob);
                    row.argmax = beex_argmax(z, C);
                    if (beex_exit_online(&r, &s[i], b, &row) || b == N)
                        exit_at[i] = b;
                }
                memcpy(moved, s, sizeof s); /* compaction moves states by value */
                memset(s, 0xA5, sizeof s);
                memcpy(s, moved, sizeof s);
            }
            for (int i = 0; i < NEX; i++)
                assert_int_equal(exit_at[i], offline(&r, &ex[i], N));
        }
    }
}

/* Rows whose entropy and largest probability are NaN: no rule reading them exits early, and
 * an unknown kind never exits. */
static void nan_rows_and_unknown_kinds_never_exit(void **state)
{
    (void)state;
    enum { N = 6 };
    beex_exit_row rows[N];
    for (int b = 0; b < N; b++)
        rows[b] = (beex_exit_row){NAN, b % 2, NAN};
    double params[512];
    for (int k = 0; k < BEEX_EXIT_RULE_COUNT; k++) {
        const beex_exit_rule_info *ri = beex_exit_rules[k];
        if ((ri->uses & (BEEX_EXIT_USES_ENTROPY | BEEX_EXIT_USES_MAXPROB)) == 0 ||
            (ri->uses & BEEX_EXIT_USES_ARGMAX) != 0)
            continue;
        int np = params_of(ri, N, 2, params, 512);
        for (int p = 0; p < np; p++) {
            beex_exit_rule r = {(beex_exit_kind)k, params[p]};
            assert_int_equal(beex_exit_offline(&r, rows, N), N);
        }
    }
    beex_exit_rule r = {BEEX_EXIT_RULE_COUNT, 0.5};
    beex_exit_state s = {0};
    assert_int_equal(beex_exit_online(&r, &s, 1, &rows[0]), 0);
    assert_int_equal(beex_exit_offline(&r, rows, N), N);
}

/* ---- softmax confidence (maxprob) by hand ------------------------------------------------ */

static void maxprob_by_hand(void **state)
{
    (void)state;
    double p;
    /* Two equal logits: 1 / (1 + 1) = 0.5 exactly; four: 0.25. */
    const float two[2] = {3.0f, 3.0f}, four[4] = {-1.0f, -1.0f, -1.0f, -1.0f};
    beex_softmax_summary(two, 2, &p);
    assert_true(p == 0.5);
    beex_softmax_summary(four, 4, &p);
    assert_true(p == 0.25);
    /* (1, 0): 1 / (1 + e^-1) = 0.7310585786300049; (2, 1, 0): 1 / (1 + e^-1 + e^-2) =
     * 0.6652409557748219; the order of the classes does not matter. */
    const float a[2] = {1.0f, 0.0f}, b[3] = {0.0f, 2.0f, 1.0f};
    beex_softmax_summary(a, 2, &p);
    assert_true(fabs(p - 0.7310585786300049) < 1e-15);
    beex_softmax_summary(b, 3, &p);
    assert_true(fabs(p - 0.6652409557748219) < 1e-15);
    /* Far apart: the others underflow and the probability is 1 exactly; huge equal logits
     * do not overflow (everything is relative to the largest). */
    const float far[2] = {0.0f, 1000.0f}, huge[2] = {1e30f, 1e30f};
    beex_softmax_summary(far, 2, &p);
    assert_true(p == 1.0);
    beex_softmax_summary(huge, 2, &p);
    assert_true(p == 0.5);
    /* One class: certain; a non-finite logit: NaN, with the entropy. */
    beex_softmax_summary(a, 1, &p);
    assert_true(p == 1.0);
    const float bad[2] = {NAN, NAN};
    assert_true(isnan(beex_softmax_summary(bad, 2, &p)));
    assert_true(isnan(p));

    /* A trace of 4 blocks with largest probabilities 0.5, 0.731, 0.9526, 0.9933 (logits
     * (0,0), (1,0), (0,3), (5,0): 1 / (1 + e^-3) = 0.95257, 1 / (1 + e^-5) = 0.99331). */
    const float z[8] = {0, 0, 1, 0, 0, 3, 5, 0};
    float h[4];
    for (int i = 0; i < 4; i++)
        h[i] = beex_entropy_of_logits(z + 2 * i, 2);
    beex_exit_row rows[4];
    beex_exit_rows_of(z, h, 4, 2, BEEX_EXIT_USES_MAXPROB, rows);
    assert_true(rows[0].maxprob == 0.5);
    assert_true(fabs(rows[2].maxprob - 0.9525741268224334) < 1e-15);
    assert_true(isnan(rows[0].entropy) && rows[0].argmax == -1); /* not asked for */
    static const struct {
        double t;
        int exit;
    } want[] = {{0.5, 1}, /* 0.5 >= 0.5: the threshold is inclusive */
                {0.50001, 2}, {0.731, 2},     {0.7311, 3},  {0.95, 3}, {0.99, 4}, /* block 4 is N */
                {1.0, 4},     {-INFINITY, 1}, {INFINITY, 4}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        beex_exit_rule r = {BEEX_EXIT_MAXPROB, want[i].t};
        assert_int_equal(beex_exit_offline(&r, rows, 4), want[i].exit);
    }
    /* The online row (every field, as the engine fills it) holds the same bits. */
    for (int i = 0; i < 4; i++) {
        double q;
        float hh = beex_softmax_summary(z + 2 * i, 2, &q);
        assert_memory_equal(&q, &rows[i].maxprob, sizeof q);
        assert_memory_equal(&hh, &h[i], sizeof hh);
    }
}

static void maxprob_grid(void **state)
{
    (void)state;
    const beex_exit_rule_info *ri = beex_exit_rules[BEEX_EXIT_MAXPROB];
    double g[256];
    /* Two classes: 0.500, 0.505, ..., 1.000 (101), quick 0.025 steps (21). */
    assert_int_equal(ri->grid(6, 2, 0, g), 101);
    assert_true(g[0] == 0.5 && g[1] == 101 / 200.0 && g[100] == 1.0);
    assert_int_equal(ri->grid(6, 2, 1, g), 21);
    assert_true(g[0] == 0.5 && g[1] == 0.525 && g[20] == 1.0);
    /* Three classes start at 0.33 (quick 0.325), ten at 0.10: at or just below 1/C. */
    assert_int_equal(ri->grid(6, 3, 0, g), 135);
    assert_true(g[0] == 0.33);
    assert_int_equal(ri->grid(6, 3, 1, g), 28);
    assert_true(g[0] == 0.325);
    assert_int_equal(ri->grid(6, 10, 0, g), 181);
    assert_true(g[0] == 0.1);
    /* The first point sends every example out at block 1 (no class has less than 1/C). */
    uint64_t st = beex_prng_stream(3, 3);
    for (int C = 2; C <= MAXC; C++) {
        ri->grid(6, C, 0, g);
        for (int t = 0; t < 50; t++) {
            example ex;
            random_example(&st, 6, C, &ex);
            beex_exit_rule r = {BEEX_EXIT_MAXPROB, g[0]};
            assert_int_equal(offline(&r, &ex, 6), 1);
        }
    }
}

/* The entropy as computed before the softmax pass was shared with maxprob: the same bits,
 * so traces and the other rules' decisions do not move. */
static float entropy_before(const float *z, int c)
{
    if (c <= 1)
        return 0.0f;
    double m = -INFINITY;
    for (int i = 0; i < c; i++)
        if ((double)z[i] > m)
            m = z[i];
    if (!isfinite(m))
        return NAN;
    double s = 0.0, w = 0.0;
    for (int i = 0; i < c; i++) {
        double e = beex_canon_exp((double)z[i] - m);
        s += e;
        w += e * ((double)z[i] - m);
    }
    double h = beex_canon_log(s) - w / s;
    return (float)(h < 0.0 ? 0.0 : h);
}

static void entropy_bits_unchanged(void **state)
{
    (void)state;
    uint64_t st = beex_prng_stream(11, 4);
    for (int t = 0; t < 2000; t++) {
        example ex;
        random_example(&st, 1, 2 + t % (MAXC - 1), &ex);
        float want = entropy_before(ex.z, ex.classes),
              got = beex_entropy_of_logits(ex.z, ex.classes);
        double p;
        float got2 = beex_softmax_summary(ex.z, ex.classes, &p);
        assert_memory_equal(&got, &want, sizeof got);
        assert_memory_equal(&got2, &want, sizeof got);
        assert_true(p > 0 && p <= 1 && p >= 1.0 / ex.classes);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_entries_are_well_formed),
        cmocka_unit_test(grids_are_finite_increasing_and_deterministic),
        cmocka_unit_test(every_rule_on_random_traces),
        cmocka_unit_test(interleaved_examples_with_copied_states),
        cmocka_unit_test(nan_rows_and_unknown_kinds_never_exit),
        cmocka_unit_test(maxprob_by_hand),
        cmocka_unit_test(maxprob_grid),
        cmocka_unit_test(entropy_bits_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
