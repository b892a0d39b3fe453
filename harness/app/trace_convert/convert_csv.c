/* A plain CSV export (one row per example and exit) into beex-exit-trace/1. The rows are read
 * once, an example at a time: its rows are gathered, checked with the reader's own checks
 * (naming the CSV's lines), and written; the header follows the first example, which fixes
 * the number of exits. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/app/trace_convert/trace_convert_internal.h"
#include "harness/base/input_file.h"
#include "harness/model/model.h"

#define MAX_COLS (BEEX_MAX_CLASSES + 8)

/* Column indices; -1 when absent. */
typedef struct {
    int id, label, exit, cost, bops, iops, len;
    int value[BEEX_MAX_CLASSES];
    int classes, probs, ncols;
} columns;

/* Splits a CSV line in place into at most max fields; "..." quoting with "" inside. Returns
 * the count, or -1 on a quote left open or too many fields. */
static int split_csv(char *s, char **field, int max)
{
    int n = 0;
    s[strcspn(s, "\r\n")] = '\0';
    for (;;) {
        if (n == max)
            return -1;
        if (*s == '"') {
            char *w = ++s;
            field[n++] = w;
            for (;;) {
                if (*s == '\0')
                    return -1;
                if (*s == '"' && s[1] == '"') {
                    *w++ = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    *w++ = *s++;
                }
            }
            if (*s != ',' && *s != '\0')
                return -1;
            *w = '\0';
        } else {
            field[n++] = s;
            s += strcspn(s, ",");
        }
        if (*s == '\0')
            return n;
        *s++ = '\0';
    }
}

/* A value column "logit_K" or "prob_K": K into *k, kind into *probs. */
static int value_column(const char *name, int *k, int *probs)
{
    const char *digits = strncmp(name, "logit_", 6) == 0  ? name + 6
                         : strncmp(name, "prob_", 5) == 0 ? name + 5
                                                          : NULL;
    if (digits == NULL || *digits < '0' || *digits > '9' || strlen(digits) > 3 ||
        strspn(digits, "0123456789") != strlen(digits))
        return -1;
    *k = atoi(digits);
    *probs = name[0] == 'p';
    return 0;
}

static int parse_columns(char **f, int n, columns *c, char *why, size_t len)
{
    static const char *const names[7] = {"id", "label", "exit", "cost", "bops", "iops", "len"};
    int *slot[7] = {&c->id, &c->label, &c->exit, &c->cost, &c->bops, &c->iops, &c->len};
    memset(c, 0, sizeof *c);
    for (int k = 0; k < 7; k++)
        *slot[k] = -1;
    for (int k = 0; k < BEEX_MAX_CLASSES; k++)
        c->value[k] = -1;
    c->probs = -1;
    c->ncols = n;
    for (int j = 0; j < n; j++) {
        int k, probs, known = 0;
        for (int s = 0; s < 7 && !known; s++)
            if (strcmp(f[j], names[s]) == 0) {
                if (*slot[s] >= 0) {
                    snprintf(why, len, "column \"%s\" appears twice", f[j]);
                    return -1;
                }
                *slot[s] = j;
                known = 1;
            }
        if (known)
            continue;
        if (value_column(f[j], &k, &probs) != 0 || k >= BEEX_MAX_CLASSES) {
            snprintf(why, len,
                     "unknown column \"%.60s\" (id, label, exit, cost, logit_K or prob_K, and "
                     "optionally bops, iops, len)",
                     f[j]);
            return -1;
        }
        if ((c->probs >= 0 && probs != c->probs) || c->value[k] >= 0) {
            snprintf(why, len, "column \"%.60s\": %s", f[j],
                     c->value[k] >= 0 ? "class listed twice" : "logit_ and prob_ columns mixed");
            return -1;
        }
        c->probs = probs;
        c->value[k] = j;
        if (k + 1 > c->classes)
            c->classes = k + 1;
    }
    for (int k = 0; k < c->classes; k++)
        if (c->value[k] < 0) {
            snprintf(why, len, "no column %s_%d (classes count from 0 without a gap)",
                     c->probs ? "prob" : "logit", k);
            return -1;
        }
    for (int s = 0; s < 4; s++)
        if (*slot[s] < 0) {
            snprintf(why, len, "no column \"%s\"", names[s]);
            return -1;
        }
    if (c->classes < 2) {
        snprintf(why, len, "at least two value columns (logit_0, logit_1, ...) are needed");
        return -1;
    }
    return 0;
}

