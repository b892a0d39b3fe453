/* Training kernels: plain loops written in axpy form (the innermost loop runs along a
 * contiguous row with no reduction) so the compiler vectorises them without reassociating
 * sums; results therefore do not depend on the thread count. On x86-64 with GCC the GEMMs
 * are cloned for AVX-512 / AVX2 and picked at load time. */
#include "harness/train/tkernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <libxsmm.h>

/* libxsmm JIT kernels for the three GEMM shapes (column-major in libxsmm's terms: a
 * row-major R x C matrix is a column-major C x R one, so no transposes are needed except
 * dY for the weight gradient). NULL (no JIT for this CPU or shape) falls back to the loops;
 * BEEX_TRAIN_NO_XSMM=1 forces the loops (comparisons). */
static int xsmm_enabled(void)
{
    static int state = -1; /* benign race: every thread computes the same value */
    if (state < 0) {
        const char *v = getenv("BEEX_TRAIN_NO_XSMM");
        state = !(v != NULL && *v != 0 && strcmp(v, "0") != 0);
    }
    return state;
}

static libxsmm_smmfunction xsmm_kernel(int m, int n, int k, int lda, int ldb, int ldc)
{
    if (!xsmm_enabled())
        return NULL;
    const float alpha = 1.0f, beta = 1.0f;
    const int flags = LIBXSMM_GEMM_FLAGS('N', 'N');
    const libxsmm_blasint la = lda, lb = ldb, lc = ldc;
    return libxsmm_smmdispatch(m, n, k, &la, &lb, &lc, &alpha, &beta, &flags, NULL);
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(BEEX_SANITIZE)
#define TK_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TK_CLONES
#endif

TK_CLONES
void beex_tk_linear_fwd(const float *x, int T, int in, const float *wt, const float *b, int out,
                        float *y)
{
    libxsmm_smmfunction kern = xsmm_kernel(out, T, in, out, in, out);
    if (kern != NULL) {
        for (int t = 0; t < T; t++)
            for (int j = 0; j < out; j++)
                y[(size_t)t * out + j] = b ? b[j] : 0.0f;
        kern(wt, x, y);
        return;
    }
    int t = 0;
    /* Four token rows share each load of a weight row. */
    for (; t + 4 <= T; t += 4) {
        float *y0 = y + (size_t)t * out, *y1 = y0 + out, *y2 = y1 + out, *y3 = y2 + out;
        const float *x0 = x + (size_t)t * in, *x1 = x0 + in, *x2 = x1 + in, *x3 = x2 + in;
        for (int j = 0; j < out; j++) {
            float bj = b ? b[j] : 0.0f;
            y0[j] = bj;
            y1[j] = bj;
            y2[j] = bj;
            y3[j] = bj;
        }
        for (int k = 0; k < in; k++) {
            const float *w = wt + (size_t)k * out;
            float a0 = x0[k], a1 = x1[k], a2 = x2[k], a3 = x3[k];
            for (int j = 0; j < out; j++) {
                float wj = w[j];
                y0[j] += a0 * wj;
                y1[j] += a1 * wj;
                y2[j] += a2 * wj;
                y3[j] += a3 * wj;
            }
        }
    }
    for (; t < T; t++) {
        float *y0 = y + (size_t)t * out;
        const float *x0 = x + (size_t)t * in;
        for (int j = 0; j < out; j++)
            y0[j] = b ? b[j] : 0.0f;
        for (int k = 0; k < in; k++) {
            const float *w = wt + (size_t)k * out;
            float a0 = x0[k];
            for (int j = 0; j < out; j++)
                y0[j] += a0 * w[j];
        }
    }
}

TK_CLONES
void beex_tk_linear_bwd_data(const float *dy, int T, int out, const float *w, int in, float *dx)
{
    libxsmm_smmfunction kern = xsmm_kernel(in, T, out, in, out, in);
    if (kern != NULL) {
        kern(w, dy, dx);
        return;
    }
    int t = 0;
    for (; t + 4 <= T; t += 4) {
        float *d0 = dx + (size_t)t * in, *d1 = d0 + in, *d2 = d1 + in, *d3 = d2 + in;
        const float *g0 = dy + (size_t)t * out, *g1 = g0 + out, *g2 = g1 + out, *g3 = g2 + out;
        for (int j = 0; j < out; j++) {
            const float *wr = w + (size_t)j * in;
            float a0 = g0[j], a1 = g1[j], a2 = g2[j], a3 = g3[j];
            for (int k = 0; k < in; k++) {
                float wk = wr[k];
                d0[k] += a0 * wk;
                d1[k] += a1 * wk;
                d2[k] += a2 * wk;
                d3[k] += a3 * wk;
            }
        }
    }
    for (; t < T; t++) {
        float *d0 = dx + (size_t)t * in;
        const float *g0 = dy + (size_t)t * out;
        for (int j = 0; j < out; j++) {
            const float *wr = w + (size_t)j * in;
            float a0 = g0[j];
            for (int k = 0; k < in; k++)
                d0[k] += a0 * wr[k];
        }
    }
}

TK_CLONES
void beex_tk_linear_bwd_weight(const float *dy, int T, int out, const float *x, int in, float *dw,
                               float *db, float *scratch)
{
    libxsmm_smmfunction kern = scratch ? xsmm_kernel(in, out, T, in, T, in) : NULL;
    if (kern != NULL) {
        for (int t = 0; t < T; t++)
            for (int j = 0; j < out; j++)
                scratch[(size_t)j * T + t] = dy[(size_t)t * out + j];
        kern(x, scratch, dw);
        if (db != NULL)
            for (int j = 0; j < out; j++) {
                float s = 0.0f;
                for (int t = 0; t < T; t++)
                    s += scratch[(size_t)j * T + t];
                db[j] += s;
            }
        return;
    }
    for (int j = 0; j < out; j++) {
        float *dr = dw + (size_t)j * in;
        float bsum = 0.0f;
        int t = 0;
        for (; t + 4 <= T; t += 4) {
            const float *x0 = x + (size_t)t * in, *x1 = x0 + in, *x2 = x1 + in, *x3 = x2 + in;
            float a0 = dy[(size_t)t * out + j], a1 = dy[(size_t)(t + 1) * out + j];
            float a2 = dy[(size_t)(t + 2) * out + j], a3 = dy[(size_t)(t + 3) * out + j];
            bsum += a0 + a1 + a2 + a3;
            for (int k = 0; k < in; k++)
                dr[k] += a0 * x0[k] + a1 * x1[k] + a2 * x2[k] + a3 * x3[k];
        }
        for (; t < T; t++) {
            const float *x0 = x + (size_t)t * in;
            float a0 = dy[(size_t)t * out + j];
            bsum += a0;
            for (int k = 0; k < in; k++)
                dr[k] += a0 * x0[k];
        }
        if (db != NULL)
            db[j] += bsum;
    }
}

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

float beex_tk_approxsign_grad(float v)
{
    float g = 2.0f - 2.0f * fabsf(v);
    return g > 0.0f ? g : 0.0f;
}

static inline float sign_pm1(float v)
{
    return v >= 0.0f ? 1.0f : -1.0f; /* -0.0 >= 0 holds: -0.0 -> +1, as MODEL.md 3 */
}

void beex_tk_binarize_rows(const float *w, int rows, int cols, int binarized, int smooth, float *wb,
                           float *alpha)
{
    for (int j = 0; j < rows; j++) {
        const float *wr = w + (size_t)j * cols;
        float *br = wb + (size_t)j * cols;
        if (!binarized) {
            memcpy(br, wr, (size_t)cols * sizeof(float));
            if (alpha != NULL)
                alpha[j] = 1.0f;
            continue;
        }
        double s = 0.0;
        for (int k = 0; k < cols; k++)
            s += fabsf(wr[k]);
        float a = (float)(s / cols);
        if (alpha != NULL)
            alpha[j] = a;
        for (int k = 0; k < cols; k++)
            br[k] = a * (smooth ? beex_tk_approxsign(wr[k]) : sign_pm1(wr[k]));
    }
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

void beex_tk_layernorm_bwd(const float *dy, const float *xhat, const float *rstd, int T, int n,
                           const float *gamma, float *dx, float *dgamma, float *dbeta)
{
    for (int t = 0; t < T; t++) {
        const float *gr = dy + (size_t)t * n, *hr = xhat + (size_t)t * n;
        float *dr = dx + (size_t)t * n;
        float m1 = 0.0f, m2 = 0.0f;
        for (int k = 0; k < n; k++) {
            float dh = gr[k] * gamma[k];
            m1 += dh;
            m2 += dh * hr[k];
            dgamma[k] += gr[k] * hr[k];
            dbeta[k] += gr[k];
        }
        m1 /= (float)n;
        m2 /= (float)n;
        for (int k = 0; k < n; k++)
            dr[k] = rstd[t] * (gr[k] * gamma[k] - m1 - hr[k] * m2);
    }
}

void beex_tk_softmax(float *z, int n)
{
    float mx = z[0];
    for (int i = 1; i < n; i++)
        if (z[i] > mx)
            mx = z[i];
    float s = 0.0f;
    for (int i = 0; i < n; i++) {
        z[i] = expf(z[i] - mx);
        s += z[i];
    }
    for (int i = 0; i < n; i++)
        z[i] /= s;
}
