/* Exit rules (docs/exit-rules.md): the engine decides online with beex_exit_online, the
 * sweep replays full-depth traces with the offline functions, which are loops over it, so
 * both read the same code. */
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

int beex_exit_online(const beex_exit_rule *r, beex_exit_state *s, int block, float h, int argmax)
{
    int ex = 0;
    switch (r->kind) {
    case BEEX_EXIT_ENTROPY_RATIO:
        ex = block >= 2 && beex_exit_entropy_ratio_step(s->h_prev, h, r->param);
        break;
    case BEEX_EXIT_ENTROPY:
        ex = (double)h < r->param; /* NaN compares false: never an exit */
        break;
    case BEEX_EXIT_PATIENCE:
        /* PABEE: a counter of consecutive unchanged predictions, reset on change; exit when
         * it reaches `patience` (so patience + 1 equal argmaxes in a row); patience <= 0
         * answers at the first exit. */
        if (r->param <= 0)
            ex = 1;
        else if (block >= 2) {
            s->same = argmax == s->argmax_prev ? s->same + 1 : 0;
            ex = s->same >= (int)r->param;
        }
        break;
    }
    s->h_prev = h;
    s->argmax_prev = argmax;
    return ex;
}

/* Offline: the online rule over a full-depth trace (argmax may be NULL but for patience). */
static int offline(const beex_exit_rule *r, const float *entropy, const int *argmax, int nblocks)
{
    beex_exit_state s = {0};
    for (int i = 1; i < nblocks; i++)
        if (beex_exit_online(r, &s, i, entropy ? entropy[i - 1] : 0.0f, argmax ? argmax[i - 1] : 0))
            return i;
    return nblocks < 1 ? 1 : nblocks;
}

int beex_exit_entropy_ratio(const float *entropy, int nblocks, double delta)
{
    beex_exit_rule r = {BEEX_EXIT_ENTROPY_RATIO, delta};
    return offline(&r, entropy, NULL, nblocks);
}

int beex_exit_entropy_abs(const float *entropy, int nblocks, double tau)
{
    beex_exit_rule r = {BEEX_EXIT_ENTROPY, tau};
    return offline(&r, entropy, NULL, nblocks);
}

int beex_exit_patience(const int *argmax, int nblocks, int patience)
{
    beex_exit_rule r = {BEEX_EXIT_PATIENCE, patience};
    return offline(&r, NULL, argmax, nblocks);
}

int beex_exit_static(int nblocks, int k)
{
    if (nblocks < 1)
        return 1;
    if (k < 1)
        return 1;
    return k > nblocks ? nblocks : k;
}

float beex_entropy_of_logits(const float *z, int c)
{
    if (c <= 1)
        return 0.0f;
    double m = -INFINITY;
    for (int i = 0; i < c; i++)
        if ((double)z[i] > m)
            m = z[i];
    if (!isfinite(m))
        return NAN;
    /* H = log S - sum_c p_c (z_c - m), with S = sum exp(z - m) >= 1: no log of 0. */
    double s = 0.0, w = 0.0;
    for (int i = 0; i < c; i++) {
        double e = beex_canon_exp((double)z[i] - m);
        s += e;
        w += e * ((double)z[i] - m);
    }
    double h = beex_canon_log(s) - w / s;
    return (float)(h < 0.0 ? 0.0 : h);
}

int beex_argmax(const float *z, int c)
{
    int best = 0;
    for (int i = 1; i < c; i++)
        if (z[i] > z[best])
            best = i;
    return best;
}
