/* SLFN steps with AVX-512: 16 lanes, masked tails, and the sign bits of a whole vector
 * of pre-activations in one compare-to-mask (2 packed bytes per 16 elements). */
#include <immintrin.h>
#include <string.h>

#include "kernels/canon_sum.h"
#include "kernels/elementwise_math.h"
#include "kernels/elementwise_vmath_avx512.h"
#include "kernels/pack.h"
#include "kernels/slfn.h"

static inline __mmask16 tail_mask(size_t k, size_t n)
{
    return k + 16 <= n ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - k)) - 1);
}

/* The sixteen lanes folded in the canonical order (masked-off lanes hold +0.0). */
static inline float fold(__m512 v)
{
    float l[BEEX_SUM_LANES];
    _mm512_storeu_ps(l, v);
    return beex_sum16_fold(l);
}

static void avx512_gates(float *h1, float *h3, size_t rows, size_t dff, size_t ldh)
{
    for (size_t r = 0; r < rows; r++) {
        float *a = h1 + r * ldh, *b = h3 + r * ldh;
        for (size_t k = 0; k < dff; k += 16) {
            __mmask16 m = tail_mask(k, dff);
            __m512 x = _mm512_maskz_loadu_ps(m, a + k);
            _mm512_mask_storeu_ps(a + k, m, beex_sigmoid_avx512(x));
            __m512 y = _mm512_maskz_loadu_ps(m, b + k);
            _mm512_mask_storeu_ps(b + k, m, beex_tanh_avx512(y));
        }
    }
}

static void avx512_gates_pack(const float *h1, const float *h3, size_t rows, size_t dff, size_t ldh,
                              uint8_t *gbits, uint8_t *ubits, size_t ldb, float *gbeta,
                              float *ubeta)
{
    const __m512 half = _mm512_set1_ps(0.5f);
    const __m512 zero = _mm512_setzero_ps();
    size_t nb = beex_packed_row_bytes(dff);
    for (size_t r = 0; r < rows; r++) {
        const float *a = h1 + r * ldh, *b = h3 + r * ldh;
        uint8_t *gb = gbits + r * ldb, *ub = ubits + r * ldb;
        __m512 gs = zero, us = zero;
        for (size_t k = 0; k < dff; k += 16) {
            __mmask16 m = tail_mask(k, dff);
            __m512 x = _mm512_maskz_loadu_ps(m, a + k);
            __m512 y = _mm512_maskz_loadu_ps(m, b + k);
            __m512 g = beex_sigmoid_avx512(x);
            __m512 u = beex_tanh_avx512(y);
            gs = _mm512_add_ps(gs, _mm512_maskz_mov_ps(m, _mm512_abs_ps(_mm512_sub_ps(g, half))));
            us = _mm512_add_ps(us, _mm512_maskz_mov_ps(m, _mm512_abs_ps(u)));
            uint16_t gm = (uint16_t)(_mm512_cmp_ps_mask(x, zero, _CMP_LT_OQ) & m);
            uint16_t um = (uint16_t)(_mm512_cmp_ps_mask(y, zero, _CMP_LT_OQ) & m);
            size_t byte = k / 8, left = nb - byte;
            /* Little-endian mask: element k+i is bit i, matching bit k%8 of byte k/8. */
            memcpy(gb + byte, &gm, left < 2 ? left : 2);
            memcpy(ub + byte, &um, left < 2 ? left : 2);
        }
        gbeta[r] = fold(gs) / (float)dff;
        ubeta[r] = fold(us) / (float)dff;
    }
}

static void avx512_product_add(const float *y, const float *a, const float *b, float *out, size_t n)
{
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 m = tail_mask(i, n);
        __m512 p = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
        _mm512_mask_storeu_ps(out + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, y + i), p));
    }
}

const beex_slfn_ops beex_slfn_ops_avx512 = {"avx512", avx512_gates, avx512_gates_pack,
                                            avx512_product_add};
