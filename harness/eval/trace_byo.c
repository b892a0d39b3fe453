/* The beex-exit-trace/1 reader (docs/traces.md). One pass over the lines: the header, then
 * each example checked and appended; ids are checked for duplicates once all are read. */
#include "harness/eval/trace_byo.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness/base/canon_math.h"
#include "harness/base/input_file.h"
#include "harness/model/exit.h"
#include "harness/model/model.h"

/* n numbers of a JSON array into out. Returns 0, or -1 with why set. */
static int number_array(const json_t *a, const char *name, int n, double *out, char *why,
                        size_t len)
{
    if (!json_is_array(a)) {
        snprintf(why, len, "\"%s\" must be an array of %d numbers (one per exit)", name, n);
        return -1;
    }
    if ((int)json_array_size(a) != n) {
        snprintf(why, len, "\"%s\" has %zu entries, the header says %d exits", name,
                 json_array_size(a), n);
        return -1;
    }
    for (int k = 0; k < n; k++) {
        const json_t *x = json_array_get(a, (size_t)k);
        if (!json_is_number(x)) {
            snprintf(why, len, "\"%s\" of exit %d is not a number", name, k + 1);
            return -1;
        }
        out[k] = json_number_value(x);
    }
    return 0;
}

static int known_key(const char *key, const char *const *keys)
{
    if (strncmp(key, "x_", 2) == 0) /* extensions: read by their writers, ignored here */
        return 1;
    for (; *keys != NULL; keys++)
        if (strcmp(key, *keys) == 0)
            return 1;
    return 0;
}

/* A key not in `keys` (NULL-terminated), or NULL. */
static const char *unknown_key(const json_t *o, const char *const *keys)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)o, key, v)
    {
        (void)v;
        if (!known_key(key, keys))
            return key;
    }
    return NULL;
}

/* An integer field in [lo, hi] into *out. Returns 0, or -1 with why set. */
static int int_field(const json_t *o, const char *name, long long lo, long long hi, int *out,
                     char *why, size_t len)
{
    const json_t *v = json_object_get(o, name);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        snprintf(why, len, "\"%s\" must be an integer in [%lld, %lld]", name, lo, hi);
        return -1;
    }
    *out = (int)json_integer_value(v);
    return 0;
}

/* The names of the classes: "class_names" (distinct, non-empty) or "0" .. "C-1". */
static int class_names(const json_t *o, beex_byo_header *h, char *why, size_t len)
{
    const json_t *a = json_object_get(o, "class_names");
    h->class_names = calloc((size_t)h->classes, sizeof *h->class_names);
    if (h->class_names == NULL) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    if (a != NULL && (!json_is_array(a) || (int)json_array_size(a) != h->classes)) {
        snprintf(why, len, "\"class_names\" must be an array of %d strings (\"classes\")",
                 h->classes);
        return -1;
    }
    for (int c = 0; c < h->classes; c++) {
        char def[16];
        snprintf(def, sizeof def, "%d", c);
        const char *s = a != NULL ? json_string_value(json_array_get(a, (size_t)c)) : def;
        if (s == NULL || s[0] == '\0') {
            snprintf(why, len, "\"class_names\" entry %d is not a non-empty string", c);
            return -1;
        }
        for (int k = 0; k < c; k++)
            if (strcmp(h->class_names[k], s) == 0) {
                snprintf(why, len, "\"class_names\" holds \"%.100s\" twice", s);
                return -1;
            }
        if ((h->class_names[c] = strdup(s)) == NULL) {
            snprintf(why, len, "out of memory");
            return -1;
        }
    }
    return 0;
}

/* An optional string field into out (cap bytes; longer ones are cut); allowed (NULL-terminated,
 * or NULL for any) lists its values. Returns 0, or -1 with why set. */
static int string_field(const json_t *o, const char *name, int required, const char *const *allowed,
                        char *out, size_t cap, char *why, size_t len)
{
    const json_t *v = json_object_get(o, name);
    out[0] = '\0';
    if (v == NULL && !required)
        return 0;
    const char *s = json_string_value(v);
    int ok = s != NULL;
    if (ok && allowed != NULL) {
        ok = 0;
        for (const char *const *a = allowed; *a != NULL; a++)
            ok |= strcmp(s, *a) == 0;
    }
    if (!ok) {
        char list[128] = "";
        for (const char *const *a = allowed; a != NULL && *a != NULL; a++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"",
                     a == allowed ? "" : " or ", *a);
        snprintf(why, len, "\"%s\" %s %s", name, v == NULL ? "is missing: it must be" : "must be",
                 allowed != NULL ? list : "a string");
        return -1;
    }
    snprintf(out, cap, "%s", s);
    return 0;
}

