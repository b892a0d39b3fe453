/* NEON int8 GEMM with the dot product extension (SDOT, Armv8.2 FEAT_DotProd, mandatory from
 * Armv8.4), or with I8MM's SMMLA (Armv8.6 FEAT_I8MM) where the CPU has it; the choice is made
 * per weight matrix when it is repacked, and a CPU without SDOT runs the scalar variant.
 *   SDOT:  weights in the 4-byte groups (kg = 4), activations as given: SDOT by element
 *          multiplies the 4 k of 4 columns in one register by 4 k of one row (a lane of a
 *          16-byte load of that row). Tile 4 rows x 16 columns: 16 accumulators, 4 weight
 *          registers, 4 activation registers.
 *   SMMLA: a 2 x 8 by 8 x 2 int8 product per instruction into a 2 x 2 int32 block: weights in
 *          8-byte groups (kg = 8, a register is 2 columns x 8 k), activations in row pairs
 *          interleaved by 8 bytes (the driver's A_PAIRS8). Tile 8 rows x 8 columns: 16
 *          accumulators, 4 + 4 operand registers.
 * BEEX_NEON_NO_I8MM=1 (read when weights are repacked) takes SDOT on an I8MM CPU: it is how the
 * tests cover both paths under qemu, whose default CPU has both.
 * The code of each path carries its extension in a target attribute (the folder is compiled
 * for plain Armv8-a). The quantizers are plain NEON: FMAX/FMIN keep a NaN, which FCVTNS (to
 * nearest even, whatever the FPCR mode) turns into 0. */
#include <arm_neon.h>
#include <stdlib.h>
#include <sys/auxv.h>

#include "kernels/igemm_variant.h"

#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1UL << 20)
#endif
#ifndef HWCAP2_I8MM
#define HWCAP2_I8MM (1UL << 13)
#endif

#define DOTPROD __attribute__((target("arch=armv8.2-a+dotprod")))
#define I8MM __attribute__((target("arch=armv8.2-a+i8mm")))

enum { PATH_SDOT = 0, PATH_SMMLA = 1 };
enum { SDOT_MR = 4, SDOT_NR = 16, MMLA_MR = 8, MMLA_NR = 8 };

static const char *missing(void)
{
    return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) ? NULL
                                                 : "CPU lacks the dot product extension (SDOT)";
}

static int use_i8mm(void)
{
    const char *off = getenv("BEEX_NEON_NO_I8MM");
    if (off != NULL && off[0] != '\0' && off[0] != '0')
        return 0;
    return (getauxval(AT_HWCAP2) & HWCAP2_I8MM) != 0;
}

static void layout(size_t k, beex_igemm_layout *out)
{
    (void)k;
    if (use_i8mm())
        *out = (beex_igemm_layout){.mr = MMLA_MR,
                                   .nr = MMLA_NR,
                                   .kg = 8,
                                   .kalign = 8,
                                   .a_mode = BEEX_IGEMM_A_PAIRS8,
                                   .path = PATH_SMMLA};
    else
        *out = (beex_igemm_layout){.mr = SDOT_MR,
                                   .nr = SDOT_NR,
                                   .kg = 4,
                                   .kalign = 16,
                                   .a_mode = BEEX_IGEMM_A_INT8,
                                   .path = PATH_SDOT};
}

#define SDOT_ROW(r, l)                                                                             \
    c##r##0 = vdotq_laneq_s32(c##r##0, b0, x##r, l);                                               \
    c##r##1 = vdotq_laneq_s32(c##r##1, b1, x##r, l);                                               \
    c##r##2 = vdotq_laneq_s32(c##r##2, b2, x##r, l);                                               \
    c##r##3 = vdotq_laneq_s32(c##r##3, b3, x##r, l)
#define SDOT_STEP(l)                                                                               \
    do {                                                                                           \
        const int8_t *bl = bq + (l)*4 * SDOT_NR;                                                   \
        int8x16_t b0 = vld1q_s8(bl), b1 = vld1q_s8(bl + 16), b2 = vld1q_s8(bl + 32),               \
                  b3 = vld1q_s8(bl + 48);                                                          \
        SDOT_ROW(0, l);                                                                            \
        SDOT_ROW(1, l);                                                                            \
        SDOT_ROW(2, l);                                                                            \
        SDOT_ROW(3, l);                                                                            \
    } while (0)
