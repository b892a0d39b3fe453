/* AVX-512 sign packing: one comparison gives sixteen bits as a mask register; the tail uses
 * masked loads. |x - c| is summed in one register, kernels/canon_sum.h's sixteen lanes
 * (masked-off lanes add +0.0), so beta equals the reference's bit for bit. */
#include <immintrin.h>

#include "kernels/canon_sum.h"
#include "kernels/pack.h"
#include "kernels/pack_variant.h"

void beex_pack_rows_avx512(const float *x, size_t rows, size_t cols, size_t ldx, float c,
                           uint8_t *bits, size_t ldb, float *beta)
{
    size_t kb = beex_packed_row_bytes(cols);
    const __m512 cv = _mm512_set1_ps(c), zero = _mm512_setzero_ps();
    for (size_t i = 0; i < rows; i++) {
        const float *row = x + i * ldx;
        uint8_t *out = bits + i * ldb;
        __m512 acc = zero;
        for (size_t k0 = 0; k0 < cols; k0 += 64) {
            uint64_t word = 0;
            for (size_t k = k0; k < k0 + 64 && k < cols; k += 16) {
                __mmask16 lm =
                    cols - k >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (cols - k)) - 1u);
                __m512 v = _mm512_sub_ps(_mm512_maskz_loadu_ps(lm, row + k), cv);
                word |= (uint64_t)_mm512_mask_cmp_ps_mask(lm, v, zero, _CMP_LT_OQ) << (k - k0);
                acc = _mm512_add_ps(acc, _mm512_maskz_mov_ps(lm, _mm512_abs_ps(v)));
            }
            size_t nbytes = kb - k0 / 8 < 8 ? kb - k0 / 8 : 8;
            beex_pack_store_word(out + k0 / 8, word, nbytes);
        }
        if (beta != NULL) {
            float l[BEEX_SUM_LANES];
            _mm512_storeu_ps(l, acc);
            beta[i] = beex_sum16_fold(l) / (float)cols;
        }
    }
}