static int shared_costs(const json_t *o, beex_byo_header *h, char *why, size_t len)
{
    const char *names[3] = {"cost", "bops", "iops"};
    double *dst[3] = {h->cost, h->bops, h->iops};
    for (int k = 0; k < 3; k++) {
        const json_t *a = json_object_get(o, names[k]);
        if (a == NULL)
            continue;
        if (number_array(a, names[k], h->exits, dst[k], why, len) != 0 ||
            beex_byo_check_costs(names[k], dst[k], h->exits, k == 0, why, len) != 0)
            return -1;
        if (k == 0)
            h->has_cost = 1;
    }
    return 0;
}

/* "x_beex_model", beex's own extension: absent, or 16 lowercase hex digits. */
static int model_fingerprint(const json_t *o, beex_byo_header *h, char *why, size_t len)
{
    const json_t *v = json_object_get(o, "x_beex_model");
    h->model[0] = '\0';
    if (v == NULL)
        return 0;
    const char *s = json_string_value(v);
    int ok = s != NULL && strlen(s) == 16;
    for (int k = 0; ok && k < 16; k++)
        ok = (s[k] >= '0' && s[k] <= '9') || (s[k] >= 'a' && s[k] <= 'f');
    if (!ok) {
        snprintf(why, len, "\"x_beex_model\" must be a model fingerprint, 16 lowercase hex digits");
        return -1;
    }
    memcpy(h->model, s, 17);
    return 0;
}

/* The header's fields, from its parsed object. Returns 0, or -1 with why set. */
static int header_fields(const json_t *o, beex_byo_header *h, char *why, size_t len)
{
    static const char *const keys[] = {"schema",    "classes", "exits", "class_names", "values",
                                       "cost_unit", "source",  "split", "metric",      "positive",
                                       "cost",      "bops",    "iops",  NULL};
    static const char *const values[] = {"logits", "probs", NULL};
    static const char *const units[] = {"flops", NULL};
    static const char *const splits[] = {"dev", "test", NULL};
    static const char *const metrics[] = {"accuracy", "f1", "mcc", NULL};
    const char *bad = unknown_key(o, keys);
    char v[16], unit[16];
    if (bad != NULL) {
        snprintf(why, len, "unknown key \"%.100s\" in the header (docs/traces.md lists them)", bad);
        return -1;
    }
    if (int_field(o, "classes", 2, BEEX_MAX_CLASSES, &h->classes, why, len) != 0 ||
        int_field(o, "exits", 2, BEEX_MAX_BLOCKS, &h->exits, why, len) != 0 ||
        string_field(o, "values", 1, values, v, sizeof v, why, len) != 0 ||
        string_field(o, "cost_unit", 1, units, unit, sizeof unit, why, len) != 0 ||
        string_field(o, "split", 1, splits, h->split, sizeof h->split, why, len) != 0 ||
        string_field(o, "source", 0, NULL, h->source, sizeof h->source, why, len) != 0 ||
        string_field(o, "metric", 0, metrics, h->metric, sizeof h->metric, why, len) != 0 ||
        string_field(o, "positive", 0, NULL, h->positive, sizeof h->positive, why, len) != 0 ||
        class_names(o, h, why, len) != 0 || shared_costs(o, h, why, len) != 0 ||
        model_fingerprint(o, h, why, len) != 0)
        return -1;
    h->probs = strcmp(v, "probs") == 0;
    if (h->positive[0] != '\0') {
        int found = 0;
        for (int c = 0; c < h->classes; c++)
            found |= strcmp(h->class_names[c], h->positive) == 0;
        if (!found || h->classes != 2) {
            snprintf(why, len, "\"positive\" \"%.100s\" %s", h->positive,
                     h->classes != 2 ? "applies to two classes only (more: macro F1)"
                                     : "is not one of \"class_names\"");
            return -1;
        }
    }
    return 0;
}

