/* AVX2 sign packing: eight comparisons give eight bits through VMOVMSKPS; |x - c| is summed
 * in kernels/canon_sum.h's sixteen lanes (two registers), so beta equals the reference's. */
#include <immintrin.h>
#include <math.h>

#include "kernels/canon_sum.h"
#include "kernels/pack.h"
#include "kernels/pack_variant.h"

void beex_pack_rows_avx2(const float *x, size_t rows, size_t cols, size_t ldx, float c,
                         uint8_t *bits, size_t ldb, float *beta)
{
    size_t kb = beex_packed_row_bytes(cols);
    const __m256 cv = _mm256_set1_ps(c), zero = _mm256_setzero_ps();
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    for (size_t i = 0; i < rows; i++) {
        const float *row = x + i * ldx;
        uint8_t *out = bits + i * ldb;
        __m256 acc[2] = {zero, zero}; /* lanes 0-7 and 8-15 */
        float l[BEEX_SUM_LANES];
        size_t tail_from = cols;
        for (size_t k0 = 0; k0 < cols; k0 += 64) {
            size_t len = cols - k0 < 64 ? cols - k0 : 64, k = 0;
            uint64_t word = 0;
            for (; k + 8 <= len; k += 8) {
                __m256 v = _mm256_sub_ps(_mm256_loadu_ps(row + k0 + k), cv);
                word |= (uint64_t)(unsigned)_mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_LT_OQ))
                        << k;
                acc[(k / 8) % 2] = _mm256_add_ps(acc[(k / 8) % 2], _mm256_and_ps(v, abs_mask));
            }
            if (k < len) { /* the row's last word: at most 7 elements left */
                _mm256_storeu_ps(l, acc[0]);
                _mm256_storeu_ps(l + 8, acc[1]);
                tail_from = k0 + k;
                for (; k < len; k++) {
                    float v = row[k0 + k] - c;
                    word |= (uint64_t)(v < 0.0f) << k;
                    l[(k0 + k) % BEEX_SUM_LANES] += fabsf(v);
                }
            }
            size_t nbytes = kb - k0 / 8 < 8 ? kb - k0 / 8 : 8;
            beex_pack_store_word(out + k0 / 8, word, nbytes);
        }
        if (beta != NULL) {
            if (tail_from == cols) {
                _mm256_storeu_ps(l, acc[0]);
                _mm256_storeu_ps(l + 8, acc[1]);
            }
            beta[i] = beex_sum16_fold(l) / (float)cols;
        }
    }
}
