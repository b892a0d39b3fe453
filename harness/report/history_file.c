/* The performance history file (history_file.h): reading it whole, checked line by line,
 * appending one record, finding a commit, and turning the records into series. */
#include "harness/report/history_file.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/base/input_file.h"

/* ---- reading ------------------------------------------------------------------------------ */

static int is_hex_string(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static const char *opt_string(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s != NULL ? s : "";
}

/* "counts": {"BENCH": {"metric": number, ...}}; "timed": {"BENCH": {"median": s, "reps": [s]}};
 * "absent": {"BENCH": "why"}. Checked here so that every reader may rely on the shapes.
 * Returns NULL or what is wrong. */
static const char *check_measurements(json_t *rec)
{
    const char *bench;
    json_t *v, *m;
    json_t *counts = json_object_get(rec, "counts");
    if (counts != NULL && !json_is_object(counts))
        return "\"counts\" is not an object";
    json_object_foreach(counts, bench, v)
    {
        const char *metric;
        if (!json_is_object(v))
            return "a \"counts\" entry is not an object";
        json_object_foreach(v, metric, m)
        {
            if (!json_is_number(m))
                return "a count is not a number";
        }
    }
    json_t *timed = json_object_get(rec, "timed");
    if (timed != NULL && !json_is_object(timed))
        return "\"timed\" is not an object";
    json_object_foreach(timed, bench, v)
    {
        if (!json_is_object(v) || !json_is_number(json_object_get(v, "median")))
            return "a \"timed\" entry has no numeric \"median\"";
        json_t *reps = json_object_get(v, "reps");
        size_t i;
        if (reps != NULL && !json_is_array(reps))
            return "a \"timed\" entry's \"reps\" is not an array";
        json_array_foreach(reps, i, m)
        {
            if (!json_is_number(m))
                return "a repetition is not a number";
        }
    }
    json_t *absent = json_object_get(rec, "absent");
    if (absent != NULL && !json_is_object(absent))
        return "\"absent\" is not an object";
    return NULL;
}

/* Fills r from a parsed line. Returns NULL or what is wrong with it. */
static const char *check_record(json_t *j, beex_history_record *r)
{
    if (!json_is_object(j))
        return "not a JSON object";
    const char *schema = json_string_value(json_object_get(j, "schema"));
    if (schema == NULL)
        return "no \"schema\"";
    if (strcmp(schema, BEEX_HISTORY_SCHEMA) != 0)
        return "wrong \"schema\" (expected " BEEX_HISTORY_SCHEMA ")";
    r->commit = json_string_value(json_object_get(j, "commit"));
    if (r->commit == NULL)
        return "no \"commit\"";
    if (!is_hex_string(r->commit, 40, 40))
        return "\"commit\" is not 40 hex digits";
    r->commit_date = json_string_value(json_object_get(j, "commit_date"));
    if (r->commit_date == NULL)
        return "no \"commit_date\"";
    r->machine = json_string_value(json_object_get(json_object_get(j, "machine"), "fingerprint"));
    if (r->machine == NULL)
        return "no \"machine\".\"fingerprint\"";
    const char *build = json_string_value(json_object_get(j, "build"));
    if (build == NULL)
        return "no \"build\"";
    if (strcmp(build, "ok") == 0)
        r->built = 1;
    else if (strcmp(build, "failed") == 0)
        r->built = 0;
    else
        return "\"build\" is neither \"ok\" nor \"failed\"";
    r->subject = opt_string(j, "subject");
    r->compiler = opt_string(j, "compiler");
    r->json = j;
    return check_measurements(j);
}

static int only_space(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return 0;
    return 1;
}

static int push_record(beex_history *h, size_t *cap, const beex_history_record *r)
{
    if (h->count == *cap) {
        size_t ncap = *cap ? 2 * *cap : 64;
        beex_history_record *p = realloc(h->records, ncap * sizeof *p);
        if (p == NULL)
            return -1;
        h->records = p;
        *cap = ncap;
    }
    h->records[h->count++] = *r;
    return 0;
}

/* Parses every line of f into h; on a bad line, err names path and the line number. */
static int read_lines(FILE *f, const char *path, beex_history *h, char *err, size_t errlen)
{
    char *line = NULL;
    size_t lcap = 0, rcap = 0;
    ssize_t len;
    long lineno = 0;
    int rc = 0;
    errno = 0;
    while ((len = getline(&line, &lcap, f)) != -1) {
        lineno++;
        /* A blank line holds no record (a hand edit's trailing newline); anything else must
         * parse, so a truncated append shows up as an error on its line. */
        if (only_space(line))
            continue;
        json_error_t je;
        json_t *j = json_loadb(line, (size_t)len, 0, &je);
        if (j == NULL) {
            snprintf(err, errlen, "%s:%ld: not a JSON line: %s", path, lineno, je.text);
            rc = -1;
            break;
        }
        beex_history_record r = {0};
        const char *why = check_record(j, &r);
        if (why != NULL) {
            snprintf(err, errlen, "%s:%ld: %s", path, lineno, why);
            json_decref(j);
            rc = -1;
            break;
        }
        if (push_record(h, &rcap, &r) != 0) {
            snprintf(err, errlen, "%s:%ld: out of memory", path, lineno);
            json_decref(j);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
        rc = -1;
    }
    free(line);
    return rc;
}

/* Commit order is committer-date order, file order breaking ties: backfills of different
 * ranges append in the order they ran (a later range first, say), and a record --force
 * re-measures an old commit at the end, so file order alone is not commit order. ISO 8601
 * UTC dates compare as strings; the index keeps the sort stable (qsort is not). */
typedef struct {
    beex_history_record r;
    size_t line;
} dated_record;

static int by_date(const void *a, const void *b)
{
    const dated_record *x = a, *y = b;
    int c = strcmp(x->r.commit_date, y->r.commit_date);
    if (c != 0)
        return c;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int sort_by_commit_date(beex_history *h, char *err, size_t errlen)
{
    if (h->count < 2)
        return 0;
    dated_record *d = malloc(h->count * sizeof *d);
    if (d == NULL) {
        snprintf(err, errlen, "history: out of memory sorting %zu records", h->count);
        return -1;
    }
    for (size_t i = 0; i < h->count; i++)
        d[i] = (dated_record){h->records[i], i};
    qsort(d, h->count, sizeof *d, by_date);
    for (size_t i = 0; i < h->count; i++)
        h->records[i] = d[i].r;
    free(d);
    return 0;
}

int beex_history_read(const char *path, int missing_ok, beex_history *h, char *err, size_t errlen)
{
    h->records = NULL;
    h->count = 0;
    FILE *f = beex_input_fopen(path, BEEX_INPUT_MAX_JSON, err, errlen);
    if (f == NULL)
        return missing_ok && errno == ENOENT ? 0 : -1;
    int rc = read_lines(f, path, h, err, errlen);
    fclose(f);
    if (rc == 0)
        rc = sort_by_commit_date(h, err, errlen);
    if (rc != 0)
        beex_history_free(h);
    return rc;
}

void beex_history_free(beex_history *h)
{
    for (size_t i = 0; i < h->count; i++)
        json_decref(h->records[i].json);
    free(h->records);
    h->records = NULL;
    h->count = 0;
}

/* ---- appending ---------------------------------------------------------------------------- */

/* mkdir -p of path's folder. */
static int make_parent_dirs(const char *path, char *err, size_t errlen)
{
    char *dir = strdup(path);
    if (dir == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir) {
        free(dir);
        return 0;
    }
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0777) != 0 && errno != EEXIST)
            goto fail;
        *p = '/';
    }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        goto fail;
    free(dir);
    return 0;
fail:
    snprintf(err, errlen, "%s: cannot create folder %s: %s", path, dir, strerror(errno));
    free(dir);
    return -1;
}

