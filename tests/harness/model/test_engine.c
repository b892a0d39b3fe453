/* The forward pass against an independent plain implementation (plain_forward.h), across
 * every available kernel variant, batch sizes and thread counts; early exit and costs. A variant
 * this CPU lacks is skipped through cmocka, with its reason (variant_suite.h: ctest runs one
 * variant per registration). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/model/calibrate.h"
#include "harness/model/cost.h"
#include "harness/model/engine.h"
#include "harness/model/exit.h"
#include "harness/model/plain_forward.h"
#include "kernels/cpu.h"
#include "variant_suite.h"

/* Tolerances on logits, |engine - plain| <= ATOL + RTOL * |plain|. The engine runs in fp32
 * with approximated exp/tanh (kernels/slfn.h) and the plain pass in double: fp32 and w1a32
 * stay within a few 1e-6 here. In w1a1 a sign taken of a value within fp32 rounding of 0
 * could flip and move a logit by more; with this fixture none does (measured worst 2e-6),
 * so the same 1e-3 bound holds, and predictions must agree everywhere. */
#define TOL_FP_ATOL 2e-4
#define TOL_FP_RTOL 1e-3
#define TOL_W1A1_ATOL 1e-3
#define TOL_W1A1_RTOL 1e-3
/* w8a8 (docs/model.md section 3b): the plain pass quantizes its double activations rounded to
 * fp32, the engine its fp32 ones; the two differ in the last bits (approximated exp/tanh, fp32
 * sums), and an activation within those bits of a rounding boundary of x / sx lands one int8
 * step apart. The int8 layer itself is exact (test_forward_int8.c); here the tolerance is
 * w1a1's, predictions must agree, and the measured worst is printed. */
#define TOL_W8A8_ATOL 1e-3
#define TOL_W8A8_RTOL 1e-3

#define NEX 7

typedef struct {
    beex_model *m;
    int32_t *ids[NEX];
    int lens[NEX];
} fixture;

static uint64_t rng_state;
static double urand(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static void perturb(float *p, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (float)(lo + (hi - lo) * urand());
}

/* d = 40 with 4 heads (dh = 10) and dff = 72 exercise every kernel's tails. */
/* The group's fixture, for the per-variant cases whose state is their variant. */
static fixture *the_fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    beex_config c = beex_config_default();
    c.vocab = 61;
    c.d = 40;
    c.heads = 4;
    c.dff = 72;
    c.blocks = 5;
    c.max_len = 12;
    c.classes = 3;
    char err[256];
    assert_int_equal(beex_model_alloc(&c, &f->m, err, sizeof err), 0);
    beex_model_init_random(f->m, 1234);
    rng_state = 99;
    /* Non-trivial biases, LayerNorm parameters and exit biases, so that every term counts. */
    for (int b = 0; b < c.blocks; b++) {
        beex_block *B = &f->m->blocks[b];
        beex_linear *ls[] = {&B->q, &B->k, &B->v, &B->o, &B->w1, &B->w3, &B->w2, &B->w4};
        for (size_t i = 0; i < sizeof ls / sizeof ls[0]; i++)
            perturb(ls[i]->bias, (size_t)ls[i]->rows, -0.3, 0.3);
        perturb(B->ln1_gamma, (size_t)c.d, 0.6, 1.4);
        perturb(B->ln1_beta, (size_t)c.d, -0.2, 0.2);
        perturb(B->ln2_gamma, (size_t)c.d, 0.6, 1.4);
        perturb(B->ln2_beta, (size_t)c.d, -0.2, 0.2);
        perturb(B->exit_bias, (size_t)c.classes, -0.5, 0.5);
        perturb(B->exit_weight, (size_t)c.classes * c.d, -1.0, 1.0);
    }
    assert_int_equal(beex_model_derive_binary(f->m), 0);
    static const int lens[NEX] = {1, 5, 12, 20, 3, 9, 2}; /* 20 > max_len: truncated */
    for (int i = 0; i < NEX; i++) {
        f->lens[i] = lens[i];
        f->ids[i] = malloc((size_t)lens[i] * sizeof(int32_t));
        assert_non_null(f->ids[i]);
        for (int t = 0; t < lens[i]; t++)
            f->ids[i][t] = (int32_t)(urand() * c.vocab);
    }
    /* w8a8's activation scales, from the fixture's own examples. */
    if (beex_calibrate(f->m, (const int32_t *const *)f->ids, f->lens, NEX, 1, err, sizeof err) != 0)
        fail_msg("calibration: %s", err);
    *state = f;
    the_fixture = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < NEX; i++)
        free(f->ids[i]);
    beex_model_free(f->m);
    free(f);
    return 0;
}

