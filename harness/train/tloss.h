/* The training objective over the exits (docs/model.md section 6, "Exit regimes"): which
 * exits' losses a step minimises, with what weights, and how much of each exit's gradient
 * reaches the shared blocks. tnet_backward.c applies it exit by exit; `beex train
 * --exit-regime` picks it. */
#ifndef BEEX_TRAIN_TLOSS_H
#define BEEX_TRAIN_TLOSS_H

typedef enum {
    BEEX_REGIME_WEIGHTED,   /* sum_i w_i CE_i / sum_i w_i, w_i = i unless --loss-weights */
    BEEX_REGIME_EQUAL,      /* w_i = 1 */
    BEEX_REGIME_LAST,       /* CE_N alone: the earlier heads get no gradient at all */
    BEEX_REGIME_LAST_HEADS, /* CE_N for the blocks; each earlier head fit on detached features */
    BEEX_REGIME_DISTILL,    /* self-distillation from the last exit into the earlier ones */
    BEEX_REGIME_GE,         /* equal's loss, gradients rescaled by gradient equilibrium */
    BEEX_REGIME_COUNT
} beex_exit_regime;

#define BEEX_REGIME_NAMES "weighted, equal, last, last+heads, distill, ge"

const char *beex_exit_regime_name(beex_exit_regime r);
/* The regime named s, or -1. */
int beex_exit_regime_parse(const char *s);

typedef struct {
    beex_exit_regime regime;
    const float *lw;   /* the N exits' weights w_i: read by weighted and distill only */
    float alpha;       /* distill: share of the distillation term, in [0, 1] */
    float temperature; /* distill: T > 0 */
} beex_tobjective;

/* The weighted regime with weights lw (what every caller before the regimes used). */
static inline beex_tobjective beex_tobjective_weighted(const float *lw)
{
    beex_tobjective o = {BEEX_REGIME_WEIGHTED, lw, 0.0f, 1.0f};
    return o;
}

/* Exit i's (0-based, of n) weight w_i and the normaliser S: the loss is sum_i w_i l_i / S. */
float beex_tobj_weight(const beex_tobjective *o, int n, int i);
double beex_tobj_norm(const beex_tobjective *o, int n);
/* Whether exit i's head takes part in the step at all (`last` leaves the earlier ones). */
int beex_tobj_head_active(const beex_tobjective *o, int n, int i);
/* Factor on the gradient exit i's head passes to the blocks below it (0: none, the head's
 * input is detached), and factor on the gradient that arrives at the same point from the
 * deeper blocks; 1 and 1 except under last, last+heads and ge. */
float beex_tobj_branch(const beex_tobjective *o, int n, int i);
float beex_tobj_deep(const beex_tobjective *o, int n, int i);

/* dz = scale * w_i / S * dl_i/dz_i for exit i of an example with label y: z its C logits, zt
 * the last exit's (the distillation teacher, held constant), tmp 2 * C floats of scratch. */
void beex_tobj_dz(const beex_tobjective *o, int n, int C, int i, const float *z, const float *zt,
                  int y, float scale, float *dz, float *tmp);

/* One example's loss sum_i w_i l_i / S; z[i] points at exit i's C logits. teacher (may be
 * NULL: the example's last exit) stands in for the distillation target, so that finite
 * differences can hold it constant as the backward pass does. Double precision, canonical
 * exp and log (docs/determinism.md). */
double beex_tobj_loss(const beex_tobjective *o, int n, int C, const float *const *z, int y,
                      const float *teacher);

#endif
