/* Timing loops of `beex bench model`: engines are created (weights repacked) outside every
 * timed region and kept in a pool; each case gets one untimed warm-up batch; then rounds of
 * the cases' slots (interleave.h) until the group's plan is met. A single case is a group of
 * one. */
#include "harness/bench/model_bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/bench/interleave.h"

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- The engine pool ---- */

enum { POOL_MAX = 512 };
struct beex_mb_pool {
    const beex_model *m;
    int n;
    beex_precision prec[POOL_MAX];
    int isa[POOL_MAX], threads[POOL_MAX];
    beex_engine *e[POOL_MAX];
};

beex_mb_pool *beex_mb_pool_new(const beex_model *m)
{
    beex_mb_pool *p = calloc(1, sizeof *p);
    if (p != NULL)
        p->m = m;
    return p;
}

void beex_mb_pool_free(beex_mb_pool *p)
{
    if (p == NULL)
        return;
    for (int i = 0; i < p->n; i++)
        beex_engine_free(p->e[i]);
    free(p);
}

/* The engine for c (made on first use), with c's parallel mode set and no profile. */
static beex_engine *pool_engine(beex_mb_pool *p, const beex_mb_case *c, char *err, size_t errlen)
{
    int i = 0;
    while (i < p->n &&
           !(p->prec[i] == c->precision && p->isa[i] == c->isa && p->threads[i] == c->threads))
        i++;
    if (i == p->n) {
        if (p->n == POOL_MAX) {
            snprintf(err, errlen, "more than %d engines in one pool", POOL_MAX);
            return NULL;
        }
        beex_engine_options o = {c->precision, c->isa, c->threads};
        if (beex_engine_create(p->m, &o, &p->e[i], err, errlen) != 0)
            return NULL;
        p->prec[i] = c->precision, p->isa[i] = c->isa, p->threads[i] = c->threads;
        p->n++;
    }
    beex_engine *e = p->e[i];
    if (beex_engine_set_split(e, c->parallel == BEEX_MB_ACROSS_EXAMPLES ? BEEX_SPLIT_EXAMPLES
                                                                        : BEEX_SPLIT_OPS) != 0 ||
        beex_engine_set_profile(e, NULL) != 0) {
        snprintf(err, errlen, "cannot set the engine's parallel mode");
        return NULL;
    }
    return e;
}

/* ---- One batch ---- */

/* Buffers of one batch, sized for the largest batch of a group. */
typedef struct {
    const int32_t **ids;
    int *lens, *cap;
    beex_exit_result *res;
} batch_buf;

static void batch_buf_free(batch_buf *b)
{
    free(b->ids), free(b->lens), free(b->cap), free(b->res);
}

static int batch_buf_alloc(batch_buf *b, int batch)
{
    b->ids = malloc((size_t)batch * sizeof *b->ids);
    b->lens = malloc((size_t)batch * sizeof *b->lens);
    b->cap = malloc((size_t)batch * sizeof *b->cap);
    b->res = malloc((size_t)batch * sizeof *b->res);
    return b->ids && b->lens && b->cap && b->res ? 0 : -1;
}

/* One batch of c->batch examples from example *first on (cycling through the inputs), which
 * moves on by the batch; *ops gets the batch's OPs (NULL: not wanted). */
static int run_once(beex_engine *e, const beex_mb_case *c, const beex_mb_inputs *in, int *first,
                    double delta, const int *max_exit, batch_buf *b, double *ops)
{
    for (int i = 0; i < c->batch; i++) {
        int k = (*first + i) % in->n;
        b->ids[i] = in->ids[k];
        b->lens[i] = in->lens[k];
        b->cap[i] = max_exit ? max_exit[k] : 1 << 30;
    }
    *first = (*first + c->batch) % in->n;
    int rc = beex_engine_run_batch_capped(e, b->ids, b->lens, c->batch, delta, b->cap, b->res, NULL,
                                          NULL);
    if (ops != NULL) {
        *ops = 0.0;
        for (int i = 0; i < c->batch; i++)
            *ops += b->res[i].ops;
    }
    return rc;
}

