/* Reading a callgrind output file (valgrind's format 1, "--cache-sim=yes"): the totals of the
 * collected events, and the inclusive cost of a family of functions named by patterns, from
 * the file's self costs and call edges. */
#ifndef BEEX_APP_HISTORY_CALLGRIND_H
#define BEEX_APP_HISTORY_CALLGRIND_H

#include <stddef.h>

/* The history's three metrics (docs/history.md). */
typedef struct {
    unsigned long long instructions; /* Ir */
    unsigned long long d1_misses;    /* D1mr + D1mw */
    unsigned long long ll_misses;    /* DLmr + DLmw */
} beex_cg_cost;

typedef struct {
    char *name;
    beex_cg_cost self;
} beex_cg_fn;

typedef struct {
    size_t caller, callee; /* indices into fns */
    beex_cg_cost inclusive;
} beex_cg_call;

typedef struct {
    beex_cg_cost totals; /* the "summary:" or "totals:" line */
    beex_cg_fn *fns;
    size_t nfns;
    beex_cg_call *calls;
    size_t ncalls;
} beex_cg_profile;

/* Parses PATH. A file without an "events:" line naming Ir, without totals, or with a line
 * that does not parse is an error naming the file and line. Returns 0 or -1 with err. */
int beex_cg_read(const char *path, beex_cg_profile *p, char *err, size_t errlen);
void beex_cg_free(beex_cg_profile *p);

/* 1 when NAME belongs to the family given by patterns (NULL-terminated globs: '*' matches any
 * run of characters): a compiler clone ("f.part.0", "f.constprop.1", "f.cold") is matched by
 * the name before its first '.', a recursion level or call context ("f'2", "f'caller") by the
 * name before its first '\''. */
int beex_cg_in_family(const char *name, const char *const *patterns);

/* The cost spent inside the family: the inclusive cost of its outermost calls (see the .c for
 * how nested and re-entered calls are kept from counting twice). With within (a NULL-terminated
 * list of pattern lists; NULL: no condition), only calls whose call context (a profile made
 * with --separate-callers=N) has a caller of each of those families count: a kernel's cost
 * inside the forward pass, not in the model's set-up. Returns 0, or -1 when out of memory. */
int beex_cg_family_cost(const beex_cg_profile *p, const char *const *patterns,
                        const char *const *const *within, beex_cg_cost *out);

#endif
