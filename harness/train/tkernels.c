/* Training kernels: per-row loops the compiler vectorises; the ones a training step runs
 * per token are cloned for AVX-512 / AVX2 (BEEX_TK_CLONES) and picked at load time, since
 * the build targets baseline x86-64. Sums run in a fixed order, so results do not depend on
 * the thread count. The products are in tgemm.c. */
#include "harness/train/tkernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/model/model.h"
#include "kernels/elementwise_math.h"
#include "kernels/igemm.h"

float beex_tk_approxsign(float v)
{
    if (v < -1.0f)
        return -1.0f;
    if (v < 0.0f)
        return 2.0f * v + v * v;
    if (v < 1.0f)
        return 2.0f * v - v * v;
    return 1.0f;
}

static inline float sign_pm1(float v)
{
    return v >= 0.0f ? 1.0f : -1.0f; /* -0.0 >= 0 holds: -0.0 -> +1, as docs/model.md section 3 */
}

/* Rows are taken BIN_ROWS at a time: each row's |w| sum is one chain of dependent double adds
 * whose order fixes alpha's bits, so a row alone waits on the adder's latency (about 4 cycles
 * an element); rows side by side keep each row's order and fill the adder. */
enum { BIN_ROWS = 8 };

BEEX_TK_CLONES
void beex_tk_binarize_rows(const float *w, int rows, int cols, int binarized, int smooth, float *wb,
                           float *alpha)
{
    for (int j0 = 0; j0 < rows; j0 += BIN_ROWS) {
        int n = rows - j0 < BIN_ROWS ? rows - j0 : BIN_ROWS;
        const float *wr = w + (size_t)j0 * cols;
        float *br = wb + (size_t)j0 * cols;
        if (!binarized) {
            memcpy(br, wr, (size_t)n * (size_t)cols * sizeof(float));
            if (alpha != NULL)
                for (int i = 0; i < n; i++)
                    alpha[j0 + i] = 1.0f;
            continue;
        }
        double s[BIN_ROWS] = {0.0};
        for (int k = 0; k < cols; k++)
            for (int i = 0; i < n; i++)
                s[i] += fabsf(wr[(size_t)i * cols + k]);
        for (int i = 0; i < n; i++) {
            float a = (float)(s[i] / cols);
            if (alpha != NULL)
                alpha[j0 + i] = a;
            const float *x = wr + (size_t)i * cols;
            float *b = br + (size_t)i * cols;
            if (smooth)
                for (int k = 0; k < cols; k++)
                    b[k] = a * beex_tk_approxsign(x[k]);
            else
                for (int k = 0; k < cols; k++)
                    b[k] = a * sign_pm1(x[k]);
        }
    }
}

void beex_tk_fakequant_rows(const float *w, int rows, int cols, float *wb, int8_t *q, float *scale)
{
    beex_int8_rows(w, (size_t)rows, (size_t)cols, q, scale); /* the model's own derivation */
    for (int j = 0; j < rows; j++)
        for (int k = 0; k < cols; k++)
            wb[(size_t)j * cols + k] = scale[j] * (float)q[(size_t)j * cols + k];
}

void beex_tk_fakequant_act(const float *x, int n, float scale, float inv, float *xe)
{
    for (int k = 0; k < n; k++)
        xe[k] = scale * (float)beex_i8_quantize_one(x[k], inv);
}

void beex_tk_binarize_rows_bwd(const float *w, const float *alpha, const float *dwb, int rows,
                               int cols, float *dw)
{
    for (int j = 0; j < rows; j++) {
        const float *wr = w + (size_t)j * cols, *gr = dwb + (size_t)j * cols;
        float *dr = dw + (size_t)j * cols;
        float a = alpha[j];
        for (int k = 0; k < cols; k++) {
            float g = 2.0f - 2.0f * fabsf(wr[k]);
            dr[k] += gr[k] * a * (g > 0.0f ? g : 0.0f);
        }
    }
}

