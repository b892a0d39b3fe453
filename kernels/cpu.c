/* Run-time CPU feature detection (no -march=native anywhere: each variant's files carry their
 * own flags and are only ever called after these checks). */
#include "kernels/cpu.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__linux__) && defined(__x86_64__)
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#define NAME_(E, name, value, parent) [BEEX_ISA_##E] = #name,
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

/* AVX-VNNI (the VEX-encoded vpdpbusd on ymm of Alder Lake, Sapphire Rapids and Zen 5) is
 * CPUID leaf 7 subleaf 1 EAX bit 4; read directly, since only newer compilers know
 * __builtin_cpu_supports("avxvnni"). The OS's saving of ymm state is part of avx2's check. */
static const char *beex_isa_detect_avxvnni(void)
{
#if BEEX_HAVE_AVXVNNI && defined(__x86_64__)
    const char *why = beex_isa_detect_avx2();
    if (why != NULL)
        return why;
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d) || !(a & (1u << 4)))
        return "CPU lacks AVX-VNNI";
    return NULL;
#else
    return "AVX-VNNI variant not built for this architecture";
#endif
}

#if BEEX_HAVE_AMX && defined(__x86_64__)
/* Linux gives a process AMX tile data (8 KiB of extra xsave state per thread) only on request,
 * once per process; until then the first tile instruction faults. Asked once, the answer is
 * cached (every later call, from any thread, reads the same). */
#ifndef ARCH_REQ_XCOMP_PERM
#define ARCH_REQ_XCOMP_PERM 0x1023
#endif
#define XFEATURE_XTILEDATA 18

static pthread_once_t amx_once = PTHREAD_ONCE_INIT;
static const char *amx_why;
static char amx_why_buf[160];

static void amx_probe(void)
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(d & (1u << 24)) || !(d & (1u << 25))) {
        amx_why = "CPU lacks AMX-TILE/AMX-INT8";
        return;
    }
#if defined(__linux__)
    if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) != 0) {
        snprintf(amx_why_buf, sizeof amx_why_buf,
                 "the OS refused AMX tile data (arch_prctl(ARCH_REQ_XCOMP_PERM, "
                 "XFEATURE_XTILEDATA): %s; Linux 5.16 or later is needed)",
                 strerror(errno));
        amx_why = amx_why_buf;
    }
#else
    amx_why = "AMX tile data is requested from the OS only on Linux (arch_prctl)";
#endif
}
#endif

/* AMX: the avx512 set (the variant's non-tile code is AVX-512), AMX-TILE and AMX-INT8 (CPUID
 * leaf 7 EDX bits 24 and 25), and the OS's permission for tile data. */
static const char *beex_isa_detect_amx(void)
{
#if BEEX_HAVE_AMX && defined(__x86_64__)
    const char *why = beex_isa_detect_avx512();
    if (why != NULL)
        return why;
    pthread_once(&amx_once, amx_probe);
    return amx_why;
#else
    return "AMX variant not built for this architecture";
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

#define DETECT_(E, name, value, parent) [BEEX_ISA_##E] = beex_isa_detect_##name,
static const char *(*const isa_detect[BEEX_ISA_COUNT])(void) = {BEEX_ISA_LIST(DETECT_)};
#undef DETECT_

#define PREF_(E, name, value, parent) BEEX_ISA_##E,
static const beex_isa isa_pref[BEEX_ISA_COUNT] = {BEEX_ISA_LIST(PREF_)};
#undef PREF_

#define PARENT_(E, name, value, parent) [BEEX_ISA_##E] = BEEX_ISA_##parent,
static const int isa_parent[BEEX_ISA_COUNT] = {BEEX_ISA_LIST(PARENT_)};
#undef PARENT_

int beex_isa_parent(beex_isa isa)
{
    if ((int)isa < 0 || isa >= BEEX_ISA_COUNT)
        return -1;
    return isa_parent[isa];
}

/* Each variant's answer, found once per process: every family's pick asks it on every call,
 * and CPUID traps to the hypervisor in a VM (tens of microseconds): asking it per call made
 * a small w8a8 model spend three quarters of its time in detection. */
static const char *isa_reason[BEEX_ISA_COUNT];
static pthread_once_t isa_reason_once = PTHREAD_ONCE_INIT;

static void isa_reason_fill(void)
{
    for (int i = 0; i < BEEX_ISA_COUNT; i++)
        isa_reason[i] = isa_detect[i]();
}

int beex_isa_available(beex_isa isa, const char **why)
{
    pthread_once(&isa_reason_once, isa_reason_fill);
    const char *reason =
        ((int)isa < 0 || isa >= BEEX_ISA_COUNT) ? "unknown variant" : isa_reason[isa];
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

/* isa (which runs here) or its nearest ancestor that the family has. The chain is at most
 * BEEX_ISA_COUNT long: a list with a cycle in it ends the walk rather than the program. */
static int nearest_in_family(int (*has)(beex_isa isa), int isa)
{
    for (int steps = 0; isa >= 0 && steps < BEEX_ISA_COUNT; steps++) {
        if (has == NULL || has((beex_isa)isa))
            return beex_isa_available((beex_isa)isa, NULL) ? isa : -1;
        isa = beex_isa_parent((beex_isa)isa);
    }
    return -1;
}

int beex_isa_pick(int (*has)(beex_isa isa), int isa)
{
    if (isa >= 0) {
        if (isa >= BEEX_ISA_COUNT || !beex_isa_available((beex_isa)isa, NULL))
            return -1;
        return nearest_in_family(has, isa);
    }
    int f = beex_isa_forced();
    if (f >= 0)
        return nearest_in_family(has, f);
    beex_isa order[BEEX_ISA_COUNT];
    int n = beex_isa_preference(order, BEEX_ISA_COUNT);
    for (int i = 0; i < n; i++)
        if (has == NULL || has(order[i]))
            return (int)order[i];
    return -1;
}
