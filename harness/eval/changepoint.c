/* E-divisive means (Matteson and James 2014), binary segmentation with a seeded permutation
 * test. Each candidate split of a segment is scored with the energy-distance statistic
 * Q(tau) = n1 n2 / (n1 + n2) * (2/(n1 n2) B - W1 / C(n1, 2) - W2 / C(n2, 2)),
 * B the sum of |x_i - y_j|^alpha across the split, W1 and W2 the sums within each side (the
 * plain form: the right side runs to the segment's end, no kappa search). */
#include "harness/eval/changepoint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/prng.h"

void beex_changepoint_defaults(beex_changepoint_opts *o)
{
    o->alpha = 1.0;
    o->significance = 0.05;
    o->permutations = 199;
    o->min_segment = 3;
    o->min_rel_change = 0.0;
    o->seed = 20260101;
}

/* Scratch for one segment: its values (permuted in place), and per point the distance sums
 * to the points before and after it. */
typedef struct {
    double *v;
    double *left;  /* left[t] = sum over i < t of d(v_i, v_t) */
    double *right; /* right[t] = sum over k > t of d(v_t, v_k) */
} scratch;

static inline double dist(double a, double b, double alpha)
{
    double d = fabs(a - b);
    if (alpha == 1.0)
        return d;
    if (alpha == 2.0)
        return d * d;
    return pow(d, alpha);
}

/* The largest Q(tau) over tau in [ms, m - ms] of v[0..m), and where (*at). O(m^2): one pass
 * over the pairs fills the per-point sums, from which W1, W2 and B of every tau follow as
 * prefix and suffix sums. */
static double max_statistic(scratch *s, size_t m, size_t ms, double alpha, size_t *at)
{
    const double *v = s->v;
    double total = 0;
    memset(s->left, 0, m * sizeof *s->left);
    memset(s->right, 0, m * sizeof *s->right);
    for (size_t t = 1; t < m; t++) {
        double vt = v[t], acc = 0;
        for (size_t i = 0; i < t; i++) {
            double d = dist(v[i], vt, alpha);
            acc += d;
            s->right[i] += d;
        }
        s->left[t] = acc;
        total += acc;
    }
    /* W1(tau) = sum of left[t] for t < tau; W2(tau) = sum of right[t] for t >= tau. */
    double w1 = 0, w2 = total;
    for (size_t t = 0; t < ms; t++) {
        w1 += s->left[t];
        w2 -= s->right[t];
    }
    double best = -INFINITY;
    *at = ms;
    for (size_t tau = ms; tau + ms <= m; tau++) {
        double n1 = (double)tau, n2 = (double)(m - tau);
        double b = total - w1 - w2;
        double e = 2.0 * b / (n1 * n2);
        if (tau > 1)
            e -= 2.0 * w1 / (n1 * (n1 - 1));
        if (m - tau > 1)
            e -= 2.0 * w2 / (n2 * (n2 - 1));
        double q = n1 * n2 / (n1 + n2) * e;
        if (q > best) {
            best = q;
            *at = tau;
        }
        w1 += s->left[tau];
        w2 -= s->right[tau];
    }
    return best;
}

/* Tests the best split of x[lo, hi). Returns 1 and sets *split and *p when it is kept, else 0.
 * The permutations use a stream named by the segment's bounds, so the result does not depend
 * on which segment was searched first. */
static int test_segment(const double *x, size_t lo, size_t hi, const beex_changepoint_opts *o,
                        scratch *s, size_t *split, double *p)
{
    size_t m = hi - lo, at;
    memcpy(s->v, x + lo, m * sizeof *s->v);
    double observed = max_statistic(s, m, o->min_segment, o->alpha, &at);
    if (!(observed > 0))
        return 0; /* a constant segment: no split can separate anything */
    /* A permutation ties the observed value when it only reorders the sums (equal values
     * swapped, the series reversed): the relative slack counts such ties as >=. */
    double bar = observed * (1 - 1e-9);
    uint64_t st = beex_prng_stream(o->seed, ((uint64_t)lo << 32) ^ (uint64_t)hi);
    long ge = 0;
    for (int r = 0; r < o->permutations; r++) {
        for (size_t i = m - 1; i > 0; i--) { /* Fisher-Yates */
            size_t j = beex_prng_below(&st, (uint32_t)(i + 1));
            double t = s->v[i];
            s->v[i] = s->v[j];
            s->v[j] = t;
        }
        size_t ignored;
        if (max_statistic(s, m, o->min_segment, o->alpha, &ignored) >= bar)
            ge++;
        /* p = (1 + ge) / (1 + permutations) only grows from here: past the level the split is
         * rejected whatever the remaining permutations say, and a rejected split's p is never
         * reported. */
        if ((1.0 + (double)ge) / (1.0 + o->permutations) > o->significance)
            return 0;
    }
    *split = lo + at;
    *p = (1.0 + (double)ge) / (1.0 + o->permutations);
    return 1;
}

static double mean(const double *x, size_t lo, size_t hi)
{
    double s = 0;
    for (size_t i = lo; i < hi; i++)
        s += x[i];
    return s / (double)(hi - lo);
}

/* The size of a step, (after - before) / |before|: after / before - 1 for the positive values
 * a performance series holds, with the sign saying which way the value moved for any before.
 * A step from 0 is (after - 0) / max(|after|, 1e-300), +-1 (+-100 %), finite where the ratio
 * is not. */