#define SDOT_STORE(r)                                                                              \
    vst1q_s32(acc + (r)*SDOT_NR, c##r##0), vst1q_s32(acc + (r)*SDOT_NR + 4, c##r##1),              \
        vst1q_s32(acc + (r)*SDOT_NR + 8, c##r##2), vst1q_s32(acc + (r)*SDOT_NR + 12, c##r##3)

/* The 4 x 16 SDOT micro-kernel over kpad / 16 quads of k-groups; acc[r * 16 + c]. */
static DOTPROD void sdot_tile(const int8_t *a, size_t as, const int8_t *b, size_t quads,
                              int32_t acc[SDOT_MR * SDOT_NR])
{
    int32x4_t c00 = vdupq_n_s32(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00;
    int32x4_t c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00;
    int32x4_t c31 = c00, c32 = c00, c33 = c00;
    for (size_t q = 0; q < quads; q++) {
        int8x16_t x0 = vld1q_s8(a + 16 * q), x1 = vld1q_s8(a + as + 16 * q);
        int8x16_t x2 = vld1q_s8(a + 2 * as + 16 * q), x3 = vld1q_s8(a + 3 * as + 16 * q);
        const int8_t *bq = b + q * 16 * SDOT_NR;
        SDOT_STEP(0);
        SDOT_STEP(1);
        SDOT_STEP(2);
        SDOT_STEP(3);
    }
    SDOT_STORE(0);
    SDOT_STORE(1);
    SDOT_STORE(2);
    SDOT_STORE(3);
}

#define MMLA_ROW(p)                                                                                \
    c##p##0 = vmmlaq_s32(c##p##0, x##p, b0);                                                       \
    c##p##1 = vmmlaq_s32(c##p##1, x##p, b1);                                                       \
    c##p##2 = vmmlaq_s32(c##p##2, x##p, b2);                                                       \
    c##p##3 = vmmlaq_s32(c##p##3, x##p, b3)
/* Block c_pq holds rows 2p, 2p+1 x columns 2q, 2q+1, row-major. */
#define MMLA_STORE(p, q)                                                                           \
    vst1_s32(acc + (2 * (p)) * MMLA_NR + 2 * (q), vget_low_s32(c##p##q)),                          \
        vst1_s32(acc + (2 * (p) + 1) * MMLA_NR + 2 * (q), vget_high_s32(c##p##q))
#define MMLA_STORE_ROW(p) MMLA_STORE(p, 0), MMLA_STORE(p, 1), MMLA_STORE(p, 2), MMLA_STORE(p, 3)

/* The 8 x 8 SMMLA micro-kernel over kpad / 8 k-groups: a (row pairs, each 2 * kpad bytes:
 * as is the stride of one row) and b (8 columns x 8 k = 64 bytes per group); acc[r * 8 + c]. */
static I8MM void mmla_tile(const int8_t *a, size_t as, const int8_t *b, size_t groups,
                           int32_t acc[MMLA_MR * MMLA_NR])
{
    int32x4_t c00 = vdupq_n_s32(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00;
    int32x4_t c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00;
    int32x4_t c31 = c00, c32 = c00, c33 = c00;
    const int8_t *a0 = a, *a1 = a + 2 * as, *a2 = a + 4 * as, *a3 = a + 6 * as;
    for (size_t g = 0; g < groups; g++) {
        int8x16_t x0 = vld1q_s8(a0 + 16 * g), x1 = vld1q_s8(a1 + 16 * g);
        int8x16_t x2 = vld1q_s8(a2 + 16 * g), x3 = vld1q_s8(a3 + 16 * g);
        const int8_t *bg = b + g * 8 * MMLA_NR;
        int8x16_t b0 = vld1q_s8(bg), b1 = vld1q_s8(bg + 16), b2 = vld1q_s8(bg + 32),
                  b3 = vld1q_s8(bg + 48);
        MMLA_ROW(0);
        MMLA_ROW(1);
        MMLA_ROW(2);
        MMLA_ROW(3);
    }
    MMLA_STORE_ROW(0);
    MMLA_STORE_ROW(1);
    MMLA_STORE_ROW(2);
    MMLA_STORE_ROW(3);
}

static void block(const beex_igemm_job *job, size_t i0, size_t i1, size_t p0, size_t p1)
{
    const beex_imatrix *w = job->w;
    const beex_igemm_layout *l = &w->lay;
    int32_t acc[SDOT_MR * SDOT_NR > MMLA_MR * MMLA_NR ? SDOT_MR * SDOT_NR : MMLA_MR * MMLA_NR];
    for (size_t p = p0; p < p1; p++) {
        const int8_t *b = beex_igemm_panel(w, p);
        for (size_t i = i0; i < i1; i += l->mr) {
            const int8_t *a = (const int8_t *)(job->a + i * job->a_stride);
            if (l->path == PATH_SMMLA)
                mmla_tile(a, job->a_stride, b, w->kpad / 8, acc);
            else
                sdot_tile(a, job->a_stride, b, w->kpad / 16, acc);
            beex_igemm_store_tile(job, i, p * l->nr, l->mr, l->nr, acc, l->nr);
        }
    }
}

static void quantize_row(const float *x, size_t k, float inv_scale, int8_t *q)
{
    const float32x4_t inv = vdupq_n_f32(inv_scale), lo = vdupq_n_f32(-127.0f),
                      hi = vdupq_n_f32(127.0f);
    size_t kk = 0;
    for (; kk + 8 <= k; kk += 8) {
        float32x4_t p0 = vmulq_f32(vld1q_f32(x + kk), inv);
        float32x4_t p1 = vmulq_f32(vld1q_f32(x + kk + 4), inv);
        p0 = vminq_f32(vmaxq_f32(p0, lo), hi); /* FMAX/FMIN: a NaN stays NaN */
        p1 = vminq_f32(vmaxq_f32(p1, lo), hi);
        int16x8_t s = vcombine_s16(vqmovn_s32(vcvtnq_s32_f32(p0)), vqmovn_s32(vcvtnq_s32_f32(p1)));
        vst1_s8(q + kk, vqmovn_s16(s));
    }
    for (; kk < k; kk++)
        q[kk] = beex_i8_quantize_one(x[kk], inv_scale);
}

/* max |x| with NaN ignored: NaN lanes are zeroed first (FMAXNM would keep a signalling NaN). */
static float amax_row(const float *x, size_t k)
{
    float32x4_t m = vdupq_n_f32(0.0f);
    size_t kk = 0;
    for (; kk + 4 <= k; kk += 4) {
        float32x4_t v = vld1q_f32(x + kk);
        uint32x4_t num = vceqq_f32(v, v);
        v = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(vabsq_f32(v)), num));
        m = vmaxq_f32(m, v);
    }
    float amax = vmaxvq_f32(m);
    for (; kk < k; kk++)
        amax = beex_i8_amax_one(amax, x[kk]);
    return amax;
}

const beex_igemm_ops beex_igemm_ops_neon = {.layout = layout,
                                            .block = block,
                                            .missing = missing,
                                            .quantize_row = quantize_row,
                                            .amax_row = amax_row};
