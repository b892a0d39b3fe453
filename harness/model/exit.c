/* Exit rules (docs/exit-rules.md): the engine decides online with beex_exit_online, the
 * replay offline with beex_exit_offline, a loop over it, so both read the same code; each
 * rule's own decision lives in harness/model/exit_rules/. */
#include "harness/model/exit.h"

#include "harness/base/canon_math.h"

#include <math.h>
#include <stddef.h>

int beex_exit_entropy_ratio_step(float h_prev, float h_cur, double delta)
{
    double denom = fmax((double)h_prev, 1e-12);
    double r = ((double)h_prev - (double)h_cur) / denom;
    /* A NaN ratio compares false: a broken trace never triggers an early exit. */
    return r < delta;
}

int beex_exit_online(const beex_exit_rule *r, beex_exit_state *s, int block,
                     const beex_exit_row *row)
{
    const beex_exit_rule_info *ri = beex_exit_rule_info_of((int)r->kind);
    int ex = ri != NULL && ri->decide(r->param, s, block, row);
    s->prev = *row;
    return ex;
}

int beex_exit_offline(const beex_exit_rule *r, const beex_exit_row *rows, int nblocks)
{
    beex_exit_state s = {0};
    for (int i = 1; i < nblocks; i++)
        if (beex_exit_online(r, &s, i, &rows[i - 1]))
            return i;
    return nblocks < 1 ? 1 : nblocks;
}

void beex_exit_rows_of(const float *logits, const float *entropy, int nblocks, int classes,
                       unsigned uses, beex_exit_row *rows)
{
    for (int b = 0; b < nblocks; b++) {
        const float *z = logits + (size_t)b * classes;
        beex_exit_row *w = &rows[b];
        w->entropy = uses & BEEX_EXIT_USES_ENTROPY ? entropy[b] : NAN;
        w->argmax = uses & BEEX_EXIT_USES_ARGMAX ? beex_argmax(z, classes) : -1;
        w->maxprob = NAN;
        if (uses & BEEX_EXIT_USES_MAXPROB)
            (void)beex_softmax_summary(z, classes, &w->maxprob);
    }
}

/* The older offline forms: rows holding what their rule reads, one block at a time. */
static int offline(beex_exit_kind kind, double param, const float *entropy, const int *argmax,
                   int nblocks)
{
    beex_exit_rule r = {kind, param};
    beex_exit_state s = {0};
    for (int i = 1; i < nblocks; i++) {
        beex_exit_row row = {entropy ? entropy[i - 1] : NAN, argmax ? argmax[i - 1] : -1, NAN};
        if (beex_exit_online(&r, &s, i, &row))
            return i;
    }
    return nblocks < 1 ? 1 : nblocks;
}

int beex_exit_entropy_ratio(const float *entropy, int nblocks, double delta)
{
    return offline(BEEX_EXIT_DELTA, delta, entropy, NULL, nblocks);
}

int beex_exit_entropy_abs(const float *entropy, int nblocks, double tau)
{
    return offline(BEEX_EXIT_ENTROPY, tau, entropy, NULL, nblocks);
}

int beex_exit_patience(const int *argmax, int nblocks, int patience)
{
    return offline(BEEX_EXIT_PATIENCE, patience, NULL, argmax, nblocks);
}

int beex_exit_static(int nblocks, int k)
{
    return offline(BEEX_EXIT_STATIC, k, NULL, NULL, nblocks);
}

float beex_softmax_summary(const float *z, int c, double *maxprob)
{
    if (c <= 1) {
        if (maxprob != NULL)
            *maxprob = 1.0;
        return 0.0f;
    }
    double m = -INFINITY;
    for (int i = 0; i < c; i++)
        if ((double)z[i] > m)
            m = z[i];
    if (!isfinite(m)) {
        if (maxprob != NULL)
            *maxprob = NAN;
        return NAN;
    }
    /* H = log S - sum_c p_c (z_c - m), with S = sum exp(z - m) >= 1: no log of 0; the largest
     * probability is exp(0) / S = 1 / S, in (0, 1] with no overflow. */
    double s = 0.0, w = 0.0;
    for (int i = 0; i < c; i++) {
        double e = beex_canon_exp((double)z[i] - m);
        s += e;
        w += e * ((double)z[i] - m);
    }
    if (maxprob != NULL)
        *maxprob = 1.0 / s;
    double h = beex_canon_log(s) - w / s;
    return (float)(h < 0.0 ? 0.0 : h);
}

float beex_entropy_of_logits(const float *z, int c)
{
    return beex_softmax_summary(z, c, NULL);
}

int beex_argmax(const float *z, int c)
{
    int best = 0;
    for (int i = 1; i < c; i++)
        if (z[i] > z[best])
            best = i;
    return best;
}
