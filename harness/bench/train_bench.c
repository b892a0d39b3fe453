/* Timing of the training step (see train_bench.h). */
#include "harness/bench/train_bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/prng.h"
#include "harness/base/threads.h"
#include "harness/base/timing.h"
#include "harness/model/forward_fp32.h"
#include "harness/train/tstep.h"

int beex_train_shape_get(const char *name, beex_train_shape *out)
{
    memset(out, 0, sizeof *out);
    out->cfg = beex_config_default();
    /* mr's recipe (results/training.md): GloVe's 100-d, vocabulary of 23,200 rows with the
     * added GloVe words, 2 classes. */
    out->cfg.d = 100;
    out->cfg.heads = 4;
    out->cfg.dff = 256;
    out->cfg.blocks = 6;
    out->cfg.vocab = 23200;
    out->cfg.classes = 2;
    if (strcmp(name, "mr") == 0) {
        out->name = "mr";
        out->cfg.max_len = 64;
        out->tokens = 21;
    } else if (strcmp(name, "long") == 0) {
        out->name = "long";
        out->cfg.max_len = 512;
        out->tokens = 512;
    } else {
        return -1;
    }
    return 0;
}

/* Random batch: ids uniform over the non-special rows, labels alternate, seeds per example. */
typedef struct {
    int32_t *ids;
    const int32_t **rows;
    int *len, *label;
    uint64_t *seeds;
} synth_batch;

static void synth_free(synth_batch *b)
{
    free(b->ids);
    free(b->rows);
    free(b->len);
    free(b->label);
    free(b->seeds);
}

static int synth_make(synth_batch *b, const beex_train_shape *s, int batch)
{
    memset(b, 0, sizeof *b);
    size_t T = (size_t)s->tokens;
    b->ids = malloc((size_t)batch * T * sizeof *b->ids);
    b->rows = malloc((size_t)batch * sizeof *b->rows);
    b->len = malloc((size_t)batch * sizeof *b->len);
    b->label = malloc((size_t)batch * sizeof *b->label);
    b->seeds = malloc((size_t)batch * sizeof *b->seeds);
    if (!b->ids || !b->rows || !b->len || !b->label || !b->seeds) {
        synth_free(b);
        return -1;
    }
    uint64_t r = 12345;
    for (int i = 0; i < batch; i++) {
        for (size_t t = 0; t < T; t++)
            b->ids[(size_t)i * T + t] =
                2 + (int32_t)beex_prng_below(&r, (uint32_t)s->cfg.vocab - 2);
        b->rows[i] = b->ids + (size_t)i * T;
        b->len[i] = s->tokens;
        b->label[i] = i % s->cfg.classes;
        b->seeds[i] = beex_mix64((uint64_t)i + 1);
    }
    return 0;
}

int beex_bench_train(const beex_train_shape *s, beex_precision prec, int batch, int steps,
                     double min_time, int reps, double *seconds, int *steps_out,
                     beex_tprofile *prof, int prof_steps, char *err, size_t errlen)
{
    beex_model *m = NULL;
    beex_config cfg = s->cfg;
    cfg.precision = prec;
    if (beex_model_alloc(&cfg, &m, err, errlen) != 0)
        return -1;
    beex_model_init_random(m, 7);
    beex_tstep st;
    memset(&st, 0, sizeof st);
    synth_batch b;
    int rc = -1;
    int have_batch = synth_make(&b, s, batch) == 0;
    if (!have_batch || beex_tstep_init(&st, &cfg, 1e-3, beex_threads_count()) != 0 ||
        beex_tparams_from_model(&st.p, m) != 0) {
        snprintf(err, errlen, "out of memory for the %s shape", s->name);
        goto out;
    }
    float lw[64];
    for (int i = 0; i < cfg.blocks; i++)
        lw[i] = (float)(i + 1);
    double *loss = malloc((size_t)batch * sizeof *loss);
    int *right = malloc((size_t)batch * sizeof *right);
    if (loss == NULL || right == NULL) {
        free(loss);
        free(right);
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    beex_tbatch tb = {batch, b.rows, b.len, b.label, b.seeds};
    double t0 = beex_now_seconds();
    int bad = beex_tstep_run(&st, &tb, prec, 0.1f, lw, 1e-4, 0, loss, right); /* warm-up */
    double one = beex_now_seconds() - t0;
    if (steps <= 0) {
        steps = one > 0 ? (int)(min_time / one + 0.999) : 1;
        steps = steps < 1 ? 1 : steps > 10000 ? 10000 : steps;
    }
    for (int r = 0; r < reps && bad == 0; r++) {
        double a = beex_now_seconds();
        for (int k = 0; k < steps; k++)
            bad |= beex_tstep_run(&st, &tb, prec, 0.1f, lw, 1e-4, 0, loss, right);
        seconds[r] = beex_now_seconds() - a;
    }
    *steps_out = steps;
    if (prof != NULL && bad == 0) {
        beex_tstep_set_profile(&st, prof);
        for (int k = 0; k < prof_steps; k++)
            bad |= beex_tstep_run(&st, &tb, prec, 0.1f, lw, 1e-4, 0, loss, right);
        beex_tstep_set_profile(&st, NULL);
    }
    free(loss);
    free(right);
    if (bad != 0) {
        snprintf(err, errlen, "out of memory for a step of the %s shape", s->name);
        goto out;
    }
    rc = 0;
out:
    if (have_batch)
        synth_free(&b);
    beex_tstep_free(&st);
    beex_model_free(m);
    return rc;
}

double beex_bench_fp32_gemm_gflops(int m, int n, int k, int reps)
{
    float *x = calloc((size_t)m * k, sizeof *x), *wt = calloc((size_t)k * n, sizeof *wt);
    float *y = calloc((size_t)m * n, sizeof *y);
    double *rate = malloc((size_t)reps * sizeof *rate);
    double result = 0.0;
    if (x != NULL && wt != NULL && y != NULL && rate != NULL) {
        for (size_t i = 0; i < (size_t)m * k; i++)
            x[i] = (float)((i * 7) % 13) - 6.0f;
        for (size_t i = 0; i < (size_t)k * n; i++)
            wt[i] = (float)((i * 5) % 11) - 5.0f;
        int th = beex_threads_count();
        double flop = 2.0 * m * n * k;
        beex_fp32_gemm_xwt((size_t)m, (size_t)n, (size_t)k, x, (size_t)k, wt, (size_t)n, NULL, y,
                           (size_t)n, th); /* warm-up and JIT */
        for (int r = 0; r < reps; r++) {
            int calls = 0;
            double a = beex_now_seconds(), e;
            do {
                beex_fp32_gemm_xwt((size_t)m, (size_t)n, (size_t)k, x, (size_t)k, wt, (size_t)n,
                                   NULL, y, (size_t)n, th);
                calls++;
            } while ((e = beex_now_seconds() - a) < 0.05);
            rate[r] = flop * calls / e / 1e9;
        }
        result = beex_stats_of(rate, (size_t)reps).median;
    }
    free(x);
    free(wt);
    free(y);
    free(rate);
    return result;
}
