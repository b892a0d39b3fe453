/* CPU feature detection and the choice of kernel variant.
 * Every operation family keeps a table indexed by beex_isa; this file says which entries
 * the running CPU can execute and which one the user forced (BEEX_ISA or beex_isa_force). */
#ifndef BEEX_KERNELS_CPU_H
#define BEEX_KERNELS_CPU_H

#include <stddef.h>

typedef enum {
    BEEX_ISA_SCALAR = 0,
    BEEX_ISA_AVX2,
    BEEX_ISA_AVX512, /* AVX-512 F/BW/VL + VPOPCNTDQ */
    BEEX_ISA_NEON,
    BEEX_ISA_COUNT
} beex_isa;

/* Status codes shared by every kernel entry point. */
enum {
    BEEX_OK = 0,
    BEEX_EINVAL = -1,       /* null pointer, zero size, bad stride */
    BEEX_EUNSUPPORTED = -2, /* the CPU or the build lacks the requested variant */
    BEEX_ENOMEM = -3,
    BEEX_ENONFINITE = -4 /* a logit or entropy came out NaN or infinite (weights out of range) */
};

const char *beex_isa_name(beex_isa isa);
/* Parses "scalar", "avx2", "avx512", "neon"; returns -1 when unknown. */
int beex_isa_parse(const char *name);

/* 1 when this build contains the variant and this CPU runs it. Otherwise 0, and
 * *why (if not NULL) gets a static sentence naming what is missing. */
int beex_isa_available(beex_isa isa, const char **why);

/* Preference order: best first, scalar last. Returns how many entries were written. */
int beex_isa_preference(beex_isa *order, int cap);

/* Forces every operation family onto one variant (BEEX_EUNSUPPORTED if unavailable).
 * beex_isa_force(-1) returns to automatic selection. */
int beex_isa_force(int isa);

/* The forced variant (from beex_isa_force, else from the BEEX_ISA environment variable), or
 * -1 when selection is automatic. An unknown or unavailable BEEX_ISA value is reported by
 * beex_isa_check_env. */
int beex_isa_forced(void);

/* Validates BEEX_ISA once at program start: 0 when unset or usable; otherwise writes a
 * message to err and returns BEEX_EUNSUPPORTED (or BEEX_EINVAL for an unknown name). */
int beex_isa_check_env(char *err, size_t errlen);

/* Picks the variant for an operation family whose table has an entry (non-NULL) for each
 * isa where has[isa] != 0: the forced one if set, else the first available in preference
 * order. Returns -1 if the forced one has no entry for this family. */
int beex_isa_pick(const int has[BEEX_ISA_COUNT]);

#endif
