/* Callgrind's output format (valgrind's docs, "Callgrind Format Specification"), as far as the
 * history needs it: "events:" names the cost columns, "positions:" how many position columns
 * precede them, "fn=" opens a function's block, a cost line there is the function's self
 * cost, and "cfn=" + "calls=" + the next cost line is one call edge with its inclusive cost.
 * Names may be compressed: "(12) name" defines id 12, a later "(12)" refers to it. */
#include "harness/app/history/history_callgrind.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EV_IR, EV_D1MR, EV_D1MW, EV_DLMR, EV_DLMW, EV_N };
static const char *const ev_names[EV_N] = {"Ir", "D1mr", "D1mw", "DLmr", "DLmw"};

typedef struct {
    beex_cg_profile *p;
    size_t fcap, ccap;
    size_t *by_id; /* compressed id -> fns index + 1 (0: not yet defined) */
    size_t idcap;
    json_t *by_name; /* uncompressed names -> fns index */
    int col[EV_N];   /* the column of each event, -1 when not collected */
    int npos;        /* position columns before the costs */
    int have_events, have_totals;
} parser;

/* ---- names -------------------------------------------------------------------------------- */

static long add_fn(parser *ps, const char *name)
{
    beex_cg_profile *p = ps->p;
    if (p->nfns == ps->fcap) {
        size_t ncap = ps->fcap ? 2 * ps->fcap : 256;
        beex_cg_fn *f = realloc(p->fns, ncap * sizeof *f);
        if (f == NULL)
            return -1;
        p->fns = f;
        ps->fcap = ncap;
    }
    beex_cg_fn *f = &p->fns[p->nfns];
    memset(f, 0, sizeof *f);
    f->name = strdup(name);
    if (f->name == NULL)
        return -1;
    return (long)p->nfns++;
}

/* The function a "fn=" or "cfn=" value names: "(id) name", "(id)" or "name". Returns its
 * index, -1 when out of memory, -2 when the value is malformed or refers to an unknown id. */
static long fn_ref(parser *ps, const char *v)
{
    while (*v == ' ')
        v++;
    if (*v != '(') {
        json_t *idx = json_object_get(ps->by_name, v);
        if (idx != NULL)
            return (long)json_integer_value(idx);
        long i = add_fn(ps, v);
        if (i >= 0 && json_object_set_new(ps->by_name, v, json_integer(i)) != 0)
            return -1;
        return i;
    }
    char *end;
    errno = 0;
    unsigned long long id = strtoull(v + 1, &end, 10);
    if (end == v + 1 || *end != ')' || errno != 0 || id > (1ull << 26))
        return -2;
    const char *name = end + 1;
    while (*name == ' ')
        name++;
    if (id >= ps->idcap) {
        size_t ncap = ps->idcap ? ps->idcap : 1024;
        while (ncap <= id)
            ncap *= 2;
        size_t *m = realloc(ps->by_id, ncap * sizeof *m);
        if (m == NULL)
            return -1;
        memset(m + ps->idcap, 0, (ncap - ps->idcap) * sizeof *m);
        ps->by_id = m;
        ps->idcap = ncap;
    }
    if (*name == '\0')
        return ps->by_id[id] ? (long)ps->by_id[id] - 1 : -2;
    if (ps->by_id[id])
        return (long)ps->by_id[id] - 1; /* a repeated definition names the same function */
    long i = add_fn(ps, name);
    if (i >= 0)
        ps->by_id[id] = (size_t)i + 1;
    return i;
}

/* ---- costs -------------------------------------------------------------------------------- */

static int parse_events(parser *ps, const char *v)
{
    for (int e = 0; e < EV_N; e++)
        ps->col[e] = -1;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", v);
    int c = 0;
    for (char *save, *t = strtok_r(buf, " \t", &save); t != NULL;
         t = strtok_r(NULL, " \t", &save)) {
        for (int e = 0; e < EV_N; e++)
            if (strcmp(t, ev_names[e]) == 0)
                ps->col[e] = c;
        c++;
    }
    ps->have_events = 1;
    return ps->col[EV_IR] >= 0 ? 0 : -1;
}

