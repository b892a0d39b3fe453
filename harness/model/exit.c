/* Exit rules (MODEL.md section 5) as pure functions of a trace: the engine decides online
 * with beex_exit_entropy_ratio_step, the sweep replays full-depth traces with the others,
 * and both read the same code. */
#include "harness/model/exit.h"

#include <math.h>

int beex_exit_entropy_ratio_step(float h_prev, float h_cur, double delta)
{
    double denom = fmax((double)h_prev, 1e-12);
    double r = ((double)h_prev - (double)h_cur) / denom;
    /* A NaN ratio compares false: a broken trace never triggers an early exit. */
    return r < delta;
}

int beex_exit_entropy_ratio(const float *entropy, int nblocks, double delta)
{
    if (nblocks <= 1)
        return 1;
    for (int i = 2; i < nblocks; i++)
        if (beex_exit_entropy_ratio_step(entropy[i - 2], entropy[i - 1], delta))
            return i;
    return nblocks;
}

int beex_exit_entropy_abs(const float *entropy, int nblocks, double tau)
{
    if (nblocks <= 1)
        return 1;
    for (int i = 1; i < nblocks; i++)
        if ((double)entropy[i - 1] < tau)
            return i;
    return nblocks;
}

int beex_exit_patience(const int *argmax, int nblocks, int patience)
{
    if (nblocks <= 1 || patience <= 0)
        return 1;
    /* PABEE: a counter of consecutive unchanged predictions, reset on change; exit when it
     * reaches `patience` (so patience + 1 equal argmaxes in a row). */
    int same = 0;
    for (int i = 2; i < nblocks; i++) {
        same = (argmax[i - 1] == argmax[i - 2]) ? same + 1 : 0;
        if (same >= patience)
            return i;
    }
    return nblocks;
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
        double e = exp((double)z[i] - m);
        s += e;
        w += e * ((double)z[i] - m);
    }
    double h = log(s) - w / s;
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