static beex_engine *make_engine(const beex_model *m, beex_precision p, int isa, int threads)
{
    beex_engine_options o = {p, isa, threads};
    beex_engine *e = NULL;
    char err[256];
    int rc = beex_engine_create(m, &o, &e, err, sizeof err);
    if (rc != 0)
        fail_msg("engine %s/%s: %s", beex_precision_name(p), beex_isa_name((beex_isa)isa), err);
    return e;
}

static void test_trace_matches_plain_forward(void **state)
{
    int isa = beex_test_variant(state);
    fixture *f = the_fixture;
    const beex_config *c = &f->m->cfg;
    int N = c->blocks, C = c->classes;
    float *lg = malloc((size_t)N * C * sizeof *lg), *en = malloc((size_t)N * sizeof *en);
    double *plg = malloc((size_t)N * C * sizeof *plg), *pen = malloc((size_t)N * sizeof *pen);
    for (int p = BEEX_PREC_FP32; p < BEEX_PREC_COUNT; p++) {
        beex_engine *e = make_engine(f->m, (beex_precision)p, isa, 1);
        double worst = 0.0;
        int flips = 0;
        for (int i = 0; i < NEX; i++) {
            assert_int_equal(beex_engine_trace(e, f->ids[i], f->lens[i], lg, en), 0);
            pf_trace(f->m, (beex_precision)p, f->ids[i], f->lens[i], plg, pen);
            double at = p == BEEX_PREC_W1A1   ? TOL_W1A1_ATOL
                        : p == BEEX_PREC_W8A8 ? TOL_W8A8_ATOL
                                              : TOL_FP_ATOL;
            double rt = p == BEEX_PREC_W1A1   ? TOL_W1A1_RTOL
                        : p == BEEX_PREC_W8A8 ? TOL_W8A8_RTOL
                                              : TOL_FP_RTOL;
            for (int j = 0; j < N * C; j++) {
                double diff = fabs((double)lg[j] - plg[j]);
                worst = fmax(worst, diff);
                if (diff > at + rt * fabs(plg[j]))
                    fail_msg("%s/%s example %d logit %d: engine %.7g plain %.7g",
                             beex_precision_name((beex_precision)p), beex_isa_name((beex_isa)isa),
                             i, j, lg[j], plg[j]);
            }
            for (int b = 0; b < N; b++) {
                float zb[16];
                for (int j = 0; j < C; j++)
                    zb[j] = (float)plg[b * C + j];
                flips += beex_argmax(lg + b * C, C) != beex_argmax(zb, C);
                assert_true(fabs(en[b] - pen[b]) <= at + rt * pen[b] + 1e-4);
            }
        }
        assert_int_equal(flips, 0);
        printf("[       OK ] %s/%s: max |logit - plain| = %.3g\n",
               beex_precision_name((beex_precision)p), beex_isa_name((beex_isa)isa), worst);
        beex_engine_free(e);
    }
    free(lg), free(en), free(plg), free(pen);
}

/* Runs the fixture's examples as one batch. */
static void run(beex_engine *e, fixture *f, double delta, const int *cap, beex_exit_result *res,
                float *lg, float *en)
{
    assert_int_equal(beex_engine_run_batch_capped(e, (const int32_t *const *)f->ids, f->lens, NEX,
                                                  delta, cap, res, lg, en),
                     0);
}