/* ---- Interleaved groups ---- */

typedef struct {
    beex_engine *e;
    int first, warm, reps, cap;
    double *wall, *cpu, *ops;
} case_state;

typedef struct {
    const beex_mb_group *g;
    const beex_mb_inputs *in;
    beex_mb_pool *pool;
    case_state *cs;
    batch_buf buf;
    char *err;
    size_t errlen;
} group_run;

static int grow(case_state *s)
{
    if (s->reps < s->cap)
        return 0;
    int cap = s->cap ? 2 * s->cap : 64;
    double *w = realloc(s->wall, (size_t)cap * sizeof *w);
    if (w != NULL)
        s->wall = w;
    double *c = realloc(s->cpu, (size_t)cap * sizeof *c);
    if (c != NULL)
        s->cpu = c;
    double *o = realloc(s->ops, (size_t)cap * sizeof *o);
    if (o != NULL)
        s->ops = o;
    if (w == NULL || c == NULL || o == NULL)
        return -1;
    s->cap = cap;
    return 0;
}

static double group_slot(void *ctx, int i, int round)
{
    group_run *gr = ctx;
    const beex_mb_group *g = gr->g;
    case_state *s = &gr->cs[i];
    const beex_mb_case *c = &g->cases[i];
    const int *caps = g->max_exit ? g->max_exit[i] : NULL;
    (void)round;
    /* Another case may have moved the engine's mode: set it again (no timer runs yet). */
    if (pool_engine(gr->pool, c, gr->err, gr->errlen) == NULL || grow(s) != 0)
        return -1.0;
    if (s->warm && run_once(s->e, c, gr->in, &s->first, g->delta, caps, &gr->buf, NULL) != 0)
        goto failed;
    double t0 = beex_now_seconds(), c0 = cpu_now();
    if (run_once(s->e, c, gr->in, &s->first, g->delta, caps, &gr->buf, &s->ops[s->reps]) != 0)
        goto failed;
    double t = beex_now_seconds() - t0;
    s->cpu[s->reps] = cpu_now() - c0;
    s->wall[s->reps++] = t;
    return t;
failed:
    snprintf(gr->err, gr->errlen, "the forward pass failed");
    return -1.0;
}

/* Case i's figures from its samples, into out (which takes the arrays). */
static void finish_case(const beex_mb_case *c, case_state *s, beex_mb_result *out)
{
    memset(out, 0, sizeof *out);
    out->reps = s->reps;
    out->samples = s->wall, out->cpu = s->cpu, out->ops = s->ops;
    s->wall = s->cpu = s->ops = NULL;
    out->slot_warmup = s->warm;
    /* beex_stats_of sorts: on copies, so the samples stay in round order */
    double *tmp = malloc((size_t)(out->reps > 0 ? out->reps : 1) * sizeof *tmp);
    if (tmp != NULL) {
        memcpy(tmp, out->samples, (size_t)out->reps * sizeof *tmp);
        out->batch_seconds = beex_stats_of(tmp, (size_t)out->reps);
        memcpy(tmp, out->cpu, (size_t)out->reps * sizeof *tmp);
        out->cpu_seconds = beex_stats_of(tmp, (size_t)out->reps);
        free(tmp);
    }
    out->examples_per_s = c->batch / out->batch_seconds.median;
}

