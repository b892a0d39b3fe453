/* The spread of a figure over seeds or folds (docs/statistics.md, "Several seeds or folds"): mean,
 * sample standard deviation and the 95 % Student t interval of the mean, with the t quantile
 * computed from the regularized incomplete beta function (no table, any degrees of freedom). */
#ifndef BEEX_BASE_STUDENT_T_H
#define BEEX_BASE_STUDENT_T_H

/* P(T <= t) for Student's t with df > 0 degrees of freedom. */
double beex_student_t_cdf(double t, double df);
/* The t with P(T <= t) = p, for p in (0, 1) and df > 0; NaN outside. */
double beex_student_t_quantile(double p, double df);

typedef struct {
    int n;
    double mean;
    double sd;     /* sample standard deviation (divisor n - 1); NaN when n < 2 */
    double lo, hi; /* mean -+ t(0.975, n - 1) * sd / sqrt(n); NaN when n < 2 */
} beex_mean_ci;

/* Summed in the given order, so the same values give the same bytes. n = 0: all NaN. */
void beex_mean_ci95(const double *v, int n, beex_mean_ci *out);

#endif