static double rel_change(double before, double after)
{
    if (before == 0)
        return (after - before) / fmax(fabs(after), 1e-300);
    return (after - before) / fabs(before);
}

/* Sets before, after and rel_change of every change from the segments the changes bound. */
static void describe(const double *x, size_t n, beex_change *c, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        size_t lo = i == 0 ? 0 : c[i - 1].index;
        size_t hi = i + 1 == k ? n : c[i + 1].index;
        c[i].before = mean(x, lo, c[i].index);
        c[i].after = mean(x, c[i].index, hi);
        c[i].rel_change = rel_change(c[i].before, c[i].after);
    }
}

/* Drops changes smaller than min_rel_change, the smallest first, re-describing the rest after
 * each drop (its two segments merge, so its neighbours' before and after move). This runs
 * after segmentation, not inside it: a small split rejected during the search would stop the
 * search of both its sides, and hide a large step inside one of them. Returns the new count. */
static size_t drop_small(const double *x, size_t n, beex_change *c, size_t k, double min_rel)
{
    describe(x, n, c, k);
    while (k > 0) {
        size_t worst = 0;
        for (size_t i = 1; i < k; i++)
            if (fabs(c[i].rel_change) < fabs(c[worst].rel_change))
                worst = i;
        if (!(fabs(c[worst].rel_change) < min_rel))
            break;
        memmove(c + worst, c + worst + 1, (k - worst - 1) * sizeof *c);
        k--;
        describe(x, n, c, k);
    }
    return k;
}

static int check(const double *x, size_t n, const beex_changepoint_opts *o, char *err,
                 size_t errlen)
{
    if (!(o->alpha > 0 && o->alpha <= 2)) {
        snprintf(err, errlen, "changepoints: alpha must be in (0, 2], got %g", o->alpha);
        return -1;
    }
    if (!(o->significance > 0 && o->significance < 1)) {
        snprintf(err, errlen, "changepoints: significance must be in (0, 1), got %g",
                 o->significance);
        return -1;
    }
    if (o->permutations < 1) {
        snprintf(err, errlen, "changepoints: permutations must be at least 1, got %d",
                 o->permutations);
        return -1;
    }
    if (o->min_segment < 1) {
        snprintf(err, errlen, "changepoints: min_segment must be at least 1");
        return -1;
    }
    if (!(o->min_rel_change >= 0) || isinf(o->min_rel_change)) {
        snprintf(err, errlen, "changepoints: min_rel_change must be a finite value >= 0, got %g",
                 o->min_rel_change);
        return -1;
    }
    if (n > UINT32_MAX) { /* the shuffle draws indices with beex_prng_below */
        snprintf(err, errlen, "changepoints: %zu points is more than this supports", n);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) {
            snprintf(err, errlen, "changepoints: point %zu is not finite (%g)", i, x[i]);
            return -1;
        }
    return 0;
}

/* Binary segmentation over a stack of segments [lo, hi). Kept splits are marked in cut[] with
 * their p-values, so the changes come out sorted by index whatever the search order. */
static int segment_all(const double *x, size_t n, const beex_changepoint_opts *o, double *cut_p,
                       char *err, size_t errlen)
{
    scratch s = {malloc(n * sizeof(double)), malloc(n * sizeof(double)),
                 malloc(n * sizeof(double))};
    size_t *stack = malloc(2 * (n + 1) * sizeof *stack);
    int rc = 0;
    if (s.v == NULL || s.left == NULL || s.right == NULL || stack == NULL) {
        snprintf(err, errlen, "changepoints: out of memory for %zu points", n);
        rc = -1;
        goto done;
    }
    size_t top = 0;
    stack[top++] = 0;
    stack[top++] = n;
    while (top > 0) {
        size_t hi = stack[--top], lo = stack[--top], split;
        double p;
        if (hi - lo < 2 * o->min_segment || !test_segment(x, lo, hi, o, &s, &split, &p))
            continue;
        cut_p[split] = p;
        /* Pending segments are disjoint and non-empty: at most n pairs on the stack. */
        stack[top++] = split;
        stack[top++] = hi;
        stack[top++] = lo;
        stack[top++] = split;
    }
done:
    free(s.v);
    free(s.left);
    free(s.right);
    free(stack);
    return rc;
}

int beex_changepoints(const double *x, size_t n, const beex_changepoint_opts *o, beex_change *out,
                      size_t cap, size_t *count, char *err, size_t errlen)
{
    beex_changepoint_opts def;
    if (o == NULL) {
        beex_changepoint_defaults(&def);
        o = &def;
    }
    *count = 0;
    if (check(x, n, o, err, errlen) != 0)
        return -1;
    if (n < 2 * o->min_segment)
        return 0;
    double *cut_p = malloc(n * sizeof *cut_p);
    beex_change *c = malloc(n * sizeof *c);
    if (cut_p == NULL || c == NULL) {
        free(cut_p);
        free(c);
        snprintf(err, errlen, "changepoints: out of memory for %zu points", n);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        cut_p[i] = -1;
    if (segment_all(x, n, o, cut_p, err, errlen) != 0) {
        free(cut_p);
        free(c);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (cut_p[i] >= 0)
            c[k++] = (beex_change){.index = i, .p_value = cut_p[i]};
    k = drop_small(x, n, c, k, o->min_rel_change);
    for (size_t i = 0; i < k && i < cap; i++)
        out[i] = c[i];
    *count = k;
    free(cut_p);
    free(c);
    return 0;
}
