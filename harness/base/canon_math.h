/* Elementary functions whose bits do not depend on the CPU: built from IEEE additions,
 * multiplications and divisions (no FMA: the build disables contraction) and exact scalings
 * (frexp, ldexp), so x86-64 with or without FMA and AArch64 give the same doubles. glibc's
 * exp, log, sin and cos are accurate but pick FMA code paths per CPU at load time, and
 * differ from AArch64's in rare last bits: enough to change a trained model's bytes.
 * Accuracy: a few ulp over the ranges the suite uses (tests/harness/base/test_canon_math.c). */
#ifndef BEEX_BASE_CANON_MATH_H
#define BEEX_BASE_CANON_MATH_H

/* e^x; 0 below -745, +inf above 709.7; NaN stays NaN. */
double beex_canon_exp(double x);
/* Natural log for x > 0 (finite); -inf at 0, NaN below 0 or for NaN, +inf at +inf. */
double beex_canon_log(double x);
/* sin and cos of 2 pi u (u in turns, any finite u): the angle is reduced exactly in turns. */
void beex_canon_sincos_turns(double u, double *s, double *c);
/* log(1 + x) for x > -1, accurate for small x. */
double beex_canon_log1p(double x);
/* log Gamma(x) for x > 0 (Lanczos, g = 7, nine terms; relative error about 1e-15). */
double beex_canon_lgamma(double x);
/* x^n for an integer n >= 0, by repeated squaring in a fixed order. */
double beex_canon_powi(double x, long n);

#endif
