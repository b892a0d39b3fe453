/* Elementary functions with the same bits on every CPU (harness/base/canon_math.h). Each
 * is a range reduction that is exact (a power of two, an integer multiple of a constant
 * split into two parts) and a fixed polynomial evaluated in a fixed order. */
#include "harness/base/canon_math.h"

#include <math.h>

/* ln 2 split so that n * LN2_HI is exact for |n| < 2^11 (Cody and Waite). */
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define INV_LN2 1.44269504088896338700e+00

double beex_canon_exp(double x)
{
    if (isnan(x))
        return x;
    if (x > 709.7)
        return INFINITY;
    if (x < -745.2)
        return 0.0;
    /* x = n ln2 + r, |r| <= ln2 / 2; e^r by its Taylor series to r^16 / 16! (error below
     * 0.35^17 / 17! ~ 5e-23, far below one ulp). */
    double n = nearbyint(x * INV_LN2);
    double r = (x - n * LN2_HI) - n * LN2_LO;
    /* Horner form of sum_{k=0}^{16} r^k / k!: ((..(r/16 + 1) r/15 + 1) ..) r/1 + 1. */
    double s = 1.0;
    for (int k = 16; k >= 1; k--)
        s = 1.0 + s * r / (double)k;
    /* ldexp is exact but for subnormal results, where it rounds once the same way everywhere */
    return ldexp(s, (int)n);
}

double beex_canon_log(double x)
{
    if (isnan(x) || x < 0.0)
        return NAN;
    if (x == 0.0)
        return -INFINITY;
    if (isinf(x))
        return x;
    /* x = m 2^e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(f), f = (m - 1) / (m + 1),
     * |f| < 0.1716; the series 2 (f + f^3/3 + ...) to f^31 (error below 0.1716^33 / 33). */
    int e;
    double m = frexp(x, &e); /* m in [0.5, 1) */
    if (m < 0.70710678118654752440) {
        m *= 2.0;
        e--;
    }
    double f = (m - 1.0) / (m + 1.0), f2 = f * f;
    double t = 1.0 / 31.0;
    for (int k = 29; k >= 1; k -= 2)
        t = 1.0 / (double)k + f2 * t;
    double lm = 2.0 * f * t;
    return ((double)e * LN2_HI + lm) + (double)e * LN2_LO;
}

double beex_canon_log1p(double x)
{
    double u = 1.0 + x;
    if (u == 1.0)
        return x; /* |x| below half an ulp of 1: log(1 + x) = x to double precision */
    /* Goldberg's correction: log(u) * x / (u - 1) cancels the rounding of 1 + x. */
    return beex_canon_log(u) * (x / (u - 1.0));
}

double beex_canon_lgamma(double x)
{
    if (isnan(x) || x <= 0.0)
        return NAN;
    if (x < 0.5) /* Gamma(x) = Gamma(x + 1) / x */
        return beex_canon_lgamma(x + 1.0) - beex_canon_log(x);
    static const double p[9] = {0.99999999999980993,  676.5203681218851,     -1259.1392167224028,
                                771.32342877765313,   -176.61502916214059,   12.507343278686905,
                                -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
    double z = x - 1.0, a = p[0], t = z + 7.5;
    for (int i = 1; i < 9; i++)
        a += p[i] / (z + (double)i);
    /* 0.5 log(2 pi) */
    return ((0.91893853320467274178 + (z + 0.5) * beex_canon_log(t)) - t) + beex_canon_log(a);
}

void beex_canon_sincos_turns(double u, double *s, double *c)
{
    /* Quarter turns: q = nearest integer to 4u, the rest v = 4u - q in [-1/2, 1/2] (both
     * exact for |u| < 2^50), the angle a = v pi/2 in [-pi/4, pi/4]; Taylor series to a^23 and
     * a^22 (error below 0.79^23 / 23! ~ 1e-25). */
    double w = 4.0 * u, q = nearbyint(w), v = w - q;
    double a = v * 1.57079632679489661923, a2 = a * a;
    double sn = 1.0, cs = 1.0;
    for (int k = 22; k >= 2; k -= 2) {
        sn = 1.0 - sn * a2 / (double)(k * (k + 1));
        cs = 1.0 - cs * a2 / (double)((k - 1) * k);
    }
    sn *= a;
    long quadrant = (long)fmod(q, 4.0);
    if (quadrant < 0)
        quadrant += 4;
    switch (quadrant) {
    case 0:
        *s = sn, *c = cs;
        break;
    case 1:
        *s = cs, *c = -sn;
        break;
    case 2:
        *s = -sn, *c = -cs;
        break;
    default:
        *s = -cs, *c = sn;
        break;
    }
}

double beex_canon_powi(double x, long n)
{
    double r = 1.0, b = x;
    for (; n > 0; n >>= 1) {
        if (n & 1)
            r *= b;
        b *= b;
    }
    return r;
}
