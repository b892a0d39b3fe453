/* One shape of the int8 benchmark (igemm_bench.h): every case built and checked, then timed
 * in interleaved rounds (interleave.h), then the bound loops. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/bench/ibound.h"
#include "harness/bench/igemm_bench.h"
#include "harness/bench/interleave.h"

typedef struct {
    beex_icase *cs[BEEX_IBENCH_MAX_CASES];
    beex_irow *row[BEEX_IBENCH_MAX_CASES];
    int failed[BEEX_IBENCH_MAX_CASES]; /* a peer's call failed in this round: absent */
    int n, threads;
} rounds_ctx;

/* One warm-up call and one timed call of case c: each slot is a warm figure, as the binary
 * rows (timed back to back) are, though the cases before it evicted its operands. */
static double slot(void *ctx, int c, int round)
{
    rounds_ctx *r = ctx;
    if (r->failed[c])
        return 0.0;
    int st = beex_icase_run(r->cs[c], r->threads);
    double t0 = beex_now_seconds();
    if (st == 0)
        st = beex_icase_run(r->cs[c], r->threads);
    double t = beex_now_seconds() - t0;
    if (st != 0) {
        if (!r->row[c]->peer)
            return -1.0; /* beex's own kernel failing stops the run */
        r->failed[c] = 1;
        snprintf(r->row[c]->why, sizeof r->row[c]->why, "its call failed in round %d", round);
        return 0.0;
    }
    r->row[c]->rep_seconds[round] = t;
    return t;
}

void beex_irows_free(beex_irow *rows, int nrows)
{
    for (int i = 0; i < nrows; i++) {
        free(rows[i].rep_seconds);
        rows[i].rep_seconds = NULL;
    }
}

static void row_init(beex_irow *r, const char *name, int peer, beex_isa isa)
{
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->peer = peer, r->isa = isa;
    r->bound = r->bound_ratio = r->bound_ratio_best = r->macs_per_s = NAN;
}

/* The rows of the plan, with a case for each that runs here. Returns 0, or -1 with err set. */
static int build_cases(const beex_ibench_plan *p, const beex_idata *d, beex_irow *rows, int *nrows,
                       rounds_ctx *rc, char *err, size_t errlen)
{
    beex_icase *c;
    int n = 0;
    for (int v = 0; v < BEEX_ISA_COUNT; v++) {
        beex_isa isa = (beex_isa)v;
        if (isa != BEEX_ISA_SCALAR && !p->use[v])
            continue;
        beex_irow *r = &rows[n++];
        row_init(r, beex_isa_name(isa), 0, isa);
        int st = beex_icase_variant(d, isa, p->threads, &c, r->why, sizeof r->why);
        if (st < 0 || st == BEEX_ICASE_MISMATCH) {
            snprintf(err, errlen, "%s", r->why);
            *nrows = n;
            return -1;
        }
        r->status = st;
        if (st == BEEX_ICASE_OK)
            rc->cs[rc->n] = c, rc->row[rc->n++] = r;
    }
    const struct {
        const char *name;
        int asked;
        int (*make)(const beex_idata *, int, beex_icase **, char *, size_t);
    } peers[] = {{"onednn", p->dnnl, beex_icase_dnnl}, {"libxsmm", p->libxsmm, beex_icase_libxsmm}};
    for (size_t i = 0; i < sizeof peers / sizeof peers[0]; i++) {
        if (!peers[i].asked)
            continue;
        beex_irow *r = &rows[n++];
        row_init(r, peers[i].name, 1, BEEX_ISA_SCALAR);
        r->status = peers[i].make(d, p->threads, &c, r->why, sizeof r->why);
        if (r->status == BEEX_ICASE_OK)
            rc->cs[rc->n] = c, rc->row[rc->n++] = r;
    }
    for (int i = 0; i < rc->n; i++)
        snprintf(rc->row[i]->impl, sizeof rc->row[i]->impl, "%s", beex_icase_impl(rc->cs[i]));
    *nrows = n;
    return 0;
}

/* Medians, rates and the bound of every timed row. */
static void summarise(const beex_ibench_plan *p, rounds_ctx *rc)
{
    const double macs = (double)p->s.m * (double)p->s.n * (double)p->s.k;
    double *tmp = malloc((size_t)p->reps * sizeof *tmp);
    for (int i = 0; i < rc->n; i++) {
        beex_irow *r = rc->row[i];
        if (rc->failed[i]) {
            r->status = BEEX_ICASE_ABSENT;
            continue;
        }
        if (tmp != NULL) { /* beex_stats_of sorts: the rows keep their round order */
            memcpy(tmp, r->rep_seconds, (size_t)p->reps * sizeof *tmp);
            r->seconds = beex_stats_of(tmp, (size_t)p->reps);
        }
        r->macs_per_s = macs / r->seconds.median;
        double best = NAN;
        /* The bound is a peak: the best of 15 short runs (preemption only lowers a run). */
        if (!r->peer &&
            beex_ibound_measure(r->isa, p->threads, 15, p->bound_seconds, NULL, &best) == 0 &&
            best > 0.0) {
            r->bound = best;
            r->bound_ratio = r->macs_per_s / best;
            r->bound_ratio_best = macs / r->seconds.min / best;
        }
    }
    free(tmp);
}

int beex_ibench_shape(const beex_ibench_plan *p, beex_irow *rows, int *nrows, char *err,
                      size_t errlen)
{
    *nrows = 0;
    beex_idata *d = beex_idata_new(p->s, p->threads, err, errlen);
    if (d == NULL)
        return -1;
    rounds_ctx rc;
    memset(&rc, 0, sizeof rc);
    rc.threads = p->threads;
    int status = build_cases(p, d, rows, nrows, &rc, err, errlen);
    for (int i = 0; status == 0 && i < rc.n; i++)
        if ((rc.row[i]->rep_seconds = calloc((size_t)p->reps, sizeof(double))) == NULL) {
            snprintf(err, errlen, "out of memory");
            status = -1;
        }
    if (status == 0 && rc.n > 0) {
        beex_rr_plan plan = {rc.n, p->seed, p->reps, p->reps, 0.0};
        if (beex_rr_run(&plan, slot, &rc) < 0) {
            snprintf(err, errlen, "w8a8 %zux%zux%zu: a beex kernel call failed while timed", p->s.m,
                     p->s.n, p->s.k);
            status = -1;
        }
    }
    for (int i = 0; i < rc.n; i++)
        beex_icase_free(rc.cs[i]);
    if (status == 0)
        summarise(p, &rc);
    beex_idata_free(d);
    if (status != 0) {
        beex_irows_free(rows, *nrows);
        *nrows = 0;
    }
    return status;
}

void beex_irow_ratios(const beex_irow *rows, int nrows, int i, int reps, uint64_t seed,
                      beex_ratio_ci vs[BEEX_IVS_COUNT])
{
    static const char *const other[BEEX_IVS_COUNT] = {"scalar", "onednn", "libxsmm"};
    for (int k = 0; k < BEEX_IVS_COUNT; k++) {
        vs[k] = (beex_ratio_ci){0, NAN, NAN, NAN, NAN, 1};
        if (rows[i].status != BEEX_ICASE_OK)
            continue;
        for (int j = 0; j < nrows; j++)
            if (strcmp(rows[j].name, other[k]) == 0 && rows[j].peer == (k != BEEX_IVS_SCALAR) &&
                rows[j].status == BEEX_ICASE_OK &&
                beex_ratio_interval(rows[j].rep_seconds, rows[i].rep_seconds, reps, seed, &vs[k]) !=
                    0)
                vs[k].n = 0;
    }
}