/* The example being gathered. */
typedef struct {
    char *id;
    int label, len, exits, first_line;
    int line[BEEX_MAX_BLOCKS];
    double *values; /* BEEX_MAX_BLOCKS x classes */
    double cost[BEEX_MAX_BLOCKS], bops[BEEX_MAX_BLOCKS], iops[BEEX_MAX_BLOCKS];
} example;

/* All ids seen, for the duplicate check at the end. */
typedef struct {
    char **id;
    int *line;
    int n, cap;
} id_list;

typedef struct {
    const beex_trace_convert_options *o;
    beex_byo_header h;
    columns col;
    example ex;
    id_list ids;
    beex_atomic_file af;
    int header_written;
} conv;

static int number(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return end == s || *end != '\0' ? -1 : 0;
}

/* A label: a class number 0 .. C-1 or a class name. Returns it, or -1. */
static int parse_label(const conv *cv, const char *s)
{
    double v;
    if (number(s, &v) == 0 && v == floor(v) && v >= 0 && v < cv->h.classes)
        return (int)v;
    for (int c = 0; c < cv->h.classes; c++)
        if (strcmp(cv->h.class_names[c], s) == 0)
            return c;
    return -1;
}

static int remember_id(id_list *l, const char *id, int line)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 256;
        char **a = realloc(l->id, (size_t)cap * sizeof *a);
        if (a != NULL)
            l->id = a;
        int *b = realloc(l->line, (size_t)cap * sizeof *b);
        if (b != NULL)
            l->line = b;
        if (a == NULL || b == NULL)
            return -1;
        l->cap = cap;
    }
    if ((l->id[l->n] = strdup(id)) == NULL)
        return -1;
    l->line[l->n++] = line;
    return 0;
}