/* Variant isa against scalar (for scalar itself: two engines agree). */
static void test_variant_agrees_with_scalar(void **state)
{
    int isa = beex_test_variant(state);
    fixture *f = the_fixture;
    const beex_config *c = &f->m->cfg;
    size_t nl = (size_t)NEX * c->blocks * c->classes;
    float *lg0 = malloc(nl * sizeof *lg0), *lg = malloc(nl * sizeof *lg);
    const double deltas[] = {0.02, 0.1, 0.3};
    for (int p = BEEX_PREC_FP32; p < BEEX_PREC_COUNT; p++)
        for (size_t di = 0; di < 3; di++) {
            beex_exit_result r0[NEX], r[NEX];
            beex_engine *e0 = make_engine(f->m, (beex_precision)p, BEEX_ISA_SCALAR, 1);
            run(e0, f, deltas[di], NULL, r0, lg0, NULL);
            beex_engine_free(e0);
            beex_engine *e = make_engine(f->m, (beex_precision)p, isa, 1);
            run(e, f, deltas[di], NULL, r, lg, NULL);
            for (int i = 0; i < NEX; i++) {
                assert_int_equal(r[i].exit_block, r0[i].exit_block);
                assert_int_equal(r[i].prediction, r0[i].prediction);
                assert_true(r[i].flops == r0[i].flops && r[i].bops == r0[i].bops);
            }
            for (size_t j = 0; j < nl; j++)
                assert_true(isnan(lg0[j]) ? isnan(lg[j])
                                          : fabsf(lg[j] - lg0[j]) <= 1e-4f + 1e-4f * fabsf(lg0[j]));
            beex_engine_free(e);
        }
    free(lg0), free(lg);
}

static void test_batched_equals_batch1_and_threads(void **state)
{
    fixture *f = *state;
    const beex_config *c = &f->m->cfg;
    int N = c->blocks, C = c->classes;
    size_t nl = (size_t)NEX * N * C;
    float *lg = malloc(nl * sizeof *lg), *lg2 = malloc(nl * sizeof *lg),
          *one = malloc((size_t)N * C * sizeof *one);
    float *en = malloc((size_t)NEX * N * sizeof *en), *en1 = malloc((size_t)N * sizeof *en1);
    for (int p = BEEX_PREC_FP32; p < BEEX_PREC_COUNT; p++) {
        beex_engine *e = make_engine(f->m, (beex_precision)p, -1, 1);
        beex_exit_result r[NEX], r1, r2[NEX];
        run(e, f, 0.1, NULL, r, lg, en);
        for (int i = 0; i < NEX; i++) {
            const int32_t *ids[1] = {f->ids[i]};
            assert_int_equal(beex_engine_run_batch(e, ids, &f->lens[i], 1, 0.1, &r1, one, en1), 0);
            assert_int_equal(r1.exit_block, r[i].exit_block);
            assert_int_equal(r1.prediction, r[i].prediction);
            for (int j = 0; j < r1.exit_block * C; j++)
                assert_true(fabsf(one[j] - lg[(size_t)i * N * C + j]) <=
                            1e-5f * (1.0f + fabsf(one[j])));
        }
        beex_engine_free(e);
        /* Two threads, inside the operations or across the examples: same exits, same logits
         * (row-wise kernels, fixed summation order). */
        for (int split = BEEX_SPLIT_OPS; split <= BEEX_SPLIT_EXAMPLES; split++) {
            e = make_engine(f->m, (beex_precision)p, -1, 2);
            assert_int_equal(beex_engine_set_split(e, (beex_engine_split)split), 0);
            run(e, f, 0.1, NULL, r2, lg2, NULL);
            for (int i = 0; i < NEX; i++) {
                assert_int_equal(r2[i].exit_block, r[i].exit_block);
                assert_int_equal(r2[i].prediction, r[i].prediction);
            }
            for (size_t j = 0; j < nl; j++)
                assert_true(isnan(lg[j]) ? isnan(lg2[j])
                                         : fabsf(lg2[j] - lg[j]) <= 1e-5f * (1.0f + fabsf(lg[j])));
            beex_engine_free(e);
        }
    }
    free(lg), free(lg2), free(one), free(en), free(en1);
}

/* Every operation shared (BEEX_GRAIN_SCALE=0: the test model is far below the grains), on
 * 2 and 3 threads, in one OpenMP region per block and with a region per operation
 * (BEEX_FORK_PER_OP=1): exits and logits bit for bit those of one thread, since every output
 * element is computed whole by one thread in a fixed order. */
