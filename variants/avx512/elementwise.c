/* Residual + LayerNorm and scaled softmax on 16 fp32 lanes with masked tails: the scalar
 * variant's arithmetic (one register is kernels/canon_sum.h's sixteen lanes; masked-off
 * lanes add +0.0, which changes no lane; no FMA). */
#include <immintrin.h>
#include <math.h>

#include "kernels/canon_sum.h"
#include "kernels/elementwise.h"
#include "kernels/elementwise_vmath_avx512.h"

static inline __mmask16 tail_mask(size_t k, size_t n)
{
    return k + 16 <= n ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - k)) - 1);
}

static inline float fold(__m512 v)
{
    float l[BEEX_SUM_LANES];
    _mm512_storeu_ps(l, v);
    return beex_sum16_fold(l);
}

/* Rows taken LN_ROWS at a time, for the reason given for the softmax below: each row's sums
 * are one chain of dependent adds (the canonical order, kernels/canon_sum.h, allows no second
 * accumulator), so independent rows side by side fill the adder's latency. Each row's
 * operations and their order are the one-row loop's. */
#define LN_ROWS 4
#define LN_GROUP_MAX_D 256

static void layernorm_group(const float *x, const float *res, size_t g, size_t d, size_t ld,
                            const float *gamma, const float *beta, float eps, float *out)
{
    __m512 s[LN_ROWS], q[LN_ROWS], mean[LN_ROWS], rstd[LN_ROWS];
    for (size_t r = 0; r < g; r++)
        s[r] = q[r] = _mm512_setzero_ps();
    for (size_t k = 0; k < d; k += 16) {
        __mmask16 m = tail_mask(k, d);
        for (size_t r = 0; r < g; r++) {
            __m512 v = _mm512_maskz_loadu_ps(m, x + r * ld + k);
            if (res)
                v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, res + r * ld + k));
            _mm512_mask_storeu_ps(out + r * ld + k, m, v);
            s[r] = _mm512_add_ps(s[r], v);
        }
    }
    for (size_t r = 0; r < g; r++)
        mean[r] = _mm512_set1_ps(fold(s[r]) / (float)d);
    for (size_t k = 0; k < d; k += 16) {
        __mmask16 m = tail_mask(k, d);
        for (size_t r = 0; r < g; r++) {
            __m512 v = _mm512_maskz_sub_ps(m, _mm512_maskz_loadu_ps(m, out + r * ld + k), mean[r]);
            q[r] = _mm512_add_ps(q[r], _mm512_mul_ps(v, v));
        }
    }
    for (size_t r = 0; r < g; r++)
        rstd[r] = _mm512_set1_ps(1.0f / sqrtf(fold(q[r]) / (float)d + eps));
    for (size_t k = 0; k < d; k += 16) {
        __mmask16 m = tail_mask(k, d);
        __m512 gk = _mm512_maskz_loadu_ps(m, gamma + k), bk = _mm512_maskz_loadu_ps(m, beta + k);
        for (size_t r = 0; r < g; r++) {
            float *o = out + r * ld;
            __m512 v =
                _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, o + k), mean[r]), rstd[r]);
            v = _mm512_mul_ps(v, gk);
            _mm512_mask_storeu_ps(o + k, m, _mm512_add_ps(v, bk));
        }
    }
}

static void avx512_add_layernorm(const float *x, const float *res, size_t rows, size_t d, size_t ld,
                                 const float *gamma, const float *beta, float eps, float *out)
{
    /* Only short rows gain: at d 128 the profiled layer norm went from 0.29 to 0.34 of its
     * floor (median of three alternated runs), at d 768 (BERT-base) from 0.31 to 0.28, the
     * four rows' traffic then outweighing the latency hidden. */
    size_t group = d <= LN_GROUP_MAX_D ? LN_ROWS : 1;
    for (size_t r = 0; r < rows; r += group)
        layernorm_group(x + r * ld, res ? res + r * ld : NULL, rows - r < group ? rows - r : group,
                        d, ld, gamma, beta, eps, out + r * ld);
}

/* Rows taken SOFTMAX_ROWS at a time: a row of attention scores is a few vectors (64 or 128
 * keys), so one row alone is a chain of dependent maxima, exps and adds whose latency, not
 * the vector units, sets the time (`bench model --breakdown` showed softmax at 0.15 of its
 * floor). Interleaving independent rows hides that latency; each row's own operations and
 * their order are those of the one-row loop, so the bits do not change. */
#define SOFTMAX_ROWS 4

static void softmax_group(float *s, size_t g, size_t n, size_t ld, __m512 vs)
{
    __m512 mx[SOFTMAX_ROWS], sum[SOFTMAX_ROWS], vm[SOFTMAX_ROWS];
    for (size_t r = 0; r < g; r++)
        mx[r] = _mm512_set1_ps(-INFINITY);
    for (size_t k = 0; k < n; k += 16) {
        __mmask16 m = tail_mask(k, n);
        for (size_t r = 0; r < g; r++)
            mx[r] = _mm512_mask_max_ps(mx[r], m, mx[r],
                                       _mm512_mul_ps(_mm512_maskz_loadu_ps(m, s + r * ld + k), vs));
    }
    for (size_t r = 0; r < g; r++) {
        vm[r] = _mm512_set1_ps(_mm512_reduce_max_ps(mx[r]));
        sum[r] = _mm512_setzero_ps();
    }
    for (size_t k = 0; k < n; k += 16) {
        __mmask16 m = tail_mask(k, n);
        for (size_t r = 0; r < g; r++) {
            float *row = s + r * ld;
            __m512 e = beex_exp_avx512(
                _mm512_sub_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + k), vs), vm[r]));
            e = _mm512_maskz_mov_ps(m, e);
            _mm512_mask_storeu_ps(row + k, m, e);
            sum[r] = _mm512_add_ps(sum[r], e);
        }
    }
    for (size_t r = 0; r < g; r++) {
        float *row = s + r * ld;
        __m512 inv = _mm512_set1_ps(1.0f / fold(sum[r]));
        for (size_t k = 0; k < n; k += 16) {
            __mmask16 m = tail_mask(k, n);
            _mm512_mask_storeu_ps(row + k, m,
                                  _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + k), inv));
        }
    }
}

static void avx512_softmax_rows(float *s, size_t rows, size_t n, size_t ld, float scale)
{
    const __m512 vs = _mm512_set1_ps(scale);
    for (size_t r = 0; r < rows; r += SOFTMAX_ROWS)
        softmax_group(s + r * ld, rows - r < SOFTMAX_ROWS ? rows - r : SOFTMAX_ROWS, n, ld, vs);
}

const beex_elementwise_ops beex_elementwise_ops_avx512 = {"avx512", avx512_add_layernorm,
                                                          avx512_softmax_rows};
