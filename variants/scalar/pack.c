/* Scalar sign packing: 64 comparisons make one word; |x - c| summed in the sixteen lanes of
 * kernels/canon_sum.h, so beta equals the reference's bit for bit. */
#include <math.h>

#include "kernels/canon_sum.h"
#include "kernels/pack.h"
#include "kernels/pack_variant.h"

void beex_pack_rows_scalar(const float *x, size_t rows, size_t cols, size_t ldx, float c,
                           uint8_t *bits, size_t ldb, float *beta)
{
    size_t kb = beex_packed_row_bytes(cols);
    for (size_t i = 0; i < rows; i++) {
        const float *row = x + i * ldx;
        uint8_t *out = bits + i * ldb;
        for (size_t k0 = 0; k0 < cols; k0 += 64) {
            size_t len = cols - k0 < 64 ? cols - k0 : 64;
            uint64_t word = 0;
            for (size_t k = 0; k < len; k++)
                word |= (uint64_t)(row[k0 + k] - c < 0.0f) << k;
            size_t nbytes = kb - k0 / 8 < 8 ? kb - k0 / 8 : 8;
            beex_pack_store_word(out + k0 / 8, word, nbytes);
        }
        if (beta == NULL)
            continue;
        /* Lanes in chunks of sixteen (a loop the compiler vectorises), then the tail. */
        float l[BEEX_SUM_LANES] = {0};
        size_t k = 0;
        for (; k + BEEX_SUM_LANES <= cols; k += BEEX_SUM_LANES)
            for (size_t j = 0; j < BEEX_SUM_LANES; j++)
                l[j] += fabsf(row[k + j] - c);
        for (size_t j = 0; k < cols; k++, j++)
            l[j] += fabsf(row[k] - c);
        beta[i] = beex_sum16_fold(l) / (float)cols;
    }
}
