#include "harness/base/mann_whitney.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    double v;
    int from_x;
} tagged;

static int cmp_tagged(const void *a, const void *b)
{
    double x = ((const tagged *)a)->v, y = ((const tagged *)b)->v;
    return (x > y) - (x < y);
}

/* P(U >= u) under the null for sample sizes m, n without ties: counts of arrangements by
 * U value through the recurrence f(m, n, k) = f(m-1, n, k-n) + f(m, n-1, k). */
static double exact_upper_tail(size_t m, size_t n, double u)
{
    size_t kmax = m * n;
    /* f[j][k] for the current i (rows of the m dimension), j = 0..n */
    double *prev = calloc((n + 1) * (kmax + 1), sizeof *prev);
    double *cur = calloc((n + 1) * (kmax + 1), sizeof *cur);
    if (prev == NULL || cur == NULL) {
        free(prev);
        free(cur);
        return NAN;
    }
    for (size_t j = 0; j <= n; j++)
        prev[j * (kmax + 1)] = 1; /* i = 0: only U = 0 */
    for (size_t i = 1; i <= m; i++) {
        for (size_t j = 0; j <= n; j++) {
            double *row = cur + j * (kmax + 1);
            for (size_t k = 0; k <= kmax; k++) {
                /* the largest value comes from x (adds j to U) or from y */
                double a = k >= j ? prev[j * (kmax + 1) + k - j] : 0;
                double b = j > 0 ? cur[(j - 1) * (kmax + 1) + k] : 0;
                row[k] = a + b;
            }
        }
        double *t = prev;
        prev = cur;
        cur = t;
    }
    double total = 0, tail = 0;
    const double *f = prev + n * (kmax + 1);
    for (size_t k = 0; k <= kmax; k++) {
        total += f[k];
        if ((double)k >= u - 1e-9)
            tail += f[k];
    }
    free(prev);
    free(cur);
    return tail / total;
}

int beex_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, beex_utest *out)
{
    if (nx == 0 || ny == 0 || out == NULL)
        return -1;
    size_t n = nx + ny;
    tagged *all = malloc(n * sizeof *all);
    if (all == NULL)
        return -1;
    for (size_t i = 0; i < nx; i++)
        all[i] = (tagged){x[i], 1};
    for (size_t j = 0; j < ny; j++)
        all[nx + j] = (tagged){y[j], 0};
    qsort(all, n, sizeof *all, cmp_tagged);

    /* Mid-ranks for ties; sum of t^3 - t over tie groups for the variance correction. */
    double rank_sum_x = 0, tie_term = 0;
    int ties = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && all[j + 1].v == all[i].v)
            j++;
        double t = (double)(j - i + 1);
        double mid = (double)(i + j) / 2.0 + 1.0;
        for (size_t k = i; k <= j; k++)
            if (all[k].from_x)
                rank_sum_x += mid;
        if (t > 1) {
            ties = 1;
            tie_term += t * t * t - t;
        }
        i = j + 1;
    }
    free(all);

    double u1 = rank_sum_x - (double)nx * ((double)nx + 1) / 2.0;
    double u2 = (double)nx * (double)ny - u1;
    double umax = u1 > u2 ? u1 : u2;
    out->u = u1;
    size_t nmin = nx < ny ? nx : ny;
    size_t nmax = nx > ny ? nx : ny;
    /* The exact table has (nmin + 1) * (nx * ny + 1) cells: bounded by the size rule. */
    if (!ties && nmin <= BEEX_UTEST_EXACT_MAX && nmax <= 4096) {
        double tail = exact_upper_tail(nmax, nmin, umax);
        if (isnan(tail))
            return -1;
        out->exact = 1;
        out->p_value = fmin(1.0, 2.0 * tail);
        return 0;
    }
    out->exact = 0;
    double nn = (double)n;
    double mu = (double)nx * (double)ny / 2.0;
    double var = (double)nx * (double)ny / 12.0 * ((nn + 1) - tie_term / (nn * (nn - 1)));
    if (var <= 0) {
        out->p_value = 1.0; /* every value tied: no evidence of a difference */
        return 0;
    }
    double z = (umax - mu - 0.5) / sqrt(var);
    out->p_value = fmin(1.0, erfc(z / sqrt(2.0))); /* 2 * (1 - Phi(z)) */
    return 0;
}
