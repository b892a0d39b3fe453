/* Reference sign packing: the definition the variants are tested against, bit for bit
 * (beta too: |x - c| summed in kernels/canon_sum.h's order, then divided in fp32). */
#include <math.h>
#include <string.h>

#include "kernels/canon_sum.h"
#include "kernels/cpu.h"
#include "kernels/pack.h"

int beex_pack_signs_rows_ref(const float *x, size_t rows, size_t cols, size_t ldx, float c,
                             uint8_t *bits, size_t ldb, float *beta)
{
    if (x == NULL || bits == NULL || rows == 0 || cols == 0 || ldx < cols ||
        ldb < beex_packed_row_bytes(cols))
        return BEEX_EINVAL;
    for (size_t i = 0; i < rows; i++) {
        const float *row = x + i * ldx;
        uint8_t *out = bits + i * ldb;
        memset(out, 0, beex_packed_row_bytes(cols));
        float l[BEEX_SUM_LANES] = {0};
        for (size_t k = 0; k < cols; k++) {
            float v = row[k] - c;
            if (v < 0.0f)
                out[k / 8] |= (uint8_t)(1u << (k % 8));
            l[k % BEEX_SUM_LANES] += fabsf(v);
        }
        if (beta != NULL)
            beta[i] = beex_sum16_fold(l) / (float)cols;
    }
    return BEEX_OK;
}