static void test_one_region_per_block_is_exact(void **state)
{
    fixture *f = *state;
    int N = f->m->cfg.blocks, C = f->m->cfg.classes;
    size_t nl = (size_t)NEX * N * C;
    float *lg = malloc(nl * sizeof *lg), *lg2 = malloc(nl * sizeof *lg2);
    assert_non_null(lg), assert_non_null(lg2);
    for (int p = BEEX_PREC_FP32; p < BEEX_PREC_COUNT; p++) {
        beex_exit_result r[NEX], r2[NEX];
        beex_engine *e = make_engine(f->m, (beex_precision)p, -1, 1);
        run(e, f, 0.1, NULL, r, lg, NULL);
        beex_engine_free(e);
        for (int threads = 2; threads <= 3; threads++)
            for (int fork = 0; fork <= 1; fork++) {
                assert_int_equal(setenv("BEEX_GRAIN_SCALE", "0", 1), 0);
                assert_int_equal(setenv("BEEX_FORK_PER_OP", fork ? "1" : "0", 1), 0);
                e = make_engine(f->m, (beex_precision)p, -1, threads);
                unsetenv("BEEX_GRAIN_SCALE");
                unsetenv("BEEX_FORK_PER_OP");
                assert_int_equal(beex_engine_set_split(e, BEEX_SPLIT_OPS), 0);
                run(e, f, 0.1, NULL, r2, lg2, NULL);
                for (int i = 0; i < NEX; i++) {
                    assert_int_equal(r2[i].exit_block, r[i].exit_block);
                    assert_int_equal(r2[i].prediction, r[i].prediction);
                }
                for (size_t j = 0; j < nl; j++)
                    assert_true(isnan(lg[j]) ? isnan(lg2[j]) : lg2[j] == lg[j]);
                beex_engine_free(e);
            }
    }
    free(lg), free(lg2);
}

/* A batch of more rows than one group (BEEX_FWD_GROUP_ROWS): results as batch-1. */
static void test_batch_spanning_groups(void **state)
{
    fixture *f = *state;
    const beex_config *c = &f->m->cfg;
    enum { NB = 120 }; /* about 780 rows: several groups */
    int32_t *ids[NB];
    int lens[NB];
    beex_exit_result r[NB], r1;
    size_t per = (size_t)c->blocks * c->classes;
    float *lg = malloc(NB * per * sizeof *lg), *one = malloc(per * sizeof *one);
    assert_non_null(lg);
    assert_non_null(one);
    for (int i = 0; i < NB; i++) {
        lens[i] = 1 + (i * 7) % c->max_len;
        ids[i] = malloc((size_t)lens[i] * sizeof(int32_t));
        assert_non_null(ids[i]);
        for (int t = 0; t < lens[i]; t++)
            ids[i][t] = (int32_t)((i * 31 + t * 17) % c->vocab);
    }
    for (int p = BEEX_PREC_FP32; p < BEEX_PREC_COUNT; p++) {
        beex_engine *e = make_engine(f->m, (beex_precision)p, -1, 1);
        assert_int_equal(
            beex_engine_run_batch(e, (const int32_t *const *)ids, lens, NB, 0.05, r, lg, NULL), 0);
        for (int i = 0; i < NB; i++) {
            const int32_t *one_ids[1] = {ids[i]};
            assert_int_equal(beex_engine_run_batch(e, one_ids, &lens[i], 1, 0.05, &r1, one, NULL),
                             0);
            assert_int_equal(r1.exit_block, r[i].exit_block);
            assert_int_equal(r1.prediction, r[i].prediction);
            for (int j = 0; j < r1.exit_block * c->classes; j++)
                assert_true(fabsf(one[j] - lg[i * per + j]) <= 1e-5f * (1.0f + fabsf(one[j])));
        }
        beex_engine_free(e);
    }
    for (int i = 0; i < NB; i++)
        free(ids[i]);
    free(lg), free(one);
}