/* Line 1. Returns 0, or -1 with err set. */
static int read_header(const char *path, const char *line, size_t n, beex_byo_header *h, char *err,
                       size_t errlen)
{
    json_error_t je;
    json_t *o = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je);
    const char *schema = json_is_object(o) ? json_string_value(json_object_get(o, "schema")) : NULL;
    char why[400];
    int rc = -1;
    if (schema == NULL)
        snprintf(err, errlen,
                 "%s: line 1: header missing: the first line must be a JSON object with "
                 "\"schema\": \"%s\" (docs/traces.md)",
                 path, BEEX_BYO_SCHEMA);
    else if (strcmp(schema, BEEX_BYO_SCHEMA) != 0)
        snprintf(err, errlen, "%s: line 1: %s \"%.60s\" (this beex reads \"%s\")", path,
                 strncmp(schema, "beex-exit-trace/", 16) == 0 ? "unknown version"
                                                              : "header missing: schema is",
                 schema, BEEX_BYO_SCHEMA);
    else if (header_fields(o, h, why, sizeof why) != 0)
        snprintf(err, errlen, "%s: line 1: %s", path, why);
    else
        rc = 0;
    json_decref(o);
    return rc;
}

/* The examples as they are read: grown by doubling. */
typedef struct {
    int n, cap;
    float *logits;
    int32_t *label, *len;
    beex_cost *cost;
    char **ids;
    int *line;
    double *v; /* one example's values */
} ex_buf;

static void ex_buf_free(ex_buf *b)
{
    free(b->logits);
    free(b->label);
    free(b->len);
    free(b->cost);
    for (int i = 0; i < b->n; i++)
        free(b->ids[i]);
    free(b->ids);
    free(b->line);
    free(b->v);
}

static int ex_buf_grow(ex_buf *b, const beex_byo_header *h)
{
    if (b->n < b->cap)
        return 0;
    if (b->cap > INT32_MAX / 2)
        return -1;
    int cap = b->cap ? 2 * b->cap : 64;
    size_t NC = (size_t)h->exits * h->classes;
    float *lg = realloc(b->logits, (size_t)cap * NC * sizeof *lg);
    if (lg != NULL)
        b->logits = lg;
    int32_t *la = realloc(b->label, (size_t)cap * sizeof *la);
    if (la != NULL)
        b->label = la;
    int32_t *le = realloc(b->len, (size_t)cap * sizeof *le);
    if (le != NULL)
        b->len = le;
    beex_cost *co = realloc(b->cost, (size_t)cap * h->exits * sizeof *co);
    if (co != NULL)
        b->cost = co;
    char **id = realloc(b->ids, (size_t)cap * sizeof *id);
    if (id != NULL)
        b->ids = id;
    int *li = realloc(b->line, (size_t)cap * sizeof *li);
    if (li != NULL)
        b->line = li;
    if (!lg || !la || !le || !co || !id || !li)
        return -1;
    b->cap = cap;
    return 0;
}

/* The example's id as text: a string as it is, an integer in decimal (7 and "7" are one id). */
static char *id_text(const json_t *id)
{
    char num[32];
    if (json_is_integer(id)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(id));
        return strdup(num);
    }
    const char *s = json_string_value(id);
    return s != NULL && s[0] != '\0' ? strdup(s) : NULL;
}

/* The example's costs into cost[exits]: its own "cost"/"bops"/"iops", else the header's. */
static int example_costs(const json_t *o, const beex_byo_header *h, beex_cost *cost, char *why,
                         size_t len)
{
    double v[3][BEEX_MAX_BLOCKS];
    const char *names[3] = {"cost", "bops", "iops"};
    const double *shared[3] = {h->has_cost ? h->cost : NULL, h->bops, h->iops};
    for (int k = 0; k < 3; k++) {
        const json_t *a = json_object_get(o, names[k]);
        if (a == NULL) {
            if (k == 0 && !h->has_cost) {
                snprintf(why, len, "\"cost\" missing (the header has no shared \"cost\")");
                return -1;
            }
            memcpy(v[k], shared[k], (size_t)h->exits * sizeof(double));
            continue;
        }
        if (number_array(a, names[k], h->exits, v[k], why, len) != 0 ||
            beex_byo_check_costs(names[k], v[k], h->exits, k == 0, why, len) != 0)
            return -1;
    }
    /* Seconds are checked like costs, not used: the sweep reports no time for a trace. */
    const json_t *sec = json_object_get(o, "seconds");
    double secs[BEEX_MAX_BLOCKS];
    if (sec != NULL && (number_array(sec, "seconds", h->exits, secs, why, len) != 0 ||
                        beex_byo_check_costs("seconds", secs, h->exits, 0, why, len) != 0))
        return -1;
    for (int b = 0; b < h->exits; b++)
        cost[b] = (beex_cost){v[0][b], v[1][b], beex_cost_ops(v[0][b], v[2][b], v[1][b]), v[2][b]};
    return 0;
}

