/* Temperature scaling: the NLL, its 1-D minimisation, and the rescaled trace. */
#include "harness/eval/temperature.h"

#include <math.h>

#include "harness/base/canon_math.h"
#include "harness/model/exit.h"

double beex_temperature_nll(const beex_trace *t, int block, double T)
{
    int B = t->blocks, C = t->classes;
    double beta = 1.0 / T, sum = 0.0;
    for (int i = 0; i < t->n; i++) {
        const float *z = t->logits + ((size_t)i * B + block) * C;
        double m = -INFINITY;
        for (int c = 0; c < C; c++)
            if (beta * z[c] > m)
                m = beta * z[c];
        double s = 0.0;
        for (int c = 0; c < C; c++)
            s += beex_canon_exp(beta * z[c] - m);
        /* -log softmax_y = log sum_c exp(beta z_c) - beta z_y, shifted by the largest term. */
        sum += m + beex_canon_log(s) - beta * z[t->label[i]];
    }
    return t->n > 0 ? sum / t->n : 0.0;
}

double beex_temperature_fit(const beex_trace *t, int block)
{
    const double g = (sqrt(5.0) - 1.0) / 2.0; /* 0.618... */
    double a = beex_canon_log(BEEX_TEMPERATURE_MIN), b = beex_canon_log(BEEX_TEMPERATURE_MAX);
    double x1 = b - g * (b - a), x2 = a + g * (b - a);
    double f1 = beex_temperature_nll(t, block, beex_canon_exp(x1));
    double f2 = beex_temperature_nll(t, block, beex_canon_exp(x2));
    for (int k = 0; k < 80; k++) {
        if (f1 <= f2) { /* the minimum lies in [a, x2] */
            b = x2;
            x2 = x1;
            f2 = f1;
            x1 = b - g * (b - a);
            f1 = beex_temperature_nll(t, block, beex_canon_exp(x1));
        } else {
            a = x1;
            x1 = x2;
            f1 = f2;
            x2 = a + g * (b - a);
            f2 = beex_temperature_nll(t, block, beex_canon_exp(x2));
        }
    }
    double T = beex_canon_exp((a + b) / 2);
    return T < BEEX_TEMPERATURE_MIN   ? BEEX_TEMPERATURE_MIN
           : T > BEEX_TEMPERATURE_MAX ? BEEX_TEMPERATURE_MAX
                                      : T;
}

void beex_temperature_apply(beex_trace *t, const double *T)
{
    int B = t->blocks, C = t->classes;
    for (int i = 0; i < t->n; i++)
        for (int b = 0; b < B; b++) {
            float *z = t->logits + ((size_t)i * B + b) * C;
            int before = beex_argmax(z, C);
            for (int c = 0; c < C; c++)
                z[c] = (float)((double)z[c] / T[b]);
            /* Division keeps the order of the logits but may round two of them to one float;
             * the lower class would then win the tie. */
            int after = beex_argmax(z, C);
            if (after != before)
                z[before] = nextafterf(z[after], INFINITY);
            t->entropy[(size_t)i * B + b] = beex_softmax_summary(z, C, NULL);
        }
}