/* Reads the event columns after skip position columns into cost; missing trailing columns
 * are zero (the format lets a line stop early). Returns 0 or -1. */
static int parse_costs(const parser *ps, const char *s, int skip, beex_cg_cost *cost)
{
    unsigned long long v[64] = {0};
    int c = -skip;
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0')
            break;
        const char *tok = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        if (c >= 0 && c < 64) {
            char *end;
            errno = 0;
            v[c] = strtoull(tok, &end, 10);
            if (end != s || errno != 0)
                return -1;
        }
        c++;
    }
    if (c < 0)
        return -1;
#define EV(e) (ps->col[e] >= 0 && ps->col[e] < 64 ? v[ps->col[e]] : 0)
    cost->instructions = EV(EV_IR);
    cost->d1_misses = EV(EV_D1MR) + EV(EV_D1MW);
    cost->ll_misses = EV(EV_DLMR) + EV(EV_DLMW);
#undef EV
    return 0;
}

static void cost_add(beex_cg_cost *a, const beex_cg_cost *b)
{
    a->instructions += b->instructions;
    a->d1_misses += b->d1_misses;
    a->ll_misses += b->ll_misses;
}

static int add_call(parser *ps, size_t caller, size_t callee, const beex_cg_cost *c)
{
    beex_cg_profile *p = ps->p;
    if (p->ncalls == ps->ccap) {
        size_t ncap = ps->ccap ? 2 * ps->ccap : 256;
        beex_cg_call *k = realloc(p->calls, ncap * sizeof *k);
        if (k == NULL)
            return -1;
        p->calls = k;
        ps->ccap = ncap;
    }
    p->calls[p->ncalls++] = (beex_cg_call){caller, callee, *c};
    return 0;
}

/* ---- lines -------------------------------------------------------------------------------- */

typedef struct {
    long fn, cfn;
    int pending; /* 1: the next cost line is a call's inclusive cost; 2: a jump's (skipped) */
} cursor;

static int is_cost_line(const char *s)
{
    return isdigit((unsigned char)s[0]) || s[0] == '+' || s[0] == '-' || s[0] == '*';
}

/* One line; returns NULL or what is wrong with it. */
static const char *parse_line(parser *ps, cursor *cur, const char *s)
{
    if (is_cost_line(s)) {
        int pending = cur->pending;
        cur->pending = 0;
        if (pending == 2)
            return NULL;
        if (!ps->have_events)
            return "a cost line before \"events:\"";
        if (cur->fn < 0)
            return "a cost line outside any fn= block";
        beex_cg_cost c;
        if (parse_costs(ps, s, ps->npos, &c) != 0)
            return "a cost line that does not parse";
        if (pending == 1)
            return add_call(ps, (size_t)cur->fn, (size_t)cur->cfn, &c) ? "out of memory" : NULL;
        cost_add(&ps->p->fns[cur->fn].self, &c);
        return NULL;
    }
    if (strncmp(s, "fn=", 3) == 0 || strncmp(s, "cfn=", 4) == 0) {
        int callee = s[0] == 'c';
        long i = fn_ref(ps, s + (callee ? 4 : 3));
        if (i == -1)
            return "out of memory";
        if (i < 0)
            return "a function reference that does not parse";
        *(callee ? &cur->cfn : &cur->fn) = i;
        return NULL;
    }
    if (strncmp(s, "calls=", 6) == 0) {
        if (cur->cfn < 0)
            return "calls= without cfn=";
        cur->pending = 1;
        return NULL;
    }
    if (strncmp(s, "jump=", 5) == 0 || strncmp(s, "jcnd=", 5) == 0) {
        cur->pending = 2;
        return NULL;
    }
    if (strncmp(s, "events:", 7) == 0)
        return parse_events(ps, s + 7) ? "\"events:\" without Ir" : NULL;
    if (strncmp(s, "positions:", 10) == 0) {
        int n = 0;
        for (const char *t = s + 10; *t; t++)
            n += (t[0] != ' ' && t[0] != '\t') && (t[1] == ' ' || t[1] == '\t' || t[1] == '\0');
        ps->npos = n > 0 ? n : 1;
        return NULL;
    }
    if (strncmp(s, "summary:", 8) == 0 || strncmp(s, "totals:", 7) == 0) {
        if (!ps->have_events)
            return "totals before \"events:\"";
        if (parse_costs(ps, strchr(s, ':') + 1, 0, &ps->p->totals) != 0)
            return "totals that do not parse";
        ps->have_totals = 1;
        return NULL;
    }
    return NULL; /* headers, file and object names, comments: not needed */
}

