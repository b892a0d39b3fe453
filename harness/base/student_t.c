#include "harness/base/student_t.h"

#include <math.h>

#include "harness/base/canon_math.h"

/* Continued fraction of the incomplete beta function (modified Lentz), as in Numerical
 * Recipes' betacf; converges quickly for x < (a + 1) / (a + b + 2). */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300, eps = 1e-15;
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 300; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = fabs(d) < tiny ? tiny : d;
        c = 1.0 + aa / c;
        c = fabs(c) < tiny ? tiny : c;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = fabs(d) < tiny ? tiny : d;
        c = 1.0 + aa / c;
        c = fabs(c) < tiny ? tiny : c;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < eps)
            break;
    }
    return h;
}

/* Regularized incomplete beta I_x(a, b). */
static double beta_inc(double a, double b, double x)
{
    if (x <= 0.0)
        return 0.0;
    if (x >= 1.0)
        return 1.0;
    /* CPU-independent functions (canon_math.h): the same interval bits on every CPU. */
    double lbt = beex_canon_lgamma(a + b) - beex_canon_lgamma(a) - beex_canon_lgamma(b) +
                 a * beex_canon_log(x) + b * beex_canon_log1p(-x);
    double bt = beex_canon_exp(lbt);
    if (x < (a + 1.0) / (a + b + 2.0))
        return bt * beta_cf(a, b, x) / a;
    return 1.0 - bt * beta_cf(b, a, 1.0 - x) / b;
}

double beex_student_t_cdf(double t, double df)
{
    if (!(df > 0) || isnan(t))
        return NAN;
    double tail = 0.5 * beta_inc(0.5 * df, 0.5, df / (df + t * t)); /* P(T > |t|) */
    return t >= 0 ? 1.0 - tail : tail;
}

double beex_student_t_quantile(double p, double df)
{
    if (!(p > 0 && p < 1) || !(df > 0))
        return NAN;
    if (p == 0.5)
        return 0.0;
    if (p < 0.5)
        return -beex_student_t_quantile(1.0 - p, df);
    double lo = 0.0, hi = 1.0;
    while (beex_student_t_cdf(hi, df) < p && hi < 1e300)
        hi *= 2.0;
    /* Bisection to the last bit: slow-ish but exact and the same on every machine. */
    for (int i = 0; i < 2000 && hi - lo > 1e-15 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (beex_student_t_cdf(mid, df) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

void beex_mean_ci95(const double *v, int n, beex_mean_ci *out)
{
    out->n = n;
    out->mean = out->sd = out->lo = out->hi = NAN;
    if (n < 1)
        return;
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    out->mean = sum / n;
    if (n < 2)
        return;
    double ss = 0.0;
    for (int i = 0; i < n; i++)
        ss += (v[i] - out->mean) * (v[i] - out->mean);
    out->sd = sqrt(ss / (n - 1));
    double half = beex_student_t_quantile(0.975, n - 1) * out->sd / sqrt((double)n);
    out->lo = out->mean - half;
    out->hi = out->mean + half;
}
