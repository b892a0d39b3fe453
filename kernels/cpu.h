/* CPU feature detection and the choice of kernel variant.
 * Every operation family keeps a table indexed by beex_isa; this file says which entries
 * the running CPU can execute and which one the user forced (BEEX_ISA or beex_isa_force). */
#ifndef BEEX_KERNELS_CPU_H
#define BEEX_KERNELS_CPU_H

#include <stddef.h>

/* The kernel variants, one line each, in pick order (best first, scalar last):
 *   X(ENUM suffix, name, beex_isa value, parent's ENUM suffix)
 * The enum, the names, BEEX_ISA parsing and its error text, the pick order, the parent
 * chain, `beex variants` and the per-variant test registrations all come from this list. A
 * variant also has a detection function beex_isa_detect_<name> (kernels/cpu.c), a
 * BEEX_HAVE_<ENUM> of 0 or 1 and its flags (CMakeLists.txt: beex_variant), a folder
 * variants/<name>/, and one line in each family's list (kernels/<family>_list.h) that has
 * code for it. Values are stable: results name variants by name, but a new line takes the
 * next value rather than renumbering.
 *
 * The parent is the variant whose code a CPU running this one always runs too (its
 * detection asks for everything the parent's asks for): a family whose list has no line for
 * a variant runs its nearest ancestor instead (beex_isa_pick), so a new variant such as amx
 * or avxvnni needs lines only in the families it speeds up. */
#define BEEX_ISA_LIST(X)                                                                           \
    X(AMX, amx, 4, AVX512)       /* the avx512 set + AMX-TILE/AMX-INT8, OS permission */           \
    X(AVX512, avx512, 2, AVX2)   /* AVX-512 F/BW/VL/DQ + VPOPCNTDQ */                              \
    X(AVXVNNI, avxvnni, 5, AVX2) /* AVX2/FMA + AVX-VNNI (VEX vpdpbusd on ymm) */                   \
    X(AVX2, avx2, 1, SCALAR)                                                                       \
    X(NEON, neon, 3, SCALAR)                                                                       \
    X(SCALAR, scalar, 0, NONE)

#define BEEX_ISA_ENUM_(E, name, value, parent) BEEX_ISA_##E = value,
#define BEEX_ISA_ONE_(E, name, value, parent) +1
typedef enum {
    BEEX_ISA_LIST(BEEX_ISA_ENUM_) BEEX_ISA_COUNT = 0 BEEX_ISA_LIST(BEEX_ISA_ONE_)
} beex_isa;

/* No variant: scalar's parent (not a beex_isa value, so no switch over beex_isa sees it). */
enum { BEEX_ISA_NONE = -1 };

/* BEEX_IF_BUILT(ENUM, tokens...) expands to the tokens when this build compiles the variant
 * (BEEX_HAVE_<ENUM> is 1) and to nothing when it is 0; a variant missing from CMakeLists.txt
 * leaves BEEX_HAVE_<ENUM> undefined and fails to compile, never silently. */
#define BEEX_IF_0_(...)
#define BEEX_IF_1_(...) __VA_ARGS__
#define BEEX_IF_(c, ...) BEEX_IF_##c##_(__VA_ARGS__)
#define BEEX_IF_EXPAND_(c, ...) BEEX_IF_(c, __VA_ARGS__)
#define BEEX_IF_BUILT(E, ...) BEEX_IF_EXPAND_(BEEX_HAVE_##E, __VA_ARGS__)

/* Status codes shared by every kernel entry point. */
enum {
    BEEX_OK = 0,
    BEEX_EINVAL = -1,       /* null pointer, zero size, bad stride */
    BEEX_EUNSUPPORTED = -2, /* the CPU or the build lacks the requested variant */
    BEEX_ENOMEM = -3,
    BEEX_ENONFINITE = -4 /* a logit or entropy came out NaN or infinite (weights out of range) */
};

const char *beex_isa_name(beex_isa isa);
/* Parses a variant's name (BEEX_ISA_LIST); returns -1 when unknown. */
int beex_isa_parse(const char *name);
/* The variant's parent (BEEX_ISA_LIST), or -1 for scalar and unknown values. */
int beex_isa_parent(beex_isa isa);

/* 1 when this build contains the variant and this CPU runs it. Otherwise 0, and
 * *why (if not NULL) gets a static sentence naming what is missing. */
int beex_isa_available(beex_isa isa, const char **why);

/* Preference order: best first, scalar last. Returns how many entries were written. */
int beex_isa_preference(beex_isa *order, int cap);
/* The variants that run here: in preference order (pick_order) or in beex_isa order, as ints
 * (what the option parsers and the sweep's variant lists hold). Returns how many were written
 * (at most BEEX_ISA_COUNT). */
int beex_isa_available_list(int pick_order, int *out);

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

/* Picks the variant for an operation family: has(isa) says whether the family's table has
 * an entry for isa that runs here (NULL: every variant). With isa >= 0 that variant, which
 * must run on this CPU; with isa < 0 the forced one if set, else the first available in
 * preference order that the family has. A requested or forced variant the family lacks
 * falls back along the parent chain to the nearest ancestor it has (BEEX_ISA=amx runs a
 * family without amx code on avx512, BEEX_ISA=avxvnni one without avxvnni code on avx2).
 * Returns -1 when none fits (the requested variant does not run here, or no ancestor is
 * in the family). */
int beex_isa_pick(int (*has)(beex_isa isa), int isa);

/* Writes the variants' names joined by sep (in pick order when pick_order, else in beex_isa
 * order), the last two by last_sep; returns buf. */
const char *beex_isa_names_joined(char *buf, size_t len, int pick_order, const char *sep,
                                  const char *last_sep);

#endif