int beex_cg_read(const char *path, beex_cg_profile *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    parser ps = {p, 0, 0, NULL, 0, json_object(), {-1, -1, -1, -1, -1}, 1, 0, 0};
    cursor cur = {-1, -1, 0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    const char *why = ps.by_name == NULL ? "out of memory" : NULL;
    while (why == NULL && (len = getline(&line, &cap, f)) != -1) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        why = parse_line(&ps, &cur, line);
    }
    if (why == NULL && ferror(f))
        why = "read error";
    if (why != NULL)
        snprintf(err, errlen, "%s:%ld: %s", path, lineno, why);
    else if (!ps.have_totals)
        snprintf(err, errlen, "%s: no \"summary:\" or \"totals:\" line (cut short?)", path);
    free(line);
    fclose(f);
    free(ps.by_id);
    json_decref(ps.by_name);
    if (why != NULL || !ps.have_totals) {
        beex_cg_free(p);
        return -1;
    }
    return 0;
}

void beex_cg_free(beex_cg_profile *p)
{
    for (size_t i = 0; i < p->nfns; i++)
        free(p->fns[i].name);
    free(p->fns);
    free(p->calls);
    memset(p, 0, sizeof *p);
}

/* ---- families ----------------------------------------------------------------------------- */

static int glob_match(const char *pat, const char *s, size_t n)
{
    if (*pat == '\0')
        return n == 0;
    if (*pat == '*') {
        for (size_t k = 0; k <= n; k++)
            if (glob_match(pat + 1, s + k, n - k))
                return 1;
        return 0;
    }
    return n > 0 && *pat == *s && glob_match(pat + 1, s + 1, n - 1);
}

/* A name is "f", "f'2" (callgrind's second recursion level of f) or, with
 * --separate-callers, "f'caller'caller's caller..." (the call context). */
static int matches(const char *name, size_t len, const char *const *patterns)
{
    /* "f.part.0", "f.cold", "f._omp_fn.0" are pieces of f. */
    size_t n = strcspn(name, ".'");
    if (n > len)
        n = len;
    for (size_t i = 0; patterns[i] != NULL; i++)
        if (glob_match(patterns[i], name, n))
            return 1;
    return 0;
}

int beex_cg_in_family(const char *name, const char *const *patterns)
{
    return matches(name, strcspn(name, "'"), patterns);
}

/* 1 when a caller in NAME's context (the components after the first, recursion levels
 * aside) belongs to the family. */
static int context_in(const char *name, const char *const *patterns)
{
    const char *s = strchr(name, '\'');
    while (s != NULL) {
        s++;
        size_t len = strcspn(s, "'");
        if (len > 0 && strspn(s, "0123456789") < len && matches(s, len, patterns))
            return 1;
        s = s[len] ? s + len : NULL;
    }
    return 0;
}

static int is_omp_body(const char *name)
{
    const char *hit = strstr(name, "._omp_fn.");
    return hit != NULL && hit < name + strcspn(name, "'");
}

/* The calls indexed by callee (a CSR table), so that "every caller of i" is one scan. */
static size_t *calls_by_callee(const beex_cg_profile *p, size_t **start_out)
{
    size_t *start = calloc(p->nfns + 1, sizeof *start),
           *order = malloc((p->ncalls + 1) * sizeof *order);
    if (start == NULL || order == NULL) {
        free(start);
        free(order);
        return NULL;
    }
    for (size_t k = 0; k < p->ncalls; k++)
        start[p->calls[k].callee + 1]++;
    for (size_t i = 0; i < p->nfns; i++)
        start[i + 1] += start[i];
    size_t *fill = calloc(p->nfns, sizeof *fill);
    if (fill == NULL) {
        free(start);
        free(order);
        return NULL;
    }
    for (size_t k = 0; k < p->ncalls; k++) {
        size_t c = p->calls[k].callee;
        order[start[c] + fill[c]++] = k;
    }
    free(fill);
    *start_out = start;
    return order;
}

