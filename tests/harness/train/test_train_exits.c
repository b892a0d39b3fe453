/* The exit regimes of the training objective (harness/train/tloss.h, docs/model.md section 6)
 * on a tiny three-block network: distill's gradient against central finite differences with
 * the teacher held constant; ge's gradient against the documented rescaling written out from
 * each exit's own gradient; equal, last and last+heads against the weighted objective with
 * their weights; every regime's batch gradient against its examples' and bit-identical on 1
 * and 3 threads. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/train/tloss.h"
#include "harness/train/tnet.h"
#include "harness/train/tparams.h"

enum { N = 3, C = 3, T = 5, NEX = 3 };

static beex_config tiny_config(void)
{
    beex_config c = {.vocab = 11,
                     .d = 8,
                     .heads = 2,
                     .dff = 12,
                     .blocks = N,
                     .max_len = 6,
                     .classes = C,
                     .precision = BEEX_PREC_FP32,
                     .ln_eps = 1e-6f};
    return c;
}

static uint64_t rng_state = 4242;
static double urand(void) /* [-1, 1) */
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rng_state >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

typedef struct {
    beex_tparams p, g;
    beex_teff e;
    beex_tws *w;
    beex_precision prec;
    float dropout;
    int32_t ids[NEX][T];
    int len[NEX], y[NEX];
    float lw[N];
} fixture;

static void setup(fixture *f, beex_precision prec, float dropout, int threads)
{
    beex_config c = tiny_config();
    memset(f, 0, sizeof *f);
    assert_int_equal(beex_tparams_init(&f->p, &c, NULL), 0);
    assert_int_equal(beex_tparams_init(&f->g, &c, NULL), 0);
    assert_int_equal(beex_teff_init(&f->e, &c), 0);
    f->w = beex_tws_new(&c, threads);
    assert_non_null(f->w);
    rng_state = 4242; /* every fixture the same parameters */
    for (size_t i = 0; i < f->p.n; i++)
        f->p.base[i] = (float)(0.5 * urand());
    for (int i = 0; i < N; i++)
        for (int k = 0; k < c.d; k++) {
            f->p.blk[i].ln1g[k] = (float)(1.0 + 0.2 * urand());
            f->p.blk[i].ln2g[k] = (float)(1.0 + 0.2 * urand());
        }
    /* The exit heads larger than the rest, so that the early exits disagree with the last
     * one and the distillation term is far from 0. */
    for (int i = 0; i < N; i++)
        for (int j = 0; j < C * c.d; j++)
            f->p.blk[i].ew[j] *= 4.0f;
    const int32_t ids[NEX][T] = {{3, 7, 2, 3, 10}, {1, 4, 9, 0, 0}, {5, 5, 6, 8, 2}};
    const int len[NEX] = {5, 3, 4}, y[NEX] = {1, 2, 0};
    memcpy(f->ids, ids, sizeof ids);
    memcpy(f->len, len, sizeof len);
    memcpy(f->y, y, sizeof y);
    for (int i = 0; i < N; i++)
        f->lw[i] = (float)(i + 1);
    f->prec = prec;
    f->dropout = dropout;
    beex_teff_update(&f->e, &f->p, prec, 0);
}

static void teardown(fixture *f)
{
    beex_tparams_free(&f->p);
    beex_tparams_free(&f->g);
    beex_teff_free(&f->e);
    beex_tws_free(f->w);
}

/* Forward example 0, then its gradient under o into f->g (zeroed first); returns its loss. */
static double grad_one(fixture *f, const beex_tobjective *o)
{
    memset(f->g.base, 0, f->g.n * sizeof(float));
    beex_tnet_forward(f->w, &f->p, &f->e, f->prec, f->ids[0], f->len[0], f->dropout, 99, 0, NULL);
    double L = beex_tnet_backward_obj(f->w, &f->p, &f->e, f->y[0], o, &f->g);
    assert_true(fabs(L - beex_tnet_loss_obj(f->w, f->y[0], o, NULL)) < 1e-12);
    return L;
}

/* A copy of f->g. */
static float *grads(const fixture *f)
{
    float *v = malloc(f->g.n * sizeof *v);
    assert_non_null(v);
    memcpy(v, f->g.base, f->g.n * sizeof *v);
    return v;
}

/* The gradient of exit k's cross-entropy alone: the weighted objective with a one-hot w. */
static float *exit_grad(fixture *f, int k)
{
    float one[N] = {0};
    one[k] = 1.0f;
    beex_tobjective o = beex_tobjective_weighted(one);
    (void)grad_one(f, &o);
    return grads(f);
}