/* A file whose last byte is not '\n' ends in a partial record (an append cut short): adding
 * after it would weld two records into one bad line, so it is refused. */
static int ends_whole(int fd, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        return -1;
    }
    if (st.st_size == 0)
        return 0;
    char last;
    if (pread(fd, &last, 1, st.st_size - 1) != 1) {
        snprintf(err, errlen, "%s: cannot read its last byte: %s", path, strerror(errno));
        return -1;
    }
    if (last != '\n') {
        snprintf(err, errlen,
                 "%s: ends in a partial line (an interrupted append?); repair it first", path);
        return -1;
    }
    return 0;
}

static int write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

int beex_history_append(const char *path, json_t *record, char *err, size_t errlen)
{
    const char *schema = json_string_value(json_object_get(record, "schema"));
    const char *commit = json_string_value(json_object_get(record, "commit"));
    if (schema == NULL || strcmp(schema, BEEX_HISTORY_SCHEMA) != 0 || commit == NULL) {
        snprintf(err, errlen, "%s: refusing to append a record without schema %s and a commit",
                 path, BEEX_HISTORY_SCHEMA);
        return -1;
    }
    if (make_parent_dirs(path, err, errlen) != 0)
        return -1;
    char *text = json_dumps(record, JSON_COMPACT);
    if (text == NULL) {
        snprintf(err, errlen, "%s: cannot serialise the record", path);
        return -1;
    }
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0666);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open for appending: %s", path, strerror(errno));
        free(text);
        return -1;
    }
    int rc = ends_whole(fd, path, err, errlen);
    if (rc == 0) {
        /* One write of line and newline together, so that a reader never sees half a line
         * from a concurrent append of ordinary size. */
        size_t n = strlen(text);
        char *line = malloc(n + 2);
        if (line == NULL) {
            snprintf(err, errlen, "%s: out of memory", path);
            rc = -1;
        } else {
            memcpy(line, text, n);
            line[n] = '\n';
            if (write_all(fd, line, n + 1) != 0 || fsync(fd) != 0) {
                snprintf(err, errlen, "%s: cannot append: %s", path, strerror(errno));
                rc = -1;
            }
            free(line);
        }
    }
    if (close(fd) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: close: %s", path, strerror(errno));
        rc = -1;
    }
    free(text);
    return rc;
}

