/* The exit regimes' losses and logit gradients (docs/model.md section 6). Every regime is a
 * sum over exits of w_i l_i / S; the weighted regime's arithmetic is the one the trainer had
 * before the regimes, operation for operation, so its checkpoints keep their bytes. */
#include "harness/train/tloss.h"

#include <string.h>

#include "harness/base/canon_math.h"
#include "harness/train/tkernels.h"

static const char *const names[BEEX_REGIME_COUNT] = {"weighted",   "equal",   "last",
                                                     "last+heads", "distill", "ge"};

const char *beex_exit_regime_name(beex_exit_regime r)
{
    return r >= 0 && r < BEEX_REGIME_COUNT ? names[r] : "unknown";
}

int beex_exit_regime_parse(const char *s)
{
    for (int r = 0; s != NULL && r < BEEX_REGIME_COUNT; r++)
        if (strcmp(s, names[r]) == 0)
            return r;
    return -1;
}

float beex_tobj_weight(const beex_tobjective *o, int n, int i)
{
    switch (o->regime) {
    case BEEX_REGIME_WEIGHTED:
    case BEEX_REGIME_DISTILL:
        return o->lw[i];
    case BEEX_REGIME_LAST:
        return i == n - 1 ? 1.0f : 0.0f;
    default: /* equal, ge; last+heads: every head its own CE at weight 1 */
        return 1.0f;
    }
}

double beex_tobj_norm(const beex_tobjective *o, int n)
{
    if (o->regime == BEEX_REGIME_LAST || o->regime == BEEX_REGIME_LAST_HEADS)
        return 1.0;
    if (o->regime == BEEX_REGIME_EQUAL || o->regime == BEEX_REGIME_GE)
        return (double)n;
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += o->lw[i];
    return s > 0.0 ? s : 1.0;
}

int beex_tobj_head_active(const beex_tobjective *o, int n, int i)
{
    return o->regime != BEEX_REGIME_LAST || i == n - 1;
}

float beex_tobj_branch(const beex_tobjective *o, int n, int i)
{
    if ((o->regime == BEEX_REGIME_LAST || o->regime == BEEX_REGIME_LAST_HEADS) && i < n - 1)
        return 0.0f;
    /* Gradient equilibrium (Li et al. 2019, "Improved techniques for training adaptive deep
     * networks", section 3.1; docs/model.md section 6): at the exit after block k = i + 1 of
     * N, the exit's own gradient is multiplied by 1 / (N - k + 1) on its way into the
     * blocks... */
    if (o->regime == BEEX_REGIME_GE)
        return 1.0f / (float)(n - i);
    return 1.0f;
}

float beex_tobj_deep(const beex_tobjective *o, int n, int i)
{
    /* ...and the gradient arriving there from block k + 1 by (N - k) / (N - k + 1), so that
     * every loss j >= k reaches block k with the same factor 1 / (N - k + 1). */
    if (o->regime == BEEX_REGIME_GE)
        return (float)(n - i - 1) / (float)(n - i);
    return 1.0f;
}

void beex_tobj_dz(const beex_tobjective *o, int n, int C, int i, const float *z, const float *zt,
                  int y, float scale, float *dz, float *tmp)
{
    float ws = (float)(beex_tobj_weight(o, n, i) / beex_tobj_norm(o, n)) * scale;
    memcpy(dz, z, (size_t)C * sizeof *dz);
    beex_tk_softmax(dz, C);
    dz[y] -= 1.0f;
    if (o->regime == BEEX_REGIME_DISTILL && i < n - 1) {
        /* d/dz of (1 - a) CE + a T^2 KL(q_t || q_i), q = softmax(z / T), teacher constant:
         * (1 - a)(p - e_y) + a T (q_i - q_t). */
        float a = o->alpha, T = o->temperature, *qi = tmp, *qt = tmp + C;
        for (int c = 0; c < C; c++) {
            qi[c] = z[c] / T;
            qt[c] = zt[c] / T;
        }
        beex_tk_softmax(qi, C);
        beex_tk_softmax(qt, C);
        for (int c = 0; c < C; c++)
            dz[c] = (1.0f - a) * dz[c] + a * T * (qi[c] - qt[c]);
    }
    for (int c = 0; c < C; c++)
        dz[c] *= ws;
}

/* CE of logits z for label y, natural log, computed stably. */
static double cross_entropy(const float *z, int C, int y)
{
    double mx = z[0];
    for (int j = 1; j < C; j++)
        if (z[j] > mx)
            mx = z[j];
    double s = 0.0;
    for (int j = 0; j < C; j++)
        s += beex_canon_exp((double)z[j] - mx);
    return beex_canon_log(s) + mx - z[y];
}

/* KL(softmax(t / T) || softmax(z / T)), both log-softmaxes taken stably. */
static double kl_t(const float *t, const float *z, int C, double T)
{
    double mt = (double)t[0] / T, mz = (double)z[0] / T, st = 0.0, sz = 0.0, kl = 0.0;
    for (int j = 1; j < C; j++) {
        mt = (double)t[j] / T > mt ? (double)t[j] / T : mt;
        mz = (double)z[j] / T > mz ? (double)z[j] / T : mz;
    }
    for (int j = 0; j < C; j++) {
        st += beex_canon_exp((double)t[j] / T - mt);
        sz += beex_canon_exp((double)z[j] / T - mz);
    }
    double lst = beex_canon_log(st), lsz = beex_canon_log(sz);
    for (int j = 0; j < C; j++) {
        double lt = (double)t[j] / T - mt - lst, lz = (double)z[j] / T - mz - lsz;
        kl += beex_canon_exp(lt) * (lt - lz);
    }
    return kl;
}

double beex_tobj_loss(const beex_tobjective *o, int n, int C, const float *const *z, int y,
                      const float *teacher)
{
    const float *zt = teacher != NULL ? teacher : z[n - 1];
    double L = 0.0, a = o->alpha, T = o->temperature;
    for (int i = 0; i < n; i++) {
        if (!beex_tobj_head_active(o, n, i))
            continue;
        double l = cross_entropy(z[i], C, y);
        if (o->regime == BEEX_REGIME_DISTILL && i < n - 1)
            l = (1.0 - a) * l + a * T * T * kl_t(zt, z[i], C, T);
        L += beex_tobj_weight(o, n, i) * l;
    }
    return L / beex_tobj_norm(o, n);
}