/* Where parameter i lives: -1 the embeddings (token rows, positions), 2 * b block b's trunk,
 * 2 * b + 1 block b's exit head. */
static int *param_owner(const fixture *f)
{
    int *own = malloc(f->p.n * sizeof *own);
    assert_non_null(own);
    const float *base = f->p.base;
    size_t emb = (size_t)(f->p.blk[0].lin[0].w - base);
    for (size_t i = 0; i < emb; i++)
        own[i] = -1;
    for (int b = 0; b < N; b++) {
        const beex_tblock *B = &f->p.blk[b];
        size_t start = (size_t)(B->lin[0].w - base), head = (size_t)(B->ew - base);
        size_t end = (size_t)(B->eb - base) + C;
        for (size_t i = start; i < end; i++)
            own[i] = i < head ? 2 * b : 2 * b + 1;
    }
    return own;
}

/* Distill: the analytic gradient (teacher constant) against central differences of the loss
 * whose teacher is the unperturbed last exit's logits. */
static void check_distill(beex_precision prec, float dropout, float alpha, float temp)
{
    fixture f;
    setup(&f, prec, dropout, 1);
    beex_tobjective o = {BEEX_REGIME_DISTILL, f.lw, alpha, temp};
    (void)grad_one(&f, &o);
    float teacher[C], logits[N * C];
    beex_tnet_forward(f.w, &f.p, &f.e, prec, f.ids[0], f.len[0], dropout, 99, 0, logits);
    memcpy(teacher, logits + (N - 1) * C, sizeof teacher);
    /* the distillation term must matter here, or the check would not see it */
    double with_t = beex_tnet_loss_obj(f.w, f.y[0], &o, teacher);
    beex_tobjective ce = o;
    ce.alpha = 0.0f;
    assert_true(fabs(with_t - beex_tnet_loss_obj(f.w, f.y[0], &ce, teacher)) > 1e-3);
    int bad = 0;
    for (size_t i = 0; i < f.p.n; i++) {
        float keep = f.p.base[i];
        double h = 1e-3, l[2];
        for (int s = 0; s < 2; s++) {
            f.p.base[i] = keep + (float)(s ? -h : h);
            beex_teff_update(&f.e, &f.p, prec, 0);
            beex_tnet_forward(f.w, &f.p, &f.e, prec, f.ids[0], f.len[0], dropout, 99, 0, NULL);
            l[s] = beex_tnet_loss_obj(f.w, f.y[0], &o, teacher);
        }
        f.p.base[i] = keep;
        double fd = (l[0] - l[1]) / (2.0 * h), an = f.g.base[i];
        if (fabs(fd - an) > 2e-3 + 2e-2 * fabs(fd)) {
            if (bad < 5)
                fprintf(stderr, "distill a %g T %g: param %zu analytic %.6g fd %.6g\n",
                        (double)alpha, (double)temp, i, an, fd);
            bad++;
        }
    }
    beex_teff_update(&f.e, &f.p, prec, 0);
    assert_int_equal(bad, 0);
    teardown(&f);
}

static void test_distill_gradient(void **state)
{
    (void)state;
    check_distill(BEEX_PREC_FP32, 0.0f, 0.5f, 2.0f);
    check_distill(BEEX_PREC_FP32, 0.3f, 1.0f, 0.5f); /* students learn from the teacher alone */
}

/* With a = 0 distill is the weighted objective: the same loss and gradient values. */
static void test_distill_alpha0_is_weighted(void **state)
{
    (void)state;
    fixture f;
    setup(&f, BEEX_PREC_FP32, 0.2f, 1);
    beex_tobjective d = {BEEX_REGIME_DISTILL, f.lw, 0.0f, 2.0f};
    beex_tobjective w = beex_tobjective_weighted(f.lw);
    double ld = grad_one(&f, &d);
    float *gd = grads(&f);
    double lw = grad_one(&f, &w);
    assert_true(ld == lw);
    for (size_t i = 0; i < f.g.n; i++)
        assert_true(gd[i] == f.g.base[i]);
    free(gd);
    teardown(&f);
}

/* Gradient equilibrium, docs/model.md section 6: with G_k the gradient of exit k's CE alone
 * (k = 1..N), a parameter of block b's trunk gets (1/N) (1/(N - b + 1)) sum_{k >= b} G_k, exit
 * b's head (1/N) G_b, the embeddings (1/N)(1/N) sum_k G_k; the loss is equal's. */