int beex_mb_measure_group(beex_mb_pool *pool, const beex_mb_inputs *in, const beex_mb_group *g,
                          beex_mb_result *out, char *err, size_t errlen)
{
    group_run gr = {g,   in,  pool,  calloc((size_t)(g->n > 0 ? g->n : 1), sizeof *gr.cs),
                    {0}, err, errlen};
    int maxb = 0, rc = -1;
    for (int i = 0; i < g->n; i++)
        maxb = g->cases[i].batch > maxb ? g->cases[i].batch : maxb;
    if (gr.cs == NULL || batch_buf_alloc(&gr.buf, maxb) != 0 || in->n < 1 || g->n < 1) {
        snprintf(err, errlen, "out of memory (or no examples, or no cases)");
        goto out;
    }
    /* Engines first, then one warm-up batch per case (which also sizes its slots). */
    for (int i = 0; i < g->n; i++) {
        const beex_mb_case *c = &g->cases[i];
        if ((gr.cs[i].e = pool_engine(pool, c, err, errlen)) == NULL)
            goto out;
        double t0 = beex_now_seconds();
        if (run_once(gr.cs[i].e, c, in, &gr.cs[i].first, g->delta,
                     g->max_exit ? g->max_exit[i] : NULL, &gr.buf, NULL) != 0) {
            snprintf(err, errlen, "the forward pass failed");
            goto out;
        }
        double t = beex_now_seconds() - t0;
        gr.cs[i].warm = g->slot_warmup < 0 ? t < BEEX_MB_SLOT_WARMUP_BELOW : g->slot_warmup > 0;
    }
    beex_rr_plan plan = {g->n, g->seed, g->min_rounds, g->max_rounds, g->min_time};
    if (beex_rr_run(&plan, group_slot, &gr) < 0)
        goto out;
    for (int i = 0; i < g->n; i++)
        finish_case(&g->cases[i], &gr.cs[i], &out[i]);
    rc = 0;
out:
    for (int i = 0; gr.cs != NULL && i < g->n; i++)
        free(gr.cs[i].wall), free(gr.cs[i].cpu), free(gr.cs[i].ops);
    free(gr.cs);
    batch_buf_free(&gr.buf);
    return rc;
}

int beex_mb_measure(const beex_model *m, const beex_mb_case *c, const int32_t *const *ids,
                    const int *lens, int n, double delta, const int *max_exit, beex_mb_result *out,
                    char *err, size_t errlen)
{
    beex_mb_pool *pool = beex_mb_pool_new(m);
    if (pool == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* A group of one: the same plan as a case timed alone always had (min_reps batches and
     * min_time seconds, at most max_reps), and no warm-up inside its slots. */
    const int *const caps[1] = {max_exit};
    beex_mb_group g = {c, caps, 1, delta, c->min_time, c->min_reps, c->max_reps, 1, 0};
    beex_mb_inputs in = {ids, lens, n};
    int rc = beex_mb_measure_group(pool, &in, &g, out, err, errlen);
    if (rc == 0) {
        free(out->ops); /* this entry point never reported them */
        out->ops = NULL;
    }
    beex_mb_pool_free(pool);
    return rc;
}

int beex_mb_profile(beex_mb_pool *pool, const beex_mb_inputs *in, const beex_mb_case *c,
                    double delta, int passes, beex_op_profile *prof, char *err, size_t errlen)
{
    memset(prof, 0, sizeof *prof);
    batch_buf b = {0};
    int first = 0, rc = -1;
    beex_engine *e = pool_engine(pool, c, err, errlen);
    if (e == NULL)
        return -1;
    if (batch_buf_alloc(&b, c->batch) != 0 || in->n < 1) {
        snprintf(err, errlen, "out of memory (or no examples)");
        goto out;
    }
    if (run_once(e, c, in, &first, delta, NULL, &b, NULL) != 0)
        goto failed;
    if (beex_engine_set_profile(e, prof) != 0) {
        snprintf(err, errlen, "out of memory for the profile");
        goto out;
    }
    for (int p = 0; p < passes; p++)
        if (run_once(e, c, in, &first, delta, NULL, &b, NULL) != 0)
            goto failed;
    rc = 0;
    goto out;
failed:
    snprintf(err, errlen, "the forward pass failed");
out:
    if (beex_engine_set_profile(e, NULL) != 0 && rc == 0) {
        snprintf(err, errlen, "cannot switch profiling off");
        rc = -1;
    }
    batch_buf_free(&b);
    return rc;
}

void beex_mb_result_free(beex_mb_result *r)
{
    free(r->samples);
    free(r->cpu);
    free(r->ops);
    r->samples = r->cpu = r->ops = NULL;
}