/* Least fixed point: a non-member is inside once every caller (itself aside) is a member or
 * inside; a function nobody calls in the profile is not. Returns 0 or -1 (no memory). */
static int mark_inside(const beex_cg_profile *p, const unsigned char *member, unsigned char *inside)
{
    size_t *start, *order = calls_by_callee(p, &start);
    if (order == NULL)
        return -1;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < p->nfns; i++) {
            if (member[i] || inside[i])
                continue;
            int callers = 0, outside = 0;
            for (size_t e = start[i]; e < start[i + 1] && !outside; e++) {
                size_t caller = p->calls[order[e]].caller;
                if (caller == i)
                    continue;
                callers++;
                outside = !member[caller] && !inside[caller];
            }
            if (callers > 0 && !outside) {
                inside[i] = 1;
                changed = 1;
            }
        }
    }
    free(start);
    free(order);
    return 0;
}

/* What is counted, and why it counts nothing twice. Callgrind keeps, per (caller, callee)
 * pair, the summed inclusive cost of the calls; not the call stacks. The family's cost is the
 * cost of its outermost calls:
 *  - an edge from a family function into another (beex_bgemm_w1a1 -> beex_bgemm_w1a1_dot)
 *    lies inside the caller's inclusive cost, so only edges from outside the family count;
 *  - a function outside the family reached only from the family (a variant's block routine
 *    called by the dispatcher, and what it calls) is "inside": its edges back into the family
 *    lie within an outer call too, and do not count;
 *  - an outlined OpenMP body "f._omp_fn.N" runs inside f's call (libgomp's GOMP_parallel runs
 *    it on the calling thread too), so the edge GOMP_parallel -> f._omp_fn.N does not count
 *    even though libgomp, called from everywhere, is not "inside".
 * What remains double counted is a family function entered from a shared helper that was
 * itself called from the family (family -> helper -> family, where the helper also has
 * callers outside): no kernel family of the suite does this, and with --separate-callers
 * (every function split by its call path) a helper's contexts below the family are "inside".
 * within (NULL: none) keeps only the calls made inside calls of other families, which needs
 * the call contexts of --separate-callers deep enough to reach those families. */
/* 1 when NAME's context has a caller of every family in within (NULL: no condition). */
static int context_in_all(const char *name, const char *const *const *within)
{
    for (size_t i = 0; within != NULL && within[i] != NULL; i++)
        if (!context_in(name, within[i]))
            return 0;
    return 1;
}

int beex_cg_family_cost(const beex_cg_profile *p, const char *const *patterns,
                        const char *const *const *within, beex_cg_cost *out)
{
    beex_cg_cost sum = {0, 0, 0};
    *out = sum;
    if (p->nfns == 0)
        return 0;
    unsigned char *member = calloc(p->nfns, 1), *inside = calloc(p->nfns, 1);
    if (member == NULL || inside == NULL) {
        free(member);
        free(inside);
        return -1;
    }
    for (size_t i = 0; i < p->nfns; i++)
        member[i] = (unsigned char)beex_cg_in_family(p->fns[i].name, patterns);
    if (mark_inside(p, member, inside) != 0) {
        free(member);
        free(inside);
        return -1;
    }
    for (size_t k = 0; k < p->ncalls; k++) {
        const beex_cg_call *c = &p->calls[k];
        if (!member[c->callee] || member[c->caller] || inside[c->caller] ||
            is_omp_body(p->fns[c->callee].name) || !context_in_all(p->fns[c->callee].name, within))
            continue;
        cost_add(&sum, &c->inclusive);
    }
    free(member);
    free(inside);
    *out = sum;
    return 0;
}
