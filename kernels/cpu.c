/* Run-time CPU feature detection (no -march=native anywhere: each variant's files carry their
 * own flags and are only ever called after these checks). */
#include "kernels/cpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const isa_names[BEEX_ISA_COUNT] = {"scalar", "avx2", "avx512", "neon"};

/* -2 = not yet read from the environment */
static int forced_isa = -2;

const char *beex_isa_name(beex_isa isa)
{
    if ((int)isa < 0 || isa >= BEEX_ISA_COUNT)
        return "unknown";
    return isa_names[isa];
}

int beex_isa_parse(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < BEEX_ISA_COUNT; i++)
        if (strcmp(name, isa_names[i]) == 0)
            return i;
    return -1;
}

int beex_isa_available(beex_isa isa, const char **why)
{
    const char *reason = NULL;
    switch (isa) {
    case BEEX_ISA_SCALAR:
#if defined(__x86_64__)
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("popcnt"))
            reason = "CPU lacks the POPCNT instruction";
#endif
        break;
    case BEEX_ISA_AVX2:
#if defined(BEEX_HAVE_AVX2) && defined(__x86_64__)
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
            reason = "CPU lacks AVX2/FMA";
#else
        reason = "AVX2 variant not built for this architecture";
#endif
        break;
    case BEEX_ISA_AVX512:
#if defined(BEEX_HAVE_AVX512) && defined(__x86_64__)
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
            !__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512dq"))
            reason = "CPU lacks AVX-512 F/BW/VL/DQ";
        else if (!__builtin_cpu_supports("avx512vpopcntdq"))
            reason = "CPU lacks AVX-512 VPOPCNTDQ";
#else
        reason = "AVX-512 variant not built for this architecture";
#endif
        break;
    case BEEX_ISA_NEON:
#if defined(BEEX_HAVE_NEON) && defined(__aarch64__)
        /* Advanced SIMD is mandatory on AArch64. */
#else
        reason = "NEON variant is built only for aarch64";
#endif
        break;
    default:
        reason = "unknown variant";
    }
    if (why != NULL)
        *why = reason;
    return reason == NULL;
}

int beex_isa_preference(beex_isa *order, int cap)
{
    static const beex_isa pref[] = {BEEX_ISA_AVX512, BEEX_ISA_AVX2, BEEX_ISA_NEON, BEEX_ISA_SCALAR};
    int n = 0;
    for (size_t i = 0; i < sizeof pref / sizeof pref[0] && n < cap; i++)
        if (beex_isa_available(pref[i], NULL))
            order[n++] = pref[i];
    return n;
}

int beex_isa_force(int isa)
{
    if (isa < 0) {
        forced_isa = -1;
        return BEEX_OK;
    }
    if (isa >= BEEX_ISA_COUNT || !beex_isa_available((beex_isa)isa, NULL))
        return BEEX_EUNSUPPORTED;
    forced_isa = isa;
    return BEEX_OK;
}

int beex_isa_forced(void)
{
    if (forced_isa == -2) {
        const char *env = getenv("BEEX_ISA");
        int isa = (env != NULL && env[0] != '\0') ? beex_isa_parse(env) : -1;
        forced_isa = (isa >= 0 && beex_isa_available((beex_isa)isa, NULL)) ? isa : -1;
    }
    return forced_isa;
}

int beex_isa_check_env(char *err, size_t errlen)
{
    const char *env = getenv("BEEX_ISA");
    if (env == NULL || env[0] == '\0')
        return BEEX_OK;
    int isa = beex_isa_parse(env);
    if (isa < 0) {
        snprintf(err, errlen,
                 "BEEX_ISA=%s: unknown variant (expected scalar, avx2, avx512 or neon)", env);
        return BEEX_EINVAL;
    }
    const char *why = NULL;
    if (!beex_isa_available((beex_isa)isa, &why)) {
        snprintf(err, errlen, "BEEX_ISA=%s: variant not usable here: %s", env, why);
        return BEEX_EUNSUPPORTED;
    }
    return BEEX_OK;
}

int beex_isa_pick(const int has[BEEX_ISA_COUNT])
{
    int f = beex_isa_forced();
    if (f >= 0)
        return has[f] ? f : -1;
    beex_isa order[BEEX_ISA_COUNT];
    int n = beex_isa_preference(order, BEEX_ISA_COUNT);
    for (int i = 0; i < n; i++)
        if (has[order[i]])
            return (int)order[i];
    return -1;
}
