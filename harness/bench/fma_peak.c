/* In-register fp32 multiply-add loops. Each loop keeps 12 independent chains of
 * acc = acc * b + c (b = 0.999, c = 0.001: the chains converge to 1, never to a denormal or
 * infinity), enough to cover the FMA latency times the issue width of current cores (4 x 2).
 * The functions carry their ISA in a target attribute, so this file needs no special flags;
 * they run only after the CPU was checked. */
#include "harness/bench/fma_peak.h"

#include <stdint.h>

#include "harness/base/timing.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define BEEX_X86_FMA 1
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

/* Keeps a scalar accumulator in a register of its own: without it the compiler may pack the
 * 12 scalar chains into vectors and the "scalar" loop would measure SIMD. */
#if defined(BEEX_X86_FMA)
#define KEEP(v) __asm__ volatile("" : "+x"(v))
#elif defined(__aarch64__)
#define KEEP(v) __asm__ volatile("" : "+w"(v))
#else
#define KEEP(v) ((void)0)
#endif

enum { CHAINS = 12 };

typedef double (*fma_loop)(uint64_t iters, float *sink); /* returns FLOPs done */

#define SCALAR_BODY(MULADD)                                                                        \
    float a0 = 0.1f, a1 = 0.2f, a2 = 0.3f, a3 = 0.4f, a4 = 0.5f, a5 = 0.6f, a6 = 0.7f, a7 = 0.8f;  \
    float a8 = 0.9f, a9 = 1.1f, a10 = 1.2f, a11 = 1.3f;                                            \
    const float b = 0.999f, c = 0.001f;                                                            \
    for (uint64_t i = 0; i < iters; i++) {                                                         \
        a0 = MULADD(a0), a1 = MULADD(a1), a2 = MULADD(a2), a3 = MULADD(a3);                        \
        a4 = MULADD(a4), a5 = MULADD(a5), a6 = MULADD(a6), a7 = MULADD(a7);                        \
        a8 = MULADD(a8), a9 = MULADD(a9), a10 = MULADD(a10), a11 = MULADD(a11);                    \
        KEEP(a0);                                                                                  \
        KEEP(a1);                                                                                  \
        KEEP(a2);                                                                                  \
        KEEP(a3);                                                                                  \
        KEEP(a4);                                                                                  \
        KEEP(a5);                                                                                  \
        KEEP(a6);                                                                                  \
        KEEP(a7);                                                                                  \
        KEEP(a8);                                                                                  \
        KEEP(a9);                                                                                  \
        KEEP(a10);                                                                                 \
        KEEP(a11);                                                                                 \
    }                                                                                              \
    *sink = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;                           \
    return (double)iters * CHAINS * 2.0;

/* The scalar loop as the build's baseline ISA compiles it: x86-64's baseline has no FMA, so
 * a multiply and an add (two instructions, two FLOPs). */
#define MULADD_PLAIN(x) ((x)*b + c)
static double loop_scalar_plain(uint64_t iters, float *sink)
{
    SCALAR_BODY(MULADD_PLAIN)
}

#if defined(BEEX_X86_FMA)
/* The same with scalar FMA (vfmadd231ss) where the CPU has it. */
#define MULADD_FMA(x) __builtin_fmaf((x), b, c)
__attribute__((target("fma"))) static double loop_scalar_fma(uint64_t iters, float *sink)
{
    SCALAR_BODY(MULADD_FMA)
}
#endif

#define VEC_BODY(T, SET1, FMA, ADD, LANES, STORE_SUM)                                              \
    T b = SET1(0.999f), c = SET1(0.001f);                                                          \
    T a0 = SET1(0.1f), a1 = SET1(0.2f), a2 = SET1(0.3f), a3 = SET1(0.4f), a4 = SET1(0.5f);         \
    T a5 = SET1(0.6f), a6 = SET1(0.7f), a7 = SET1(0.8f), a8 = SET1(0.9f), a9 = SET1(1.1f);         \
    T a10 = SET1(1.2f), a11 = SET1(1.3f);                                                          \
    for (uint64_t i = 0; i < iters; i++) {                                                         \
        a0 = FMA(a0, b, c), a1 = FMA(a1, b, c), a2 = FMA(a2, b, c), a3 = FMA(a3, b, c);            \
        a4 = FMA(a4, b, c), a5 = FMA(a5, b, c), a6 = FMA(a6, b, c), a7 = FMA(a7, b, c);            \
        a8 = FMA(a8, b, c), a9 = FMA(a9, b, c), a10 = FMA(a10, b, c), a11 = FMA(a11, b, c);        \
    }                                                                                              \
    T s = ADD(ADD(ADD(a0, a1), ADD(a2, a3)), ADD(ADD(a4, a5), ADD(a6, a7)));                       \
    s = ADD(s, ADD(ADD(a8, a9), ADD(a10, a11)));                                                   \
    STORE_SUM;                                                                                     \
    return (double)iters * CHAINS * LANES * 2.0;