/* The gathered example, checked and written (the header first, once). */
static int flush_example(conv *cv, const char *path, char *err, size_t errlen)
{
    example *e = &cv->ex;
    char why[400];
    int bad;
    if (!cv->header_written) {
        if (e->exits < 2) {
            snprintf(err, errlen,
                     "%s: line %d: example \"%.60s\" has %d exit; a trace needs two "
                     "or more",
                     path, e->first_line, e->id, e->exits);
            return -1;
        }
        cv->h.exits = e->exits;
        if (beex_byo_write_header(cv->af.f, &cv->h) != 0) {
            snprintf(err, errlen, "%s: cannot write the header", cv->o->out);
            return -1;
        }
        cv->header_written = 1;
    }
    if (e->exits != cv->h.exits) {
        snprintf(err, errlen, "%s: line %d: example \"%.60s\" has %d exits, the first one has %d",
                 path, e->first_line, e->id, e->exits, cv->h.exits);
        return -1;
    }
    if (beex_byo_check_values(e->values, e->exits, cv->h.classes, cv->h.probs, &bad, why,
                              sizeof why) != 0) {
        snprintf(err, errlen, "%s: line %d: %s", path, e->line[bad], why);
        return -1;
    }
    if (beex_byo_check_costs("cost", e->cost, e->exits, 1, why, sizeof why) != 0 ||
        beex_byo_check_costs("bops", e->bops, e->exits, 0, why, sizeof why) != 0 ||
        beex_byo_check_costs("iops", e->iops, e->exits, 0, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: lines %d-%d (example \"%.60s\"): %s", path, e->first_line,
                 e->line[e->exits - 1], e->id, why);
        return -1;
    }
    beex_byo_example w = {e->id, 0, e->label, e->len, e->values, 17, e->cost, e->bops, e->iops};
    if (beex_byo_write_example(cv->af.f, &cv->h, &w) != 0 ||
        remember_id(&cv->ids, e->id, e->first_line) != 0) {
        snprintf(err, errlen, "%s: cannot write example \"%.60s\" (not UTF-8, or no memory)",
                 cv->o->out, e->id);
        return -1;
    }
    free(e->id);
    e->id = NULL;
    e->exits = 0;
    return 0;
}

/* A row's integer field (exit, len): digits only, in [1, hi]. Returns it, or -1. */
static int small_int(const char *s, int hi)
{
    double v;
    return number(s, &v) == 0 && v == floor(v) && v >= 1 && v <= hi ? (int)v : -1;
}

/* One data row into the gathered example, flushing the previous one when the id changes. */
static int add_row(conv *cv, char **f, int n, int line, const char *path, char *err, size_t errlen)
{
    const columns *c = &cv->col;
    example *e = &cv->ex;
    if (n != c->ncols) {
        snprintf(err, errlen, "%s: line %d: %d fields, the header has %d columns", path, line, n,
                 c->ncols);
        return -1;
    }
    const char *id = f[c->id];
    int x = small_int(f[c->exit], BEEX_MAX_BLOCKS);
    int label = parse_label(cv, f[c->label]);
    int T = c->len >= 0 ? small_int(f[c->len], 2147483647) : 0;
    if (id[0] == '\0' || x < 0 || label < 0 || T < 0) {
        snprintf(err, errlen, "%s: line %d: %s", path, line,
                 id[0] == '\0' ? "empty id"
                 : x < 0       ? "exit must be an integer in [1, 64]"
                 : label < 0   ? "label is neither a class number (0 .. C-1) nor a class name"
                               : "len must be an integer >= 1");
        return -1;
    }
    if (e->id != NULL && strcmp(e->id, id) != 0 && flush_example(cv, path, err, errlen) != 0)
        return -1;
    if (e->id == NULL) {
        if (x != 1) {
            snprintf(err, errlen,
                     "%s: line %d: example \"%.60s\" starts at exit %d; exits count "
                     "from 1 and each example's rows come together",
                     path, line, id, x);
            return -1;
        }
        if ((e->id = strdup(id)) == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        e->first_line = line;
        e->label = label;
        e->len = T;
    } else if (x != e->exits + 1 || label != e->label || T != e->len) {
        snprintf(err, errlen, "%s: line %d: %s", path, line,
                 x != e->exits + 1 ? "exits of an example must follow 1, 2, ... in order"
                                   : "label or len differs between the rows of one example");
        return -1;
    }
    int b = x - 1;
    e->line[b] = line;
    e->exits = x;
    double *v = e->values + (size_t)b * cv->h.classes;
    double *dst[3] = {&e->cost[b], &e->bops[b], &e->iops[b]};
    const int at[3] = {c->cost, c->bops, c->iops};
    static const char *const what[3] = {"cost", "bops", "iops"};
    e->bops[b] = e->iops[b] = 0;
    for (int k = 0; k < 3; k++)
        if (at[k] >= 0 && number(f[at[k]], dst[k]) != 0) {
            snprintf(err, errlen, "%s: line %d: %s is not a number", path, line, what[k]);
            return -1;
        }
    for (int k = 0; k < cv->h.classes; k++)
        if (number(f[c->value[k]], &v[k]) != 0) {
            snprintf(err, errlen, "%s: line %d: column %s_%d is not a number", path, line,
                     cv->h.probs ? "prob" : "logit", k);
            return -1;
        }
    return 0;
}

static char *const *sort_ids; /* qsort has no context argument in C11 */

static int cmp_line_id(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    int c = strcmp(sort_ids[x], sort_ids[y]);
    return c != 0 ? c : (x > y) - (x < y);
}

static int check_duplicates(const id_list *l, const char *path, char *err, size_t errlen)
{
    int *ord = malloc((size_t)(l->n > 0 ? l->n : 1) * sizeof *ord);
    if (ord == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < l->n; i++)
        ord[i] = i;
    sort_ids = l->id;
    qsort(ord, (size_t)l->n, sizeof *ord, cmp_line_id);
    int rc = 0;
    for (int k = 1; k < l->n && rc == 0; k++)
        if (strcmp(l->id[ord[k]], l->id[ord[k - 1]]) == 0) {
            snprintf(err, errlen,
                     "%s: line %d: id \"%.60s\" is already used from line %d (an "
                     "example's rows must come together)",
                     path, l->line[ord[k]], l->id[ord[k]], l->line[ord[k - 1]]);
            rc = -1;
        }
    free(ord);
    return rc;
}

/* The class names: --class-names, or "0" .. "C-1". */
static int set_class_names(conv *cv, char *err, size_t errlen)
{
    beex_byo_header *h = &cv->h;
    h->classes = cv->col.classes;
    h->probs = cv->col.probs;
    if ((h->class_names = calloc((size_t)h->classes, sizeof *h->class_names)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char *list = cv->o->class_names ? strdup(cv->o->class_names) : NULL, *f[MAX_COLS];
    int n = list != NULL ? split_csv(list, f, MAX_COLS) : 0;
    if (list != NULL && n != h->classes) {
        snprintf(err, errlen, "--class-names has %d names, the CSV %d value columns", n,
                 h->classes);
        free(list);
        return -1;
    }
    for (int c = 0; c < h->classes; c++) {
        char num[16];
        snprintf(num, sizeof num, "%d", c);
        const char *name = list ? f[c] : num;
        int dup = name[0] == '\0';
        for (int k = 0; k < c && !dup; k++)
            dup = strcmp(h->class_names[k], name) == 0;
        if (dup || (h->class_names[c] = strdup(name)) == NULL) {
            snprintf(err, errlen, "%s",
                     dup ? "--class-names: a name is empty or given twice" : "out of memory");
            free(list);
            return -1;
        }
    }
    free(list);
    return 0;
}

static int convert_rows(conv *cv, FILE *in, char *err, size_t errlen)
{
    const char *path = cv->o->in;
    char *line = NULL, *f[MAX_COLS], why[300];
    size_t cap = 0;
    int lineno = 1, n, rc = -1;
    if (getline(&line, &cap, in) < 0) {
        snprintf(err, errlen, "%s: line 1: %s", path,
                 ferror(in) ? "read error" : "empty file: the header is missing");
        goto done;
    }
    if ((n = split_csv(line, f, MAX_COLS)) < 0) {
        snprintf(err, errlen, "%s: line 1: unbalanced quotes or too many columns", path);
        goto done;
    }
    if (parse_columns(f, n, &cv->col, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: line 1: %s", path, why);
        goto done;
    }
    if (set_class_names(cv, err, errlen) != 0 ||
        beex_tc_header_options(cv->o, path, &cv->h, err, errlen) != 0 ||
        (cv->ex.values = malloc((size_t)BEEX_MAX_BLOCKS * cv->h.classes * sizeof(double))) ==
            NULL ||
        beex_atomic_open(&cv->af, cv->o->out, err, errlen) != 0)
        goto done;
    while (getline(&line, &cap, in) >= 0) {
        lineno++;
        if ((n = split_csv(line, f, MAX_COLS)) < 0) {
            snprintf(err, errlen, "%s: line %d: unbalanced quotes or too many fields", path,
                     lineno);
            goto done;
        }
        if (add_row(cv, f, n, lineno, path, err, errlen) != 0)
            goto done;
    }
    if (ferror(in))
        snprintf(err, errlen, "%s: read error", path);
    else if (cv->ex.id == NULL)
        snprintf(err, errlen, "%s: line %d: no example after the header", path, lineno + 1);
    else if (flush_example(cv, path, err, errlen) == 0 &&
             check_duplicates(&cv->ids, path, err, errlen) == 0)
        rc = 0;
done:
    free(line);
    return rc;
}

int beex_trace_convert_csv(const beex_trace_convert_options *o, char *err, size_t errlen)
{
    conv cv;
    memset(&cv, 0, sizeof cv);
    cv.o = o;
    FILE *in = beex_input_fopen(o->in, BEEX_INPUT_MAX_DATA, err, errlen);
    if (in == NULL)
        return -1;
    int rc = convert_rows(&cv, in, err, errlen);
    fclose(in);
    if (rc == 0)
        rc = beex_tc_finish(&cv.af, o->out, err, errlen);
    else if (cv.af.f != NULL)
        beex_atomic_abort(&cv.af);
    for (int i = 0; i < cv.ids.n; i++)
        free(cv.ids.id[i]);
    free(cv.ids.id);
    free(cv.ids.line);
    free(cv.ex.id);
    free(cv.ex.values);
    beex_byo_header_free(&cv.h);
    return rc;
}