/* ---- finding ------------------------------------------------------------------------------ */

long beex_history_find(const beex_history *h, const char *commit, const char *machine)
{
    if (commit == NULL || !is_hex_string(commit, 7, 40))
        return -1;
    size_t n = strlen(commit);
    for (size_t i = h->count; i-- > 0;) {
        const beex_history_record *r = &h->records[i];
        if (machine != NULL && strcmp(r->machine, machine) != 0)
            continue;
        if (strncasecmp(r->commit, commit, n) == 0)
            return (long)i;
    }
    return -1;
}

/* ---- series ------------------------------------------------------------------------------- */

typedef struct {
    beex_history_series *s;
    size_t count, cap;
    json_t *index; /* key -> position in s */
} series_set;

static beex_history_series *series_get(series_set *set, const char *key, int timed)
{
    json_t *pos = json_object_get(set->index, key);
    if (pos != NULL)
        return &set->s[json_integer_value(pos)];
    if (set->count == set->cap) {
        size_t ncap = set->cap ? 2 * set->cap : 32;
        beex_history_series *p = realloc(set->s, ncap * sizeof *p);
        if (p == NULL)
            return NULL;
        set->s = p;
        set->cap = ncap;
    }
    beex_history_series *s = &set->s[set->count];
    memset(s, 0, sizeof *s);
    s->key = strdup(key);
    s->timed = timed;
    if (s->key == NULL ||
        json_object_set_new(set->index, key, json_integer((json_int_t)set->count)) != 0) {
        free(s->key);
        return NULL;
    }
    set->count++;
    return s;
}