BEEX_TK_CLONES
void beex_tk_binarize_act(const float *x, int T, int n, float c, int smooth, float *xe, float *beta)
{
    for (int t = 0; t < T; t++) {
        const float *xr = x + (size_t)t * n;
        float *er = xe + (size_t)t * n;
        double s = 0.0;
        for (int k = 0; k < n; k++)
            s += fabsf(xr[k] - c);
        float b = (float)(s / n);
        beta[t] = b;
        for (int k = 0; k < n; k++) {
            float v = xr[k] - c;
            er[k] = b * (smooth ? beex_tk_approxsign(v) : sign_pm1(v)) + c;
        }
    }
}

BEEX_TK_CLONES
void beex_tk_binarize_act_bwd(const float *x, const float *beta, const float *dxe, int T, int n,
                              float c, float *dx)
{
    for (int t = 0; t < T; t++) {
        const float *xr = x + (size_t)t * n, *gr = dxe + (size_t)t * n;
        float *dr = dx + (size_t)t * n;
        float b = beta[t];
        for (int k = 0; k < n; k++) {
            float g = 2.0f - 2.0f * fabsf(xr[k] - c);
            dr[k] += gr[k] * b * (g > 0.0f ? g : 0.0f);
        }
    }
}

BEEX_TK_CLONES
void beex_tk_layernorm_fwd(const float *x, int T, int n, const float *gamma, const float *beta,
                           float eps, float *y, float *xhat, float *rstd)
{
    for (int t = 0; t < T; t++) {
        const float *xr = x + (size_t)t * n;
        float *yr = y + (size_t)t * n, *hr = xhat + (size_t)t * n;
        float mean = 0.0f;
        for (int k = 0; k < n; k++)
            mean += xr[k];
        mean /= (float)n;
        float var = 0.0f;
        for (int k = 0; k < n; k++) {
            float dv = xr[k] - mean;
            var += dv * dv;
        }
        var /= (float)n;
        float r = 1.0f / sqrtf(var + eps);
        rstd[t] = r;
        for (int k = 0; k < n; k++) {
            hr[k] = (xr[k] - mean) * r;
            yr[k] = gamma[k] * hr[k] + beta[k];
        }
    }
}

BEEX_TK_CLONES
void beex_tk_softmax(float *z, int n)
{
    float lane[8] = {z[0], z[0], z[0], z[0], z[0], z[0], z[0], z[0]}; /* vectorised max */
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++)
            lane[l] = z[i + l] > lane[l] ? z[i + l] : lane[l];
    float mx = lane[0];
    for (int l = 1; l < 8; l++)
        mx = lane[l] > mx ? lane[l] : mx;
    for (; i < n; i++)
        mx = z[i] > mx ? z[i] : mx;
    for (i = 0; i < n; i++)
        z[i] = beex_exp_approx(z[i] - mx); /* inlined and vectorised, unlike expf */
    float s = beex_tk_sum(z, n), inv = 1.0f / s;
    for (int i = 0; i < n; i++)
        z[i] *= inv;
}

/* Eight running sums combined at the end: the order is fixed by n alone (so, like every sum
 * here, independent of the thread count), and the eight lanes are one vector register, where
 * one running sum is a chain of dependent additions (a quarter of a long-input step). */
BEEX_TK_CLONES
float beex_tk_sum(const float *x, int n)
{
    float acc[8] = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++)
            acc[l] += x[i + l];
    float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; i++)
        s += x[i];
    return s;
}

BEEX_TK_CLONES
float beex_tk_dot(const float *x, const float *y, int n)
{
    float acc[8] = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++)
            acc[l] += x[i + l] * y[i + l];
    float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; i++)
        s += x[i] * y[i];
    return s;
}

BEEX_TK_CLONES
void beex_tk_gates(float *g, float *u, int n)
{
    /* omp simd: the clones are not vectorised otherwise (GCC 12 gives up on the clamps) */
    BEEX_TK_SIMD
    for (int k = 0; k < n; k++)
        g[k] = beex_sigmoid_approx(g[k]);
    BEEX_TK_SIMD
    for (int k = 0; k < n; k++)
        u[k] = beex_tanh_approx(u[k]);
}