/* The exits' values of one example into v (exits x classes). Returns 0, or -1 with why set. */
static int example_values(const json_t *o, const beex_byo_header *h, double *v, char *why,
                          size_t len)
{
    const json_t *ex = json_object_get(o, "exits");
    if (!json_is_array(ex)) {
        snprintf(why, len, "\"exits\" %s", ex == NULL ? "missing" : "is not an array");
        return -1;
    }
    if ((int)json_array_size(ex) != h->exits) {
        snprintf(why, len, "\"exits\" has %zu exits, the header says %d", json_array_size(ex),
                 h->exits);
        return -1;
    }
    for (int e = 0; e < h->exits; e++) {
        const json_t *row = json_array_get(ex, (size_t)e);
        if (!json_is_array(row) || (int)json_array_size(row) != h->classes) {
            snprintf(why, len, "exit %d has %zu values, the header says %d classes", e + 1,
                     json_is_array(row) ? json_array_size(row) : (size_t)0, h->classes);
            return -1;
        }
        for (int c = 0; c < h->classes; c++) {
            const json_t *x = json_array_get(row, (size_t)c);
            if (!json_is_number(x)) {
                snprintf(why, len, "exit %d, class %d is not a number", e + 1, c);
                return -1;
            }
            v[(size_t)e * h->classes + c] = json_number_value(x);
        }
    }
    int bad;
    return beex_byo_check_values(v, h->exits, h->classes, h->probs, &bad, why, len);
}

/* One example line, parsed, checked and appended to b. Returns 0, or -1 with why set. */
static int parse_example(const json_t *o, const beex_byo_header *h, ex_buf *b, char *why,
                         size_t len)
{
    static const char *const keys[] = {"id",   "label",   "exits", "cost", "bops",
                                       "iops", "seconds", "len",   NULL};
    const char *bad = unknown_key(o, keys);
    if (bad != NULL) {
        snprintf(why, len, "unknown key \"%.100s\" (docs/traces.md lists them)", bad);
        return -1;
    }
    const json_t *id = json_object_get(o, "id"), *lab = json_object_get(o, "label");
    char *idt = id_text(id);
    if (idt == NULL) {
        snprintf(why, len, "\"id\" %s",
                 id == NULL ? "missing" : "must be a non-empty string or an integer");
        return -1;
    }
    int label, T = 1;
    if (json_is_integer(lab) &&
        (json_integer_value(lab) < 0 || json_integer_value(lab) >= h->classes)) {
        snprintf(why, len, "label %lld is out of range: the header has %d classes (0 .. %d)",
                 (long long)json_integer_value(lab), h->classes, h->classes - 1);
        free(idt);
        return -1;
    }
    if (int_field(o, "label", 0, h->classes - 1, &label, why, len) != 0 ||
        (json_object_get(o, "len") != NULL &&
         int_field(o, "len", 1, INT32_MAX, &T, why, len) != 0) ||
        example_values(o, h, b->v, why, len) != 0 ||
        example_costs(o, h, b->cost + (size_t)b->n * h->exits, why, len) != 0) {
        free(idt);
        return -1;
    }
    size_t NC = (size_t)h->exits * h->classes;
    float *z = b->logits + (size_t)b->n * NC;
    for (size_t k = 0; k < NC; k++) {
        double x = b->v[k];
        /* Probabilities become their logs: softmax(ln p) = p, and every rule, the entropy
         * and a calibration temperature then read logits alike. */
        z[k] = (float)(!h->probs ? x : x > 0 ? beex_canon_log(x) : BEEX_BYO_LOG_ZERO);
    }
    b->label[b->n] = label;
    b->len[b->n] = T;
    b->ids[b->n] = idt;
    b->n++;
    return 0;
}

static const ex_buf *sort_ids_buf;

static int cmp_id(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    int c = strcmp(sort_ids_buf->ids[x], sort_ids_buf->ids[y]);
    return c != 0 ? c : (x > y) - (x < y);
}