/* Appends one point; each series grows by one point per record at most, so capacity is
 * simply the number of records (allocated on the first point). */
static int series_push(beex_history_series *s, size_t nrec, double x, size_t rec, json_t *reps)
{
    if (s->x == NULL) {
        s->x = malloc(nrec * sizeof *s->x);
        s->rec = malloc(nrec * sizeof *s->rec);
        if (s->timed) {
            s->reps = calloc(nrec, sizeof *s->reps);
            s->nreps = calloc(nrec, sizeof *s->nreps);
        }
        if (s->x == NULL || s->rec == NULL || (s->timed && (s->reps == NULL || s->nreps == NULL)))
            return -1;
    }
    size_t i = s->n;
    s->x[i] = x;
    s->rec[i] = rec;
    if (s->timed) {
        size_t nr = json_array_size(reps);
        if (nr > 0) {
            s->reps[i] = malloc(nr * sizeof **s->reps);
            if (s->reps[i] == NULL)
                return -1;
            for (size_t k = 0; k < nr; k++)
                s->reps[i][k] = json_number_value(json_array_get(reps, k));
        }
        s->nreps[i] = nr;
    }
    s->n++;
    return 0;
}

/* Adds record rec's values of one section ("counts" or "timed") to the set. */
static int add_section(series_set *set, const beex_history *h, size_t rec, const char *section)
{
    int timed = strcmp(section, "timed") == 0;
    json_t *sec = json_object_get(h->records[rec].json, section);
    const char *bench, *metric;
    json_t *v, *m;
    json_object_foreach(sec, bench, v)
    {
        json_t *reps = timed ? json_object_get(v, "reps") : NULL;
        json_object_foreach(v, metric, m)
        {
            if (!json_is_number(m))
                continue; /* "reps" of a timed entry */
            size_t klen = strlen(bench) + strlen(metric) + 2;
            char *key = malloc(klen);
            if (key == NULL)
                return -1;
            snprintf(key, klen, "%s:%s", bench, metric);
            beex_history_series *s = series_get(set, key, timed);
            free(key);
            if (s == NULL || series_push(s, h->count, json_number_value(m), rec, reps) != 0)
                return -1;
        }
    }
    return 0;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const beex_history_series *)a)->key, ((const beex_history_series *)b)->key);
}

int beex_history_series_all(const beex_history *h, const char *machine, beex_history_series **out,
                            size_t *count, char *err, size_t errlen)
{
    *out = NULL;
    *count = 0;
    if (h->count == 0)
        return 0;
    if (machine == NULL)
        machine = h->records[h->count - 1].machine;
    series_set set = {NULL, 0, 0, json_object()};
    if (set.index == NULL)
        goto oom;
    for (size_t r = 0; r < h->count; r++) {
        /* A failed build has no measurements by definition; it contributes no point. */
        if (!h->records[r].built || strcmp(h->records[r].machine, machine) != 0)
            continue;
        if (add_section(&set, h, r, "counts") != 0 || add_section(&set, h, r, "timed") != 0)
            goto oom;
    }
    json_decref(set.index);
    if (set.count > 0)
        qsort(set.s, set.count, sizeof *set.s, by_key);
    *out = set.s;
    *count = set.count;
    return 0;
oom:
    json_decref(set.index);
    beex_history_series_free(set.s, set.count);
    snprintf(err, errlen, "history series: out of memory");
    return -1;
}

void beex_history_series_free(beex_history_series *s, size_t count)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < count; i++) {
        if (s[i].reps != NULL)
            for (size_t k = 0; k < s[i].n; k++)
                free(s[i].reps[k]);
        free(s[i].key);
        free(s[i].x);
        free(s[i].rec);
        free(s[i].reps);
        free(s[i].nreps);
    }
    free(s);
}
