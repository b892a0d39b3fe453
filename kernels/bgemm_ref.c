/* Reference binarized GEMMs: byte-wise, obviously correct, slow. */
#include "kernels/bgemm.h"
#include "kernels/bgemm_variant.h"
#include "kernels/canon_sum.h"
#include "kernels/pack.h"

/* XOR popcount of two packed rows of k bits; bits past k in the last byte never count. */
static int32_t xor_popcount(const uint8_t *a, const uint8_t *b, size_t k)
{
    size_t kb = beex_packed_row_bytes(k);
    int32_t ones = 0;
    for (size_t byte = 0; byte < kb; byte++) {
        unsigned x = (unsigned)(a[byte] ^ b[byte]);
        if (byte == kb - 1 && k % 8 != 0)
            x &= (1u << (k % 8)) - 1u;
        ones += __builtin_popcount(x);
    }
    return ones;
}

int beex_bgemm_w1a1_dot_ref(size_t m, size_t n, size_t k, const uint8_t *a, size_t lda,
                            const uint8_t *b, size_t ldb, int32_t *dot, size_t ldd)
{
    size_t kb = beex_packed_row_bytes(k);
    if (a == NULL || b == NULL || dot == NULL || m == 0 || n == 0 || k == 0 || lda < kb ||
        ldb < kb || ldd < n)
        return BEEX_EINVAL;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            dot[i * ldd + j] = (int32_t)k - 2 * xor_popcount(a + i * lda, b + j * ldb, k);
    return BEEX_OK;
}

int beex_bgemm_w1a1_ref(size_t m, size_t n, size_t k, const uint8_t *a, size_t lda,
                        const uint8_t *b, size_t ldb, const float *scale_a, const float *scale_w,
                        const float *bias, float *y, size_t ldy)
{
    if (y == NULL || ldy < n)
        return BEEX_EINVAL;
    size_t kb = beex_packed_row_bytes(k);
    if (a == NULL || b == NULL || m == 0 || n == 0 || k == 0 || lda < kb || ldb < kb)
        return BEEX_EINVAL;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            int32_t dot = (int32_t)k - 2 * xor_popcount(a + i * lda, b + j * ldb, k);
            /* The fused transform's rounding order is part of the contract:
             * (scale_a * scale_w) * dot, rounded to fp32, + bias (never an FMA). */
            float s = (scale_a ? scale_a[i] : 1.0f) * (scale_w ? scale_w[j] : 1.0f);
            y[i * ldy + j] = beex_mul_then_add(s, (float)dot, bias ? bias[j] : 0.0f);
        }
    return BEEX_OK;
}

int beex_gemm_w1a32_ref(size_t m, size_t n, size_t k, const float *x, size_t ldx, const uint8_t *b,
                        size_t ldb, const float *alpha, const float *bias, float *y, size_t ldy)
{
    size_t kb = beex_packed_row_bytes(k);
    if (x == NULL || b == NULL || y == NULL || m == 0 || n == 0 || k == 0 || ldx < k || ldb < kb ||
        ldy < n)
        return BEEX_EINVAL;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            /* The fp32 sum over k in kernels/canon_sum.h's sixteen lanes: every variant gives
             * these bits. */
            float l[BEEX_SUM_LANES] = {0};
            for (size_t kk = 0; kk < k; kk++) {
                int neg = (b[j * ldb + kk / 8] >> (kk % 8)) & 1;
                l[kk % BEEX_SUM_LANES] += neg ? -x[i * ldx + kk] : x[i * ldx + kk];
            }
            y[i * ldy + j] = beex_mul_then_add(alpha ? alpha[j] : 1.0f, beex_sum16_fold(l),
                                               bias ? bias[j] : 0.0f);
        }
    return BEEX_OK;
}