/* Refuses an id used twice, naming both lines. Returns 0, or -1 with err set. */
static int check_ids(const char *path, const ex_buf *b, char *err, size_t errlen)
{
    int *ord = malloc((size_t)b->n * sizeof *ord);
    if (ord == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    for (int i = 0; i < b->n; i++)
        ord[i] = i;
    sort_ids_buf = b;
    qsort(ord, (size_t)b->n, sizeof *ord, cmp_id);
    int rc = 0;
    for (int k = 1; k < b->n && rc == 0; k++)
        if (strcmp(b->ids[ord[k]], b->ids[ord[k - 1]]) == 0) {
            snprintf(err, errlen, "%s: line %d: id \"%.100s\" is already used on line %d", path,
                     b->line[ord[k]], b->ids[ord[k]], b->line[ord[k - 1]]);
            rc = -1;
        }
    free(ord);
    return rc;
}

/* Moves the examples into out->t and computes the entropies. Returns 0, or -1 (memory). */
static int finish_trace(ex_buf *b, beex_byo_trace *out)
{
    beex_trace *t = &out->t;
    int N = out->h.exits, C = out->h.classes;
    t->index = malloc((size_t)b->n * sizeof *t->index);
    t->entropy = malloc((size_t)b->n * N * sizeof *t->entropy);
    if (t->index == NULL || t->entropy == NULL)
        return -1;
    t->n = b->n;
    t->blocks = N;
    t->classes = C;
    t->logits = b->logits;
    t->label = b->label;
    t->len = b->len;
    t->cost = b->cost;
    b->logits = NULL;
    b->label = b->len = NULL;
    b->cost = NULL;
    for (int i = 0; i < t->n; i++) {
        t->index[i] = i;
        for (int e = 0; e < N; e++)
            t->entropy[(size_t)i * N + e] =
                beex_softmax_summary(t->logits + ((size_t)i * N + e) * C, C, NULL);
    }
    snprintf(t->origin, sizeof t->origin, "%s split=%s", BEEX_BYO_SCHEMA, out->h.split);
    return 0;
}

/* The examples after the header. Returns 0, or -1 with err set. */
static int read_examples(FILE *f, const char *path, beex_byo_trace *out, ex_buf *b, char *err,
                         size_t errlen)
{
    char *line = NULL, why[400];
    size_t cap = 0;
    ssize_t got;
    int lineno = 1, rc = -1;
    while ((got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t n = (size_t)got;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (strspn(line, " \t\r\n") >= n) {
            snprintf(err, errlen, "%s: line %d: empty line (one JSON object per line)", path,
                     lineno);
            goto done;
        }
        json_error_t je;
        json_t *o = json_loadb(line, n, JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(o)) {
            line[n] = '\0';
            int nan = strstr(line, "NaN") != NULL || strstr(line, "Infinity") != NULL;
            snprintf(err, errlen, "%s: line %d: %s%s", path, lineno,
                     o != NULL ? "not a JSON object" : je.text,
                     nan ? " (NaN and Infinity are not JSON numbers; a trace's values must be "
                           "finite)"
                         : "");
            json_decref(o);
            goto done;
        }
        if (b->n == INT32_MAX - 1 || ex_buf_grow(b, &out->h) != 0) {
            json_decref(o);
            snprintf(err, errlen, "%s: line %d: out of memory", path, lineno);
            goto done;
        }
        b->line[b->n] = lineno;
        int r = parse_example(o, &out->h, b, why, sizeof why);
        json_decref(o);
        if (r != 0) {
            snprintf(err, errlen, "%s: line %d: %s", path, lineno, why);
            goto done;
        }
    }
    if (ferror(f))
        snprintf(err, errlen, "%s: read error", path);
    else if (b->n == 0)
        snprintf(err, errlen, "%s: line %d: no example after the header", path, lineno + 1);
    else
        rc = 0;
done:
    free(line);
    return rc;
}

int beex_byo_read(const char *path, beex_byo_trace *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = beex_input_fopen(path, BEEX_INPUT_MAX_DATA, err, errlen);
    if (f == NULL)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    ex_buf b;
    memset(&b, 0, sizeof b);
    int rc = -1;
    ssize_t got = getline(&line, &cap, f);
    size_t n = got > 0 ? (size_t)got : 0;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    if (got <= 0)
        snprintf(err, errlen, "%s: line 1: header missing (%s)", path,
                 ferror(f) ? "read error" : "the file is empty");
    else if (read_header(path, line, n, &out->h, err, errlen) == 0) {
        b.v = malloc((size_t)out->h.exits * out->h.classes * sizeof *b.v);
        if (b.v == NULL)
            snprintf(err, errlen, "%s: out of memory", path);
        else if (read_examples(f, path, out, &b, err, errlen) == 0 &&
                 check_ids(path, &b, err, errlen) == 0) {
            rc = finish_trace(&b, out);
            if (rc != 0)
                snprintf(err, errlen, "%s: out of memory", path);
        }
    }
    free(line);
    ex_buf_free(&b);
    fclose(f);
    if (rc != 0)
        beex_byo_free(out);
    return rc;
}