static void test_delta_extremes_and_caps(void **state)
{
    fixture *f = *state;
    const beex_config *c = &f->m->cfg;
    int N = c->blocks;
    beex_engine *e = make_engine(f->m, BEEX_PREC_W1A1, -1, 0);
    beex_exit_result r[NEX];
    float *en = malloc((size_t)NEX * N * sizeof *en);
    run(e, f, -INFINITY, NULL, r, NULL, en);
    for (int i = 0; i < NEX; i++) {
        assert_int_equal(r[i].exit_block, N); /* never early */
        /* The online decision equals the offline rule on the full trace. */
        for (int k = 0; k < 4; k++) {
            double dl = (double[]){-1e300, 0.0, 0.05, 0.2}[k];
            beex_exit_result one;
            const int32_t *ids[1] = {f->ids[i]};
            assert_int_equal(beex_engine_run_batch(e, ids, &f->lens[i], 1, dl, &one, NULL, NULL),
                             0);
            assert_int_equal(one.exit_block, beex_exit_entropy_ratio(en + (size_t)i * N, N, dl));
        }
    }
    run(e, f, 1e300, NULL, r, NULL, NULL);
    for (int i = 0; i < NEX; i++)
        assert_int_equal(r[i].exit_block, 2); /* always at the first block that may exit */
    /* Caps: every other example capped at block 1, others at 3, no entropy exits. */
    int cap[NEX];
    for (int i = 0; i < NEX; i++)
        cap[i] = i % 2 ? 1 : 3;
    run(e, f, -INFINITY, cap, r, NULL, NULL);
    for (int i = 0; i < NEX; i++) {
        assert_int_equal(r[i].exit_block, cap[i]);
        int T = f->lens[i] < c->max_len ? f->lens[i] : c->max_len;
        beex_cost want = beex_cost_until(c, BEEX_PREC_W1A1, T, cap[i]);
        assert_true(r[i].flops == want.flops && r[i].bops == want.bops && r[i].ops == want.ops);
    }
    beex_engine_free(e);
    free(en);
}

/* DeeBERT's entropy threshold and PABEE's patience online, in a batch that compacts, on one
 * and on two threads: every exit block and prediction equals the offline rule on the full
 * trace (what the sweep's replay computes), so their timed runs are of the replayed points. */
static void test_online_rules_match_replay(void **state)
{
    fixture *f = *state;
    int N = f->m->cfg.blocks, C = f->m->cfg.classes;
    float *lg = malloc((size_t)NEX * N * C * sizeof *lg),
          *en = malloc((size_t)NEX * N * sizeof *en);
    int *am = malloc((size_t)NEX * N * sizeof *am);
    assert_non_null(lg), assert_non_null(en), assert_non_null(am);
    beex_exit_result r[NEX];
    for (int threads = 1; threads <= 2; threads++) {
        beex_engine *e = make_engine(f->m, BEEX_PREC_W1A1, -1, threads);
        run(e, f, -INFINITY, NULL, r, lg, en);
        for (int i = 0; i < NEX * N; i++)
            am[i] = beex_argmax(lg + (size_t)i * C, C);
        double taus[4] = {0.0, en[0], en[(size_t)(NEX / 2) * N + 1], 1e9};
        for (int k = 0; k < 8; k++) {
            beex_exit_rule rule = k < 4 ? (beex_exit_rule){BEEX_EXIT_ENTROPY, taus[k]}
                                        : (beex_exit_rule){BEEX_EXIT_PATIENCE, k - 4};
            assert_int_equal(beex_engine_run_batch_rule(e, (const int32_t *const *)f->ids, f->lens,
                                                        NEX, &rule, NULL, r, NULL, NULL),
                             0);
            for (int i = 0; i < NEX; i++) {
                int want = k < 4 ? beex_exit_entropy_abs(en + (size_t)i * N, N, rule.param)
                                 : beex_exit_patience(am + (size_t)i * N, N, (int)rule.param);
                assert_int_equal(r[i].exit_block, want);
                assert_int_equal(r[i].prediction, am[(size_t)i * N + want - 1]);
            }
        }
        beex_engine_free(e);
    }
    free(lg), free(en), free(am);
}

/* Every rule of the list (harness/model/exit_rule_list.h) over its whole sweep grid, online
 * in a compacting batch on one and two threads, against the replay's offline decision on the
 * full trace (rows from the trace's logits and entropies, as replay.c builds them). The
 * softmax confidence is also tried at thresholds equal to the probabilities the trace holds,
 * where a last-bit difference between the engine's value and the replay's would flip the
 * decision. An unknown kind is refused. */
