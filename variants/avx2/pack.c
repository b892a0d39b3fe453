/* AVX2 sign packing: eight comparisons give eight bits through VMOVMSKPS; |x - c| is summed
 * in double lanes (beta within 1 ulp of the reference, which sums in a different order). */
#include <immintrin.h>
#include <math.h>

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
        __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
        double tail = 0.0;
        for (size_t k0 = 0; k0 < cols; k0 += 64) {
            size_t len = cols - k0 < 64 ? cols - k0 : 64, k = 0;
            uint64_t word = 0;
            for (; k + 8 <= len; k += 8) {
                __m256 v = _mm256_sub_ps(_mm256_loadu_ps(row + k0 + k), cv);
                word |= (uint64_t)(unsigned)_mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_LT_OQ))
                        << k;
                __m256 a = _mm256_and_ps(v, abs_mask);
                acc0 = _mm256_add_pd(acc0, _mm256_cvtps_pd(_mm256_castps256_ps128(a)));
                acc1 = _mm256_add_pd(acc1, _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)));
            }
            for (; k < len; k++) {
                float v = row[k0 + k] - c;
                word |= (uint64_t)(v < 0.0f) << k;
                tail += fabsf(v);
            }
            size_t nbytes = kb - k0 / 8 < 8 ? kb - k0 / 8 : 8;
            beex_pack_store_word(out + k0 / 8, word, nbytes);
        }
        if (beta != NULL) {
            double lanes[4];
            _mm256_storeu_pd(lanes, _mm256_add_pd(acc0, acc1));
            double sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + tail;
            beta[i] = (float)(sum / (double)cols);
        }
    }
}