static void check_ge(beex_precision prec, float dropout)
{
    fixture f;
    setup(&f, prec, dropout, 1);
    float *G[N];
    for (int k = 0; k < N; k++)
        G[k] = exit_grad(&f, k);
    beex_tobjective ge = {BEEX_REGIME_GE, f.lw, 0.0f, 1.0f}, eq = {BEEX_REGIME_EQUAL, f.lw, 0, 1};
    double leq = grad_one(&f, &eq);
    float *geq = grads(&f);
    assert_true(grad_one(&f, &ge) == leq);
    int *own = param_owner(&f);
    int bad = 0, differ = 0;
    for (size_t i = 0; i < f.g.n; i++) {
        double want = 0.0;
        if (own[i] < 0) {
            for (int k = 0; k < N; k++)
                want += G[k][i];
            want /= (double)N * N;
        } else if (own[i] % 2 == 1) {
            want = G[own[i] / 2][i] / (double)N;
        } else {
            int b = own[i] / 2; /* 0-based: N - b is the paper's N - k + 1 */
            for (int k = b; k < N; k++)
                want += G[k][i];
            want /= (double)N * (N - b);
        }
        double got = f.g.base[i];
        if (fabs(got - want) > 1e-6 + 1e-4 * fabs(want)) {
            if (bad < 5)
                fprintf(stderr, "ge: param %zu (owner %d) got %.8g, formula %.8g\n", i, own[i], got,
                        want);
            bad++;
        }
        differ += fabs(got - geq[i]) > 1e-6 + 1e-3 * fabs(geq[i]);
    }
    assert_int_equal(bad, 0);
    assert_true(differ > 0); /* the rescaling changed something against equal */
    for (int k = 0; k < N; k++)
        free(G[k]);
    free(geq);
    free(own);
    teardown(&f);
}

static void test_ge_rescaled_gradient(void **state)
{
    (void)state;
    check_ge(BEEX_PREC_FP32, 0.0f);
    check_ge(BEEX_PREC_FP32, 0.3f);
    check_ge(BEEX_PREC_W1A32, 0.0f);
}

/* equal is weighted with w_i = 1, bit for bit; last is CE_N alone and leaves the earlier heads
 * with an exact zero gradient; last+heads gives the blocks and the last head last's gradient
 * and each earlier head its own CE's. */
static void test_equal_last_heads(void **state)
{
    (void)state;
    fixture f;
    setup(&f, BEEX_PREC_FP32, 0.2f, 1);
    float ones[N] = {1.0f, 1.0f, 1.0f};
    beex_tobjective eq = {BEEX_REGIME_EQUAL, f.lw, 0, 1}, w1 = beex_tobjective_weighted(ones);
    double le = grad_one(&f, &eq);
    float *ge = grads(&f);
    assert_true(grad_one(&f, &w1) == le);
    assert_memory_equal(ge, f.g.base, f.g.n * sizeof(float));

    float *G[N];
    for (int k = 0; k < N; k++)
        G[k] = exit_grad(&f, k);
    int *own = param_owner(&f);
    beex_tobjective last = {BEEX_REGIME_LAST, f.lw, 0, 1},
                    lh = {BEEX_REGIME_LAST_HEADS, f.lw, 0, 1};
    double ll = grad_one(&f, &last);
    float *gl = grads(&f);
    double llh = grad_one(&f, &lh);
    float logits[N * C];
    beex_tnet_forward(f.w, &f.p, &f.e, f.prec, f.ids[0], f.len[0], f.dropout, 99, 0, logits);
    double ce[N], sum = 0.0;
    for (int k = 0; k < N; k++) {
        float one[N] = {0};
        one[k] = 1.0f;
        ce[k] = beex_tnet_loss(f.w, f.y[0], one);
        sum += ce[k];
    }
    assert_true(fabs(ll - ce[N - 1]) < 1e-12);
    assert_true(fabs(llh - sum) < 1e-12);
    int nonzero_heads = 0;
    for (size_t i = 0; i < f.g.n; i++) {
        int early_head = own[i] >= 0 && own[i] % 2 == 1 && own[i] / 2 < N - 1;
        if (early_head) {
            assert_true(gl[i] == 0.0f);
            assert_true(f.g.base[i] == G[own[i] / 2][i]);
            nonzero_heads += f.g.base[i] != 0.0f;
        } else {
            assert_true(gl[i] == G[N - 1][i]);
            assert_true(f.g.base[i] == gl[i]);
        }
    }
    assert_true(nonzero_heads > 0);
    for (int k = 0; k < N; k++)
        free(G[k]);
    free(ge);
    free(gl);
    free(own);
    teardown(&f);
}