static void test_every_rule_online_matches_offline(void **state)
{
    fixture *f = *state;
    int N = f->m->cfg.blocks, C = f->m->cfg.classes;
    float *lg = malloc((size_t)NEX * N * C * sizeof *lg),
          *en = malloc((size_t)NEX * N * sizeof *en);
    beex_exit_row *rows = malloc((size_t)NEX * N * sizeof *rows);
    assert_non_null(lg), assert_non_null(en), assert_non_null(rows);
    beex_exit_result r[NEX];
    for (int threads = 1; threads <= 2; threads++) {
        beex_engine *e = make_engine(f->m, BEEX_PREC_W1A1, -1, threads);
        run(e, f, -INFINITY, NULL, r, lg, en);
        for (int i = 0; i < NEX; i++)
            beex_exit_rows_of(lg + (size_t)i * N * C, en + (size_t)i * N, N, C, BEEX_EXIT_USES_ALL,
                              rows + (size_t)i * N);
        int early = 0;
        for (int k = 0; k < BEEX_EXIT_RULE_COUNT; k++) {
            const beex_exit_rule_info *ri = beex_exit_rules[k];
            int n = ri->grid(N, C, 0, NULL), extra = k == BEEX_EXIT_MAXPROB ? NEX * N : 0;
            double *params = malloc((size_t)(n + extra) * sizeof *params);
            assert_non_null(params);
            ri->grid(N, C, 0, params);
            for (int j = 0; j < extra; j++)
                params[n + j] = rows[j].maxprob;
            for (int p = 0; p < n + extra; p++) {
                beex_exit_rule rule = {(beex_exit_kind)k, params[p]};
                assert_int_equal(beex_engine_run_batch_rule(e, (const int32_t *const *)f->ids,
                                                            f->lens, NEX, &rule, NULL, r, NULL,
                                                            NULL),
                                 0);
                for (int i = 0; i < NEX; i++) {
                    int want = beex_exit_offline(&rule, rows + (size_t)i * N, N);
                    assert_int_equal(r[i].exit_block, want);
                    assert_int_equal(r[i].prediction, rows[(size_t)i * N + want - 1].argmax);
                    early += want < N;
                }
            }
            free(params);
        }
        assert_true(early > 0);
        beex_exit_rule unknown = {BEEX_EXIT_RULE_COUNT, 0.5};
        assert_int_equal(beex_engine_run_batch_rule(e, (const int32_t *const *)f->ids, f->lens, NEX,
                                                    &unknown, NULL, r, NULL, NULL),
                         BEEX_EINVAL);
        beex_engine_free(e);
    }
    free(lg), free(en), free(rows);
}

static void test_bad_input_is_rejected(void **state)
{
    fixture *f = *state;
    beex_engine *e = NULL;
    char err[256] = "";
    /* A variant this CPU lacks (NEON on x86, AVX-512 on aarch64) is refused with its name. */
    beex_isa lacking = BEEX_ISA_COUNT;
    for (int i = 0; i < BEEX_ISA_COUNT && lacking == BEEX_ISA_COUNT; i++)
        if (!beex_isa_available((beex_isa)i, NULL))
            lacking = (beex_isa)i;
    if (lacking != BEEX_ISA_COUNT) {
        beex_engine_options o = {BEEX_PREC_W1A1, (int)lacking, 1};
        assert_int_equal(beex_engine_create(f->m, &o, &e, err, sizeof err), BEEX_EUNSUPPORTED);
        assert_null(e);
        assert_non_null(strstr(err, beex_isa_name(lacking)));
    }
    e = make_engine(f->m, BEEX_PREC_W1A1, -1, 1);
    int32_t bad[2] = {3, 61};
    const int32_t *ids[1] = {bad};
    int len = 2;
    beex_exit_result r;
    assert_int_equal(beex_engine_run_batch(e, ids, &len, 1, 0.1, &r, NULL, NULL), BEEX_EINVAL);
    len = 0;
    assert_int_equal(beex_engine_run_batch(e, ids, &len, 1, 0.1, &r, NULL, NULL), BEEX_EINVAL);
    beex_engine_free(e);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        BEEX_PER_VARIANT("trace_matches_plain_forward", test_trace_matches_plain_forward),
        BEEX_PER_VARIANT("variant_agrees_with_scalar", test_variant_agrees_with_scalar),
        cmocka_unit_test(test_batched_equals_batch1_and_threads),
        cmocka_unit_test(test_batch_spanning_groups),
        cmocka_unit_test(test_one_region_per_block_is_exact),
        cmocka_unit_test(test_delta_extremes_and_caps),
        cmocka_unit_test(test_online_rules_match_replay),
        cmocka_unit_test(test_every_rule_online_matches_offline),
        cmocka_unit_test(test_bad_input_is_rejected),
    };
    return beex_run_variant_suite("engine", NULL, tests, sizeof tests / sizeof tests[0], setup,
                                  teardown, argc, argv);
}
