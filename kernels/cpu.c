/* Run-time CPU feature detection (no -march=native anywhere: each variant's files carry their
 * own flags and are only ever called after these checks). */
#include "kernels/cpu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_(E, name, value) [BEEX_ISA_##E] = #name,
static const char *const isa_names[BEEX_ISA_COUNT] = {BEEX_ISA_LIST(NAME_)};
#undef NAME_

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

/* Detection, one function per variant: NULL when this build contains the variant and this
 * CPU runs it, else a sentence naming what is missing. */
static const char *beex_isa_detect_scalar(void)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("popcnt"))
        return "CPU lacks the POPCNT instruction";
#endif
    return NULL;
}

static const char *beex_isa_detect_avx2(void)
{
#if BEEX_HAVE_AVX2 && defined(__x86_64__)
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
        return "CPU lacks AVX2/FMA";
    return NULL;
#else
    return "AVX2 variant not built for this architecture";
#endif
}

static const char *beex_isa_detect_avx512(void)
{
#if BEEX_HAVE_AVX512 && defined(__x86_64__)
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
        !__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512dq"))
        return "CPU lacks AVX-512 F/BW/VL/DQ";
    if (!__builtin_cpu_supports("avx512vpopcntdq"))
        return "CPU lacks AVX-512 VPOPCNTDQ";
    return NULL;
#else
    return "AVX-512 variant not built for this architecture";
#endif
}

static const char *beex_isa_detect_neon(void)
{
#if BEEX_HAVE_NEON && defined(__aarch64__)
    return NULL; /* Advanced SIMD is mandatory on AArch64. */
#else
    return "NEON variant is built only for aarch64";
#endif
}

#define DETECT_(E, name, value) [BEEX_ISA_##E] = beex_isa_detect_##name,
static const char *(*const isa_detect[BEEX_ISA_COUNT])(void) = {BEEX_ISA_LIST(DETECT_)};
#undef DETECT_

#define PREF_(E, name, value) BEEX_ISA_##E,
static const beex_isa isa_pref[BEEX_ISA_COUNT] = {BEEX_ISA_LIST(PREF_)};
#undef PREF_

int beex_isa_available(beex_isa isa, const char **why)
{
    const char *reason =
        ((int)isa < 0 || isa >= BEEX_ISA_COUNT) ? "unknown variant" : isa_detect[isa]();
    if (why != NULL)
        *why = reason;
    return reason == NULL;
}

int beex_isa_preference(beex_isa *order, int cap)
{
    int n = 0;
    for (int i = 0; i < BEEX_ISA_COUNT && n < cap; i++)
        if (beex_isa_available(isa_pref[i], NULL))
            order[n++] = isa_pref[i];
    return n;
}

int beex_isa_available_list(int pick_order, int *out)
{
    beex_isa order[BEEX_ISA_COUNT];
    int n = beex_isa_preference(order, BEEX_ISA_COUNT);
    if (!pick_order) {
        n = 0;
        for (int i = 0; i < BEEX_ISA_COUNT; i++)
            if (beex_isa_available((beex_isa)i, NULL))
                order[n++] = (beex_isa)i;
    }
    for (int i = 0; i < n; i++)
        out[i] = (int)order[i];
    return n;
}

const char *beex_isa_names_joined(char *buf, size_t len, int pick_order, const char *sep,
                                  const char *last_sep)
{
    size_t used = 0;
    if (len > 0)
        buf[0] = '\0';
    for (int i = 0; i < BEEX_ISA_COUNT && used < len; i++) {
        const char *s = i == 0 ? "" : i == BEEX_ISA_COUNT - 1 ? last_sep : sep;
        int w = snprintf(buf + used, len - used, "%s%s", s,
                         isa_names[pick_order ? isa_pref[i] : (beex_isa)i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
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
        char names[128];
        snprintf(err, errlen, "BEEX_ISA=%s: unknown variant (expected %s)", env,
                 beex_isa_names_joined(names, sizeof names, 0, ", ", " or "));
        return BEEX_EINVAL;
    }
    const char *why = NULL;
    if (!beex_isa_available((beex_isa)isa, &why)) {
        snprintf(err, errlen, "BEEX_ISA=%s: variant not usable here: %s", env, why);
        return BEEX_EUNSUPPORTED;
    }
    return BEEX_OK;
}

int beex_isa_pick(int (*has)(beex_isa isa), int isa)
{
    if (isa >= 0) {
        if (isa >= BEEX_ISA_COUNT || (has != NULL && !has((beex_isa)isa)) ||
            !beex_isa_available((beex_isa)isa, NULL))
            return -1;
        return isa;
    }
    int f = beex_isa_forced();
    if (f >= 0)
        return has == NULL || has((beex_isa)f) ? f : -1;
    beex_isa order[BEEX_ISA_COUNT];
    int n = beex_isa_preference(order, BEEX_ISA_COUNT);
    for (int i = 0; i < n; i++)
        if (has == NULL || has(order[i]))
            return (int)order[i];
    return -1;
}