#if defined(BEEX_X86_FMA)
__attribute__((target("avx2,fma"))) static double loop_avx2(uint64_t iters, float *sink)
{
    VEC_BODY(__m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps, 8,
             *sink = _mm_cvtss_f32(_mm256_castps256_ps128(s)))
}
__attribute__((target("avx512f"))) static double loop_avx512(uint64_t iters, float *sink)
{
    VEC_BODY(__m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps, 16,
             *sink = _mm512_reduce_add_ps(s))
}
#endif

#if defined(__aarch64__)
static float32x4_t neon_fma(float32x4_t a, float32x4_t b, float32x4_t c)
{
    return vfmaq_f32(c, a, b);
}
static double loop_neon(uint64_t iters, float *sink)
{
    VEC_BODY(float32x4_t, vdupq_n_f32, neon_fma, vaddq_f32, 4, *sink = vaddvq_f32(s))
}
#endif

static int cpu_has_fma(void)
{
#if defined(BEEX_X86_FMA)
    return __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

static fma_loop loop_for(beex_isa isa)
{
    if (!beex_isa_available(isa, NULL))
        return 0;
    switch (isa) {
    case BEEX_ISA_SCALAR:
#if defined(BEEX_X86_FMA)
        if (cpu_has_fma())
            return loop_scalar_fma;
#endif
        return loop_scalar_plain;
#if defined(BEEX_X86_FMA)
    case BEEX_ISA_AVX2:
        return cpu_has_fma() ? loop_avx2 : 0;
    case BEEX_ISA_AVX512:
        return loop_avx512;
#endif
#if defined(__aarch64__)
    case BEEX_ISA_NEON:
        return loop_neon;
#endif
    default:
        return 0;
    }
}

int beex_fma_peak_available(beex_isa isa, const char **why)
{
    if (loop_for(isa) != 0)
        return 1;
    const char *w = NULL;
    if (beex_isa_available(isa, &w))
        w = "no fp32 loop for this variant in this build or on this CPU";
    if (why != NULL)
        *why = w;
    return 0;
}

const char *beex_fma_peak_describe(beex_isa isa)
{
    switch (isa) {
    case BEEX_ISA_SCALAR:
        return cpu_has_fma() ? "12 chains of scalar fp32 FMA (vfmadd231ss), 2 FLOP each"
                             : "12 chains of scalar fp32 multiply + add, 2 FLOP each";
    case BEEX_ISA_AVX2:
        return "12 chains of 256-bit VFMADD (8 lanes), 16 FLOP each";
    case BEEX_ISA_AVX512:
        return "12 chains of 512-bit VFMADD (16 lanes), 32 FLOP each";
    case BEEX_ISA_NEON:
        return "12 chains of 128-bit FMLA (4 lanes), 8 FLOP each";
    default:
        return "none";
    }
}

int beex_fma_peak_measure(beex_isa isa, double seconds, double *flops_per_s)
{
    fma_loop fn = loop_for(isa);
    if (fn == 0 || seconds <= 0.0)
        return -1;
    float sink = 0.0f;
    /* Calibrate, then one run of about `seconds`: the loop has no memory traffic, so one long
     * run is as good as several short ones and its mean is the rate. */
    uint64_t iters = 1u << 12;
    double dt = 0.0;
    for (;;) {
        double t0 = beex_now_seconds();
        fn(iters, &sink);
        dt = beex_now_seconds() - t0;
        if (dt > 0.01 || iters > (1ull << 40))
            break;
        iters *= 4;
    }
    uint64_t want = (uint64_t)((double)iters * seconds / (dt > 0.0 ? dt : 1e-9)) + 1;
    double t0 = beex_now_seconds();
    double flops = fn(want, &sink);
    double t = beex_now_seconds() - t0;
    if (sink == 42.0f) /* uses the chains' result, so the loop stays */
        t += 1e-12;
    *flops_per_s = t > 0.0 ? flops / t : 0.0;
    return t > 0.0 ? 0 : -1;
}

int beex_fma_peak_widest(void)
{
    beex_isa order[BEEX_ISA_COUNT];
    int n = beex_isa_preference(order, BEEX_ISA_COUNT);
    for (int i = 0; i < n; i++)
        if (order[i] != BEEX_ISA_SCALAR && loop_for(order[i]) != 0)
            return (int)order[i];
    return -1;
}