/* Batch gradient (scale 1 / n) of every regime against the mean of its examples' gradients,
 * and the same bits on 1 and 3 threads (w1a1, dropout on). */
static void batch_grad(fixture *f, const beex_tobjective *o, double *loss)
{
    const int32_t *rows[NEX] = {f->ids[0], f->ids[1], f->ids[2]};
    uint64_t seeds[NEX] = {11, 12, 13};
    memset(f->g.base, 0, f->g.n * sizeof(float));
    assert_int_equal(beex_tnet_forward_batch(f->w, &f->p, &f->e, f->prec, NEX, rows, f->len,
                                             f->dropout, seeds, 0, NULL),
                     0);
    beex_tnet_backward_batch_obj(f->w, &f->p, &f->e, f->y, o, 1.0f / NEX, &f->g, loss);
}

static void test_batch_and_threads(void **state)
{
    (void)state;
    for (int r = 0; r < BEEX_REGIME_COUNT; r++) {
        fixture a, b;
        setup(&a, BEEX_PREC_FP32, 0.0f, 1);
        beex_tobjective o = {(beex_exit_regime)r, a.lw, 0.6f, 2.5f};
        double loss[NEX];
        batch_grad(&a, &o, loss);
        float *gb = grads(&a);
        float *sum = calloc(a.g.n, sizeof *sum);
        assert_non_null(sum);
        for (int ex = 0; ex < NEX; ex++) {
            memset(a.g.base, 0, a.g.n * sizeof(float));
            beex_tnet_forward(a.w, &a.p, &a.e, a.prec, a.ids[ex], a.len[ex], 0.0f, 1, 0, NULL);
            double L = beex_tnet_backward_obj(a.w, &a.p, &a.e, a.y[ex], &o, &a.g);
            assert_true(fabs(L - loss[ex]) < 1e-9);
            for (size_t i = 0; i < a.g.n; i++)
                sum[i] += a.g.base[i] / NEX;
        }
        for (size_t i = 0; i < a.g.n; i++)
            assert_true(fabs(gb[i] - sum[i]) <= 1e-6 + 1e-4 * fabs(sum[i]));
        teardown(&a);
        free(sum);
        free(gb);

        setup(&a, BEEX_PREC_W1A1, 0.3f, 1);
        setup(&b, BEEX_PREC_W1A1, 0.3f, 3);
        o.lw = a.lw;
        batch_grad(&a, &o, loss);
        batch_grad(&b, &o, loss);
        assert_memory_equal(a.g.base, b.g.base, a.g.n * sizeof(float));
        teardown(&a);
        teardown(&b);
    }
}

static void test_regime_names(void **state)
{
    (void)state;
    for (int r = 0; r < BEEX_REGIME_COUNT; r++)
        assert_int_equal(beex_exit_regime_parse(beex_exit_regime_name((beex_exit_regime)r)), r);
    assert_int_equal(beex_exit_regime_parse("last"), BEEX_REGIME_LAST);
    assert_int_equal(beex_exit_regime_parse("last+heads"), BEEX_REGIME_LAST_HEADS);
    assert_int_equal(beex_exit_regime_parse("Weighted"), -1);
    assert_int_equal(beex_exit_regime_parse(""), -1);
    assert_int_equal(beex_exit_regime_parse(NULL), -1);
    /* the documented factors: ge's 1/(N-k+1) and (N-k)/(N-k+1), 1 elsewhere */
    beex_tobjective ge = {BEEX_REGIME_GE, NULL, 0, 1}, eq = {BEEX_REGIME_EQUAL, NULL, 0, 1};
    assert_float_equal(beex_tobj_branch(&ge, 4, 0), 0.25f, 0);
    assert_float_equal(beex_tobj_deep(&ge, 4, 0), 0.75f, 0);
    assert_float_equal(beex_tobj_branch(&ge, 4, 3), 1.0f, 0);
    assert_float_equal(beex_tobj_deep(&ge, 4, 3), 0.0f, 0);
    assert_float_equal(beex_tobj_branch(&eq, 4, 1), 1.0f, 0);
    assert_float_equal(beex_tobj_deep(&eq, 4, 1), 1.0f, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regime_names),
        cmocka_unit_test(test_distill_gradient),
        cmocka_unit_test(test_distill_alpha0_is_weighted),
        cmocka_unit_test(test_ge_rescaled_gradient),
        cmocka_unit_test(test_equal_last_heads),
        cmocka_unit_test(test_batch_and_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
